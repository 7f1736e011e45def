/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A TCP flow's slot in vk_flows and the first sequence number of a
 * segment's data: shared by the XDP program and userspace (the tests),
 * so both name the same slot.
 */
#ifndef VK_LIB_FLOWKEY_H
#define VK_LIB_FLOWKEY_H

#include "parse.h"
#include "hash.h"

#define VK_TCP_FIN	0x01
#define VK_TCP_SYN	0x02
#define VK_TCP_RST	0x04
#define VK_TCP_ACK	0x10

/* vk_flow_find's answer: state in the low byte, VK_FLOWF_HELD when
 * earlier segments went up while the first was missing, seq0 above. */
#define VK_FLOWF_HELD	0x100

static __always_inline __u32 vk_flow_idx(const struct vk_pkt *p)
{
	return (vk_hash_flow(p->src, p->dst, p->sport, p->dport) >> 16) & (VK_FLOW_SLOTS - 1);
}

/* The sequence number of the segment's first data byte: a SYN's own
 * number comes before it (TCP Fast Open puts data in the SYN). */
static __always_inline __u32 vk_data_seq(const struct vk_pkt *p)
{
	return p->seq + ((p->tcp_flags & VK_TCP_SYN) ? 1 : 0);
}

#endif /* VK_LIB_FLOWKEY_H */
