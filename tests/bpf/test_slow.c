// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slow path end to end: segments through the XDP program, their
 * records through the ring into the reassembler and the hello reader,
 * the name through vardkase_slow into the events. ClientHellos split
 * over segments in order, out of order (before the first one, with and
 * without the SYN seen), repeated, overlapping with other bytes, split
 * over records, in one-byte records; and what must end in nothing: a
 * flow that is not TLS, a hello that never finishes, one cut into too
 * many pieces, one too big, one whose lengths lie. QUIC Initials of
 * versions 1 and 2, a hello over two of them out of order, repeats, and
 * Initials that do not open, past the per-flow limit.
 */
#include "bpf_env.h"
#include <errno.h>
#include <time.h>
#include "tls_hello.h"
#include "../../kernel/lib/flowkey.h"
#include "lib/vk_quic.h"
#include "lib/vk_fp.h"

static const char *SLOW_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000201\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true}"
	"]}}";

struct flowt {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t isn;
	int v6;
};

static uint8_t H[20000];	/* the hello of the test at hand */
static size_t HN;

/* A hello whose SNI (www.<name>) lies past the first 1300 bytes, as a
 * browser's after its X25519MLKEM768 key share. */
static void big_hello(const char *sni)
{
	struct hello_opts o = { .sni = sni, .pre = 1216, .sid = 32 };

	HN = 0;
	vk_test_hello(H, &HN, &o);
}

static size_t seg(struct pkt *p, const struct flowt *f, uint32_t seq, uint8_t flags,
		  const uint8_t *d, size_t n)
{
	size_t at;

	if (f->v6) {
		eth(p, 0, 0x86dd);
		at = ip6(p, f->src, f->dst, 6);
		tcp_sf(p, f->sport, f->dport, at, seq, flags);
		put(p, d, n);
		p->b[at + 4] = (uint8_t)((p->n - at - 40) >> 8);
		p->b[at + 5] = (uint8_t)(p->n - at - 40);
		p->b[at + 2] = p->b[at + 3] = 0;
		/* tcp() wrote an IPv4 total length into the flow label */
		p->b[at + 1] = 0;
		return p->n;
	}
	eth(p, 0, 0x0800);
	at = ip4(p, f->src, f->dst, 6, 0);
	tcp_sf(p, f->sport, f->dport, at, seq, flags);
	put(p, d, n);
	p->b[at + 2] = (uint8_t)((p->n - at) >> 8);
	p->b[at + 3] = (uint8_t)(p->n - at);
	return p->n;
}

/* Send bytes [a, b) of H as one segment of f. Returns the matches. */
static int send_part(struct env *e, const struct flowt *f, size_t a, size_t b)
{
	struct pkt p;

	seg(&p, f, f->isn + 1 + (uint32_t)a, VK_TCP_ACK, H + a, b - a);
	run(e, &p, p.n);
	return e->n;
}

static void send_syn(struct env *e, const struct flowt *f)
{
	struct pkt p;

	seg(&p, f, f->isn, VK_TCP_SYN, NULL, 0);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
}

static uint64_t ust(struct env *e, int i)
{
	return e->dp.slow->ust[i];
}

static int followed(struct env *e, const struct flowt *f)
{
	struct vk_pkt k = { .family = (uint8_t)(f->v6 ? 6 : 4), .sport = f->sport,
			    .dport = f->dport };
	uint32_t idx;

	inet_pton(f->v6 ? AF_INET6 : AF_INET, f->src, k.src);
	inet_pton(f->v6 ? AF_INET6 : AF_INET, f->dst, k.dst);
	idx = vk_flow_idx(&k);
	return (e->dp.slow->bits[idx / 64] >> (idx % 64)) & 1;
}

static void assert_sni(struct env *e, const char *name)
{
	assert_int_equal(e->n, 1);
	assert_string_equal(e->got[0], "evil.se");
	assert_int_equal(e->src[0], VK_SRC_TLS_SNI);
	assert_string_equal(e->name[0], name);
	assert_true(e->flags[0] & VK_EVF_SLOW);
}

static void test_split_in_order(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.1", "192.0.2.10", 41001, 443, 1000, 0 };
	uint64_t later = stat(e, VK_STAT_TLS_SNI_LATER), up = stat(e, VK_STAT_SEGS_UP);

	big_hello("www.evil.se");
	assert_int_equal(send_part(e, &f, 0, 700), 0);
	assert_int_equal(stat(e, VK_STAT_TLS_SNI_LATER), later + 1);
	assert_int_equal(stat(e, VK_STAT_SEGS_UP), up + 1);
	assert_true(followed(e, &f));
	send_part(e, &f, 700, HN);
	assert_sni(e, "www.evil.se");
	assert_false(followed(e, &f));		/* read: no longer followed */
	assert_int_equal(e->dp.slow->ra.n, 0);
}

static void test_split_v6(void **state)
{
	struct env *e = *state;
	struct flowt f = { "2001:db8::1", "2001:db8:1::10", 41002, 8443, 77, 1 };

	big_hello("a.b.evil.se");
	assert_int_equal(send_part(e, &f, 0, 1000), 0);
	send_part(e, &f, 1000, HN);
	assert_sni(e, "a.b.evil.se");
}

/* The second segment first: kept because the SYN was seen. */
static void test_out_of_order_after_syn(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.2", "192.0.2.10", 41003, 443, 0xfffffff0u, 0 };	/* wraps */

	big_hello("www.evil.se");
	send_syn(e, &f);
	assert_int_equal(send_part(e, &f, 900, HN), 0);
	send_part(e, &f, 0, 900);
	assert_sni(e, "www.evil.se");
	assert_false(followed(e, &f));
}

/* Without the SYN the box cannot know the early segment is a hello's:
 * it is read when the client sends it again (it does: unacknowledged). */
static void test_out_of_order_no_syn(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.3", "192.0.2.10", 41004, 443, 5000, 0 };

	big_hello("www.evil.se");
	assert_int_equal(send_part(e, &f, 900, HN), 0);
	assert_int_equal(send_part(e, &f, 0, 900), 0);
	send_part(e, &f, 900, HN);
	assert_sni(e, "www.evil.se");
}

/* Every segment twice, and the whole hello again after it was read:
 * one match. */
static void test_repeats(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.4", "192.0.2.10", 41005, 443, 42, 0 };
	int total = 0;

	big_hello("www.evil.se");
	total += send_part(e, &f, 0, 800);
	total += send_part(e, &f, 0, 800);
	total += send_part(e, &f, 800, HN);
	assert_sni(e, "www.evil.se");
	total += send_part(e, &f, 800, HN);
	total += send_part(e, &f, 0, 800);
	total += send_part(e, &f, 800, HN);
	assert_int_equal(total, 1);
}

/* The same bytes sent twice with other content: the first copy wins (a
 * receiver keeps the bytes it holds) and the difference is counted. */
static void test_overlap_first_wins(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.5", "192.0.2.10", 41006, 443, 9, 0 }, g = f;
	uint64_t ov = ust(e, VK_USTAT_OVERLAP);
	uint8_t good[2000];
	size_t sni;

	big_hello("www.evil.se");
	sni = (size_t)((uint8_t *)memmem(H, HN, "evil", 4) - H);
	memcpy(good, H, HN);
	memcpy(good + sni, "good", 4);
	send_syn(e, &f);
	assert_int_equal(send_part(e, &f, 900, HN), 0);	/* evil first */
	memcpy(H, good, HN);
	assert_int_equal(send_part(e, &f, 900, HN), 0);	/* then good */
	send_part(e, &f, 0, 900);
	assert_sni(e, "www.evil.se");
	assert_int_equal(ust(e, VK_USTAT_OVERLAP), ov + 1);

	g.sport++;			/* and the other way round */
	send_syn(e, &g);
	assert_int_equal(send_part(e, &g, 900, HN), 0);	/* good first */
	big_hello("www.evil.se");
	assert_int_equal(send_part(e, &g, 900, HN), 0);
	assert_int_equal(send_part(e, &g, 0, 900), 0);
}

/* One segment holding a hello cut into two records (RFC 8446 5.1 allows
 * it): XDP reads the first record only, the slow path both. */
static void test_two_records(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.6", "192.0.2.10", 41007, 443, 100, 0 };
	struct hello_opts o = { .sni = "x.evil.se", .sid = 32 };
	uint8_t h[1000];
	size_t n = 0, body, cut = 40;

	vk_test_hello(h, &n, &o);
	body = n - 5;
	HN = 0;
	th_u8(H, &HN, 0x16); th_u16(H, &HN, 0x0303); th_u16(H, &HN, cut);
	th_put(H, &HN, h + 5, cut);
	th_u8(H, &HN, 0x16); th_u16(H, &HN, 0x0303); th_u16(H, &HN, body - cut);
	th_put(H, &HN, h + 5 + cut, body - cut);
	send_part(e, &f, 0, HN);
	assert_sni(e, "x.evil.se");
}

/* Every byte of the hello in a record of its own: 6 bytes a byte, over
 * several segments. */
static void test_one_byte_records(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.7", "192.0.2.10", 41008, 443, 7, 0 };
	struct hello_opts o = { .sni = "y.evil.se", .sid = 32, .pre = 300 };
	uint8_t h[2000];
	size_t n = 0, i, at = 0;
	int got = 0;

	vk_test_hello(h, &n, &o);
	HN = 0;
	for (i = 5; i < n; i++) {
		th_u8(H, &HN, 0x16); th_u16(H, &HN, 0x0303); th_u16(H, &HN, 1);
		th_u8(H, &HN, h[i]);
	}
	while (at < HN) {
		size_t end = at + 1400 < HN ? at + 1400 : HN;

		got += send_part(e, &f, at, end);
		at = end;
	}
	assert_int_equal(got, 1);
	assert_string_equal(e->name[0], "y.evil.se");
}

/* Bytes before the first segment of a flow that is not TLS are dropped
 * when its first segment comes. */
static void test_held_not_tls(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.8", "192.0.2.10", 41009, 80, 500, 0 };
	uint64_t nh = ust(e, VK_USTAT_NOT_HELLO);
	const char *req = "GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n";

	send_syn(e, &f);
	memset(H, 'x', 600);
	memcpy(H, req, strlen(req));
	assert_int_equal(send_part(e, &f, 300, 600), 0);
	assert_int_equal(e->dp.slow->ra.n, 1);
	assert_int_equal(send_part(e, &f, 0, 300), 0);
	assert_int_equal(ust(e, VK_USTAT_NOT_HELLO), nh + 1);
	assert_int_equal(e->dp.slow->ra.n, 0);
	assert_false(followed(e, &f));
}

/* A hello whose rest never comes is given up on after the timeout, its
 * slot freed. */
static void test_timeout(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.9", "192.0.2.10", 41010, 443, 3, 0 };
	uint64_t to = ust(e, VK_USTAT_TIMEOUTS);
	struct timespec ts;

	big_hello("www.evil.se");
	send_part(e, &f, 0, 700);
	assert_int_equal(e->dp.slow->ra.n, 1);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vk_slow_tick(e->dp.slow, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec +
				 VK_SLOW_TTL_NS);
	assert_int_equal(ust(e, VK_USTAT_TIMEOUTS), to + 1);
	assert_int_equal(e->dp.slow->ra.n, 0);
	assert_false(followed(e, &f));
}

/* Cut into more pieces than a stream may hold: dropped, no crash. */
static void test_too_many_pieces(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.10", "192.0.2.10", 41011, 443, 11, 0 };
	int i;

	big_hello("www.evil.se");
	send_syn(e, &f);
	for (i = 0; i < VK_REASM_RANGES + 4; i++)
		assert_int_equal(send_part(e, &f, 100 + (size_t)i * 20, 110 + (size_t)i * 20), 0);
	assert_int_equal(e->dp.slow->ra.n, 0);
	assert_false(followed(e, &f));
	/* nothing held: the hello is read when the client sends it whole */
	assert_int_equal(send_part(e, &f, 0, HN), 1);
}

/* A hello bigger than VK_HELLO_MAX, and one whose SNI extension runs
 * past the hello: counted, nothing matched. */
static void test_lying_lengths(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.11", "192.0.2.10", 41012, 443, 13, 0 }, g = f;
	uint64_t big = ust(e, VK_USTAT_TOO_BIG), bad = ust(e, VK_USTAT_ERR_HELLO);
	struct hello_opts o = { .sni = "www.evil.se", .sid = 32 };

	o.pre = 17000;				/* a 17 kB key share */
	HN = 0;
	vk_test_hello(H, &HN, &o);
	assert_int_equal(send_part(e, &f, 0, 700), 0);
	assert_int_equal(ust(e, VK_USTAT_TOO_BIG), big + 1);

	HN = 0;
	o.pre = 1216;
	vk_test_hello(H, &HN, &o);
	/* the server_name extension says it is longer than the hello */
	H[(uint8_t *)memmem(H, HN, "www.evil.se", 11) - H - 7] = 0x7f;
	g.sport++;
	assert_int_equal(send_part(e, &g, 0, 700), 0);
	assert_int_equal(send_part(e, &g, 700, HN), 0);
	assert_int_equal(ust(e, VK_USTAT_ERR_HELLO), bad + 1);
}

/* An HTTP request whose Host is in its second segment; one whose headers
 * end without a Host. */
static void test_http_split(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.1.0.12", "192.0.2.10", 41013, 8080, 21, 0 }, g = f;
	const char *req = "GET /download/x.bin HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\n"
			  "Accept: */*\r\nHost: dl.evil.se:8080\r\n\r\n";
	const char *nohost = "GET / HTTP/1.1\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n";
	uint64_t nh = ust(e, VK_USTAT_HTTP_NO_HOST);

	HN = strlen(req);
	memcpy(H, req, HN);
	send_syn(e, &f);
	assert_int_equal(send_part(e, &f, 0, 40), 0);
	send_part(e, &f, 40, HN);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->src[0], VK_SRC_HTTP_HOST);
	assert_string_equal(e->name[0], "dl.evil.se");
	assert_true(e->flags[0] & VK_EVF_SLOW);
	assert_false(followed(e, &f));

	g.sport++;
	HN = strlen(nohost);
	memcpy(H, nohost, HN);
	assert_int_equal(send_part(e, &g, 0, 20), 0);
	assert_int_equal(send_part(e, &g, 20, HN), 0);
	assert_int_equal(ust(e, VK_USTAT_HTTP_NO_HOST), nh + 1);
	assert_int_equal(e->dp.slow->ra.n, 0);
}

/* ---- QUIC ------------------------------------------------------------ */

/* A UDP datagram of d from 10.1.1.<host>:sport to 192.0.2.10:443. */
static size_t udp4(struct pkt *p, int host, uint16_t sport, const uint8_t *d, size_t n)
{
	char src[32];
	size_t at, u;

	snprintf(src, sizeof(src), "10.1.1.%d", host);
	eth(p, 0, 0x0800);
	at = ip4(p, src, "192.0.2.10", 17, 0);
	u = p->n;
	put16(p, sport);
	put16(p, 443);
	put16(p, (uint16_t)(8 + n));
	put16(p, 0);
	put(p, d, n);
	p->b[at + 2] = (uint8_t)((p->n - at) >> 8);
	p->b[at + 3] = (uint8_t)(p->n - at);
	(void)u;
	return p->n;
}

/* The same from [src]:sport to [2001:db8:1::10]:443. */
static size_t udp6(struct pkt *p, const char *src, uint16_t sport, const uint8_t *d, size_t n)
{
	size_t at;

	eth(p, 0, 0x86dd);
	at = ip6(p, src, "2001:db8:1::10", 17);
	put16(p, sport);
	put16(p, 443);
	put16(p, (uint16_t)(8 + n));
	put16(p, 0);
	put(p, d, n);
	p->b[at + 4] = (uint8_t)((p->n - at - 40) >> 8);
	p->b[at + 5] = (uint8_t)(p->n - at - 40);
	return p->n;
}

/* The hello message (no record header) into H. */
static void quic_hello(const char *sni, size_t pre)
{
	struct hello_opts o = { .sni = sni, .sid = 0, .pre = pre };
	uint8_t rec[4000];
	size_t n = 0;

	vk_test_hello(rec, &n, &o);
	HN = n - 5;
	memcpy(H, rec + 5, HN);
}

static int send_initial(struct env *e, uint32_t version, int host, uint16_t sport,
			uint64_t off, size_t len)
{
	static const uint8_t dcid[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	uint8_t dg[1400];
	struct pkt p;
	int n;

	n = vk_quic_seal(version, dcid, 8, dcid, 4, (uint32_t)off, off, H + off, len, 1200, dg,
			 sizeof(dg));
	assert_true(n >= 1200);
	udp4(&p, host, sport, dg, (size_t)n);
	run(e, &p, p.n);
	return e->n;
}

static void test_quic_v1(void **state)
{
	struct env *e = *state;

	quic_hello("www.evil.se", 0);
	send_initial(e, VK_QUIC_V1, 1, 50001, 0, HN);
	assert_int_equal(e->n, 1);
	assert_string_equal(e->got[0], "evil.se");
	assert_int_equal(e->src[0], VK_SRC_QUIC_SNI);
	assert_string_equal(e->name[0], "www.evil.se");
}

/* Version 2, a post-quantum hello in two Initials, the second first. */
static void test_quic_v2_two_initials(void **state)
{
	struct env *e = *state;

	quic_hello("q2.evil.se", 1216);
	assert_true(HN > 1100);
	assert_int_equal(send_initial(e, VK_QUIC_V2, 2, 50002, 900, HN - 900), 0);
	send_initial(e, VK_QUIC_V2, 2, 50002, 0, 900);
	assert_int_equal(e->n, 1);
	assert_int_equal(e->src[0], VK_SRC_QUIC_SNI);
	assert_string_equal(e->name[0], "q2.evil.se");
	/* the same Initials again (a retransmission): read once */
	assert_int_equal(send_initial(e, VK_QUIC_V2, 2, 50002, 0, 900), 0);
	assert_int_equal(send_initial(e, VK_QUIC_V2, 2, 50002, 900, HN - 900), 0);
}

/* 300 clients of one /64, each its own first flight, then each one's
 * Initial again: each is read once, and none is taken for a repeat of
 * another. (A capture showed both failures of an earlier design: a set of
 * streams read that was direct-mapped and keyed by a 32-bit fold of the
 * addresses forgot one stream for another, then read its retransmission
 * again, and dropped a new one as a repeat.) */
static void test_quic_many_hosts(void **state)
{
	struct env *e = *state;
	uint8_t dg[1400], dcid[8] = { 0x77 };
	char src[64];
	struct pkt p;
	int h, n, pn, got;

	quic_hello("many.evil.se", 0);
	for (pn = 0; pn < 2; pn++) {	/* the first flights, then their retransmissions */
		for (got = 0, h = 0; h < 300; h++) {
			dcid[1] = (uint8_t)h;
			dcid[2] = (uint8_t)(h >> 8);
			n = vk_quic_seal(VK_QUIC_V1, dcid, 8, dcid, 4, (uint32_t)pn, 0, H, HN, 1200,
					 dg, sizeof(dg));
			snprintf(src, sizeof(src), "2001:db8:77:1::%x:%x", h & 0xff, h >> 8);
			udp6(&p, src, (uint16_t)(50000 + (h & 7)), dg, (size_t)n);
			run(e, &p, p.n);
			got += e->n;
		}
		assert_int_equal(got, pn ? 0 : 300);
	}
}

/* Initials that do not open (another DCID's keys would be needed: here a
 * flipped tag byte) are counted, and a flow hands up VK_QUIC_PER_FLOW at
 * most; a datagram under 1200 bytes is no client Initial. */
static void test_quic_hostile(void **state)
{
	struct env *e = *state;
	static const uint8_t dcid[8] = { 1 };
	uint64_t bad = ust(e, VK_USTAT_QUIC_BAD), lim = stat(e, VK_STAT_QUIC_LIMITED);
	uint64_t up = stat(e, VK_STAT_QUIC_INITIALS);
	uint8_t dg[1400];
	struct pkt p;
	int n, i;

	quic_hello("www.evil.se", 0);
	n = vk_quic_seal(VK_QUIC_V1, dcid, 8, dcid, 0, 0, 0, H, HN, 1200, dg, sizeof(dg));
	dg[n - 3] ^= 0x40;
	for (i = 0; i < VK_QUIC_PER_FLOW + 4; i++) {
		udp4(&p, 3, 50003, dg, (size_t)n);
		run(e, &p, p.n);
		assert_int_equal(e->n, 0);
	}
	assert_int_equal(ust(e, VK_USTAT_QUIC_BAD) - bad, VK_QUIC_PER_FLOW);
	assert_int_equal(stat(e, VK_STAT_QUIC_LIMITED) - lim, 4);
	assert_int_equal(stat(e, VK_STAT_QUIC_INITIALS) - up, VK_QUIC_PER_FLOW);
	udp4(&p, 4, 50004, dg, 1100);			/* too short for a client's */
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_QUIC_INITIALS) - up, VK_QUIC_PER_FLOW);
}

/* ---- fingerprints -------------------------------------------------------- */

/* The indicators of the fingerprint group: the test hello's JA3 and its
 * JA4 over TCP and over QUIC (their values are checked against tshark's
 * and FoxIO's in tests/pcap/fp_check.py; here, the path they take). */
static char FP_IND[2048];
static char FP_JA3[VK_JA3_LEN + 1], FP_JA4T[VK_JA4_LEN + 1], FP_JA4Q[VK_JA4_LEN + 1];

static void fp_hello(void)
{
	struct hello_opts o = { .sni = "www.evil.se", .sid = 32 };

	HN = 0;
	vk_test_hello(H, &HN, &o);
}

static int fp_setup(void **state)
{
	static struct env e;
	struct vk_hello h;

	fp_hello();
	if (vk_hello_parse(H + 5, HN - 5, &h) || vk_ja3(&h, FP_JA3, NULL, 0) ||
	    vk_ja4(&h, 't', FP_JA4T) || vk_ja4(&h, 'q', FP_JA4Q))
		return -1;
	snprintf(FP_IND, sizeof(FP_IND),
		 "{\"response\":{\"Attribute\":["
		 "{\"uuid\":\"00000000-0000-4000-8000-000000000301\",\"type\":\"domain\","
		 "\"value\":\"evil.se\",\"to_ids\":true},"
		 "{\"uuid\":\"00000000-0000-4000-8000-000000000302\",\"type\":\"ja3-fingerprint-md5\","
		 "\"value\":\"%s\",\"to_ids\":true},"
		 "{\"uuid\":\"00000000-0000-4000-8000-000000000303\",\"type\":\"text\","
		 "\"object_relation\":\"ja4-fingerprint\",\"value\":\"%s\",\"to_ids\":true},"
		 "{\"uuid\":\"00000000-0000-4000-8000-000000000304\",\"type\":\"text\","
		 "\"object_relation\":\"ja4-fingerprint\",\"value\":\"%s\",\"to_ids\":true}"
		 "]}}", FP_JA3, FP_JA4T, FP_JA4Q);
	return env_setup_json(state, &e, FP_IND);
}

static int has_src(struct env *e, uint8_t src, const char *ind)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (e->src[i] == src && !strcmp(e->got[i], ind))
			return 1;
	return 0;
}

/* A hello XDP reads whole: its name matched there, once; it goes up all
 * the same, and the slow path matches its JA3 and JA4 (not the name
 * again). A retransmission: the name again (XDP counts copies), the
 * fingerprints not (the stream was read). */
static void test_fp_whole_hello(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.3.0.1", "192.0.2.30", 43001, 443, 5000, 0 };
	uint64_t up = stat(e, VK_STAT_SEGS_UP), fp = ust(e, VK_USTAT_FP);

	fp_hello();
	send_syn(e, &f);
	assert_int_equal(send_part(e, &f, 0, HN), 3);
	assert_true(has_src(e, VK_SRC_TLS_SNI, "evil.se"));
	assert_true(has_src(e, VK_SRC_JA3, FP_JA3));
	assert_true(has_src(e, VK_SRC_JA4, FP_JA4T));
	assert_false(has_src(e, VK_SRC_JA4, FP_JA4Q));
	assert_int_equal(stat(e, VK_STAT_SEGS_UP), up + 1);
	assert_int_equal(ust(e, VK_USTAT_FP), fp + 1);
	assert_false(followed(e, &f));
	assert_int_equal(send_part(e, &f, 0, HN), 1);
	assert_true(has_src(e, VK_SRC_TLS_SNI, "evil.se"));
}

/* The same hello in a QUIC Initial: its JA4 starts with q. */
static void test_fp_quic(void **state)
{
	struct env *e = *state;

	fp_hello();
	HN -= 5;
	memmove(H, H + 5, HN);
	assert_int_equal(send_initial(e, VK_QUIC_V1, 9, 50009, 0, HN), 3);
	assert_true(has_src(e, VK_SRC_QUIC_SNI, "evil.se"));
	assert_true(has_src(e, VK_SRC_JA3, FP_JA3));
	assert_true(has_src(e, VK_SRC_JA4, FP_JA4Q));
}

/* A hello with more ciphers than the reader keeps is read for its name,
 * but no fingerprint is made of it (counted): a partial list would be
 * another client's fingerprint. */
static void test_fp_long_list(void **state)
{
	struct env *e = *state;
	struct vk_hello h;
	char a[VK_JA3_LEN + 1], b[VK_JA4_LEN + 1];

	fp_hello();
	assert_int_equal(vk_hello_parse(H + 5, HN - 5, &h), 0);
	h.ciphers.total = VK_HELLO_MAX_LIST + 1;
	assert_int_equal(vk_ja3(&h, a, NULL, 0), -E2BIG);
	assert_int_equal(vk_ja4(&h, 't', b), -E2BIG);
	(void)e;
}

/* ---- URLs ------------------------------------------------------------------ */

static const char *URL_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000401\",\"type\":\"url\","
	"\"value\":\"http://evil.example/dl/a.exe\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000402\",\"type\":\"url\","
	"\"value\":\"HTTP://EVIL.example:80/dl/./b.exe?id=1\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000403\",\"type\":\"hostname\","
	"\"value\":\"evil.example\",\"to_ids\":true}"
	"]}}";

static int send_req(struct env *e, const struct flowt *f, uint32_t off, const char *req)
{
	struct pkt p;

	seg(&p, f, f->isn + 1 + off, VK_TCP_ACK, (const uint8_t *)req, strlen(req));
	run(e, &p, p.n);
	return e->n;
}

/* With URL indicators every request goes up: its Host is matched in XDP
 * (once), its URL in the slow path, with its query and without; a second
 * request of a kept-alive connection is read too; a path differs in case. */
static void test_url_requests(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.4.0.1", "192.0.2.40", 44001, 8080, 9000, 0 };
	static const char r1[] = "GET /dl/a.exe?x=1 HTTP/1.1\r\nHost: Evil.Example:80\r\n\r\n";
	static const char r2[] = "GET /dl/%62.exe?id=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n";
	static const char r3[] = "GET /dl/A.exe HTTP/1.1\r\nHost: evil.example\r\n\r\n";

	send_syn(e, &f);
	assert_int_equal(send_req(e, &f, 0, r1), 2);
	assert_true(has_src(e, VK_SRC_HTTP_HOST, "evil.example"));
	assert_true(has_src(e, VK_SRC_HTTP_URL, "http://evil.example/dl/a.exe"));
	assert_string_equal(e->name[e->src[0] == VK_SRC_HTTP_URL ? 0 : 1], "evil.example/dl/a.exe");
	assert_int_equal(send_req(e, &f, sizeof(r1) - 1, r2), 2);
	assert_true(has_src(e, VK_SRC_HTTP_URL, "http://evil.example/dl/b.exe?id=1"));
	assert_int_equal(send_req(e, &f, sizeof(r1) + sizeof(r2) - 2, r3), 1);	/* the Host only */
	assert_true(has_src(e, VK_SRC_HTTP_HOST, "evil.example"));
}

/* A request split after its request line: the slow path reads both Host
 * and URL when the Host comes. */
static void test_url_split(void **state)
{
	struct env *e = *state;
	struct flowt f = { "10.4.0.2", "192.0.2.40", 44002, 80, 7000, 0 };
	static const char a[] = "GET /dl/a.exe HTTP/1.1\r\nUser-Agent: x\r\n";
	static const char b[] = "Host: evil.example\r\n\r\n";

	send_syn(e, &f);
	assert_int_equal(send_req(e, &f, 0, a), 0);
	assert_int_equal(send_req(e, &f, sizeof(a) - 1, b), 2);
	assert_true(has_src(e, VK_SRC_HTTP_URL, "http://evil.example/dl/a.exe"));
	assert_true(has_src(e, VK_SRC_HTTP_HOST, "evil.example"));
}

static int url_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, URL_IND);
}

static int slow_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, SLOW_IND);
}

int vk_slow_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_in_order),
		cmocka_unit_test(test_split_v6),
		cmocka_unit_test(test_out_of_order_after_syn),
		cmocka_unit_test(test_out_of_order_no_syn),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_two_records),
		cmocka_unit_test(test_one_byte_records),
		cmocka_unit_test(test_held_not_tls),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_too_many_pieces),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_http_split),
		cmocka_unit_test(test_quic_v1),
		cmocka_unit_test(test_quic_v2_two_initials),
		cmocka_unit_test(test_quic_hostile),
		cmocka_unit_test(test_quic_many_hosts),
	};

	const struct CMUnitTest fp[] = {
		cmocka_unit_test(test_fp_whole_hello),
		cmocka_unit_test(test_fp_quic),
		cmocka_unit_test(test_fp_long_list),
	};

	const struct CMUnitTest url[] = {
		cmocka_unit_test(test_url_requests),
		cmocka_unit_test(test_url_split),
	};

	return cmocka_run_group_tests_name("slow path", tests, slow_setup, env_teardown) |
	       cmocka_run_group_tests_name("urls", url, url_setup, env_teardown) |
	       cmocka_run_group_tests_name("fingerprints", fp, fp_setup, env_teardown);
}
