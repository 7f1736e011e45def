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
#include "vk_slow.h"
#include "cmds.h"
#include "vk_state.h"
#include "../lib/vk_log.h"

struct cstate {
	json_t *arr;
	int fd, ncpu;
	uint64_t *v;
};

static int count_one(void *arg, const struct vk_state_ent *e)
{
	struct cstate *c = arg;
	uint64_t sum = 0;
	uint32_t j;
	int k;

	if (e->id && !bpf_map_lookup_elem(c->fd, &e->id, c->v))
		for (k = 0; k < c->ncpu; k++)
			sum += c->v[k];
	for (j = 0; sum && j < e->nattr; j++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(e->id));
		json_object_set_new(o, "attribute_uuid", json_string(e->attrs[j].uuid));
		json_object_set_new(o, "value", json_string(e->attrs[j].value));
		json_object_set_new(o, "matches", json_integer((json_int_t)sum));
		json_array_append_new(c->arr, o);
	}
	return 0;
}

/* Every matched attribute, from the state file and the pinned counters. */
static json_t *counters(const char *pin, const char *state)
{
	struct cstate c = { .arr = json_array(), .ncpu = libbpf_num_possible_cpus() };
	char path[512];

	c.ncpu = c.ncpu > 0 ? c.ncpu : 1;
	c.v = calloc((size_t)c.ncpu, 8);
	snprintf(path, sizeof(path), "%s/vk_counters", pin);
	c.fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/ids.state", state);
	if (c.fd >= 0 && c.v && vk_state_read(path, NULL, count_one, &c))
		vk_warn("%s: cannot be read: the counters are incomplete", path);
	if (c.fd >= 0)
		close(c.fd);
	free(c.v);
	return c.arr;
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
	uint64_t st[VK_STAT_SLOTS], ust[VK_USTAT_SLOTS];
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
	snprintf(path, sizeof(path), "%s/vk_ustats", pin);
	fd = bpf_obj_get(path);
	if (fd < 0 || vk_dp_read_ustats(fd, ust)) {
		vk_warn("%s: cannot be read: no slow-path statistics", path);
		memset(ust, 0, sizeof(ust));
	}
	if (fd >= 0)
		close(fd);
	o = json_object();
	s = json_object();
	for (i = 0; i < VK_STAT_MAX; i++)
		json_object_set_new(s, vk_stat_names[i], json_integer((json_int_t)st[i]));
	for (i = 0; i < VK_USTAT_MAX; i++)
		json_object_set_new(s, vk_ustat_names[i], json_integer((json_int_t)ust[i]));
	json_object_set_new(o, "stats", s);
	json_object_set_new(o, "counters", counters(pin, state));
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
	return 0;
}
