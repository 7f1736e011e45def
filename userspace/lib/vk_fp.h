/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS client fingerprints of a parsed ClientHello (vk_hello.h): JA3
 * (Salesforce; its MD5 is MISP's ja3-fingerprint-md5) and JA4 (FoxIO's
 * BSD-licensed TLS client fingerprint; MISP carries it in a ja4-plus
 * object). The other JA4+ methods are not made: their licence forbids
 * this use. docs/architecture.md, "Fingerprints", has the rules.
 */
#ifndef VK_FP_H
#define VK_FP_H

#include "vk_hello.h"

#define VK_JA3_LEN	32	/* hex digits of the MD5 */
#define VK_JA4_LEN	36	/* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/*
 * JA3 of h: out gets VK_JA3_LEN lowercase hex digits and a NUL; str (may
 * be NULL) the string hashed, cut to slen. Returns 0, or -E2BIG when a
 * list of h was longer than vk_hello keeps (no fingerprint: a partial
 * one would be another client's), -EIO when the hash failed.
 */
int vk_ja3(const struct vk_hello *h, char out[VK_JA3_LEN + 1], char *str, size_t slen);

/*
 * JA4 of h as seen over transport 't' (TCP) or 'q' (QUIC): out gets
 * VK_JA4_LEN characters and a NUL. Returns 0, -E2BIG as vk_ja3, -EIO.
 */
int vk_ja4(const struct vk_hello *h, char transport, char out[VK_JA4_LEN + 1]);

/* Is v a TLS GREASE value (RFC 8701: 0x?a?a, both bytes equal)? */
static inline int vk_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
