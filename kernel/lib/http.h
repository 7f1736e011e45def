/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * HTTP/1.x request reader: finds the Host header in the bytes of one TCP
 * segment, shared by the XDP program and userspace (the fuzzer).
 *
 * A segment is a candidate by content, on any port: it starts with a
 * request method and a space. The request line must end in "HTTP/1.0" or
 * "HTTP/1.1" (a server answers anything else with an error, so the box
 * does not read it). Then one byte per call (the XDP program drives it
 * with bpf_loop): at each line start "host:" is compared without case,
 * and its value, after optional white space, runs to a CR, LF, space or
 * the ':' of a port. The name is then read by the SNI name reader
 * (vk_sni_step) from the same buffer, so it is matched as any name.
 */
#ifndef VK_LIB_HTTP_H
#define VK_LIB_HTTP_H

#include <linux/types.h>
#include "tls.h"

#define VK_HTTP_MIN_REQ		16	/* "GET / HTTP/1.1\r\n" */

enum vk_http_state {
	VK_HTTP_REQLINE = 0,	/* in the request line */
	VK_HTTP_LINE,		/* in a header line (not Host) */
	VK_HTTP_BOL,		/* at a header line's start, k bytes of "host:" seen */
	VK_HTTP_OWS,		/* after "host:", before the value */
	VK_HTTP_VALUE,		/* in the value */
};

struct vk_http {
	__u32 pos;		/* next byte of the segment */
	__u32 st;		/* enum vk_http_state */
	__u32 k;		/* bytes of "host:" matched */
	__u32 off, len;		/* the host name, once found */
	__u32 found;
	__u32 err;		/* enum vk_stat, 0 = fine */
};

/* Does the payload at b (n bytes there, at least 8) start a request? */
static __always_inline int vk_http_candidate(const __u8 *b, __u32 n)
{
	__u32 w = (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];

	if (n < VK_HTTP_MIN_REQ)
		return 0;
	switch (w) {
	case 0x47455420:	/* "GET " */
	case 0x50555420:	/* "PUT " */
		return 1;
	case 0x504f5354:	/* "POST" */
	case 0x48454144:	/* "HEAD" */
		return b[4] == ' ';
	case 0x44454c45:	/* "DELE" (TE ) */
	case 0x4f505449:	/* "OPTI" (ONS ) */
	case 0x434f4e4e:	/* "CONN" (ECT ) */
	case 0x50415443:	/* "PATC" (H ) */
		return 1;
	default:
		return 0;
	}
}

static __always_inline void vk_http_start(struct vk_http *h)
{
	h->pos = 0;
	h->st = VK_HTTP_REQLINE;
	h->k = 0;
	h->off = h->len = 0;
	h->found = 0;
	h->err = 0;
}

/* The bytes of "HTTP/1." and "host:", first byte lowest: constants in
 * registers rather than strings read from .rodata at every byte */
#define VK_HTTP_VERSION		0x2e312f50545448ULL	/* "HTTP/1." */
#define VK_HTTP_HOST		0x3a74736f68ULL		/* "host:" */

/* "HTTP/1.0" or "HTTP/1.1" ends at buf[end - 1] (end: the CR or LF). */
static __always_inline int vk_http_version_at(const struct vk_tls *t, __u32 end)
{
	__u32 i;

	if (end < 8 + 1)
		return 0;
	for (i = 0; i < 7; i++)
		if (t->buf[(end - 8 + i) & (VK_TLS_BUF_LEN - 1)] != (__u8)(VK_HTTP_VERSION >> (8 * i)))
			return 0;
	i = t->buf[(end - 1) & (VK_TLS_BUF_LEN - 1)];
	return i == '0' || i == '1';
}

/* One byte of the segment in t->buf. Returns 0 to go on, 1 when
 * finished: h->found, or h->err (VK_STAT_HTTP_HOST_LATER: the headers go
 * on past this segment; VK_STAT_ERR_HTTP: not a request line), or
 * neither (the headers ended without a Host). */
static __always_inline int vk_http_step(struct vk_http *h, const struct vk_tls *t)
{
	__u32 pos = h->pos;
	__u8 c;

	if (pos >= t->len) {		/* the headers go on in the next segment */
		h->err = VK_STAT_HTTP_HOST_LATER;
		return 1;
	}
	c = t->buf[pos & (VK_TLS_BUF_LEN - 1)];
	h->pos = pos + 1;
	switch (h->st) {
	case VK_HTTP_REQLINE:
		if (c == '\n') {
			__u32 end = pos && t->buf[(pos - 1) & (VK_TLS_BUF_LEN - 1)] == '\r' ?
				    pos - 1 : pos;

			if (!vk_http_version_at(t, end)) {
				h->err = VK_STAT_ERR_HTTP;
				return 1;
			}
			h->st = VK_HTTP_BOL;
			h->k = 0;
		}
		return 0;
	case VK_HTTP_LINE:
		if (c == '\n') {
			h->st = VK_HTTP_BOL;
			h->k = 0;
		}
		return 0;
	case VK_HTTP_BOL:
		if (h->k == 0 && (c == '\r' || c == '\n'))
			return 1;		/* the end of the headers: no Host */
		/* letters without case, the colon exactly (0x1a | 0x20 is ':') */
		if (h->k < 5 && (c >= 'A' && c <= 'Z' ? c | 0x20 : c) ==
				(__u8)(VK_HTTP_HOST >> (8 * h->k))) {
			if (++h->k == 5)
				h->st = VK_HTTP_OWS;
			return 0;
		}
		h->st = c == '\n' ? VK_HTTP_BOL : VK_HTTP_LINE;
		h->k = 0;
		return 0;
	case VK_HTTP_OWS:
		if (c == ' ' || c == '\t')
			return 0;
		h->off = pos;
		h->st = VK_HTTP_VALUE;
		__attribute__((fallthrough));	/* c is the value's first byte */
	default:
		if (c == '\r' || c == '\n' || c == ':' || c == ' ' || c == '\t') {
			h->len = pos - h->off;
			h->found = h->len > 0;
			return 1;
		}
		return 0;
	}
}

#endif /* VK_LIB_HTTP_H */
