/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A TLS ClientHello record built to order, for the BPF tests (test_tls.c)
 * and the benchmark (tools/bench/xdp_bench.c): one builder, so both send
 * the same layout.
 */
#ifndef VK_TEST_TLS_HELLO_H
#define VK_TEST_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What goes into a hello, in order: nempty empty extensions of distinct
 * types, an extension of pre bytes (a key share: X25519MLKEM768 is 1216
 * bytes of it), the SNI (none when sni is NULL), supported_versions. */
struct hello_opts {
	const char *sni;
	size_t pre;
	int nempty;
	int sid;		/* session id length (32 as browsers send) */
	int rec_short;		/* the record ends this many bytes early */
	int ext_lie;		/* added to the extensions' length */
};

static inline void th_put(uint8_t *b, size_t *n, const void *d, size_t len)
{
	memcpy(b + *n, d, len);
	*n += len;
}

static inline void th_u8(uint8_t *b, size_t *n, unsigned v) { b[(*n)++] = (uint8_t)v; }

static inline void th_u16(uint8_t *b, size_t *n, size_t v)
{
	b[(*n)++] = (uint8_t)(v >> 8);
	b[(*n)++] = (uint8_t)v;
}

static inline void th_set16(uint8_t *b, size_t at, size_t v)
{
	b[at] = (uint8_t)(v >> 8);
	b[at + 1] = (uint8_t)v;
}

/* Append the hello record at b + *n (room for it is the caller's).
 * Returns the offset in b of the SNI's first byte (0 without one). */
static inline size_t vk_test_hello(uint8_t *b, size_t *n, const struct hello_opts *o)
{
	size_t rec = *n, hs, ext, sni_at = 0, i, len;
	int k;

	th_u8(b, n, 0x16); th_u16(b, n, 0x0301); th_u16(b, n, 0);	/* record */
	hs = *n;
	th_u8(b, n, 1); th_u8(b, n, 0); th_u16(b, n, 0);		/* ClientHello */
	th_u16(b, n, 0x0303);
	for (i = 0; i < 32; i++)
		th_u8(b, n, 0xa0 + (unsigned)i);			/* random */
	th_u8(b, n, (unsigned)o->sid);
	for (k = 0; k < o->sid; k++)
		th_u8(b, n, (unsigned)k);
	th_u16(b, n, 32);						/* 16 suites */
	for (k = 0; k < 16; k++)
		th_u16(b, n, 0x1301 + (size_t)k);
	th_u8(b, n, 1); th_u8(b, n, 0);				/* null compression */
	ext = *n;
	th_u16(b, n, 0);
	for (k = 0; k < o->nempty; k++) {
		th_u16(b, n, 0x7000 + (size_t)k);
		th_u16(b, n, 0);
	}
	if (o->pre) {
		th_u16(b, n, 0x0033);
		th_u16(b, n, o->pre);
		for (i = 0; i < o->pre; i++)
			th_u8(b, n, (unsigned)i);
	}
	if (o->sni) {
		size_t sl = strlen(o->sni);

		th_u16(b, n, 0x0000);
		th_u16(b, n, sl + 5);
		th_u16(b, n, sl + 3);
		th_u8(b, n, 0);
		th_u16(b, n, sl);
		sni_at = *n;
		th_put(b, n, o->sni, sl);
	}
	th_u16(b, n, 0x002b); th_u16(b, n, 3); th_u8(b, n, 2); th_u16(b, n, 0x0304);
	th_set16(b, ext, *n - ext - 2 + (size_t)o->ext_lie);
	len = *n - hs - 4;
	b[hs + 1] = (uint8_t)(len >> 16);
	th_set16(b, hs + 2, len);
	th_set16(b, rec + 3, *n - rec - 5 - (size_t)o->rec_short);
	return sni_at;
}

#endif
