/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TLS ClientHello reader: finds the server_name (RFC 6066) in the bytes of
 * one TCP segment, shared by the XDP program and userspace.
 *
 * A segment is a candidate by content, on any port: a handshake record
 * (0x16, version 3.x) whose first message is a ClientHello (1). The fixed
 * part is read straight; the extensions one per call (the XDP program
 * drives them with bpf_loop), then the name one label per call into a
 * struct vk_qname, so names from TLS and DNS are hashed and matched by
 * the same code. A ClientHello whose SNI lies past this segment (a
 * post-quantum key share before it; a hello split over records) is
 * counted as such: reassembly is the dataplane process's work.
 */
#ifndef VK_LIB_TLS_H
#define VK_LIB_TLS_H

#include <linux/types.h>
#include "dns.h"

#define VK_TLS_BUF_LEN		2048	/* bytes of the segment copied */
/* every extension the copied bytes can hold (4 bytes each at least): a
 * hello with many empty extensions before its SNI hides nothing */
#define VK_TLS_MAX_EXT		(VK_TLS_BUF_LEN / 4)
/* record header, handshake header, version, random, the three length
 * bytes of session id, cipher suites and compression at their least */
#define VK_TLS_MIN_HELLO	(5 + 4 + 2 + 32 + 1 + 2 + 2 + 1 + 1)
#define VK_TLS_REC_MAX		(16384 + 2048)	/* a record's length, at most */
_Static_assert((VK_TLS_BUF_LEN & (VK_TLS_BUF_LEN - 1)) == 0, "VK_TLS_BUF_LEN masks offsets");

struct vk_tls {
	__u8 buf[VK_TLS_BUF_LEN];	/* the segment's payload, from its first byte */
	__u32 len;			/* valid bytes in buf */
	__u32 lim;			/* the hello's bytes that are here: the
					 * least of len, its record, its length */
	__u32 pos;			/* the next extension */
	__u32 end;			/* the end of the extensions */
	__u32 sni_off, sni_len;		/* the host_name, once found */
	__u32 found;			/* 1 = sni_off/len are set */
	__u32 err;			/* enum vk_stat, 0 = fine */
};

static __always_inline __u32 vk_tls_u16(const struct vk_tls *t, __u32 at)
{
	return (__u32)t->buf[at & (VK_TLS_BUF_LEN - 1)] << 8 |
	       t->buf[(at + 1) & (VK_TLS_BUF_LEN - 1)];
}

/* Does the payload at b (n bytes there) start a ClientHello? */
static __always_inline int vk_tls_candidate(const __u8 *b, __u32 n)
{
	return n >= VK_TLS_MIN_HELLO && b[0] == 0x16 && b[1] == 3 && b[2] <= 4 && b[5] == 1;
}

/* Read the fixed part of the hello in t->buf, up to its extensions.
 * Returns 0 with t->pos/end set, or 1 when there is nothing to walk
 * (t->err says why when it is an error or the SNI is past the segment). */
static __always_inline int vk_tls_hello(struct vk_tls *t)
{
	__u32 rec = vk_tls_u16(t, 3), hs, hend, pos, n;

	t->found = 0;
	t->err = 0;
	t->pos = t->end = 0;		/* scratch: nothing left from the last packet */
	/* a record may hold any part of the hello, a byte of it even
	 * (RFC 8446 5.1: receivers put them together): a short one is
	 * no lie, the rest is in the records after it */
	if (rec < 1 || rec > VK_TLS_REC_MAX)
		goto bad;
	if (rec < 4)
		goto later;		/* even the handshake header goes on */
	hs = (__u32)t->buf[6] << 16 | (__u32)t->buf[7] << 8 | t->buf[8];
	if (hs < VK_TLS_MIN_HELLO - 9 || hs > 0xffff)
		goto bad;
	hend = 9 + hs;
	/* what is here of the hello: this record only (a hello continued
	 * in the next record goes on after that one's header) */
	t->lim = t->len;
	if (t->lim > 5 + rec)
		t->lim = 5 + rec;
	if (t->lim > hend)
		t->lim = hend;
	/* each length read must stay in the hello (else it is malformed)
	 * and in the bytes here (else the rest is in a later segment) */
	pos = 9 + 2 + 32;			/* version, random */
	if (pos + 1 > t->lim)
		goto later;
	n = t->buf[pos & (VK_TLS_BUF_LEN - 1)];	/* session id */
	if (n > 32)
		goto bad;
	pos += 1 + n;
	if (pos + 2 > hend)
		goto bad;
	if (pos + 2 > t->lim)
		goto later;
	n = vk_tls_u16(t, pos);			/* cipher suites */
	if (n < 2 || (n & 1))
		goto bad;
	pos += 2 + n;
	if (pos + 1 > hend)
		goto bad;
	if (pos + 1 > t->lim)
		goto later;
	n = t->buf[pos & (VK_TLS_BUF_LEN - 1)];	/* compression methods */
	if (n < 1)
		goto bad;
	pos += 1 + n;
	if (pos == hend)
		return 1;			/* no extensions, no SNI */
	if (pos + 2 > hend)
		goto bad;
	if (pos + 2 > t->lim)
		goto later;
	n = vk_tls_u16(t, pos);
	pos += 2;
	if (pos + n != hend)			/* the extensions end the hello */
		goto bad;
	t->pos = pos;
	t->end = hend;
	return 0;
bad:
	t->err = VK_STAT_ERR_TLS_HELLO;
	return 1;
later:
	t->err = VK_STAT_TLS_SNI_LATER;
	return 1;
}

/* One extension at t->pos. Returns 0 to go on, 1 when finished: t->found,
 * or t->err (VK_STAT_TLS_SNI_LATER when the rest is not here), or neither
 * (a hello without SNI). Only the first name of the list is read, of type
 * host_name: RFC 6066 allows one per type, and servers take that one. */
static __always_inline int vk_tls_ext_step(struct vk_tls *t)
{
	__u32 pos = t->pos, type, len, list, n;

	if (pos + 4 > t->end)
		return 1;
	if (pos + 4 > t->lim) {
		t->err = VK_STAT_TLS_SNI_LATER;
		return 1;
	}
	type = vk_tls_u16(t, pos);
	len = vk_tls_u16(t, pos + 2);
	if (pos + 4 + len > t->end) {
		t->err = VK_STAT_ERR_TLS_HELLO;
		return 1;
	}
	if (type != 0) {
		t->pos = pos + 4 + len;
		return 0;
	}
	if (pos + 4 + len > t->lim) {
		t->err = VK_STAT_TLS_SNI_LATER;
		return 1;
	}
	list = len >= 2 ? vk_tls_u16(t, pos + 4) : 0;
	n = len >= 5 ? vk_tls_u16(t, pos + 7) : 0;
	if (list + 2 != len || list < 3 || t->buf[(pos + 6) & (VK_TLS_BUF_LEN - 1)] != 0 ||
	    n < 1 || n + 3 > list) {
		t->err = VK_STAT_ERR_TLS_HELLO;
		return 1;
	}
	t->sni_off = pos + 9;
	t->sni_len = n;
	t->found = 1;
	return 1;
}

/* Start reading the SNI into q (its buf is not used). */
static __always_inline void vk_sni_start(struct vk_qname *q, const struct vk_tls *t)
{
	vk_qname_start(q, t->sni_off);
}

/* One label of the dotted SNI into q, lowercased, hashed as the DNS
 * reader hashes it. Returns 0 to go on, 1 when finished (q->done or
 * q->err). A final dot is dropped, as in every name the box matches; an
 * empty label or one over 63 bytes, or a name over 253, is no DNS name
 * and matches nothing. */
static __always_inline int vk_sni_step(struct vk_qname *q, const struct vk_tls *t)
{
	__u32 pos = q->pos, end = t->sni_off + t->sni_len, out = q->out, j, len = 0;
	__u64 h = VK_FNV64_OFFSET;

	if (pos >= end) {
		q->done = 1;
		return 1;
	}
	if (q->nlabels >= VK_MAX_LABELS) {
		q->err = VK_STAT_ERR_TLS_NAME;
		return 1;
	}
	if (q->nlabels)
		q->name[out++ & (VK_QNAME_LEN - 1)] = '.';
	for (j = 0; j < VK_LABEL_MAX + 1; j++) {
		__u8 c;

		if (pos + j >= end)
			break;
		c = t->buf[(pos + j) & (VK_TLS_BUF_LEN - 1)];
		if (c == '.')
			break;
		c = vk_lower(c);
		q->name[(out + j) & (VK_QNAME_LEN - 1)] = (char)c;
		h = vk_label_step(h, c);
		len++;
	}
	if (len == 0 || len > VK_LABEL_MAX || out + len > VK_NAME_MAX - 2) {
		q->err = VK_STAT_ERR_TLS_NAME;
		return 1;
	}
	q->lh[q->nlabels & (VK_MAX_LABELS - 1)] = vk_label_step(h, (__u8)len);
	q->nlabels++;
	q->out = out + len;
	pos += len;
	if (pos < end)
		pos++;			/* the dot */
	q->pos = pos;
	return 0;
}

/* Steps one SNI may take: a label each, and the end. */
#define VK_SNI_STEPS		(VK_MAX_LABELS + 1)

#endif /* VK_LIB_TLS_H */
