// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, XDP part: loads the indicator mix, then times the
 * empty XDP_DROP program and vardkase with BPF_PROG_TEST_RUN on nine
 * workloads (tcpdata: 600-byte TCP segments that are no ClientHello, the
 * bulk of traffic; tls: ClientHellos with a .miss SNI after a few
 * extensions; http: requests with a .miss Host after a User-Agent;
 * answer: DNS responses for .miss names, read for DNS answers;
 * split1: the first segment of a browser's hello whose SNI is in the
 * next, handed to the slow path) and prints the median ns/packet of
 * several rounds and the ratio; then the slow path's split hellos and
 * QUIC Initials per second; also the load time and the kernel bytes per address indicator
 * (from the maps' sizes). Writes the same to build/bench/xdp.json.
 *
 * Indicators live in 1.0.0.0/8..126.0.0.0/8, 2001:db8::/32 and under
 * .se/.ru/.nu names; misses come from 128.0.0.0..223.255.255.255,
 * 2c00::/8 and .miss names, so a miss is a miss by construction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"
#include "vardkase.skel.h"
#include "xdp/vk_dp.h"
#include "xdp/vk_slow.h"
#include "lib/vk_quic.h"
#include "xdp/vk_state.h"
#include "lib/vk_log.h"
#include "../../tests/bpf/tls_hello.h"

#define ROUNDS		11
#define NPKT		20000	/* distinct packets per round of a random workload */
#define HOT_REPEAT	200000
#define NWORK		9
#define NSPLIT		1000	/* first segments per round: their records fit the ring */
#define SLOW_HELLOS	400	/* hellos per round of the slow-path measurement */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct counts { size_t v4, v6, v4pfx, v6pfx, v4port, names; };

static void uuid_of(char *u, uint64_t n)
{
	snprintf(u, VK_UUID_LEN + 1, "%08x-0000-4000-8000-%012llx",
		 (unsigned)(n >> 32), (unsigned long long)(n & 0xffffffffffffull));
}

static void rnd_label(char *out, int len)
{
	int i;

	for (i = 0; i < len; i++)
		out[i] = (char)('a' + rnd() % 26);
	out[len] = 0;
}

static int add(struct vk_set *s, const struct vk_key *k, uint8_t type, uint64_t n)
{
	struct vk_attr a = { .type = type, .value = "bench" };

	uuid_of(a.uuid, n);
	return vk_set_add(s, k, &a);
}

/* The mix. Keeps the exact v4 addresses for the hit workload. */
static void on_refuse(void *arg, const struct vk_ent *e, const char *why)
{
	fprintf(stderr, "refused: kind %u: %s\n", e ? e->kind : 0, why);
}

static int build_set(struct vk_set *s, const struct counts *c, uint32_t *hits)
{
	static const char *tld[] = { "se", "ru", "nu" };
	struct vk_key k;
	uint64_t n = 1;
	size_t i;

	vk_set_init(s);
	for (i = 0; i < c->v4; i++) {
		uint32_t a = htonl((uint32_t)((1 + rnd() % 126) << 24 | (rnd() & 0xffffff)));

		memset(&k, 0, sizeof(k));
		k.kind = VK_KIND_V4;
		k.plen = 32;
		memcpy(k.addr, &a, 4);
		hits[i] = a;
		if (add(s, &k, VK_T_IP_DST, n++))
			return -ENOMEM;
	}
	for (i = 0; i < c->v4pfx; i++) {
		int len = 16 + (int)(rnd() % 16);
		uint32_t a = (uint32_t)((1 + rnd() % 126) << 24 | (rnd() & 0xffffff));

		memset(&k, 0, sizeof(k));
		k.kind = VK_KIND_V4;
		k.plen = (uint8_t)len;
		a = htonl(a & ~((1u << (32 - len)) - 1));
		memcpy(k.addr, &a, 4);
		if (add(s, &k, VK_T_IP_DST, n++))
			return -ENOMEM;
	}
	for (i = 0; i < c->v4port; i++) {
		uint32_t a = htonl((uint32_t)((1 + rnd() % 126) << 24 | (rnd() & 0xffffff)));

		memset(&k, 0, sizeof(k));
		k.kind = VK_KIND_V4PORT;
		k.plen = 32;
		k.port = (uint16_t)(1 + rnd() % 65535);
		memcpy(k.addr, &a, 4);
		if (add(s, &k, VK_T_IP_DST_PORT, n++))
			return -ENOMEM;
	}
	for (i = 0; i < c->v6 + c->v6pfx; i++) {
		uint64_t hi = 0x20010db800000000ull | (rnd() & 0xffffffff), lo = rnd();
		int len = i < c->v6 ? 128 : 32 + (int)(rnd() % 33);

		memset(&k, 0, sizeof(k));
		k.kind = VK_KIND_V6;
		k.plen = (uint8_t)len;
		if (len < 128) {
			lo = len <= 64 ? 0 : lo & ~((1ull << (128 - len)) - 1);
			if (len < 64)
				hi &= ~((1ull << (64 - len)) - 1);
		}
		hi = __builtin_bswap64(hi);
		lo = __builtin_bswap64(lo);
		memcpy(k.addr, &hi, 8);
		memcpy(k.addr + 8, &lo, 8);
		if (add(s, &k, VK_T_IP_DST, n++))
			return -ENOMEM;
	}
	for (i = 0; i < c->names; i++) {
		char l[16];

		memset(&k, 0, sizeof(k));
		rnd_label(l, 6 + (int)(rnd() % 8));
		k.kind = VK_KIND_DOMAIN;
		k.name_len = (uint16_t)snprintf(k.name, sizeof(k.name), "%s.%s", l, tld[i % 3]);
		if (add(s, &k, VK_T_DOMAIN, n++))
			return -ENOMEM;
	}
	return 0;
}

/* ---- packets ---------------------------------------------------------- */

struct pkt { uint8_t b[1600]; uint32_t n; };	/* room for a 1500-byte frame */

static void tcp4(struct pkt *p, uint32_t src, uint32_t dst)
{
	static const uint8_t hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = p->b + 14, *t = ip + 20;

	memset(p->b, 0, sizeof(p->b));
	memcpy(p->b, hdr, 14);
	ip[0] = 0x45; ip[3] = 40; ip[8] = 64; ip[9] = 6;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	t[0] = 0x9c; t[1] = 0x40; t[2] = 0x01; t[3] = 0xbb; t[12] = 0x50;
	p->n = 54;
}

static void tcp6(struct pkt *p, const uint8_t *src, const uint8_t *dst)
{
	static const uint8_t hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x86, 0xdd };
	uint8_t *ip = p->b + 14, *t = ip + 40;

	memset(p->b, 0, sizeof(p->b));
	memcpy(p->b, hdr, 14);
	ip[0] = 0x60; ip[5] = 20; ip[6] = 6; ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	t[0] = 0x9c; t[1] = 0x40; t[2] = 0x01; t[3] = 0xbb; t[12] = 0x50;
	p->n = 74;
}

/* A TCP segment of len payload bytes after the header (ip[3]: total). */
static void tcp4_payload(struct pkt *p, uint32_t src, uint32_t dst, const uint8_t *d, size_t len)
{
	tcp4(p, src, dst);
	memcpy(p->b + 54, d, len);
	p->n = 54 + (uint32_t)len;
	p->b[14 + 2] = (uint8_t)((20 + 20 + len) >> 8);
	p->b[14 + 3] = (uint8_t)(20 + 20 + len);
}

static uint32_t miss4(void);

/* A ClientHello whose SNI misses: a random name under .miss, after four
 * empty extensions, as a browser's hello has them before it. */
static void tls4(struct pkt *p)
{
	struct hello_opts o = { .sid = 32, .nempty = 4 };
	uint8_t h[512];
	char name[40], l[16];
	size_t n = 0;

	rnd_label(l, 4 + (int)(rnd() % 10));
	snprintf(name, sizeof(name), "www.%s.miss", l);
	o.sni = name;
	vk_test_hello(h, &n, &o);
	tcp4_payload(p, htonl(0xc0a80001), miss4(), h, n);
}

/* An HTTP/1.1 request for a random .miss Host, after a browser's
 * User-Agent line. */
static void http4(struct pkt *p)
{
	char req[400], l[16];
	int n;

	rnd_label(l, 4 + (int)(rnd() % 10));
	n = snprintf(req, sizeof(req), "GET /index.html HTTP/1.1\r\nUser-Agent: Mozilla/5.0 "
		     "(X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
		     "Host: www.%s.miss\r\nAccept: */*\r\n\r\n", l);
	tcp4_payload(p, htonl(0xc0a80001), miss4(), (const uint8_t *)req, (size_t)n);
}

/* A browser's hello (an X25519MLKEM768 key share, the SNI after it, 1.4
 * kB) in two segments of flow sport, cut at CUT bytes (before the SNI):
 * part 0 or 1. */
#define CUT	1000
static void split4(struct pkt *p, uint16_t sport, uint32_t dst, int part)
{
	static uint8_t h[2048];
	static size_t n;
	uint32_t seq = 1000 + (part ? CUT : 0);

	if (!n) {
		struct hello_opts o = { .sid = 32, .pre = 1216, .sni = "www.split-bench.miss" };

		vk_test_hello(h, &n, &o);
		if (n <= CUT || n - CUT > sizeof(p->b) - 54) {
			fprintf(stderr, "split4: a hello of %zu bytes\n", n);
			exit(1);
		}
	}
	if (part)
		tcp4_payload(p, htonl(0xc0a80001), dst, h + CUT, n - CUT);
	else
		tcp4_payload(p, htonl(0xc0a80001), dst, h, CUT);
	p->b[34] = (uint8_t)(sport >> 8);
	p->b[35] = (uint8_t)sport;
	p->b[38] = (uint8_t)(seq >> 24); p->b[39] = (uint8_t)(seq >> 16);
	p->b[40] = (uint8_t)(seq >> 8); p->b[41] = (uint8_t)seq;
	p->b[47] = 0x10;	/* ACK */
}

/* A QUIC client's first flight as Chrome sends it: a hello with a
 * post-quantum key share for a .miss name, in two Initials (version 1,
 * 1200 bytes and more each) of one connection ID, the connection's own
 * (conn): Initial part (0 or 1) from flow sport. */
static void quic4(struct pkt *p, uint16_t sport, uint32_t dst, uint32_t conn, int part)
{
	static uint8_t h[2048];
	static size_t n;
	uint8_t dg[1500], dcid[8] = { 0x5a, 0, 0, 0 }, *ip = p->b + 14, *u = ip + 20;
	size_t half;
	int m;

	if (!n) {
		struct hello_opts o = { .sid = 0, .pre = 1216, .sni = "www.quic-bench.miss" };

		vk_test_hello(h, &n, &o);
	}
	memcpy(dcid + 4, &conn, 4);
	half = (n - 5) / 2;
	m = vk_quic_seal(VK_QUIC_V1, dcid, 8, dcid, 8, (uint32_t)part, part ? half : 0,
			 h + 5 + (part ? half : 0), part ? n - 5 - half : half, 1200, dg, sizeof(dg));
	if (m < 1200 || 14 + 28 + (size_t)m > sizeof(p->b)) {
		fprintf(stderr, "quic4: no Initial (%d)\n", m);
		exit(1);
	}
	tcp4(p, htonl(0xc0a80001), dst);
	ip[9] = 17;
	ip[2] = (uint8_t)((28 + m) >> 8);
	ip[3] = (uint8_t)(28 + m);
	u[0] = (uint8_t)(sport >> 8); u[1] = (uint8_t)sport;
	u[2] = 0x01; u[3] = 0xbb;
	u[4] = (uint8_t)((8 + m) >> 8); u[5] = (uint8_t)(8 + m);
	u[6] = u[7] = 0;
	memcpy(u + 8, dg, (size_t)m);
	p->n = 14 + 28 + (uint32_t)m;
}

static int on_event(void *ctx, void *data, size_t size)
{
	return 0;
}

static uint32_t miss4(void)
{
	return htonl((uint32_t)((128 + rnd() % 96) << 24 | (rnd() & 0xffffff)));
}

static void dns4(struct pkt *p)
{
	uint8_t *ip, *u, *d, *q;
	uint32_t src = htonl(0xc0a80001), dst = htonl(0xc0a80035);
	int labels = 2 + (int)(rnd() % 4), i, qlen = 0;
	uint16_t ulen;

	tcp4(p, src, dst);
	ip = p->b + 14;
	ip[9] = 17;
	u = ip + 20;
	memset(u, 0, 8);
	u[0] = 0x9c; u[1] = 0x40; u[3] = 53;
	d = u + 8;
	memset(d, 0, 12);
	d[2] = 0x01; d[5] = 1;
	q = d + 12;
	for (i = 0; i < labels; i++) {
		int len = i == labels - 1 ? 4 : 3 + (int)(rnd() % 8);

		q[qlen] = (uint8_t)len;
		if (i == labels - 1)
			memcpy(q + qlen + 1, "miss", 4);
		else
			rnd_label((char *)q + qlen + 1, len);
		qlen += 1 + len;
	}
	q[qlen++] = 0;
	q[qlen++] = 0; q[qlen++] = 1; q[qlen++] = 0; q[qlen++] = 1;
	ulen = (uint16_t)(8 + 12 + qlen);
	u[4] = (uint8_t)(ulen >> 8); u[5] = (uint8_t)ulen;
	ip[2] = (uint8_t)((20 + ulen) >> 8); ip[3] = (uint8_t)(20 + ulen);
	p->n = 14 + 20 + ulen;
}

/* ---- timing ----------------------------------------------------------- */

static double run_set(int fd, const struct pkt *pk, int n, uint32_t repeat)
{
	double total = 0;
	int i;

	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pk[i].b,
			    .data_size_in = pk[i].n, .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("test run");
			exit(1);
		}
		total += o.duration;
	}
	return total / n;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *r)
{
	qsort(r, ROUNDS, sizeof(r[0]), cmp_d);
	return r[ROUNDS / 2];
}

/* Rounds alternate between the two programs so both see the same machine
 * (frequency, the other core's load); the ratio is the median of the
 * per-round ratios. */
static void measure(int efd, int vfd, const struct pkt *pk, int n, uint32_t repeat,
		    double *e_ns, double *v_ns, double *ratio, struct vk_dp *drain)
{
	double e[ROUNDS], v[ROUNDS], q[ROUNDS];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		e[i] = run_set(efd, pk, n, repeat);
		v[i] = run_set(vfd, pk, n, repeat);
		q[i] = v[i] / e[i];
		if (drain) {	/* untimed: the records read, the flows let go */
			ring_buffer__consume(drain->rb);
			vk_slow_tick(drain->slow, UINT64_MAX / 2);
		}
	}
	*e_ns = median_of(e);
	*v_ns = median_of(v);
	*ratio = median_of(q);
}

/* Handshakes per second through the slow path on one core: the records
 * of SLOW_HELLOS split hellos (both segments through XDP, untimed), or of
 * as many QUIC first flights (two Initials each, their own connection
 * IDs), then the ring consumed (reassembly or decryption, the hello read,
 * vardkase_slow's match: timed). Median of the rounds; *us: microseconds
 * per hello. */
static double slow_rate(struct vk_dp *dp, double *us, int quic)
{
	static struct pkt pk[2 * SLOW_HELLOS];
	double r[ROUNDS];
	int round, i;

	for (round = 0; round < ROUNDS; round++) {
		struct timespec t0, t1;
		uint64_t before = dp->slow->ust[VK_USTAT_SNI];

		for (i = 0; i < SLOW_HELLOS; i++) {
			uint16_t sport = (uint16_t)(1024 + round * SLOW_HELLOS + i);
			uint32_t dst = miss4();

			if (quic) {
				quic4(&pk[2 * i], sport, dst, (uint32_t)(round * SLOW_HELLOS + i), 0);
				quic4(&pk[2 * i + 1], sport, dst, (uint32_t)(round * SLOW_HELLOS + i), 1);
				continue;
			}
			split4(&pk[2 * i], sport, dst, 0);
			split4(&pk[2 * i + 1], sport, dst, 1);
		}
		run_set(vk_dp_prog_fd(dp), pk, 2 * SLOW_HELLOS, 1);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ring_buffer__consume(dp->rb);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (dp->slow->ust[VK_USTAT_SNI] - before != SLOW_HELLOS) {
			fprintf(stderr, "slow path: %llu of %d hellos read\n",
				(unsigned long long)(dp->slow->ust[VK_USTAT_SNI] - before), SLOW_HELLOS);
			exit(1);
		}
		r[round] = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			    (double)(t1.tv_nsec - t0.tv_nsec)) / SLOW_HELLOS;
	}
	*us = median_of(r) / 1000.0;
	return 1e6 / *us;
}

/* Kernel bytes of one map, from its definition. */
static size_t map_bytes(struct vk_dp *dp, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, name);
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	size_t per;

	if (!m || bpf_obj_get_info_by_fd(bpf_map__fd(m), &info, &len))
		return 0;
	per = (info.value_size + 7) & ~7u;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY)
		per *= (size_t)libbpf_num_possible_cpus();
	return per * info.max_entries;
}

static int count_ent(void *arg, const struct vk_state_ent *e)
{
	(void)e;
	++*(size_t *)arg;
	return 0;
}

int main(int argc, char **argv)
{
	struct counts c = { 1000000, 200000, 100000, 20000, 100000, 1000000 };
	const char *json = argc > 1 ? argv[1] : "build/bench/xdp.json";
	static const char *const work[] = { "hot", "miss", "dns", "hit50", "tcpdata", "tls",
					     "http", "answer", "split1" };
	struct vk_dp_opts o = { 0 };
	struct vk_apply_stats st;
	struct vk_dp dp;
	struct empty *empty;
	struct vk_set set;
	struct pkt *pk[NWORK];
	int npk[NWORK] = { 1, NPKT, NPKT, NPKT, NPKT, NPKT, NPKT, NPKT, NSPLIT }, w, i, efd, vfd;
	double slow_hps = 0, slow_us = 0, quic_ips = 0, quic_us = 0;
	double e_ns[NWORK], v_ns[NWORK], ratio[NWORK], state_bytes = 0;
	uint8_t data[600];
	uint32_t *hits = calloc(c.v4, 4);
	size_t addr_bytes, n_addr;
	FILE *f;

	if (geteuid()) {
		fprintf(stderr, "SKIP: the benchmark needs root (BPF)\n");
		return 0;
	}
	vk_log_set_level(VK_LOG_WARN);
	printf("building the indicator set: %zu IPv4, %zu IPv6, %zu+%zu prefixes, "
	       "%zu ip|port, %zu domains\n", c.v4, c.v6, c.v4pfx, c.v6pfx, c.v4port, c.names);
	if (!hits || build_set(&set, &c, hits))
		return 1;
	vk_sizes_for(&o.sizes, &set);
	if (vk_dp_open(&dp, &o, on_event, NULL))
		return 1;
	printf("loading into the kernel tables...\n");
	if (vk_dp_apply(&dp, &set, 1, on_refuse, NULL, &st))
		return 1;
	printf("loaded %zu indicators in %.3f s (%zu refused)\n", st.added, st.seconds, st.refused);
	{
		/* the dataplane's state file (ids.state) for this set: what
		 * /run holds, twice while it is rewritten */
		char sp[] = "/tmp/vk-bench-state.XXXXXX";
		struct timespec t0, t1;
		struct stat sb;
		int fd = mkstemp(sp);

		if (fd >= 0) {
			close(fd);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (!vk_tables_save(&dp.t, sp) && !stat(sp, &sb)) {
				clock_gettime(CLOCK_MONOTONIC, &t1);
				state_bytes = (double)sb.st_size;
				printf("state file: %.1f MiB, %.1f bytes per indicator, written in %.2f s\n",
				       state_bytes / 1048576.0, state_bytes / (double)st.added,
				       (double)(t1.tv_sec - t0.tv_sec) +
				       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
				/* what a restart reads (checked, not applied) */
				size_t ents = 0;

				clock_gettime(CLOCK_MONOTONIC, &t0);
				if (!vk_state_read(sp, NULL, count_ent, &ents)) {
					clock_gettime(CLOCK_MONOTONIC, &t1);
					printf("state file: %zu entries read back in %.2f s\n", ents,
					       (double)(t1.tv_sec - t0.tv_sec) +
					       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
				}
			}
			unlink(sp);
		}
	}

	for (w = 0; w < NWORK; w++)
		pk[w] = calloc((size_t)npk[w], sizeof(struct pkt));
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)rnd();	/* encrypted-looking, no 0x16 first */
	data[0] = 0x17;
	tcp4(&pk[0][0], htonl(0xc0a80001), miss4());
	for (i = 0; i < NPKT; i++) {
		if (i & 1) {
			uint8_t s[16] = { 0x2c, 0x00 }, d[16] = { 0x2c, 0x01 };
			uint64_t r1 = rnd(), r2 = rnd();

			memcpy(s + 8, &r1, 8);
			memcpy(d + 8, &r2, 8);
			tcp6(&pk[1][i], s, d);
		} else {
			tcp4(&pk[1][i], miss4(), miss4());
		}
		dns4(&pk[2][i]);
		tcp4(&pk[3][i], miss4(), (i & 1) ? hits[rnd() % c.v4] : miss4());
		tcp4_payload(&pk[4][i], miss4(), miss4(), data, sizeof(data));
		tls4(&pk[5][i]);
		http4(&pk[6][i]);
		dns4(&pk[7][i]);		/* ... as a response (port 53, QR, an answer) */
		{
			uint8_t *u = pk[7][i].b + 14 + 20, *d = u + 8;

			u[0] = 0; u[1] = 53; u[2] = 0x9c; u[3] = 0x40;
			d[2] = 0x81; d[3] = 0x80; d[7] = 1;
		}
		if (i < NSPLIT)
			split4(&pk[8][i], (uint16_t)(20000 + i), miss4(), 0);
	}
	empty = empty__open_and_load();
	if (!empty)
		return 1;
	efd = bpf_program__fd(empty->progs.empty_xdp);
	vfd = vk_dp_prog_fd(&dp);
	/* both programs drop, so the comparison is about matching only */
	dp.t.cfg->mode = VK_MODE_SPAN;
	printf("\n%-8s %12s %14s %8s\n", "workload", "empty ns", "vardkase ns", "ratio");
	for (w = 0; w < NWORK; w++) {
		uint32_t rep = w == 0 ? HOT_REPEAT : 1;

		measure(efd, vfd, pk[w], npk[w], rep, &e_ns[w], &v_ns[w], &ratio[w],
			w == NWORK - 1 ? &dp : NULL);
		printf("%-8s %12.1f %14.1f %8.2f\n", work[w], e_ns[w], v_ns[w], ratio[w]);
	}
	slow_hps = slow_rate(&dp, &slow_us, 0);
	printf("\nslow path (split ClientHellos: reassembly, read, match), one core: "
	       "%.0f hellos/s, %.2f us each\n", slow_hps, slow_us);
	quic_ips = slow_rate(&dp, &quic_us, 1);
	printf("slow path (QUIC first flights of two Initials: keys, decrypt, CRYPTO frames, "
	       "read, match), one core: %.0f hellos/s (%.0f Initials/s), %.2f us each\n",
	       quic_ips, 2 * quic_ips, quic_us);
	{
		/* with a fingerprint indicator loaded every hello goes up, and
		 * the slow path makes and matches JA3 and JA4 too */
		double fe, fv, fr, fhps, fus, fqps, fqus;

		dp.t.cfg->n_ja3 = 1;
		/* 1500 packets a round: the 4 MiB ring holds them all, as a
		 * box that drains it keeps room */
		measure(efd, vfd, pk[5], npk[5] < 1500 ? npk[5] : 1500, 1, &fe, &fv, &fr, &dp);
		printf("\nwith fingerprint indicators: %-8s %12.1f %14.1f %8.2f"
		       " (every hello to the slow path)\n", work[5], fe, fv, fr);
		fhps = slow_rate(&dp, &fus, 0);
		fqps = slow_rate(&dp, &fqus, 1);
		printf("slow path with JA3 indicators (made, matched), one core: split TLS %.0f"
		       " hellos/s (%.2f us), QUIC %.0f hellos/s (%.2f us)\n", fhps, fus, fqps, fqus);
		dp.t.cfg->n_ja4 = 1;
		fhps = slow_rate(&dp, &fus, 0);
		fqps = slow_rate(&dp, &fqus, 1);
		printf("slow path with JA3 and JA4 indicators, one core: split TLS %.0f"
		       " hellos/s (%.2f us), QUIC %.0f hellos/s (%.2f us)\n", fhps, fus, fqps, fqus);
		dp.t.cfg->n_ja3 = dp.t.cfg->n_ja4 = 0;
	}
	printf("slow path memory cap: %u streams, %.0f MiB of bytes (+ %zu bytes per stream)\n",
	       VK_SLOW_STREAMS, VK_SLOW_BYTES / 1048576.0, sizeof(struct vk_stream));
	n_addr = c.v4 + c.v6 + c.v4pfx + c.v6pfx + c.v4port;
	addr_bytes = 0;
	{
		static const char *const maps[] = {
			"vk_v4_filter", "vk_v4_l20", "vk_v4l24", "vk_v4", "vk_v4port",
			"vk_v4long", "vk_v6_filter", "vk_v6_pfilter", "vk_v6", "vk_v6port",
			"vk_v6pfx",
		};
		size_t per_id = (map_bytes(&dp, "vk_meta") + map_bytes(&dp, "vk_counters")) /
				o.sizes.ids;

		printf("\nkernel memory of the address maps:\n");
		for (i = 0; i < (int)(sizeof(maps) / sizeof(maps[0])); i++) {
			printf("  %-14s %8.1f MiB\n", maps[i], map_bytes(&dp, maps[i]) / 1048576.0);
			addr_bytes += map_bytes(&dp, maps[i]);
		}
		printf("  %-14s %8.1f MiB (meta + per-CPU counters of address ids)\n",
		       "per id", (double)(per_id * n_addr) / 1048576.0);
		addr_bytes += per_id * n_addr;
	}
	printf("\nload: %.3f s for %zu indicators\n", st.seconds, st.added);
	printf("kernel memory: %.1f bytes per address indicator (%zu address indicators)\n",
	       (double)addr_bytes / (double)n_addr, n_addr);
	f = fopen(json, "w");
	if (f) {
		fprintf(f, "{\"workloads\": {");
		for (w = 0; w < NWORK; w++)
			fprintf(f, "%s\"%s\": {\"empty_ns\": %.1f, \"vardkase_ns\": %.1f, \"ratio\": %.2f}",
				w ? ", " : "", work[w], e_ns[w], v_ns[w], ratio[w]);
		fprintf(f, "}, \"load_seconds\": %.3f, \"bytes_per_address\": %.1f,"
			" \"state_file_bytes\": %.0f, \"slow_hellos_per_s\": %.0f,"
			" \"slow_quic_hellos_per_s\": %.0f}\n",
			st.seconds, (double)addr_bytes / (double)n_addr, state_bytes, slow_hps, quic_ips);
		fclose(f);
		printf("written: %s\n", json);
	}
	empty__destroy(empty);
	vk_dp_close(&dp);
	return 0;
}
