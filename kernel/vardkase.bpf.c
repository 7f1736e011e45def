// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkase XDP entry: parse, match every packet's addresses (and DNS query
 * names) against the indicator tables, count every match per indicator,
 * and report match details through a rate-limited ring buffer.
 *
 * The tables are filled by userspace (vardkase-xdp) through mmap; the
 * layout and the write ordering that makes updates safe while this runs
 * are in vardkase_abi.h and docs/architecture.md.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define vk_ntohs(x) bpf_ntohs(x)
#include "vardkase_abi.h"
#include "lib/hash.h"
#include "lib/parse.h"
#include "lib/encap.h"
#include "lib/dns.h"
#include "lib/tls.h"
#include "lib/http.h"
#include "lib/quic.h"

char LICENSE[] SEC("license") = "GPL";

#include "lib/maps.h"
#include "lib/flow.h"

/* Slots are read id first: the writer stores the key, then the id
 * (docs/architecture.md, "update ordering"). */
#define SLOT_ID(s) (*(volatile __u32 *)&(s)->id)

__noinline __u32 vk_probe_v4(__u32 addr, __u32 mask)
{
	__u32 home = vk_hash_v4(addr), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v4_slot *s = bpf_map_lookup_elem(&vk_v4, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->addr == addr)
			return id;
	}
	return 0;
}

__noinline __u32 vk_probe_v4port(__u32 addr, __u32 port, __u32 mask)
{
	__u32 home = vk_hash_v4port(addr, (__u16)port), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v4port_slot *s = bpf_map_lookup_elem(&vk_v4port, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->addr == addr && s->port == port)
			return id;
	}
	return 0;
}

__noinline __u32 vk_probe_v4long(__u32 net, __u32 plen, __u32 mask)
{
	__u32 home = vk_hash_v4long(net, plen), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v4long_slot *s = bpf_map_lookup_elem(&vk_v4long, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->net == net && s->plen == plen)
			return id;
	}
	return 0;
}

/* Returns (best << 32 | flags) of the /24's slot, or 0 when none. */
__noinline __u64 vk_probe_l24(__u32 net24, __u32 mask)
{
	__u32 home = vk_hash_l24(net24), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v4l24_slot *s = bpf_map_lookup_elem(&vk_v4l24, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->net24 == net24)
			return (__u64)s->best << 32 | s->flags | (1ull << 31);
	}
	return 0;
}

/* The longest IPv4 indicator (address or prefix) containing addr, 0 if
 * none. Called only for addresses whose /24 bit is set in vk_v4_filter. */
__noinline __u32 vk_v4_best(__u32 addr)
{
	struct vk_config *cfg = cfg_get();
	__u32 h = bpf_ntohl(addr), best = 0, k20 = h >> 13, id, len;
	struct vk_l20_pair *l20;
	__u64 r;

	if (!cfg)
		return 0;
	l20 = bpf_map_lookup_elem(&vk_v4_l20, &k20);
	if (l20)
		best = l20->id[(h >> 12) & 1];
	id = vk_probe_v4(addr, cfg->v4_mask);
	if (id)
		return id;
	r = vk_probe_l24(h >> 8, cfg->v4l24_mask);
	if (!r)
		return best;
	for (len = 31; len >= 25; len--) {
		__u32 net;

		if (!(r & (1u << (VK_L24_LONG_SHIFT + len - 25))))
			continue;
		net = bpf_htonl(h & ~((1u << (32 - len)) - 1));
		id = vk_probe_v4long(net, len, cfg->v4long_mask);
		if (id)
			return id;
	}
	return (r >> 32) ? (__u32)(r >> 32) : best;
}

static __always_inline int v6_eq(const __u8 *a, const __u8 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

__noinline __u32 vk_probe_v6(__u64 a0, __u64 a1, __u32 plen, __u32 mask)
{
	__u64 key[2] = { a0, a1 };
	__u32 home = vk_hash_v6((const __u8 *)key, plen, 0), n;
	void *map = plen == 128 ? (void *)&vk_v6 : (void *)&vk_v6pfx;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v6_slot *s = bpf_map_lookup_elem(map, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->plen == plen &&
		    v6_eq(s->addr, (const __u8 *)key))
			return id;
	}
	return 0;
}

__noinline __u32 vk_probe_v6port(__u64 a0, __u64 a1, __u32 port, __u32 mask)
{
	__u64 key[2] = { a0, a1 };
	__u32 home = vk_hash_v6((const __u8 *)key, 128, port), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_v6port_slot *s = bpf_map_lookup_elem(&vk_v6port, &k);
		__u32 id;

		if (!s)
			return 0;
		id = SLOT_ID(s);
		if (id == VK_ID_EMPTY)
			return 0;
		if (id != VK_ID_TOMB && s->port == port &&
		    v6_eq(s->addr, (const __u8 *)key))
			return id;
	}
	return 0;
}

static __always_inline void v6_mask(__u64 *k, __u32 len)
{
	__u64 hi = bpf_be64_to_cpu(k[0]), lo = bpf_be64_to_cpu(k[1]);

	if (len <= 64) {
		hi = len == 64 ? hi : (hi & ~((~0ull) >> len));
		lo = 0;
	} else {
		lo = lo & ~((~0ull) >> (len - 64));
	}
	k[0] = bpf_cpu_to_be64(hi);
	k[1] = bpf_cpu_to_be64(lo);
}

__noinline __u32 vk_v6_best(__u64 a0, __u64 a1)
{
	struct vk_config *cfg = cfg_get();
	__u64 key[2] = { a0, a1 };
	__u32 id, len;

	if (!cfg)
		return 0;
	if (bit_test(&vk_v6_filter, vk_hash_v6((const __u8 *)key, 128, 0) &
		     (VK_V6_FILTER_WORDS * 64 - 1))) {
		id = vk_probe_v6(a0, a1, 128, cfg->v6_mask);
		if (id)
			return id;
	}
	if (!cfg->n_v6pfx ||
	    !bit_test(&vk_v6_pfilter, vk_hash_v6_32((const __u8 *)key) &
		      (VK_V6_PFILTER_WORDS * 64 - 1)))
		return 0;
	for (len = 128; len >= VK_V6_MIN_PREFIX; len--) {
		__u64 m[2] = { a0, a1 };
		__u32 w = len >> 6;

		if (!((cfg->v6_pfx_lens[w & 1] >> (len & 63)) & 1) && len != 128)
			continue;
		if (len == 128)	/* /128 lives in vk_v6, already probed */
			continue;
		v6_mask(m, len);
		id = vk_probe_v6(m[0], m[1], len, cfg->v6pfx_mask);
		if (id)
			return id;
	}
	return 0;
}

/* Names: one probe per suffix; hashes are 64-bit and keyed, and every
 * match is confirmed on the exact name in userspace before it is reported. */
__noinline __u64 vk_probe_name(__u64 hash, __u32 mask)
{
	__u32 home = (__u32)vk_fmix64(hash), n;

	if (!bit_test(&vk_name_filter, (__u32)(hash >> 40) & (VK_NAME_FILTER_WORDS * 64 - 1)))
		return 0;
	for (n = 0; n < VK_MAX_PROBE; n++) {
		__u32 k = (home + n) & mask;
		struct vk_name_slot *s = bpf_map_lookup_elem(&vk_names, &k);
		__u32 d, h;

		if (!s)
			return 0;
		d = *(volatile __u32 *)&s->domain_id;
		h = *(volatile __u32 *)&s->host_id;
		if (d == VK_ID_EMPTY && h == VK_ID_EMPTY)
			return 0;
		if (s->hash == hash)
			return (__u64)(d == VK_ID_TOMB ? 0 : d) << 32 |
			       (h == VK_ID_TOMB ? 0 : h);
	}
	return 0;
}

/* Global (noinline, non-static) functions below are verified once each
 * rather than once per call site and path: that keeps the program far from
 * the verifier's complexity limits. */
__noinline int vk_add_match(struct vk_scratch *s, __u32 id, __u32 src)
{
	__u32 n, i;

	if (!s)
		return 0;
	n = s->nmatch;
	if (n >= VK_MAX_MATCH)
		return 0;
	for (i = 0; i < VK_MAX_MATCH; i++) {	/* one packet, one count per id */
		if (i >= n)
			break;
		if (s->mid[i] == id)
			return 0;
	}
	s->mid[n & (VK_MAX_MATCH - 1)] = id;
	s->msrc[n & (VK_MAX_MATCH - 1)] = (__u8)src;
	s->nmatch = n + 1;
	return 0;
}

__noinline int vk_add_chain(struct vk_scratch *s, __u32 id, __u32 src)
{
	int n;

	for (n = 0; n < VK_MAX_CHAIN && id; n++) {
		struct vk_meta *m = bpf_map_lookup_elem(&vk_meta, &id);

		if (!m || !m->kind)
			break;
		vk_add_match(s, id, src);
		id = m->parent;
	}
	return 0;
}

static long qname_cb(__u32 i, void *ctx)
{
	struct vk_scratch *s = scratch_get();

	if (!s)
		return 1;
	return vk_qname_step(&s->q);
}

__noinline int vk_report_one(struct vk_scratch *s, __u32 j);

/* The name in s->q (read whole: nlabels and the label hashes), its
 * suffixes matched, and its matches reported at once, while s->q holds
 * the name their events carry. src: VK_SRC_DNS_QNAME or VK_SRC_TLS_SNI. */
__noinline int vk_match_name(struct vk_scratch *s, __u32 src)
{
	struct vk_config *cfg = cfg_get();
	__u32 i, n, first;
	__u64 suffix, ids;

	if (!s || !cfg)
		return 0;
	n = s->q.nlabels;
	if (n < 2)
		return 0;
	first = s->nmatch;
	suffix = cfg->name_seed;
	for (i = 0; i < VK_MAX_LABELS; i++) {
		__u32 l = n - 1 - i;

		if (i >= n)
			break;
		suffix = vk_suffix_step(suffix, s->q.lh[l & (VK_MAX_LABELS - 1)]);
		if (i == 0)
			continue;	/* a bare TLD is never an indicator */
		ids = vk_probe_name(suffix, cfg->name_mask);
		if (!ids)
			continue;
		if (ids >> 32)
			vk_add_chain(s, (__u32)(ids >> 32), src);
		if (l == 0 && (__u32)ids)
			vk_add_chain(s, (__u32)ids, src);
	}
	for (i = 0; i < VK_MAX_MATCH; i++) {
		if (i >= s->nmatch || s->quiet)
			break;
		if (i >= first)
			vk_report_one(s, i);
	}
	return 0;
}

/* One name of the question section, read from s->q (vk_qname_start done)
 * and matched. 0 when read whole, -1 on a counted parse failure (the
 * questions after it are not read). */
__noinline int vk_dns_question(struct vk_scratch *s, __u32 src)
{
	__u32 zero = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);

	if (!s || !st)
		return -1;
	bpf_loop(VK_QNAME_STEPS, qname_cb, NULL, 0);
	if (s->q.err || !s->q.done) {
		st->v[(s->q.err ? s->q.err : VK_STAT_ERR_DNS_NAME_LEN) & VK_STAT_MASK]++;
		return -1;
	}
	return vk_match_name(s, src);
}

static long tls_ext_cb(__u32 i, void *ctx)
{
	struct vk_scratch *s = scratch_get();

	if (!s)
		return 1;
	return vk_tls_ext_step(&s->tls);
}

static long sni_cb(__u32 i, void *ctx)
{
	struct vk_scratch *s = scratch_get();

	if (!s)
		return 1;
	return vk_sni_step(&s->q, &s->tls);
}

static long http_cb(__u32 i, void *ctx)
{
	struct vk_scratch *s = scratch_get();

	if (!s)
		return 1;
	return vk_http_step(&s->http, &s->tls);
}

/* The segment's payload at off into s->tls.buf (its first VK_TLS_BUF_LEN
 * bytes, as the IP length bounds it). Returns the bytes copied, 0 when
 * fewer than min are there. */
static __always_inline __u32 seg_copy(struct xdp_md *ctx, struct vk_scratch *s, __u32 off,
				      __u32 min)
{
	const void *data = (void *)(long)ctx->data;
	const void *end = (void *)(long)ctx->data_end;
	__u32 avail;

	off &= 0x1fff;
	if ((const __u8 *)data + off > (const __u8 *)end)
		return 0;
	avail = (__u32)((const __u8 *)end - ((const __u8 *)data + off));
	if (avail > s->pkt.pay_len)
		avail = s->pkt.pay_len;
	if (avail < min)
		return 0;
	if (avail > VK_TLS_BUF_LEN)
		avail = VK_TLS_BUF_LEN;
	/* a length the verifier can prove is in [1, VK_TLS_BUF_LEN] on 6.1:
	 * as in vk_match_dns */
	asm volatile("" : "+r"(avail));
	avail = ((avail - 1) & (VK_TLS_BUF_LEN - 1)) + 1;
	if (bpf_xdp_load_bytes(ctx, off, s->tls.buf, avail))
		return 0;
	s->tls.len = avail;
	return avail;
}

/* The name at s->tls.sni_off, sni_len of the segment copied into
 * s->tls.buf (an SNI, a Host), read into s->q and matched as src. */
__noinline int vk_match_seg_name(struct vk_scratch *s, __u32 src)
{
	__u32 zero = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);

	if (!s || !st)
		return 0;
	vk_sni_start(&s->q, &s->tls);
	bpf_loop(VK_SNI_STEPS, sni_cb, NULL, 0);
	if (s->q.err || !s->q.done) {
		st->v[VK_STAT_ERR_TLS_NAME]++;
		return 0;
	}
	return vk_match_name(s, src);
}

/* A text the slow path read whole, matched on its exact bytes (a JA3, a
 * JA4, a URL: src says which) in s->slow_in.name, n bytes: hashed as they
 * are (vk_exact_hash), looked up under its kind's seed, reported when an
 * indicator of that kind has it, the text in the event. No parent chain. */
__noinline int vk_match_exact(struct vk_scratch *s, __u32 src, __u32 n)
{
	struct vk_config *cfg = cfg_get();
	__u32 kind = src == VK_SRC_JA3 ? VK_KIND_JA3 : src == VK_SRC_JA4 ? VK_KIND_JA4 :
		     VK_KIND_URL, id, first, i;
	__u64 h = VK_FNV64_OFFSET;
	struct vk_meta *m;

	if (!s || !cfg || n > VK_QNAME_LEN - 1)
		return 0;
	for (i = 0; i < VK_QNAME_LEN - 1; i++) {
		if (i >= n)
			break;
		h = vk_label_step(h, (__u8)s->slow_in.name[i]);
	}
	id = (__u32)vk_probe_name(vk_exact_hash(cfg->name_seed, kind, h, n), cfg->name_mask);
	if (!id)
		return 0;
	m = bpf_map_lookup_elem(&vk_meta, &id);
	if (!m || m->kind != kind)
		return 0;
	/* what the event carries: emit() takes s->q's text */
	__builtin_memcpy(s->q.name, s->slow_in.name, sizeof(s->q.name));
	s->q.out = n;
	first = s->nmatch;
	vk_add_match(s, id, src);
	if (s->nmatch > first)
		vk_report_one(s, first);
	return 0;
}


/* vk_match_tls and vk_match_http: what the segment held. */
#define VK_SEG_NONE	0	/* no name: not a hello or request, a broken one */
#define VK_SEG_NAME	1	/* the name, read (and matched when it could) */
#define VK_SEG_LATER	2	/* a hello or request whose name may come later */

/* A TCP segment at payload offset off that starts an HTTP/1.x request
 * (vk_http_candidate): its Host header matched as a DNS query name is,
 * when it is in this segment. Any port. Returns VK_SEG_*. */
__noinline int vk_match_http(struct xdp_md *ctx, struct vk_scratch *s, __u32 off)
{
	__u32 zero = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);

	if (!s || !st || !seg_copy(ctx, s, off, VK_HTTP_MIN_REQ))
		return VK_SEG_NONE;
	st->v[VK_STAT_HTTP_REQUESTS]++;
	vk_http_start(&s->http);
	bpf_loop(VK_TLS_BUF_LEN + 1, http_cb, NULL, 0);
	if (!s->http.found) {
		if (s->http.err)
			st->v[s->http.err & VK_STAT_MASK]++;
		/* past the segment, not past the bytes the reader takes */
		return s->http.err == VK_STAT_HTTP_HOST_LATER && s->tls.len < VK_TLS_BUF_LEN ?
		       VK_SEG_LATER : VK_SEG_NONE;
	}
	s->tls.sni_off = s->http.off;
	s->tls.sni_len = s->http.len;
	vk_match_seg_name(s, VK_SRC_HTTP_HOST);
	return VK_SEG_NAME;
}

/* A TCP segment at payload offset off that starts a ClientHello
 * (vk_tls_candidate): its SNI matched as a DNS query name is, when it is
 * in this segment. Any port: the record is known by its content.
 * Returns VK_SEG_*. */
__noinline int vk_match_tls(struct xdp_md *ctx, struct vk_scratch *s, __u32 off)
{
	__u32 zero = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);

	if (!s || !st || !seg_copy(ctx, s, off, VK_TLS_MIN_HELLO))
		return VK_SEG_NONE;
	st->v[VK_STAT_TLS_HELLOS]++;
	if (!vk_tls_hello(&s->tls))
		bpf_loop(VK_TLS_MAX_EXT, tls_ext_cb, NULL, 0);
	if (!s->tls.found) {
		/* walked VK_TLS_MAX_EXT extensions, neither SNI nor end: broken */
		if (!s->tls.err && s->tls.pos + 4 <= s->tls.end)
			s->tls.err = VK_STAT_ERR_TLS_HELLO;
		if (s->tls.err)
			st->v[s->tls.err & VK_STAT_MASK]++;
		return s->tls.err == VK_STAT_TLS_SNI_LATER ? VK_SEG_LATER : VK_SEG_NONE;
	}
	vk_match_seg_name(s, VK_SRC_TLS_SNI);
	return VK_SEG_NAME;
}

/* The question section of a DNS message at frame offset off (under
 * 0x2000: the caller checks), len bytes long as far as this packet holds
 * it: every question, up to VK_DNS_MAX_QUESTIONS (only the first was read
 * once: QDCOUNT 2 hid the second). Over UDP len is the datagram's payload
 * as the IP and UDP lengths say (bytes past them in the frame, padding,
 * are no part of it); over TCP the message's length prefix, cut to the
 * segment. Opcodes QUERY, NOTIFY and UPDATE (whose zone section has the
 * question's format): docs/operations.md, Decisions. */
__noinline int vk_match_dns(struct xdp_md *ctx, struct vk_scratch *s, __u32 off, __u32 len,
			    __u32 src)
{
	const void *data = (void *)(long)ctx->data;
	const void *end = (void *)(long)ctx->data_end;
	const __u8 *d = (const __u8 *)data + (off & 0x1fff);
	__u32 avail, i, qd, pos, op, zero = 0;
	struct vk_stats *st;

	st = bpf_map_lookup_elem(&vk_stats, &zero);
	if (!s || !st)
		return 0;
	if (d + VK_DNS_HDR_LEN > (const __u8 *)end || len < VK_DNS_HDR_LEN) {
		st->v[VK_STAT_ERR_DNS_TRUNC]++;
		return 0;
	}
	op = (d[2] >> 3) & 0xf;
	if (src == VK_SRC_DNS_ANSWER) {
		/* a response to one standard query, without error, with answers */
		if (!(d[2] & 0x80) || op != 0 || (d[3] & 0xf) || d[4] || d[5] != 1 ||
		    !(d[6] | d[7]))
			return 0;
	} else if ((d[2] & 0x80) || (op != 0 && op != 4 && op != 5)) {
		return 0;	/* a response, or an opcode without names */
	} else {
		st->v[VK_STAT_DNS_QUERIES]++;
	}
	qd = (__u32)d[4] << 8 | d[5];
	if (!qd) {
		st->v[VK_STAT_ERR_DNS_HDR]++;
		return 0;
	}
	avail = (__u32)((const __u8 *)end - d);
	if (avail > len)
		avail = len;
	if (avail <= VK_DNS_HDR_LEN) {
		st->v[VK_STAT_ERR_DNS_TRUNC]++;
		return 0;
	}
	if (avail > VK_QBUF_LEN)
		avail = VK_QBUF_LEN;
	/* The verifier wants a length it can prove is in [1, VK_QBUF_LEN].
	 * 6.1's does not learn "not zero" from a test (newer ones do), so
	 * the bound is built by arithmetic: (avail - 1) & (LEN - 1) + 1 is
	 * avail for every avail in [1, LEN], and its range is [1, LEN]
	 * whatever the verifier knew before. The asm hides the range from
	 * the compiler so it keeps the mask (docs/architecture.md,
	 * "Verifier patterns for 6.1"). */
	asm volatile("" : "+r"(avail));
	avail = ((avail - 1) & (VK_QBUF_LEN - 1)) + 1;
	if (bpf_xdp_load_bytes(ctx, off & 0x1fff, s->q.buf, avail))
		return 0;
	s->q.buf_len = avail;
	pos = VK_DNS_HDR_LEN;
	for (i = 0; i < VK_DNS_MAX_QUESTIONS; i++) {
		if (i >= qd)
			break;
		vk_qname_start(&s->q, pos);
		if (vk_dns_question(s, src))
			break;
		pos = s->q.next + 4;	/* QTYPE, QCLASS */
		if (pos >= s->q.buf_len)
			break;		/* the rest lies past the bytes copied */
	}
	return 0;
}

/* A DNS response (UDP from port 53, with vk_config.dns_answers): its
 * question matched as a query's is but quietly (the query was counted
 * and reported); when the name has an indicator the datagram goes to the
 * slow path, which learns the addresses of its answers (VK_SEGF_DNS). */
__noinline int vk_dns_answer(struct xdp_md *ctx, struct vk_scratch *s)
{
	struct vk_stats *st = stats_get();
	__u32 first;

	if (!s || !st || s->pkt.pay_len > VK_SEG_DATA)
		return 0;
	first = s->nmatch;
	s->quiet = 1;
	vk_match_dns(ctx, s, s->pkt.pay_off, s->pkt.pay_len, VK_SRC_DNS_ANSWER);
	s->quiet = 0;
	if (s->nmatch == first)
		return 0;
	s->nmatch = first;
	s->flow = 0;
	st->v[VK_STAT_DNS_ANSWERS_UP]++;
	return vk_flow_up(ctx, s, 0, VK_SEGF_DNS);
}

/* The packet's destination against the derived indicators (the caller
 * saw its bit): every live slot of its set that holds it, each a match
 * of its name indicator's id (names that resolve to one address each
 * have it). */
__noinline int vk_derived_match(struct vk_scratch *s)
{
	const __u64 *a;
	__u64 now;
	__u32 h, i, idx, id;

	if (!s)
		return 0;
	a = (const __u64 *)s->pkt.dst;
	h = vk_derived_hash(s->pkt.dst, s->pkt.family);
	now = bpf_ktime_get_ns();
	for (i = 0; i < VK_DERIVED_WAYS; i++) {
		struct vk_derived_slot *d;
		const __u64 *b;

		idx = (((h >> 16) * VK_DERIVED_WAYS) + i) & (VK_DERIVED_SLOTS - 1);
		d = bpf_map_lookup_elem(&vk_derived, &idx);
		if (!d)
			return 0;
		id = *(volatile __u32 *)&d->id;
		b = (const __u64 *)d->addr;
		if (!id || d->family != s->pkt.family || b[0] != a[0] || b[1] != a[1] ||
		    d->expires_ns <= now)
			continue;
		vk_add_match(s, id, VK_SRC_DNS_ANSWER);
	}
	return 0;
}

/* DNS over TCP (RFC 7766): the messages of a segment to port 53, each
 * after its two-byte length, up to VK_DNS_TCP_MSGS of them; the last may
 * go on in the next segment and is read as far as this one holds it (the
 * question comes first). A segment that does not start with a length
 * prefix (the rest of a message) is not read: that is reassembly's. */
__noinline int vk_match_dns_tcp(struct xdp_md *ctx, struct vk_scratch *s)
{
	__u32 off, left, len, i;
	__u8 pre[2];

	if (!s)
		return 0;
	off = s->pkt.pay_off;
	left = s->pkt.pay_len;
	for (i = 0; i < VK_DNS_TCP_MSGS; i++) {
		if (off >= 0x2000 || left < 2 + VK_DNS_HDR_LEN)
			break;
		/* a copy, not packet pointers: their ranges do not survive
		 * the loop for the verifier */
		if (bpf_xdp_load_bytes(ctx, off & 0x1fff, pre, 2))
			break;
		len = (__u32)pre[0] << 8 | pre[1];
		if (len < VK_DNS_HDR_LEN)
			break;
		vk_match_dns(ctx, s, off + 2, len < left - 2 ? len : left - 2, VK_SRC_DNS_TCP);
		if (len + 2 >= left)
			break;
		left -= len + 2;
		off += len + 2;
	}
	return 0;
}

static __always_inline int rate_ok(struct vk_config *cfg, __u32 id,
				   const struct vk_pkt *p, __u8 src)
{
	struct vk_rl_key k = { .id = id, .family = p->family };
	struct vk_rl_state *r, fresh;
	__u64 now = bpf_ktime_get_ns(), cap, tok;

	if (vk_replay)
		return 1;
	/* the local host is the other side of an address match, and the
	 * asker of a DNS query */
	__builtin_memcpy(k.host, src == VK_SRC_SRC_ADDR ? p->dst : p->src, 16);
	cap = (__u64)cfg->rl_burst * 1000;
	r = bpf_map_lookup_elem(&vk_rl, &k);
	if (!r) {
		fresh.last_ns = now;
		fresh.tokens_milli = cap > 1000 ? cap - 1000 : 0;
		bpf_map_update_elem(&vk_rl, &k, &fresh, BPF_ANY);
		return cap >= 1000;
	}
	tok = r->tokens_milli + (now - r->last_ns) / 1000000 * cfg->rl_per_sec;
	if (tok > cap)
		tok = cap;
	r->last_ns = now;
	if (tok < 1000) {
		r->tokens_milli = tok;
		return 0;
	}
	r->tokens_milli = tok - 1000;
	return 1;
}

static __always_inline void emit(struct vk_scratch *s,
				 struct vk_stats *st, __u32 id, __u8 src)
{
	const struct vk_pkt *p = &s->pkt;
	struct vk_event *e;

	e = bpf_ringbuf_reserve(&vk_events, sizeof(*e), 0);
	if (!e) {
		st->v[VK_STAT_EVENTS_DROPPED]++;
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->id = id;
	e->ifindex = s->ifindex;
	__builtin_memcpy(e->src, p->src, 16);
	__builtin_memcpy(e->dst, p->dst, 16);
	e->sport = p->has_ports ? p->sport : 0;
	e->dport = p->has_ports ? p->dport : 0;
	e->vlan[0] = p->vlan[0];
	e->vlan[1] = p->vlan[1];
	e->vlan[2] = p->vlan[2];
	e->family = p->family;
	e->proto = p->proto;
	e->source = src;
	e->flags = (p->frag ? VK_EVF_FRAGMENT : 0) | (__u8)s->evflags;
	e->pkt_len = s->pkt_len;
	e->_pad = 0;
	if (p->encap)
		__builtin_memcpy(&e->outer, &s->outer, sizeof(e->outer));
	else
		__builtin_memset(&e->outer, 0, sizeof(e->outer));
	/* every source after the addresses is a name; a derived address's
	 * is userspace's to fill (s->q holds another packet's here) */
	if (src >= VK_SRC_DNS_QNAME && src != VK_SRC_DNS_ANSWER) {
		e->name_len = (__u16)(s->q.out & 0xff);
		__builtin_memcpy(e->name, s->q.name, sizeof(e->name));
	} else {
		e->name_len = 0;
		e->name[0] = 0;
	}
	bpf_ringbuf_submit(e, 0);
	st->v[VK_STAT_EVENTS]++;
}

/* Read before written: the shared word is written once per id, not per
 * match (atomic OR: BPF_ATOMIC, Linux 5.12). */
static __always_inline void mark_hit(__u32 id)
{
	__u32 w = id / 64;
	__u64 bit = 1ULL << (id & 63), *h = bpf_map_lookup_elem(&vk_hits, &w);

	if (h && !(*h & bit))
		__sync_fetch_and_or(h, bit);
}

/* Count match j of this packet, then report it if the limiter allows. */
__noinline int vk_report_one(struct vk_scratch *s, __u32 j)
{
	struct vk_config *cfg = cfg_get();
	__u32 id, zero = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);
	__u64 *c;

	if (!s || !cfg || !st)
		return 0;
	j &= VK_MAX_MATCH - 1;
	id = s->mid[j];
	/* the exact counter counts packets that carried the indicator; a
	 * derived address (DNS answers) is an event only: the agent turns
	 * counts no event explains into sightings, and those stay local */
	if (s->msrc[j] != VK_SRC_DNS_ANSWER) {
		c = bpf_map_lookup_elem(&vk_counters, &id);
		if (c)
			(*c)++;
		mark_hit(id);
	}
	st->v[VK_STAT_MATCHES]++;
	if (rate_ok(cfg, id, &s->pkt, s->msrc[j]))
		emit(s, st, id, s->msrc[j]);
	else
		st->v[VK_STAT_EVENTS_RATELIMITED]++;
	return 0;
}

/* ip|port probes sit behind the same address filters as the plain
 * addresses (the builder sets the bit for every ip|port address), so a
 * packet pays for them only when its address is a candidate. */
static __always_inline void port_v6(struct vk_scratch *s, struct vk_config *cfg,
				    const __u8 *addr, __u16 port, __u8 src)
{
	const __u64 *a = (const __u64 *)addr;
	__u32 id;

	if (!bit_test(&vk_v6_filter, vk_hash_v6(addr, 128, 0) & (VK_V6_FILTER_WORDS * 64 - 1)))
		return;
	id = vk_probe_v6port(a[0], a[1], port, cfg->v6port_mask);
	if (id)
		vk_add_match(s, id, src);
}

static __always_inline void chain(struct vk_scratch *s, __u32 id, __u8 src)
{
	if (id)
		vk_add_chain(s, id, src);
}

/* The filter has a bit for every /24 that any IPv4 indicator touches
 * (address, prefix, ip|port): most addresses stop after this one load. */
static __always_inline void match_v4(struct vk_scratch *s, struct vk_config *cfg,
				     __u32 addr, __u16 port, __u8 src)
{
	if (!bit_test(&vk_v4_filter, bpf_ntohl(addr) >> 8))
		return;
	chain(s, vk_v4_best(addr), src);
	if (cfg->n_v4port && s->pkt.has_ports) {
		__u32 id = vk_probe_v4port(addr, port, cfg->v4port_mask);

		if (id)
			vk_add_match(s, id, src);
	}
}

static __always_inline void match_addrs(struct vk_scratch *s, struct vk_config *cfg)
{
	struct vk_pkt *p = &s->pkt;

	if (p->family == 4) {
		match_v4(s, cfg, *(__u32 *)p->src, p->sport, VK_SRC_SRC_ADDR);
		match_v4(s, cfg, *(__u32 *)p->dst, p->dport, VK_SRC_DST_ADDR);
	} else {
		__u64 *sa = (__u64 *)p->src, *da = (__u64 *)p->dst;

		chain(s, vk_v6_best(sa[0], sa[1]), VK_SRC_SRC_ADDR);
		chain(s, vk_v6_best(da[0], da[1]), VK_SRC_DST_ADDR);
		if (cfg->n_v6port && p->has_ports) {
			port_v6(s, cfg, p->src, p->sport, VK_SRC_SRC_ADDR);
			port_v6(s, cfg, p->dst, p->dport, VK_SRC_DST_ADDR);
		}
		/* the IPv4 side of a NAT64 address, against IPv4 indicators */
		if (vk_nat64(p->src))
			match_v4(s, cfg, *(__u32 *)(p->src + 12), p->sport, VK_SRC_SRC_ADDR);
		if (vk_nat64(p->dst))
			match_v4(s, cfg, *(__u32 *)(p->dst + 12), p->dport, VK_SRC_DST_ADDR);
	}
}

/* Could an address of this packet match? One or two filter loads per
 * address; the scratch area and the probes are touched only when it could. */
static __always_inline int addr_candidate(const struct vk_config *cfg, const __u8 *a, __u8 fam)
{
	if (fam == 4)
		return bit_test(&vk_v4_filter, bpf_ntohl(*(const __u32 *)a) >> 8);
	if (vk_nat64(a) && bit_test(&vk_v4_filter, bpf_ntohl(*(const __u32 *)(a + 12)) >> 8))
		return 1;
	return bit_test(&vk_v6_filter, vk_hash_v6(a, 128, 0) & (VK_V6_FILTER_WORDS * 64 - 1)) ||
	       (cfg->n_v6pfx &&
		bit_test(&vk_v6_pfilter, vk_hash_v6_32(a) & (VK_V6_PFILTER_WORDS * 64 - 1)));
}

/* The parser as a global function: the verifier walks it once, on its
 * own, instead of once per state the rest of the program can be in.
 * Returns vk_parse's 0 or -1, or 1 for a tunnel to open (vk_decap). On
 * 6.1, whose state pruning is weaker, the inlined parser pushed the
 * program past the 1M-instruction limit. *p is the caller's stack
 * (zeroed), which the verifier treats as written by the call. */
__noinline int vk_parse_xdp(struct xdp_md *ctx, struct vk_pkt *p)
{
	int rc;

	if (!p)
		return -1;
	rc = vk_parse((const void *)(long)ctx->data, (const void *)(long)ctx->data_end, p,
		      vk_replay);
	/* a tunnel, told here while the parser's values are in registers
	 * (in the main function, reloaded from the stack, the test cost a
	 * UDP miss 5 ns): the caller opens it */
	return rc == 0 && vk_tunnel_candidate(p) ? 1 : rc;
}

/* One layer of a tunnel opened (lib/encap.h), verified on its own. */
__noinline int vk_decap_xdp(struct xdp_md *ctx, const struct vk_pkt *out, struct vk_pkt *in,
			    struct vk_cur *c)
{
	if (!out || !in || !c)
		return -1;
	__builtin_memset(in, 0, sizeof(*in));
	c->kind = 0;
	return vk_decap_step((const void *)(long)ctx->data, (const void *)(long)ctx->data_end,
			     out, in, c, vk_replay);
}

/* A tunnel layer's own addresses, matched and reported as a packet's
 * are (a GRE tunnel to an indicator is a match): with the tunnel it is
 * in, if any. */
__noinline int vk_match_layer(struct vk_scratch *s)
{
	struct vk_config *cfg = cfg_get();
	__u32 i;

	if (!s || !cfg)
		return 0;
	s->nmatch = 0;
	s->evflags = 0;
	s->flow = 0;
	match_addrs(s, cfg);
	for (i = 0; i < VK_MAX_MATCH; i++) {
		if (i >= s->nmatch)
			break;
		vk_report_one(s, i);
	}
	return 0;
}

/* The packet *p is a tunnel (or a frame vk_parse left at its PPPoE or
 * MPLS header): opened, up to VK_MAX_ENCAP headers, to the innermost IP
 * packet, which replaces *p (p->encap the headers opened, the outermost
 * tunnel in the scratch area's outer for the events). Each layer opened
 * has its own addresses matched on the way. Returns 0 when *p is an IP
 * packet (the innermost, or *p itself when it is no tunnel or a broken
 * one: then it is read as it is), -1 when it is not IP. */
__noinline int vk_decap(struct xdp_md *ctx, struct vk_pkt *p)
{
	struct vk_scratch *s = scratch_get();
	struct vk_config *cfg = cfg_get();
	struct vk_stats *st = stats_get();
	struct vk_cur c = {};
	__u32 i;
	int r;

	if (!p || !s || !cfg || !st)
		return -1;
	for (i = 0; i < VK_MAX_ENCAP; i++) {
		r = vk_decap_xdp(ctx, p, &s->inner, &c);
		if (r < 0)
			st->v[VK_STAT_ERR_ENCAP]++;
		if (r <= 0)
			break;
		if (p->family && (addr_candidate(cfg, p->src, p->family) ||
				  addr_candidate(cfg, p->dst, p->family))) {
			s->pkt = *p;
			s->ifindex = ctx->ingress_ifindex;
			s->pkt_len = (__u32)(ctx->data_end - ctx->data);
			vk_match_layer(s);
		}
		if (!p->encap) {	/* the outermost: what the events carry */
			__builtin_memcpy(s->outer.src, p->src, 16);
			__builtin_memcpy(s->outer.dst, p->dst, 16);
			s->outer.family = p->family;
			s->outer.encap = c.kind;
			s->outer.tunnel_id = c.tid;
			s->outer._pad = 0;
		}
		s->outer.depth = c.depth;
		*p = s->inner;
		p->encap = c.depth ? c.depth : 1;
	}
	if (i == VK_MAX_ENCAP && p->family && vk_tunnel_candidate(p))
		st->v[VK_STAT_ENCAP_DEPTH]++;
	if (p->encap)
		st->v[VK_STAT_DECAP]++;
	return p->family ? 0 : -1;
}

/* What a packet needs past its addresses (the main function keeps one
 * word of it: fewer live values, fewer spills on the path of a miss). */
#define VK_DO_DNS	(1u << 0)
#define VK_DO_TLS	(1u << 1)	/* starts like a ClientHello */
#define VK_DO_HTTP	(1u << 2)	/* starts like an HTTP request */
#define VK_DO_FLOW	(1u << 3)	/* its flow's bit is set in vk_flow_bits */
#define VK_DO_QUIC	(1u << 4)	/* a QUIC client Initial */
#define VK_DO_ANSWER	(1u << 5)	/* a DNS response (vk_config.dns_answers) */
#define VK_DO_DERIVED	(1u << 6)	/* its destination's derived bit is set */

/* Every hello (or request) to the slow path, for what only it reads:
 * fingerprints (the TLS kind), URLs (the HTTP kind). */
static __always_inline int up_wanted(__u32 todo)
{
	struct vk_config *cfg = cfg_get();

	if (!cfg)
		return 0;
	if (todo & VK_DO_TLS)
		return (cfg->n_ja3 | cfg->n_ja4 | cfg->hellos_up) != 0;
	return (todo & VK_DO_HTTP) && cfg->n_url;
}

/* What DNS answers make of the packet (the caller saw either on): a
 * response to read (VK_DO_ANSWER), a destination whose derived bit is set
 * (VK_DO_DERIVED). A global function: verified once, not per state of
 * the main one (inlined, it cost the 6.1 verifier 125k instructions). */
__noinline int vk_answer_todo(const struct vk_pkt *p)
{
	struct vk_config *cfg = cfg_get();
	int todo = 0;

	if (!p || !cfg)
		return 0;
	if (cfg->dns_answers && !p->err && p->sport == 53 && p->proto == IPPROTO_UDP &&
	    p->pay_off && !p->frag)
		todo |= VK_DO_ANSWER;
	if (cfg->n_derived &&
	    bit_test(&vk_derived_bits, vk_derived_hash(p->dst, p->family) & (VK_DERIVED_BITS - 1)))
		todo |= VK_DO_DERIVED;
	return todo;
}

/* A TCP segment with a payload: the ClientHello or HTTP request it
 * starts, read here when it can be; the slow path's when not (the flow's
 * first bytes: userspace tells the hello from the request). todo says
 * what it may be (VK_DO_*). */
__noinline int vk_match_tcp(struct xdp_md *ctx, struct vk_scratch *s, __u32 todo)
{
	__u32 state, seq0, seq, first, held, r = VK_SEG_NONE;
	__u64 fl = 0;

	if (!s)
		return 0;
	s->flow = vk_flow_idx(&s->pkt);
	if (todo & VK_DO_FLOW)
		fl = vk_flow_find(&s->pkt, s->flow);
	state = (__u32)fl & 0xff;
	held = (__u32)fl & VK_FLOWF_HELD;
	seq0 = (__u32)(fl >> 32);
	seq = vk_data_seq(&s->pkt);
	first = state == VK_FLOW_SYN && seq == seq0;
	/* an unfinished hello's later bytes, or bytes before a followed
	 * flow's first: userspace's (it keeps them and drops repeats) */
	if (state == VK_FLOW_HELLO || (state == VK_FLOW_SYN && !first))
		return vk_flow_up(ctx, s, seq0, 0);
	if (todo & VK_DO_TLS)
		r = vk_match_tls(ctx, s, s->pkt.pay_off);
	else if (todo & VK_DO_HTTP)
		r = vk_match_http(ctx, s, s->pkt.pay_off);
	if (r == VK_SEG_LATER) {
		vk_flow_take(&s->pkt, s->flow, seq, VK_FLOW_HELLO);
		return vk_flow_up(ctx, s, seq, VK_SEGF_FIRST);
	}
	/* with fingerprint (URL) indicators every hello (request) goes up
	 * whole: the slow path makes its JA3 and JA4 (its URL); its name is
	 * matched already. Each request of a kept-alive connection is its
	 * own stream (its own first byte) once the one before is read. */
	if ((todo & (VK_DO_TLS | VK_DO_HTTP)) && (first || state == VK_FLOW_FREE) &&
	    up_wanted(todo)) {
		vk_flow_take(&s->pkt, s->flow, seq, VK_FLOW_HELLO);
		return vk_flow_up(ctx, s, seq, VK_SEGF_FIRST | VK_SEGF_NAMED);
	}
	if (first) {
		/* the first bytes are read: the flow is no longer followed,
		 * and what userspace holds of it goes */
		vk_flow_free(s->flow);
		if (held)
			vk_flow_up(ctx, s, seq0, VK_SEGF_FIRST | VK_SEGF_DONE);
	}
	return 0;
}

SEC("xdp")
int vardkase_xdp(struct xdp_md *ctx)
{
	const void *data = (void *)(long)ctx->data;
	const void *end = (void *)(long)ctx->data_end;
	struct vk_config *cfg = cfg_get();
	__u32 zero = 0, i, todo = 0;
	struct vk_stats *st = bpf_map_lookup_elem(&vk_stats, &zero);
	struct vk_pkt pkt = {};
	struct vk_scratch *s;
	int verdict, rc;

	if (!cfg || !st)
		return XDP_PASS;
	verdict = cfg->mode == VK_MODE_SPAN ? XDP_DROP : XDP_PASS;
	st->v[VK_STAT_PACKETS]++;
	st->v[VK_STAT_BYTES] += (__u64)(end - data);
	rc = vk_parse_xdp(ctx, &pkt);
	/* a tunnel (GRE, VXLAN, ..., PPPoE, MPLS): its inner packet is read */
	if (rc > 0)
		rc = vk_decap(ctx, &pkt);
	if (rc) {
		st->v[pkt.err ? pkt.err & VK_STAT_MASK : VK_STAT_NON_IP]++;
		return verdict;
	}
	st->v[pkt.family == 4 ? VK_STAT_IPV4 : VK_STAT_IPV6]++;
	if (pkt.frag)
		st->v[VK_STAT_FRAGMENTS]++;
	if (pkt.err)
		st->v[pkt.err & VK_STAT_MASK]++;
	/* a first fragment holds the question too (a padded query the
	 * kernel fragmented); later ones have no UDP header (pay_off 0) */
	if (!pkt.err && pkt.dport == 53 && pkt.pay_off &&
	    (pkt.proto == IPPROTO_UDP || pkt.proto == IPPROTO_TCP))
		todo |= VK_DO_DNS;
	if (!pkt.err && pkt.proto == IPPROTO_TCP && pkt.has_ports) {
		int syn = (pkt.tcp_flags & (VK_TCP_SYN | VK_TCP_ACK | VK_TCP_RST)) == VK_TCP_SYN;

		/* a client's SYN: follow the flow until its first bytes are
		 * read. (A first fragment's segment is read as far as it goes,
		 * not followed: its bytes are not all here.) */
		if (syn && !pkt.frag)
			vk_flow_take(&pkt, vk_flow_idx(&pkt), pkt.seq + 1, VK_FLOW_SYN);
		/* a segment with data: one bit says whether its flow is
		 * followed; a few bytes say whether it starts a ClientHello or
		 * a request, on any port. A bare ACK pays for neither. */
		if (pkt.pay_off && pkt.pay_len) {
			const __u8 *b = (const __u8 *)data + (pkt.pay_off & 0x1fff);

			if (!pkt.frag && bit_test(&vk_flow_bits, vk_flow_idx(&pkt)))
				todo |= VK_DO_FLOW;
			if (pkt.pay_len >= VK_HTTP_MIN_REQ && b + 6 <= (const __u8 *)end) {
				if (vk_tls_candidate(b, pkt.pay_len))
					todo |= VK_DO_TLS;
				else if (vk_http_candidate(b, pkt.pay_len))
					todo |= VK_DO_HTTP;
			}
		}
	}
	/* a QUIC client Initial, on any port: a few bytes read */
	if (!pkt.err && pkt.proto == IPPROTO_UDP && pkt.pay_off && !pkt.frag &&
	    pkt.pay_len >= VK_QUIC_MIN_DATAGRAM) {
		const __u8 *b = (const __u8 *)data + (pkt.pay_off & 0x1fff);

		if (b + 5 <= (const __u8 *)end && vk_quic_candidate(b, pkt.pay_len))
			todo |= VK_DO_QUIC;
	}
	/* DNS answers: a response, and a destination a response gave. The
	 * test here keeps the call off the path of every other packet (it
	 * cost a miss 12 %, a hot packet 35 %) while no address is derived */
	if ((pkt.sport == 53 && cfg->dns_answers) || cfg->n_derived)
		todo |= vk_answer_todo(&pkt);
	if (!todo && !addr_candidate(cfg, pkt.src, pkt.family) &&
	    !addr_candidate(cfg, pkt.dst, pkt.family))
		return verdict;	/* the common case: nothing here can match */
	s = scratch_get();
	if (!s)
		return verdict;
	s->pkt = pkt;
	s->nmatch = 0;
	s->ifindex = ctx->ingress_ifindex;
	s->pkt_len = (__u32)(end - data);
	s->evflags = 0;
	s->flow = 0;
	match_addrs(s, cfg);
	for (i = 0; i < VK_MAX_MATCH; i++) {
		if (i >= s->nmatch)
			break;
		vk_report_one(s, i);
	}
	/* each reports its matches per question, with their names */
	if ((todo & VK_DO_DNS) && pkt.proto == IPPROTO_UDP)
		vk_match_dns(ctx, s, pkt.pay_off, pkt.pay_len, VK_SRC_DNS_QNAME);
	else if (todo & VK_DO_DNS)
		vk_match_dns_tcp(ctx, s);
	if (todo & (VK_DO_TLS | VK_DO_HTTP | VK_DO_FLOW))
		vk_match_tcp(ctx, s, todo);
	if (todo & VK_DO_QUIC)
		vk_quic_up(ctx, s);
	if (todo & VK_DO_ANSWER)
		vk_dns_answer(ctx, s);
	/* last: a packet that carries the name itself (its SNI, its Host)
	 * is a match of that, not of the address the name was resolved to */
	if (todo & VK_DO_DERIVED) {
		__u32 first = s->nmatch;

		vk_derived_match(s);
		for (i = 0; i < VK_DERIVED_WAYS; i++)
			if (first + i < s->nmatch)
				vk_report_one(s, first + i);
	}
	return verdict;
}

/* The slow path's matcher, never attached: the dataplane process runs it
 * with BPF_PROG_TEST_RUN on a struct vk_event that carries a name it
 * read (a reassembled SNI), so the name is matched, counted, limited and
 * reported by the code that does it for XDP. Returns XDP_PASS when the
 * name was matched (whether or not anything matched), XDP_ABORTED for an
 * input that is no such event. */
SEC("xdp")
int vardkase_slow(struct xdp_md *ctx)
{
	struct vk_stats *st = stats_get();
	struct vk_scratch *s = scratch_get();
	struct vk_event *in;
	__u32 n;

	/* in the scratch area: 6.1 allows 512 bytes of stack for a program
	 * and the functions it calls together */
	if (!s || !st || bpf_xdp_load_bytes(ctx, 0, &s->slow_in, sizeof(s->slow_in)))
		return XDP_ABORTED;
	in = &s->slow_in;
	n = in->name_len;
	if (in->source < VK_SRC_DNS_QNAME || in->source >= VK_SRC_MAX || n < 1 ||
	    n > VK_NAME_MAX || (in->family != 4 && in->family != 6))
		return XDP_ABORTED;
	__builtin_memset(&s->pkt, 0, sizeof(s->pkt));
	__builtin_memcpy(s->pkt.src, in->src, 16);
	__builtin_memcpy(s->pkt.dst, in->dst, 16);
	s->pkt.sport = in->sport;
	s->pkt.dport = in->dport;
	s->pkt.vlan[0] = in->vlan[0];
	s->pkt.vlan[1] = in->vlan[1];
	s->pkt.vlan[2] = in->vlan[2];
	s->pkt.family = in->family;
	s->pkt.proto = in->proto;
	s->pkt.has_ports = 1;
	s->pkt.frag = !!(in->flags & VK_EVF_FRAGMENT);
	s->nmatch = 0;
	s->ifindex = in->ifindex;
	s->pkt_len = in->pkt_len;
	s->evflags = VK_EVF_SLOW;
	s->flow = 0;
	s->pkt.encap = in->outer.depth;
	__builtin_memcpy(&s->outer, &in->outer, sizeof(s->outer));
	/* the name read as an SNI is: from the bytes of a buffer */
	n = ((n - 1) & 0xff) + 1;
	__builtin_memcpy(s->tls.buf, in->name, sizeof(in->name));
	s->tls.len = n;
	s->tls.sni_off = 0;
	s->tls.sni_len = n;
	st->v[VK_STAT_SLOW_NAMES]++;
	if (in->source == VK_SRC_JA3 || in->source == VK_SRC_JA4 || in->source == VK_SRC_HTTP_URL)
		vk_match_exact(s, in->source, n);
	else
		vk_match_seg_name(s, in->source);
	return XDP_PASS;
}
