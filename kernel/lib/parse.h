/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The packet parser: Ethernet, up to VK_MAX_VLAN_PARSE 802.1Q/802.1ad (and
 * legacy 0x9100) tags, IPv4 (options), IPv6 (bounded extension chain), TCP,
 * UDP. What a receiver would accept is seen; what it would drop is not
 * matched beyond what it proves: the transport payload ends where the IP
 * and UDP length fields say (Ethernet padding and bytes past the UDP
 * length are no part of the datagram), an atomic IPv6 fragment (offset 0,
 * M = 0; RFC 6946) is a whole datagram, and a first fragment carries the
 * transport header and the start of the payload (a DNS question).
 *
 * Header-only and written against two plain pointers (data, data_end) so
 * the same code is verified into the XDP program and compiled into
 * userspace. Every read is preceded by a bounds check against data_end;
 * offsets are clamped so the verifier can prove them.
 */
#ifndef VK_LIB_PARSE_H
#define VK_LIB_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "../vardkase_abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#ifndef vk_ntohs
#define vk_ntohs(x) __builtin_bswap16(x)
#endif

/* A big-endian 16-bit field whose value feeds pointer arithmetic. 6.1's
 * verifier forgets every bound of a byte swap (BPF_END gives an unknown
 * scalar; newer ones keep [0, 0xffff]), so the swapped value is masked
 * again, behind an empty asm so that the compiler cannot drop the mask
 * it knows to be redundant (docs/architecture.md, "Verifier patterns
 * for 6.1"). */
static __always_inline __u32 vk_get_be16(const void *at)
{
	__u32 v = vk_ntohs(*(const __u16 *)at);

	asm volatile("" : "+r"(v));
	return v & 0xffff;
}

/* In 64:ff9b::/96 (RFC 6052, the NAT64 well-known prefix)? Its last 4
 * bytes are the IPv4 address the NAT64 translates to: a municipality
 * running NAT64 sees its IPv6-only hosts reach IPv4 indicators this way.
 * (::ffff:0:0/96, IPv4-mapped, never crosses a wire: receivers drop it,
 * RFC 4291 2.5.5.2, so it is not matched as IPv4.) */
static __always_inline int vk_nat64(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == __builtin_bswap32(0x0064ff9b) && !w[1] && !w[2];
}

#define VK_MAX_IPV6_EXT		16	/* extension headers walked */
#define VK_MAX_L3_OFF		4096	/* deeper headers are not parsed */
#define VK_MAX_TUN_OFF		2048	/* nor a tunnel's inner header past this */
#define VK_MAX_VLAN_PARSE	8	/* tags walked; the first VK_MAX_VLAN kept */
#define ETH_P_QINQ_LEGACY	0x9100	/* pre-802.1ad QinQ, still on the wire */
_Static_assert((VK_MAX_L3_OFF & (VK_MAX_L3_OFF - 1)) == 0, "VK_MAX_L3_OFF masks offsets");
_Static_assert(14 + 4 * VK_MAX_VLAN_PARSE < 128, "the L2 offset is masked to 7 bits");

/* What a header is (lib/encap.h walks them from a tunnel to its inner
 * IP packet). */
enum vk_next {
	VK_NEXT_NONE = 0,
	VK_NEXT_ETH,
	VK_NEXT_IPV4,
	VK_NEXT_IPV6,
	VK_NEXT_MPLS,
	VK_NEXT_PPPOE,
};

struct vk_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct vk_pkt {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;		/* host order; valid when has_ports */
	__u16 dport;
	__u16 vlan[VK_MAX_VLAN];
	__u8 nvlan;
	__u8 family;		/* 0 = not IP, 4, 6 */
	__u8 proto;
	__u8 has_ports;
	__u8 frag;		/* a fragment (not an atomic one) */
	__u8 err;		/* first enum vk_stat failure, 0 = none */
	__u8 cut;		/* replay: the capture cut the frame short */
	__u16 l4_off;		/* start of the transport header */
	__u16 pay_off;		/* start of the UDP/TCP payload, 0 if none */
	__u16 pay_len;		/* payload bytes of the datagram in this frame */
	__u16 l3_end;		/* end of the IP packet (its length field) */
	__u8 tcp_flags;		/* TCP: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 */
	__u8 encap;		/* tunnel layers taken off to reach it (lib/encap.h) */
	__u32 seq;		/* TCP: host order */
};

/* The Ethernet header at frame offset base (0, or a tunnel's inner
 * frame: under VK_MAX_TUN_OFF) and its tags. Returns 0 with *off the
 * offset after them and *eth_proto the EtherType they end in; -1 with
 * p->err naming what was cut or too deep. A frame's tags are reported in
 * p->vlan (an inner frame's replace its carrier's when it has any). */
static __always_inline int vk_parse_l2_at(const void *data, const void *end,
					  struct vk_pkt *p, __u32 base, __u32 *off,
					  __u16 *eth_proto)
{
	const struct ethhdr *eth = (const void *)((const __u8 *)data + base);
	__u32 o = base + sizeof(*eth);
	__u16 proto;
	int i;

	if ((const void *)(eth + 1) > end) {
		p->err = VK_STAT_ERR_ETH_TRUNC;
		return -1;
	}
	proto = vk_ntohs(eth->h_proto);
	for (i = 0; i < VK_MAX_VLAN_PARSE + 1; i++) {
		const struct vk_vlan_hdr *v;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD && proto != ETH_P_QINQ_LEGACY)
			break;
		if (i == VK_MAX_VLAN_PARSE) {
			p->err = VK_STAT_ERR_VLAN_DEPTH;
			return -1;
		}
		v = (const void *)((const __u8 *)data + o);
		if ((const void *)(v + 1) > end) {
			p->err = VK_STAT_ERR_VLAN_TRUNC;
			return -1;
		}
		if (i < VK_MAX_VLAN) {	/* the outer tags are reported */
			if (base && i == 0)	/* an inner frame's own tags */
				p->vlan[1] = p->vlan[2] = 0;
			p->vlan[i] = vk_ntohs(v->tci) & 0x0fff;
			p->nvlan = (__u8)(i + 1);
		}
		proto = vk_ntohs(v->proto);
		o += sizeof(*v);
	}
	/* one verifier state for the layers above, whatever the tag count
	 * (else IPv4 and IPv6 are walked once per depth) */
	asm volatile("" : "+r"(o));
	*off = base ? o & (VK_MAX_L3_OFF - 1) : o & 0x7f;	/* 14 + 8 * 4: under 128 */
	*eth_proto = proto;
	return 0;
}

/* The frame's own Ethernet header: as vk_parse_l2_at, at offset 0. */
static __always_inline int vk_parse_l2(const void *data, const void *end,
				       struct vk_pkt *p, __u32 *off, __u16 *eth_proto)
{
	return vk_parse_l2_at(data, end, p, 0, off, eth_proto);
}

/* The end of an IP packet whose length field says tot bytes from at: a
 * receiver drops a packet shorter than its length field, so does the box
 * (-1), unless frames are cut captures (replay: the capture's snap length
 * cut them, not the network), where the frame's end is the bound. */
static __always_inline int vk_l3_end(const void *data, const void *end, __u32 at, __u32 tot,
				     int cut_ok, struct vk_pkt *p)
{
	__u32 flen = (__u32)((const __u8 *)end - (const __u8 *)data);

	if (at + tot > flen) {
		if (!cut_ok)
			return -1;
		tot = flen - at;
		p->cut = 1;
	}
	p->l3_end = (__u16)((at + tot) & 0xffff);
	return 0;
}

/* The IPv4 header at *off (masked with omask: 0xff for a frame's own,
 * VK_MAX_L3_OFF - 1 inside a tunnel). Returns 0 with *off at the
 * transport header, 1 for a fragment without one, -1 with p->err. */
static __always_inline int vk_parse_ipv4(const void *data, const void *end,
					 struct vk_pkt *p, __u32 *off, int cut_ok, __u32 omask)
{
	const struct iphdr *ip = (const void *)((const __u8 *)data + (*off & omask));
	__u32 ihl, tot;

	if ((const void *)(ip + 1) > end) {
		p->err = VK_STAT_ERR_IPV4_TRUNC;
		return -1;
	}
	ihl = (__u32)ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip)) {
		p->err = VK_STAT_ERR_IPV4_HDR;
		return -1;
	}
	if ((const __u8 *)ip + ihl > (const __u8 *)end) {
		p->err = VK_STAT_ERR_IPV4_TRUNC;
		return -1;
	}
	tot = vk_ntohs(ip->tot_len);
	if (tot < ihl) {
		p->err = VK_STAT_ERR_IPV4_HDR;
		return -1;
	}
	if (vk_l3_end(data, end, *off & omask, tot, cut_ok, p)) {
		p->err = VK_STAT_ERR_IPV4_TRUNC;	/* shorter than it says */
		return -1;
	}
	p->family = 4;
	__builtin_memcpy(p->src, &ip->saddr, 4);
	__builtin_memcpy(p->dst, &ip->daddr, 4);
	p->proto = ip->protocol;
	if (ip->frag_off & __builtin_bswap16(0x3fff)) {
		p->frag = 1;
		/* only the first fragment carries the transport header */
		if (ip->frag_off & __builtin_bswap16(0x1fff))
			return 1;
	}
	*off = (*off & omask) + ihl;
	return 0;
}

/* The IPv6 header at *off (omask as for IPv4) and its extension chain:
 * returns as vk_parse_ipv4. */
static __always_inline int vk_parse_ipv6(const void *data, const void *end,
					 struct vk_pkt *p, __u32 *off, int cut_ok, __u32 omask)
{
	const struct ipv6hdr *ip6 = (const void *)((const __u8 *)data + (*off & omask));
	__u32 o = (*off & omask) + sizeof(*ip6);
	__u8 nh;
	int i;

	if ((const void *)(ip6 + 1) > end) {
		p->err = VK_STAT_ERR_IPV6_TRUNC;
		return -1;
	}
	if (ip6->version != 6) {
		p->err = VK_STAT_ERR_IPV6_EXT;
		return -1;
	}
	/* payload length 0 is a jumbogram (RFC 2675): the frame is the bound */
	if (vk_l3_end(data, end, *off & omask, ip6->payload_len ?
		      sizeof(*ip6) + vk_ntohs(ip6->payload_len) :
		      (__u32)((const __u8 *)end - (const __u8 *)data) - (*off & omask),
		      cut_ok, p)) {
		p->err = VK_STAT_ERR_IPV6_TRUNC;	/* shorter than it says */
		return -1;
	}
	p->family = 6;
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	__builtin_memcpy(p->dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	for (i = 0; i < VK_MAX_IPV6_EXT; i++) {
		const __u8 *h = (const __u8 *)data + (o & (VK_MAX_L3_OFF - 1));
		__u32 len;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_FRAGMENT && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_AH)
			break;
		if (h + 8 > (const __u8 *)end) {
			p->err = VK_STAT_ERR_IPV6_TRUNC;
			return 1;
		}
		if (nh == IPPROTO_FRAGMENT) {
			len = 8;
			/* offset != 0: no transport header in this fragment */
			if ((h[2] << 8 | h[3]) & 0xfff8) {
				p->frag = 1;
				p->proto = h[0];
				return 1;
			}
			/* offset 0, M = 0: an atomic fragment, a whole datagram;
			 * branch-free: a branch here doubles the verifier's
			 * states at every header of the chain */
			p->frag |= h[3] & 1;
		} else if (nh == IPPROTO_AH) {
			len = ((__u32)h[1] + 2) * 4;
		} else {
			len = ((__u32)h[1] + 1) * 8;
		}
		nh = h[0];
		o += len;
		if (o >= VK_MAX_L3_OFF) {
			p->err = VK_STAT_ERR_IPV6_EXT;
			return 1;
		}
		/* Every path through this header (three lengths, from each
		 * VLAN depth) must reach the next one in the same verifier
		 * state, or the states multiply at every header: the offset
		 * is made an opaque value in [0, VK_MAX_L3_OFF) (docs/
		 * architecture.md, "Verifier patterns for 6.1") */
		asm volatile("" : "+r"(o));
		o &= VK_MAX_L3_OFF - 1;
	}
	p->proto = nh;
	if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	    nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH) {
		p->err = VK_STAT_ERR_IPV6_EXT;
		return 1;
	}
	*off = o;
	return 0;
}

static __always_inline void vk_parse_l4(const void *data, const void *end,
					struct vk_pkt *p, __u32 off)
{
	const __u8 *l4 = (const __u8 *)data + (off & (VK_MAX_L3_OFF - 1));

	p->l4_off = (__u16)(off & (VK_MAX_L3_OFF - 1));
	if (p->proto == IPPROTO_TCP) {
		const struct tcphdr *t = (const void *)l4;
		__u32 doff;

		if ((const void *)(t + 1) > end) {
			p->err = VK_STAT_ERR_L4_TRUNC;
			return;
		}
		p->sport = vk_ntohs(t->source);
		p->dport = vk_ntohs(t->dest);
		p->has_ports = 1;
		p->seq = __builtin_bswap32(t->seq);
		p->tcp_flags = ((const __u8 *)t)[13];
		doff = (__u32)t->doff * 4;
		if (doff >= sizeof(*t) && p->l4_off + doff <= p->l3_end) {
			p->pay_off = (__u16)(p->l4_off + doff);
			p->pay_len = (__u16)(p->l3_end - p->pay_off);
		}
	} else if (p->proto == IPPROTO_UDP) {
		const struct udphdr *u = (const void *)l4;
		__u32 ulen;

		if ((const void *)(u + 1) > end) {
			p->err = VK_STAT_ERR_L4_TRUNC;
			return;
		}
		p->sport = vk_ntohs(u->source);
		p->dport = vk_ntohs(u->dest);
		p->has_ports = 1;
		ulen = vk_get_be16(&u->len);
		/* a receiver drops a datagram longer than its IP packet and
		 * ignores what follows the UDP length; in a first fragment (and
		 * a cut capture) the length is the whole datagram's, the frame
		 * holds its start */
		if (ulen < sizeof(*u) || p->l3_end < p->l4_off + sizeof(*u) ||
		    (!p->frag && !p->cut && p->l4_off + ulen > p->l3_end)) {
			p->err = VK_STAT_ERR_UDP_LEN;
			return;
		}
		if (p->l4_off + ulen > p->l3_end)
			ulen = p->l3_end - p->l4_off;
		p->pay_off = (__u16)(p->l4_off + sizeof(*u));
		p->pay_len = (__u16)(ulen - sizeof(*u));
	}
}

#define ETH_P_PPPOE_SESS	0x8864
#define ETH_P_MPLS_UCAST	0x8847
#define ETH_P_MPLS_MCAST	0x8848

/* Parse everything up to the transport header. cut_ok: frames may be cut
 * captures (replay). Returns 0 when the packet is IP (addresses valid,
 * maybe with p->err set above them); 1 when it is a PPPoE session or
 * MPLS frame, which lib/encap.h opens (p->l4_off is the header after
 * the Ethernet one, p->proto VK_NEXT_PPPOE or VK_NEXT_MPLS, family 0);
 * -1 otherwise. */
static __always_inline int vk_parse(const void *data, const void *end,
				    struct vk_pkt *p, int cut_ok)
{
	__u32 off = 0;
	__u16 proto = 0;
	int rc;

	if (vk_parse_l2(data, end, p, &off, &proto))
		return -1;
	if (proto == ETH_P_IP) {
		rc = vk_parse_ipv4(data, end, p, &off, cut_ok, 0xff);
	} else if (proto == ETH_P_IPV6) {
		rc = vk_parse_ipv6(data, end, p, &off, cut_ok, 0xff);
	} else if (proto == ETH_P_PPPOE_SESS || proto == ETH_P_MPLS_UCAST ||
		   proto == ETH_P_MPLS_MCAST) {
		p->l4_off = (__u16)off;
		p->proto = proto == ETH_P_PPPOE_SESS ? VK_NEXT_PPPOE : VK_NEXT_MPLS;
		return 1;
	} else {
		return -1;
	}
	if (rc < 0)
		return -1;
	if (rc == 0)
		vk_parse_l4(data, end, p, off);
	return 0;
}

#endif /* VK_LIB_PARSE_H */
