// SPDX-License-Identifier: GPL-2.0-only
/*
 * Load a BPF object with private maps and print what the verifier says
 * about each program: its instruction count and, on failure, the end of
 * its log. kernel61.sh runs it on Debian's 6.1 kernel, where the
 * complexity limit (1M processed instructions) is the one the box meets;
 * the figure is the headroom every later BPF change spends.
 *
 * Usage: verify_stats OBJ.bpf.o [LOGFILE]   (exit 0: every program loaded)
 * LOGFILE gets the whole verifier log (level 1: every instruction it
 * walked, by subprogram), to find where the walk is spent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>


static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return 0;	/* the log is printed below, once, from the buffer */
}

#define MAX_PROGS	8

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	/* the kernel takes at most 1 GiB - 1 of log; a buffer per program,
	 * so each keeps its own statistics line (calloc'd pages cost only
	 * what is written) */
	size_t log_size = argc == 3 ? (1u << 30) - 1 : 16u << 20;
	char *log[MAX_PROGS] = { 0 };
	int rc, i = 0, n;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: verify_stats OBJ.bpf.o [LOGFILE]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "verify_stats: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	libbpf_set_print(quiet);
	/* private maps: nothing is pinned, nothing is left behind */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	bpf_object__for_each_program(prog, obj) {
		if (i == MAX_PROGS || !(log[i] = calloc(1, log_size))) {
			fprintf(stderr, "verify_stats: no room for the log of program %d\n", i);
			return 1;
		}
		/* level 1 + 4: the whole log (for a failure) with statistics */
		bpf_program__set_log_level(prog, (argc == 3 ? 2 : 1) | 4);
		bpf_program__set_log_buf(prog, log[i++], log_size);
	}
	n = i;
	rc = bpf_object__load(obj);
	if (argc == 3) {
		FILE *f = fopen(argv[2], "w");

		for (i = 0; f && i < n; i++)
			if (fputs(log[i], f) < 0)
				break;
		if (!f || i < n || fclose(f)) {
			fprintf(stderr, "verify_stats: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	}
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		const char *st = strstr(log[i], "processed ");
		const char *nl = st ? strchr(st, '\n') : NULL;
		size_t len = strlen(log[i]);

		if (rc && len)
			printf("%s", len > 6000 ? log[i] + len - 6000 : log[i]);
		printf("verifier: %s: %.*s\n", bpf_program__name(prog),
		       st ? (int)(nl ? nl - st : (long)strlen(st)) : 9, st ? st : "(no log)");
		free(log[i++]);
	}
	printf("verifier: %s %s\n", argv[1], rc ? "REFUSED" : "loaded");
	bpf_object__close(obj);
	return rc ? 1 : 0;
}
