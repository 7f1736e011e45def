/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP flows followed for the slow path (vardkase_abi.h has the picture):
 * take a slot, find a segment's slot, free it, hand a segment's payload
 * up through the vk_slow ring. Uses the maps of maps.h; included once,
 * by vardkase.bpf.c.
 *
 * Slot writes are ordered so a reader on another CPU (or userspace, which
 * frees slots through mmap) never takes a half-written slot for a live
 * one: window goes to 0 first and is set last.
 */
#ifndef VK_LIB_FLOW_H
#define VK_LIB_FLOW_H

#include "flowkey.h"

/* Word compares: the packet may be on the stack, where the verifier
 * wants every access aligned to its size. */
static __always_inline int flow_is(const struct vk_flow_slot *f, const struct vk_pkt *p)
{
	const __u32 *a = (const __u32 *)f->k.src, *b = (const __u32 *)p->src;
	const __u32 *c = (const __u32 *)f->k.dst, *d = (const __u32 *)p->dst;

	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       c[0] == d[0] && c[1] == d[1] && c[2] == d[2] && c[3] == d[3] &&
	       f->k.sport == p->sport && f->k.dport == p->dport && f->k.family == p->family;
}

static __always_inline void flow_bit(__u32 idx, int set)
{
	__u32 w = idx >> 6;
	__u64 bit = 1ull << (idx & 63), *word = bpf_map_lookup_elem(&vk_flow_bits, &w);

	if (!word)
		return;
	if (set && !(*word & bit))
		__sync_fetch_and_or(word, bit);
	else if (!set && (*word & bit))
		__sync_fetch_and_and(word, ~bit);
}

/* Follow p's flow in slot idx from seq0 on, in state; a live slot of
 * another flow is pushed out (counted). */
__noinline int vk_flow_take(struct vk_pkt *p, __u32 idx, __u32 seq0, __u32 state)
{
	struct vk_stats *st = stats_get();
	__u64 now = bpf_ktime_get_ns();
	struct vk_flow_slot *f;
	__u32 i;

	if (!p || !st)
		return 0;
	idx &= VK_FLOW_SLOTS - 1;
	f = bpf_map_lookup_elem(&vk_flows, &idx);
	if (!f)
		return 0;
	if (f->window && f->expires_ns > now && !flow_is(f, p))
		st->v[VK_STAT_FLOWS_EVICTED]++;
	*(volatile __u32 *)&f->window = 0;
	for (i = 0; i < 4; i++) {
		((__u32 *)f->k.src)[i] = ((const __u32 *)p->src)[i];
		((__u32 *)f->k.dst)[i] = ((const __u32 *)p->dst)[i];
	}
	f->k.sport = p->sport;
	f->k.dport = p->dport;
	f->k.family = p->family;
	f->seq0 = seq0;
	f->state = state;
	f->held = 0;
	f->expires_ns = now + VK_FLOW_TTL_NS;
	*(volatile __u32 *)&f->window = VK_FLOW_WINDOW;
	flow_bit(idx, 1);
	st->v[VK_STAT_FLOWS]++;
	return 0;
}

__noinline int vk_flow_free(__u32 idx)
{
	struct vk_flow_slot *f;

	idx &= VK_FLOW_SLOTS - 1;
	f = bpf_map_lookup_elem(&vk_flows, &idx);
	if (f)
		*(volatile __u32 *)&f->window = 0;
	flow_bit(idx, 0);
	return 0;
}

/* Is p's segment in its followed flow's window? Returns 0 when not, else
 * (__u64)seq0 << 32 | flags | state. A segment that goes up before the
 * first one (state SYN, not at seq0) marks the slot held. An
 * expired slot is freed here. */
__noinline __u64 vk_flow_find(struct vk_pkt *p, __u32 idx)
{
	struct vk_flow_slot *f;
	__u32 win, off, held;

	if (!p)
		return 0;
	idx &= VK_FLOW_SLOTS - 1;
	f = bpf_map_lookup_elem(&vk_flows, &idx);
	if (!f)
		return 0;
	win = *(volatile __u32 *)&f->window;
	if (!win || !flow_is(f, p))
		return 0;
	if (f->expires_ns <= bpf_ktime_get_ns()) {
		vk_flow_free(idx);
		return 0;
	}
	off = vk_data_seq(p) - f->seq0;
	if (off >= win)
		return 0;
	held = f->held;
	if (f->state == VK_FLOW_SYN && off) {
		f->held = 1;
		held = 1;
	}
	return (__u64)f->seq0 << 32 | (held ? VK_FLOWF_HELD : 0) | (f->state & 0xff);
}

/* The segment's payload (as far as the frame holds it) to the slow ring,
 * in records of VK_SEG_DATA; a record with no data when it has none (a
 * VK_SEGF_DONE notice). Returns 0, or -1 when the ring was full. */
__noinline int vk_flow_up(struct xdp_md *ctx, struct vk_scratch *s, __u32 seq0, __u32 flags)
{
	struct vk_stats *st = stats_get();
	__u32 off, left, seq, i, n, avail;
	struct vk_seg *r;
	__u64 now;

	if (!s || !st)
		return 0;
	now = bpf_ktime_get_ns();
	off = s->pkt.pay_off;
	left = s->pkt.pay_len;
	avail = ctx->data_end - ctx->data;
	if (off > avail)
		left = 0;
	else if (left > avail - off)
		left = avail - off;
	seq = vk_data_seq(&s->pkt);
	for (i = 0; i < VK_SEG_RECORDS; i++) {
		if (i && !left)
			break;
		r = bpf_ringbuf_reserve(&vk_slow, sizeof(*r), 0);
		if (!r) {
			st->v[VK_STAT_SEGS_DROPPED]++;
			return -1;
		}
		r->ts_ns = now;
		__builtin_memcpy(&r->k.src, s->pkt.src, 16);
		__builtin_memcpy(&r->k.dst, s->pkt.dst, 16);
		r->k.sport = s->pkt.sport;
		r->k.dport = s->pkt.dport;
		r->k.family = s->pkt.family;
		r->k._pad[0] = r->k._pad[1] = r->k._pad[2] = 0;
		r->ifindex = s->ifindex;
		r->slot = s->flow;
		r->seq0 = seq0;
		r->seq = seq;
		r->pkt_len = s->pkt_len;
		r->vlan[0] = s->pkt.vlan[0];
		r->vlan[1] = s->pkt.vlan[1];
		r->vlan[2] = s->pkt.vlan[2];
		r->proto = s->pkt.proto;
		r->flags = (__u8)flags;
		r->_pad[0] = r->_pad[1] = 0;
		if (s->pkt.encap)
			__builtin_memcpy(&r->outer, &s->outer, sizeof(r->outer));
		else
			__builtin_memset(&r->outer, 0, sizeof(r->outer));
		n = left > VK_SEG_DATA ? VK_SEG_DATA : left;
		if (n) {
			/* [1, VK_SEG_DATA] for 6.1's verifier: as in vk_match_dns */
			asm volatile("" : "+r"(n));
			n = ((n - 1) & (VK_SEG_DATA - 1)) + 1;
			if (bpf_xdp_load_bytes(ctx, off, r->data, n)) {
				bpf_ringbuf_discard(r, 0);
				return 0;
			}
		}
		r->len = (__u16)n;
		bpf_ringbuf_submit(r, 0);
		st->v[VK_STAT_SEGS_UP]++;
		off += n;
		left -= n;
		seq += n;
	}
	return 0;
}

/* A QUIC client Initial (vk_quic_candidate) to the slow path, at most
 * VK_QUIC_PER_FLOW per flow while its slot lives: a flood of Initials of
 * one flow costs the ring nothing more. */
__noinline int vk_quic_up(struct xdp_md *ctx, struct vk_scratch *s)
{
	struct vk_stats *st = stats_get();
	struct vk_flow_slot *f;
	__u32 idx;

	if (!s || !st)
		return 0;
	if (s->pkt.pay_len > VK_SEG_DATA) {
		st->v[VK_STAT_QUIC_TOO_BIG]++;
		return 0;
	}
	s->flow = vk_flow_idx(&s->pkt);
	idx = s->flow & (VK_FLOW_SLOTS - 1);
	f = bpf_map_lookup_elem(&vk_flows, &idx);
	if (!f)
		return 0;
	if (!f->window || f->state != VK_FLOW_QUIC || !flow_is(f, &s->pkt) ||
	    f->expires_ns <= bpf_ktime_get_ns())
		vk_flow_take(&s->pkt, idx, 0, VK_FLOW_QUIC);
	if (f->held >= VK_QUIC_PER_FLOW) {
		st->v[VK_STAT_QUIC_LIMITED]++;
		return 0;
	}
	f->held++;
	st->v[VK_STAT_QUIC_INITIALS]++;
	return vk_flow_up(ctx, s, 0, VK_SEGF_QUIC);
}

#endif /* VK_LIB_FLOW_H */
