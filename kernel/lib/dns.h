/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * DNS question name reader, shared by the XDP program and userspace.
 *
 * The name is read one label per call (the XDP program drives it with
 * bpf_loop so the verifier sees one label, not 2^255 paths). Each call
 * appends the lowercased label to a dotted copy of the name and stores the
 * label's hash, from which dns_suffix hashes every suffix (lib/hash.h).
 */
#ifndef VK_LIB_DNS_H
#define VK_LIB_DNS_H

#include <linux/types.h>
#include "hash.h"
#include "../vardkase_abi.h"

#define VK_DNS_HDR_LEN		12
#define VK_QBUF_LEN		512	/* bytes of the message copied, header
					 * included: what pointers may reach */
#define VK_QNAME_LEN		256	/* the dotted name: >= max name */
#define VK_DNS_MAX_PTR		8	/* compression pointers per name */
#define VK_DNS_MAX_QUESTIONS	4	/* questions of one message read */
#define VK_DNS_TCP_MSGS		8	/* messages of one TCP segment read */
_Static_assert((VK_QBUF_LEN & (VK_QBUF_LEN - 1)) == 0, "VK_QBUF_LEN masks offsets: a power of two");
_Static_assert((VK_QNAME_LEN & (VK_QNAME_LEN - 1)) == 0, "VK_QNAME_LEN masks offsets: a power of two");

struct vk_qname {
	__u8 buf[VK_QBUF_LEN];		/* the message, raw, from its first byte */
	char name[VK_QNAME_LEN];	/* lowercased, dotted, no final dot */
	__u64 lh[VK_MAX_LABELS];	/* per-label hashes, left to right */
	__u32 buf_len;			/* valid bytes in buf */
	__u32 pos;			/* next wire byte to read (message offset) */
	__u32 out;			/* bytes written to name */
	__u32 wire;			/* wire bytes of the name so far */
	__u32 nlabels;
	__u32 nptr;			/* compression pointers followed */
	__u32 next;			/* where the name ended in place: the byte
					 * after its root label or first pointer */
	__u32 done;			/* 1 = root label read, name complete */
	__u32 err;			/* enum vk_stat, 0 = fine */
};

/* Steps one name may take: a label or a pointer each, and the root. */
#define VK_QNAME_STEPS		(VK_MAX_LABELS + VK_DNS_MAX_PTR + 1)

/* Start reading the name at message offset pos (buf and buf_len kept). */
static __always_inline void vk_qname_start(struct vk_qname *q, __u32 pos)
{
	q->pos = pos;
	q->out = 0;
	q->wire = 0;
	q->nlabels = 0;
	q->nptr = 0;
	q->next = 0;
	q->done = 0;
	q->err = 0;
}

/* Read one label (or follow one compression pointer) at q->pos. Returns 0
 * to go on, 1 when finished (q->done or q->err says how). A receiver
 * follows pointers anywhere in the message, so the box does too (a query
 * whose question is a pointer hid its name once): to any offset past the
 * header within the bytes copied, at most VK_DNS_MAX_PTR of them, which
 * also ends a loop. Branch-light on purpose: the byte loop has one exit. */
static __always_inline int vk_qname_step(struct vk_qname *q)
{
	__u32 pos = q->pos & (VK_QBUF_LEN - 1);
	__u32 len, j, out;
	__u64 h = VK_FNV64_OFFSET;

	if (pos >= q->buf_len) {
		q->err = VK_STAT_ERR_DNS_TRUNC;
		return 1;
	}
	len = q->buf[pos];
	if (len == 0) {
		if (!q->nptr)
			q->next = pos + 1;
		q->done = 1;
		return 1;
	}
	if ((len & 0xc0) == 0xc0) {
		__u32 to;

		if (pos + 1 >= q->buf_len) {
			q->err = VK_STAT_ERR_DNS_TRUNC;
			return 1;
		}
		to = (len & 0x3f) << 8 | q->buf[(pos + 1) & (VK_QBUF_LEN - 1)];
		if (!q->nptr)
			q->next = pos + 2;
		if (q->nptr >= VK_DNS_MAX_PTR || to < VK_DNS_HDR_LEN || to >= q->buf_len) {
			q->err = VK_STAT_ERR_DNS_POINTER;
			return 1;
		}
		q->nptr++;
		q->pos = to;
		return 0;
	}
	if (len > VK_LABEL_MAX) {	/* also the 0x40 and 0x80 label types */
		q->err = VK_STAT_ERR_DNS_LABEL;
		return 1;
	}
	/* the name, length octets and the root octet included, is <= 255 */
	if (q->wire + 1 + len + 1 > VK_NAME_MAX || q->nlabels >= VK_MAX_LABELS) {
		q->err = VK_STAT_ERR_DNS_NAME_LEN;
		return 1;
	}
	if (pos + 1 + len >= q->buf_len) {
		q->err = VK_STAT_ERR_DNS_TRUNC;
		return 1;
	}
	out = q->out;
	if (q->nlabels)
		q->name[out++ & (VK_QNAME_LEN - 1)] = '.';
	for (j = 0; j < VK_LABEL_MAX; j++) {
		__u8 c;

		if (j >= len)
			break;
		c = vk_lower(q->buf[(pos + 1 + j) & (VK_QBUF_LEN - 1)]);
		q->name[(out + j) & (VK_QNAME_LEN - 1)] = (char)c;
		h = vk_label_step(h, c);
	}
	q->lh[q->nlabels & (VK_MAX_LABELS - 1)] = vk_label_step(h, (__u8)len);
	q->nlabels++;
	q->out = out + len;
	q->wire += 1 + len;
	q->pos = pos + 1 + len;
	return 0;
}

/* Userspace (and tests): hash a dotted, already-lowercased name's labels
 * the way the XDP program does. Returns the number of labels, or -1. */
static inline int vk_name_label_hashes(const char *name, __u64 *lh, int max)
{
	int n = 0;
	__u64 h = VK_FNV64_OFFSET;
	__u32 len = 0;
	const char *c;

	for (c = name;; c++) {
		if (*c == '.' || *c == 0) {
			if (len == 0 || n >= max)
				return -1;
			lh[n++] = vk_label_step(h, (__u8)len);
			if (*c == 0)
				return n;
			h = VK_FNV64_OFFSET;
			len = 0;
			continue;
		}
		h = vk_label_step(h, (__u8)*c);
		len++;
	}
}

/* The hash of the suffix made of labels [first, n). */
static inline __u64 vk_name_suffix_hash(__u64 seed, const __u64 *lh, int n, int first)
{
	__u64 s = seed;
	int i;

	for (i = n - 1; i >= first; i--)
		s = vk_suffix_step(s, lh[i]);
	return s;
}

#endif /* VK_LIB_DNS_H */
