// SPDX-License-Identifier: GPL-2.0-only
/*
 * The slow path's libraries on their own: stream reassembly (order,
 * repeats, overlaps, gaps, the window, both memory caps, the timeout,
 * sequence wrap), the ClientHello reader (records, the SNI rules,
 * hostile lengths) and QUIC Initials (the key vectors of v1, v2 and
 * draft 29, sealed and opened again, bad tags, other versions, frames that
 * lie).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/vk_reasm.h"
#include "lib/vk_hello.h"
#include "lib/vk_quic.h"

static struct vk_flow_key K(uint8_t n)
{
	struct vk_flow_key k = { .family = 4, .sport = 1000, .dport = 443 };

	k.src[0] = 10;
	k.src[3] = n;
	return k;
}

static uint8_t D[VK_REASM_WINDOW + 4096];

static struct vk_stream *add(struct vk_reasm *r, uint8_t flow, uint32_t seq0, uint32_t off,
			     size_t len, uint64_t now, int *err)
{
	struct vk_flow_key k = K(flow);

	return vk_reasm_add(r, &k, seq0, 7, seq0 + off, D + off, len, now, err);
}

static void test_order_and_gaps(void **state)
{
	struct vk_reasm r;
	struct vk_stream *s;
	int err = 0, i;

	for (i = 0; i < (int)sizeof(D); i++)
		D[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(vk_reasm_init(&r, 8, 1 << 20, 1000), 0);
	s = add(&r, 1, 0xfffffff0u, 100, 50, 1, &err);	/* the sequence wraps */
	assert_non_null(s);
	assert_int_equal(s->contig, 0);
	s = add(&r, 1, 0xfffffff0u, 0, 60, 2, &err);
	assert_int_equal(s->contig, 60);
	assert_int_equal(s->nr, 2);
	s = add(&r, 1, 0xfffffff0u, 60, 40, 3, &err);	/* the gap filled */
	assert_int_equal(s->contig, 150);
	assert_int_equal(s->nr, 1);
	assert_memory_equal(s->buf, D, 150);
	s = add(&r, 1, 0xfffffff0u, 20, 100, 4, &err);	/* a repeat inside */
	assert_int_equal(s->contig, 150);
	assert_int_equal(r.st.overlap_diff, 0);
	assert_int_equal(r.n, 1);
	vk_reasm_free(&r);
}

static void test_overlap_first_wins(void **state)
{
	struct vk_reasm r;
	struct vk_stream *s;
	uint8_t keep[100];
	int err = 0;

	assert_int_equal(vk_reasm_init(&r, 8, 1 << 20, 1000), 0);
	s = add(&r, 2, 0, 0, 100, 1, &err);
	memcpy(keep, s->buf, 100);
	D[50] ^= 0xff;
	s = add(&r, 2, 0, 40, 100, 2, &err);		/* overlaps 40..100 */
	D[50] ^= 0xff;
	assert_int_equal(r.st.overlap_diff, 1);
	assert_memory_equal(s->buf, keep, 100);	/* the first copy stays */
	assert_int_equal(s->contig, 140);
	vk_reasm_free(&r);
}

static void test_window_and_pieces(void **state)
{
	struct vk_reasm r;
	struct vk_stream *s;
	int err = 0, i;

	assert_int_equal(vk_reasm_init(&r, 8, 1 << 20, 1000), 0);
	assert_null(add(&r, 3, 0, VK_REASM_WINDOW, 10, 1, &err));
	assert_int_equal(err, -ERANGE);
	assert_int_equal(r.n, 0);
	s = add(&r, 3, 0, VK_REASM_WINDOW - 10, 100, 1, &err);	/* cut at the window */
	assert_non_null(s);
	assert_int_equal(s->r[0][1], VK_REASM_WINDOW);
	for (i = 0; i < VK_REASM_RANGES - 1; i++)
		assert_non_null(add(&r, 3, 0, (uint32_t)i * 10, 5, 2, &err));
	assert_int_equal(s->nr, VK_REASM_RANGES);
	assert_null(add(&r, 3, 0, 500, 5, 3, &err));	/* one piece too many */
	assert_int_equal(err, -E2BIG);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.bytes, 0);
	vk_reasm_free(&r);
}

static void test_caps_and_timeout(void **state)
{
	struct vk_reasm r;
	struct vk_flow_key k;
	int err = 0, i;

	/* four streams at most: the fifth pushes out the one idle longest */
	assert_int_equal(vk_reasm_init(&r, 4, 2 * VK_REASM_WINDOW, 1000), 0);
	for (i = 0; i < 4; i++)
		assert_non_null(add(&r, (uint8_t)(10 + i), 0, 0, 100, (uint64_t)i, &err));
	assert_non_null(add(&r, 10, 0, 100, 100, 5, &err));	/* 10 is young again */
	assert_non_null(add(&r, 20, 0, 0, 100, 6, &err));
	assert_int_equal(r.n, 4);
	assert_int_equal(r.st.evicted, 1);
	k = K(11);
	assert_null(vk_reasm_find(&r, &k, 0));
	k = K(10);
	assert_non_null(vk_reasm_find(&r, &k, 0));
	/* the byte cap: two full windows, a third stream takes the room of
	 * the oldest ones, never its own */
	assert_non_null(add(&r, 30, 0, 0, VK_REASM_WINDOW, 7, &err));
	assert_non_null(add(&r, 31, 0, 0, VK_REASM_WINDOW, 8, &err));
	assert_true(r.bytes <= r.max_bytes);
	k = K(31);
	assert_non_null(vk_reasm_find(&r, &k, 0));
	/* the timeout: streams idle for 1000 ns go, the others stay */
	assert_int_equal(vk_reasm_expire(&r, 1007, NULL, NULL), 1);
	assert_non_null(vk_reasm_find(&r, &k, 0));
	assert_int_equal(vk_reasm_expire(&r, 5000, NULL, NULL), 1);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.bytes, 0);
	vk_reasm_free(&r);
}

/* ---- the hello ------------------------------------------------------- */

static size_t hello(uint8_t *b, const uint8_t *exts, size_t elen)
{
	size_t n = 0, hs;

	b[n++] = 0x16; b[n++] = 3; b[n++] = 1; n += 2;		/* record */
	hs = n;
	b[n++] = 1; n += 3;					/* ClientHello */
	b[n++] = 3; b[n++] = 3;
	memset(b + n, 0xaa, 32); n += 32;
	b[n++] = 0;						/* session id */
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;	/* a suite */
	b[n++] = 1; b[n++] = 0;					/* compression */
	b[n++] = (uint8_t)(elen >> 8); b[n++] = (uint8_t)elen;
	memcpy(b + n, exts, elen); n += elen;
	b[hs + 1] = (uint8_t)((n - hs - 4) >> 16);
	b[hs + 2] = (uint8_t)((n - hs - 4) >> 8);
	b[hs + 3] = (uint8_t)(n - hs - 4);
	b[3] = (uint8_t)((n - 5) >> 8);
	b[4] = (uint8_t)(n - 5);
	return n;
}

/* server_name extension with the given entries (type, name). */
static size_t sni_ext(uint8_t *e, int n, const uint8_t *types, const char **names)
{
	size_t at = 0, list;
	int i;

	e[at++] = 0; e[at++] = 0; at += 2;
	list = at;
	at += 2;
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		e[at++] = types[i];
		e[at++] = (uint8_t)(l >> 8); e[at++] = (uint8_t)l;
		memcpy(e + at, names[i], l); at += l;
	}
	e[2] = (uint8_t)((at - 4) >> 8); e[3] = (uint8_t)(at - 4);
	e[list] = (uint8_t)((at - list - 2) >> 8); e[list + 1] = (uint8_t)(at - list - 2);
	return at;
}

static int read_hello(const uint8_t *b, size_t n, struct vk_hello *h)
{
	static uint8_t msg[VK_HELLO_MAX];
	size_t len;
	int rc = vk_tls_collect(b, n, msg, sizeof(msg), &len);

	if (rc != 1)
		return rc == 0 ? -EAGAIN : rc;
	return vk_hello_parse(msg, len, h);
}

static void test_hello_sni_rules(void **state)
{
	static uint8_t b[70000], e[66000];
	const char *two[] = { "first.evil.se", "second.example" };
	const uint8_t t00[] = { 0, 0 }, t10[] = { 1, 0 };
	char longname[301];
	struct vk_hello h;
	size_t n, el, i;

	el = sni_ext(e, 2, t00, two);		/* two names: the first is read */
	n = hello(b, e, el);
	assert_int_equal(read_hello(b, n, &h), 0);
	assert_true(h.has_sni);
	assert_int_equal(h.sni_len, 13);
	assert_memory_equal(h.sni, "first.evil.se", 13);
	for (i = 1; i < n; i++)			/* cut anywhere: more is needed */
		assert_int_equal(read_hello(b, i, &h), -EAGAIN);
	el = sni_ext(e, 2, t10, two);		/* the first entry no host_name */
	n = hello(b, e, el);
	assert_int_equal(read_hello(b, n, &h), -EBADMSG);
	two[0] = "";				/* a name of no bytes */
	el = sni_ext(e, 1, t00, two);
	n = hello(b, e, el);
	assert_int_equal(read_hello(b, n, &h), -EBADMSG);
	memset(longname, 'a', 300);
	longname[300] = 0;
	two[0] = longname;			/* over 255: no name to match */
	el = sni_ext(e, 1, t00, two);
	n = hello(b, e, el);
	assert_int_equal(read_hello(b, n, &h), 0);
	assert_false(h.has_sni);
	/* encrypted_client_hello: counted; the outer SNI read as it is */
	two[0] = "public.example";
	el = sni_ext(e, 1, t00, two);
	e[el++] = 0xfe; e[el++] = 0x0d; e[el++] = 0; e[el++] = 1; e[el++] = 0;
	n = hello(b, e, el);
	assert_int_equal(read_hello(b, n, &h), 0);
	assert_true(h.ech);
	assert_true(h.has_sni);
	/* 10k empty extensions before the SNI: 40 kB, over VK_HELLO_MAX */
	for (el = 0, i = 0; i < 10000; i++) {
		e[el++] = (uint8_t)(0x70 + i / 256); e[el++] = (uint8_t)i; e[el++] = 0; e[el++] = 0;
	}
	el += sni_ext(e + el, 1, t00, two);
	n = hello(b, e, el);
	b[3] = b[4] = 0x3f;	/* any record length: the message is too big first */
	assert_int_equal(read_hello(b, n, &h), -EMSGSIZE);
	/* the same read whole by the parser: every extension walked */
	assert_int_equal(vk_hello_parse(b + 5, n - 5, &h), 0);
	assert_int_equal(h.exts.total, 10001);
	assert_true(h.has_sni);
}

static void test_hello_lies(void **state)
{
	static uint8_t b[4096], e[1024];
	const char *one[] = { "www.evil.se" };
	const uint8_t t0[] = { 0 };
	struct vk_hello h;
	size_t n, el, at;

	el = sni_ext(e, 1, t0, one);
	n = hello(b, e, el);
	for (at = 5; at < n; at++) {		/* every byte of the hello changed */
		uint8_t keep = b[at];

		b[at] = 0xff;
		(void)read_hello(b, n, &h);	/* no crash, no read past n */
		b[at] = 0x00;
		(void)read_hello(b, n, &h);
		b[at] = keep;
	}
	b[0] = 0x17;				/* application data, not a hello */
	assert_int_equal(read_hello(b, n, &h), -EBADMSG);
	b[0] = 0x16;
	b[5] = 2;				/* a ServerHello */
	assert_int_equal(read_hello(b, n, &h), -EBADMSG);
	b[5] = 1;
	b[3] = b[4] = 0;			/* a record of no bytes */
	assert_int_equal(read_hello(b, n, &h), -EBADMSG);
}

/* ---- QUIC ------------------------------------------------------------ */

static void hex(const char *h, uint8_t *out)
{
	size_t i;

	for (i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static void test_quic_keys(void **state)
{
	/* RFC 9001 A.1, RFC 9369 A.1, draft-ietf-quic-tls-29 A.1 (drafts 29-32) */
	static const struct { uint32_t v; const char *key, *iv, *hp; } vec[] = {
		{ VK_QUIC_V1, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c",
		  "9f50449e04a0e810283a1e9933adedd2" },
		{ VK_QUIC_V2, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f",
		  "45b95e15235d6f45a6b19cbcb0294ba9" },
		{ VK_QUIC_DRAFT29, "175257a31eb09dea9366d8bb79ad80ba", "6b26114b9cba2b63a9e8dd4f",
		  "9ddd12c994c0698b89374a9c077a3077" },
	};
	uint8_t dcid[8], want[16];
	struct vk_quic_keys k;
	size_t i;

	hex("8394c8f03e515708", dcid);
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		assert_int_equal(vk_quic_client_keys(vec[i].v, dcid, 8, &k), 0);
		hex(vec[i].key, want);
		assert_memory_equal(k.key, want, 16);
		hex(vec[i].iv, want);
		assert_memory_equal(k.iv, want, 12);
		hex(vec[i].hp, want);
		assert_memory_equal(k.hp, want, 16);
	}
	assert_int_equal(vk_quic_client_keys(0xff00001c, dcid, 8, &k), -EPROTONOSUPPORT);
}

struct frames { uint64_t off[8]; size_t len[8]; int n; };

static void on_frame(void *arg, uint64_t off, const uint8_t *d, size_t len)
{
	struct frames *f = arg;

	if (f->n < 8) {
		f->off[f->n] = off;
		f->len[f->n++] = len;
	}
}

static void test_quic_seal_open(void **state)
{
	static uint8_t pkt[1500], plain[1500];
	const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, scid[4] = { 9, 9, 9, 9 };
	uint8_t crypto[300];
	struct vk_quic_pkt p;
	struct frames f = { 0 };
	uint32_t vs[3] = { VK_QUIC_V1, VK_QUIC_V2, VK_QUIC_DRAFT29 };
	int n, i;

	memset(crypto, 0x5a, sizeof(crypto));
	for (i = 0; i < 3; i++) {
		n = vk_quic_seal(vs[i], dcid, 8, scid, 4, 7, 100, crypto, sizeof(crypto), 1200, pkt,
				 sizeof(pkt));
		assert_true(n >= 1200);
		assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), 0);
		assert_int_equal(p.version, vs[i]);
		assert_int_equal(p.pn, 7);
		assert_int_equal(p.len, n);
		memset(&f, 0, sizeof(f));
		assert_int_equal(vk_quic_crypto_frames(plain, p.plain_len, on_frame, &f), 0);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.off[0], 100);
		assert_int_equal(f.len[0], sizeof(crypto));
		pkt[n - 1] ^= 1;			/* the tag */
		assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), -EACCES);
		pkt[n - 1] ^= 1;
		pkt[n / 2] ^= 1;			/* the ciphertext */
		assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), -EACCES);
		pkt[n / 2] ^= 1;
		pkt[10] ^= 1;				/* the DCID: other keys */
		assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), -EACCES);
		pkt[10] ^= 1;
		for (size_t cut = 0; cut < (size_t)n; cut += 7)	/* cut anywhere */
			assert_int_not_equal(vk_quic_open(pkt, cut, plain, &p, NULL), 0);
	}
	pkt[1] = 0xff; pkt[2] = pkt[3] = 0; pkt[4] = 0x1c;	/* draft 28: not read */
	assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), -EPROTONOSUPPORT);
	pkt[0] &= 0x7f;					/* a short header */
	assert_int_equal(vk_quic_open(pkt, (size_t)n, plain, &p, NULL), -ENOMSG);
}

static void test_quic_frames_lie(void **state)
{
	struct frames f = { 0 };
	/* PADDING, PING, ACK (1 range), CRYPTO with an 8-byte offset */
	const uint8_t ok[] = { 0, 0, 1, 2, 5, 0, 1, 0, 0, 0, 6,
			       0xc0, 0, 0, 0, 0, 0, 0, 0x10, 2, 'h', 'i' };
	const uint8_t long_crypto[] = { 6, 0, 0x44, 0x00, 'x' };	/* 1024 bytes said */
	const uint8_t stream[] = { 8, 0, 0 };		/* STREAM: not in an Initial */
	const uint8_t ack_cut[] = { 2, 5, 0, 0x40 };

	assert_int_equal(vk_quic_crypto_frames(ok, sizeof(ok), on_frame, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.off[0], 0x10);
	assert_int_equal(f.len[0], 2);
	assert_int_equal(vk_quic_crypto_frames(long_crypto, sizeof(long_crypto), on_frame, &f),
			 -EBADMSG);
	assert_int_equal(vk_quic_crypto_frames(stream, sizeof(stream), on_frame, &f), -EBADMSG);
	assert_int_equal(vk_quic_crypto_frames(ack_cut, sizeof(ack_cut), on_frame, &f), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_gaps),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_window_and_pieces),
		cmocka_unit_test(test_caps_and_timeout),
		cmocka_unit_test(test_hello_sni_rules),
		cmocka_unit_test(test_hello_lies),
		cmocka_unit_test(test_quic_keys),
		cmocka_unit_test(test_quic_seal_open),
		cmocka_unit_test(test_quic_frames_lie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
