// SPDX-License-Identifier: GPL-2.0-only
/* vardkase-xdp stats: the pinned dataplane's per-CPU statistics, summed,
 * and every non-zero indicator counter, as one JSON object. Reads the
 * pinned maps and the state file only; it needs no running daemon. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vk_dp.h"
#include "cmds.h"
#include "../lib/vk_log.h"

static json_t *counters(const char *pin, const char *state)
{
	char path[512], line[8192];
	json_t *arr = json_array();
	int fd, ncpu = libbpf_num_possible_cpus();
	uint64_t *v = calloc((size_t)(ncpu > 0 ? ncpu : 1), 8);
	FILE *f;

	snprintf(path, sizeof(path), "%s/vk_counters", pin);
	fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/ids.state", state);
	f = fopen(path, "r");
	if (fd < 0 || !f || !v)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		unsigned id, kind, plen, port, flags, nattr, j;
		char hex[40], name[300];
		uint64_t sum = 0;
		int c;

		if (sscanf(line, "%u\t%u\t%u\t%u\t%32s\t%299s\t%u\t%u", &id, &kind, &plen,
			   &port, hex, name, &flags, &nattr) != 8)
			continue;
		if (id && !bpf_map_lookup_elem(fd, &id, v))
			for (c = 0; c < ncpu; c++)
				sum += v[c];
		for (j = 0; j < nattr && fgets(line, sizeof(line), f); j++) {
			json_t *o;
			char *tab = strchr(line, '\t'), *tab2 = tab ? strchr(tab + 1, '\t') : NULL;

			if (!sum || !tab2)
				continue;
			*tab = 0;
			tab2[strcspn(tab2, "\n")] = 0;
			o = json_object();
			json_object_set_new(o, "id", json_integer(id));
			json_object_set_new(o, "attribute_uuid", json_string(line));
			json_object_set_new(o, "value", json_string(tab2 + 1));
			json_object_set_new(o, "matches", json_integer((json_int_t)sum));
			json_array_append_new(arr, o);
		}
	}
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(v);
	return arr;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *pin = VK_PIN_DIR_DEFAULT, *state = VK_STATE_DIR_DEFAULT;
	uint64_t st[VK_STAT_SLOTS];
	char path[512];
	json_t *o, *s;
	int c, fd, i;

	while ((c = getopt_long(argc, argv, "P:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pin = optarg; break;
		case 'S': state = optarg; break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: vardkase-xdp stats [--pin-dir DIR] [--state-dir DIR]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	snprintf(path, sizeof(path), "%s/vk_stats", pin);
	fd = bpf_obj_get(path);
	if (fd < 0 || vk_dp_read_stats(fd, st)) {
		vk_err("%s: no pinned dataplane (is vardkase-xdp attached?)", pin);
		return 1;
	}
	close(fd);
	o = json_object();
	s = json_object();
	for (i = 0; i < VK_STAT_MAX; i++)
		json_object_set_new(s, vk_stat_names[i], json_integer((json_int_t)st[i]));
	json_object_set_new(o, "stats", s);
	json_object_set_new(o, "counters", counters(pin, state));
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
	return 0;
}
