// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench-ab, the microbenchmark: two builds of vardkase.bpf.o (the one
 * before a change and this one), both loaded with empty maps so every
 * packet takes the path of a miss, timed on the same packets (a bare ACK,
 * a small UDP datagram, a 600-byte TCP data segment) with
 * BPF_PROG_TEST_RUN, 1M repeats a round, 41 rounds alternating which
 * runs first (this VM favours one order). Prints the median ns of each
 * and the median of the per-round ratios with its quartiles.
 *
 * usage: xdp_ab BEFORE.bpf.o AFTER.bpf.o
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
static int load(const char *path)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL); struct bpf_map *m;
	bpf_object__for_each_map(m, o) bpf_map__set_pin_path(m, NULL);
	if (!o || bpf_object__load(o)) {
		fprintf(stderr, "xdp_ab: cannot load %s\n", path);
		exit(1);
	}
	return bpf_program__fd(bpf_object__find_program_by_name(o, "vardkase_xdp"));
}
static double run(int fd, const uint8_t *p, int n) {
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p, .data_size_in = n, .repeat = 1000000);
	bpf_prog_test_run_opts(fd, &o); return o.duration;
}
static int cmp(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
int main(int c, char **v)
{
	int a, b, i, k;
	static uint8_t pk[3][700];
	int len[3];

	if (c != 3) {
		fprintf(stderr, "usage: xdp_ab BEFORE.bpf.o AFTER.bpf.o\n");
		return 2;
	}
	a = load(v[1]);
	b = load(v[2]);
	const char *names[3] = { "bare ACK", "UDP miss", "600-byte data" };
	for (k = 0; k < 3; k++) {
		uint8_t *p = pk[k], *ip = p + 14, *l4 = ip + 20;
		p[12] = 8; ip[0] = 0x45; ip[8] = 64; ip[9] = k == 1 ? 17 : 6;
		ip[12] = 192; ip[13] = 168; ip[15] = 1; ip[16] = 150; ip[17] = 1; ip[18] = 2; ip[19] = 3;
		l4[0] = 0x9c; l4[2] = 1; l4[3] = 0xbb;
		if (k == 1) { l4[4] = 0; l4[5] = 8 + 32; len[k] = 14 + 20 + 8 + 32; }
		else { l4[12] = 0x50; l4[13] = 0x10; len[k] = 14 + 20 + 20 + (k == 2 ? 600 : 0);
		       if (k == 2) { memset(l4 + 20, 0x5a, 600); l4[20] = 0x17; } }
		ip[2] = (len[k] - 14) >> 8; ip[3] = (len[k] - 14) & 0xff;
	}
	for (k = 0; k < 3; k++) {
		double ra[41], rb[41], q[41];
		for (i = 0; i < 41; i++) { if (i & 1) { rb[i] = run(b, pk[k], len[k]); ra[i] = run(a, pk[k], len[k]); } else { ra[i] = run(a, pk[k], len[k]); rb[i] = run(b, pk[k], len[k]); } q[i] = rb[i] / ra[i]; }
		qsort(ra, 41, 8, cmp); qsort(rb, 41, 8, cmp); qsort(q, 41, 8, cmp);
		printf("%-14s before %.1f ns  after %.1f ns  after/before %.3f (quartiles %.3f..%.3f)\n", names[k], ra[20], rb[20], q[20], q[10], q[30]);
	}
}
