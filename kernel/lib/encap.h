/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Tunnels: the packet inside a GRE (ERSPAN I/II/III too), VXLAN,
 * VXLAN-GPE, Geneve or IP-in-IP packet, and inside a PPPoE session or an
 * MPLS label stack (a pseudowire's Ethernet too). A SPAN port or an
 * ERSPAN session from a core switch carries these; the hosts and names
 * to match are inside. One call opens one IP layer (docs/architecture.md,
 * "Tunnels"): from the tunnel header through the Ethernet, MPLS and
 * PPPoE headers it carries down to the next IP header, parsed as
 * lib/parse.h parses a frame's own.
 *
 * What a receiver would drop is not opened: GRE with the routing bit or
 * a version other than 0 (Linux's ip_gre drops both; version 1 is PPTP's
 * PPP carrier), VXLAN without the I flag, Geneve of a version other than
 * 0, an inner packet longer than the datagram that carries it (bytes
 * past the outer length are padding, never part of the inner packet).
 *
 * Header-only over (data, end), as lib/parse.h: the XDP program wraps
 * vk_decap_step in a global function and matches each layer between
 * calls; the fuzz harness runs it as it is.
 */
#ifndef VK_LIB_ENCAP_H
#define VK_LIB_ENCAP_H

#include "parse.h"

#define VK_GRE_CSUM		0x8000
#define VK_GRE_ROUTING		0x4000
#define VK_GRE_KEY		0x2000
#define VK_GRE_SEQ		0x1000
#define VK_GRE_VER		0x0007
#define VK_GRE_TEB		0x6558	/* transparent Ethernet bridging */
#define VK_GRE_ERSPAN		0x88be	/* type I (no sequence), II */
#define VK_GRE_ERSPAN3		0x22eb
#define VK_PORT_VXLAN		4789
#define VK_PORT_VXLAN_LINUX	8472	/* Linux's default before IANA's */
#define VK_PORT_VXLAN_GPE	4790
#define VK_PORT_GENEVE		6081
#define VK_MAX_MPLS		8	/* labels walked in one stack */
/* headers between a tunnel's and its inner IP header: Ethernet, MPLS,
 * a pseudowire's Ethernet, PPPoE */
#define VK_MAX_L2_STEPS		4

/* Where decapsulation stands: the next header and what it is. */
struct vk_cur {
	__u32 off;		/* the next header's frame offset */
	__u32 next;		/* enum vk_next */
	__u32 lim;		/* the carrying datagram ends here */
	__u32 tid;		/* the first header opened in this step: its id */
	__u8 kind;		/* ... and enum vk_encap */
	__u8 depth;		/* headers opened so far, every step */
	__u8 _pad[2];
};

static __always_inline __u32 vk_be24(const __u8 *b)
{
	return (__u32)b[0] << 16 | (__u32)b[1] << 8 | b[2];
}

/* Could p (an IP packet, parsed) be a tunnel the box opens? The main
 * path asks it of every packet: a few compares. */
static __always_inline int vk_tunnel_candidate(const struct vk_pkt *p)
{
	if (p->err)
		return 0;
	if (p->proto == IPPROTO_GRE || p->proto == IPPROTO_IPIP || p->proto == IPPROTO_IPV6)
		return p->l4_off != 0;	/* 0: a later fragment */
	return p->proto == IPPROTO_UDP && p->pay_off &&
	       (p->dport == VK_PORT_VXLAN || p->dport == VK_PORT_GENEVE ||
		p->dport == VK_PORT_VXLAN_LINUX || p->dport == VK_PORT_VXLAN_GPE);
}

static __always_inline void vk_cur_layer(struct vk_cur *c, __u8 kind, __u32 tid)
{
	if (!c->kind) {
		c->kind = kind;
		c->tid = tid;
	}
	c->depth++;
}

/* The GRE header at p->l4_off. */
static __always_inline int vk_gre(const void *data, const void *end, const struct vk_pkt *p,
				  struct vk_cur *c)
{
	const __u8 *h = (const __u8 *)data + (p->l4_off & (VK_MAX_L3_OFF - 1));
	__u32 fl, proto, len = 4, tid = 0;

	/* the longest GRE header; any packet it carries is longer */
	if (h + 16 > (const __u8 *)end)
		return -1;
	fl = (__u32)h[0] << 8 | h[1];
	proto = (__u32)h[2] << 8 | h[3];
	if (fl & (VK_GRE_ROUTING | VK_GRE_VER))
		return 0;
	if (fl & VK_GRE_CSUM)
		len += 4;
	if (fl & VK_GRE_KEY) {
		tid = (__u32)h[len] << 24 | (__u32)h[len + 1] << 16 | (__u32)h[len + 2] << 8 |
		      h[len + 3];
		len += 4;
	}
	if (fl & VK_GRE_SEQ)
		len += 4;
	c->off = (p->l4_off & (VK_MAX_L3_OFF - 1)) + len;
	if (proto == ETH_P_IP || proto == ETH_P_IPV6) {
		c->next = proto == ETH_P_IP ? VK_NEXT_IPV4 : VK_NEXT_IPV6;
	} else if (proto == VK_GRE_TEB) {
		c->next = VK_NEXT_ETH;
	} else if (proto == ETH_P_MPLS_UCAST || proto == ETH_P_MPLS_MCAST) {
		c->next = VK_NEXT_MPLS;
	} else if (proto == VK_GRE_ERSPAN || proto == VK_GRE_ERSPAN3) {
		const __u8 *e = (const __u8 *)data + (c->off & (VK_MAX_L3_OFF - 1));
		__u32 ver;

		c->next = VK_NEXT_ETH;
		vk_cur_layer(c, VK_ENCAP_ERSPAN, tid);
		/* type I: no sequence number, no ERSPAN header */
		if (proto == VK_GRE_ERSPAN && !(fl & VK_GRE_SEQ))
			return 1;
		if (e + 20 > (const __u8 *)end)
			return -1;
		ver = e[0] >> 4;
		if (ver != (proto == VK_GRE_ERSPAN ? 1u : 2u))
			return -1;
		c->tid = ((__u32)e[2] & 3) << 8 | e[3];	/* the session id */
		/* type III: 12 bytes, 8 more when O says a platform
		 * sub-header follows */
		c->off += proto == VK_GRE_ERSPAN ? 8 : (e[11] & 1) ? 20 : 12;
		return 1;
	} else {
		return 0;	/* PPP (0x880b), keepalives, ...: not opened */
	}
	vk_cur_layer(c, VK_ENCAP_GRE, tid);
	return 1;
}

/* The tunnel header p (an IP packet, parsed) carries, if it is one.
 * Returns 1 with c at the header inside, 0 when p is no tunnel the box
 * opens, -1 when it is one but broken. */
static __always_inline int vk_tunnel_hdr(const void *data, const void *end,
					 const struct vk_pkt *p, struct vk_cur *c)
{
	const __u8 *h;
	__u32 o, optlen, proto;

	if (!vk_tunnel_candidate(p))
		return 0;
	c->lim = p->l3_end;
	if (p->proto == IPPROTO_IPIP || p->proto == IPPROTO_IPV6) {
		c->off = p->l4_off;
		c->next = p->proto == IPPROTO_IPIP ? VK_NEXT_IPV4 : VK_NEXT_IPV6;
		vk_cur_layer(c, VK_ENCAP_IPIP, 0);
		return 1;
	}
	if (p->proto == IPPROTO_GRE)
		return vk_gre(data, end, p, c);
	/* UDP: VXLAN, VXLAN-GPE and Geneve have 8-byte headers */
	o = p->pay_off & (VK_MAX_L3_OFF - 1);
	h = (const __u8 *)data + o;
	if (h + 8 > (const __u8 *)end || p->pay_len < 8)
		return -1;
	c->lim = p->pay_off + p->pay_len;
	c->off = o + 8;
	if (p->dport == VK_PORT_GENEVE) {
		if (h[0] >> 6)		/* version 0 only */
			return -1;
		optlen = ((__u32)h[0] & 0x3f) * 4;
		proto = (__u32)h[2] << 8 | h[3];
		if (8 + optlen > p->pay_len)
			return -1;
		c->off += optlen;
		if (proto == VK_GRE_TEB)
			c->next = VK_NEXT_ETH;
		else if (proto == ETH_P_IP)
			c->next = VK_NEXT_IPV4;
		else if (proto == ETH_P_IPV6)
			c->next = VK_NEXT_IPV6;
		else
			return 0;
		vk_cur_layer(c, VK_ENCAP_GENEVE, vk_be24(h + 4));
		return 1;
	}
	if (!(h[0] & 0x08))		/* the I flag: a receiver drops it */
		return -1;
	if (p->dport == VK_PORT_VXLAN_GPE) {
		/* next protocol, when P is set: 1 IPv4, 2 IPv6, 3 Ethernet,
		 * 5 MPLS (4 NSH is not opened) */
		proto = (h[0] & 0x04) ? h[3] : 3;
		if (proto == 1)
			c->next = VK_NEXT_IPV4;
		else if (proto == 2)
			c->next = VK_NEXT_IPV6;
		else if (proto == 3)
			c->next = VK_NEXT_ETH;
		else if (proto == 5)
			c->next = VK_NEXT_MPLS;
		else
			return 0;
		vk_cur_layer(c, VK_ENCAP_VXLAN_GPE, vk_be24(h + 4));
		return 1;
	}
	c->next = VK_NEXT_ETH;
	vk_cur_layer(c, VK_ENCAP_VXLAN, vk_be24(h + 4));
	return 1;
}

/* One header between a tunnel's and the IP header inside: Ethernet (its
 * tags reported in p->vlan), an MPLS stack, a PPPoE session. Returns 1
 * with c at the header after it, 0 when what follows is not IP (ARP in
 * a VXLAN: nothing to match), -1 when broken. */
static __always_inline int vk_l2_step(const void *data, const void *end, struct vk_pkt *p,
				      struct vk_cur *c)
{
	__u32 o = c->off & (VK_MAX_TUN_OFF - 1), i, label = 0, bos = 0;
	const __u8 *h;
	__u16 ep = 0;

	if (c->off >= VK_MAX_TUN_OFF)
		return -1;
	if (c->next == VK_NEXT_ETH) {
		if (vk_parse_l2_at(data, end, p, o, &o, &ep))
			return -1;
		c->off = o;
		if (ep == ETH_P_IP)
			c->next = VK_NEXT_IPV4;
		else if (ep == ETH_P_IPV6)
			c->next = VK_NEXT_IPV6;
		else if (ep == ETH_P_MPLS_UCAST || ep == ETH_P_MPLS_MCAST)
			c->next = VK_NEXT_MPLS;
		else if (ep == ETH_P_PPPOE_SESS)
			c->next = VK_NEXT_PPPOE;
		else
			return 0;
		return 1;
	}
	if (c->next == VK_NEXT_PPPOE) {
		h = (const __u8 *)data + o;
		if (h + 8 > (const __u8 *)end)
			return -1;
		/* version 1, type 1, code 0 (session data); PPP IPv4 or IPv6 */
		if (h[0] != 0x11 || h[1])
			return -1;
		/* a protocol's first byte is even; an odd one is the whole
		 * field, compressed (PFC, RFC 1661 6.5: peers that agreed on
		 * it send it so) */
		i = h[6] & 1 ? h[6] : (__u32)h[6] << 8 | h[7];
		if (i == 0x0021)
			c->next = VK_NEXT_IPV4;
		else if (i == 0x0057)
			c->next = VK_NEXT_IPV6;
		else
			return 0;	/* LCP, IPCP, ...: no addresses */
		/* the PPPoE length bounds what it carries */
		if (o + 6 + ((__u32)h[4] << 8 | h[5]) < c->lim)
			c->lim = o + 6 + ((__u32)h[4] << 8 | h[5]);
		vk_cur_layer(c, VK_ENCAP_PPPOE, (__u32)h[2] << 8 | h[3]);
		c->off = o + (h[6] & 1 ? 7 : 8);
		return 1;
	}
	if (c->next != VK_NEXT_MPLS)
		return -1;
	for (i = 0; i < VK_MAX_MPLS; i++) {
		h = (const __u8 *)data + (o & (VK_MAX_L3_OFF - 1));
		if (h + 4 > (const __u8 *)end)
			return -1;
		label = (__u32)h[0] << 12 | (__u32)h[1] << 4 | h[2] >> 4;
		bos = h[2] & 1;
		o += 4;
		if (bos)
			break;
	}
	h = (const __u8 *)data + (o & (VK_MAX_L3_OFF - 1));
	if (!bos || h + 4 > (const __u8 *)end)
		return -1;
	vk_cur_layer(c, VK_ENCAP_MPLS, label);
	/* what follows a stack says itself: IPv4 and IPv6 by their version,
	 * a pseudowire's control word by its 0 nibble (RFC 4385), and
	 * anything else is a pseudowire's Ethernet without one */
	c->off = o;
	if (h[0] >> 4 == 4) {
		c->next = VK_NEXT_IPV4;
	} else if (h[0] >> 4 == 6) {
		c->next = VK_NEXT_IPV6;
	} else {
		c->next = VK_NEXT_ETH;
		if (!(h[0] >> 4))
			c->off = o + 4;
	}
	return 1;
}

/* The IP header at c->off and its transport header into p, bounded by
 * the datagram that carries it (frag: that datagram is a first fragment,
 * the rest of the inner packet is in the next ones). Returns 1, or -1
 * (p->err may say why). */
static __always_inline int vk_inner_ip(const void *data, const void *end, struct vk_pkt *p,
				       struct vk_cur *c, int cut_ok, int frag)
{
	__u32 off = c->off & (VK_MAX_TUN_OFF - 1);
	int rc;

	if (c->off >= VK_MAX_TUN_OFF)
		return -1;
	if (c->next == VK_NEXT_IPV4)
		rc = vk_parse_ipv4(data, end, p, &off, cut_ok || frag, VK_MAX_L3_OFF - 1);
	else
		rc = vk_parse_ipv6(data, end, p, &off, cut_ok || frag, VK_MAX_L3_OFF - 1);
	if (rc < 0)
		return -1;
	/* longer than what carries it: a receiver drops it, padding after
	 * the carrier is no part of it (a first fragment holds its start;
	 * a carrier a capture cut ends at the frame's end, as it does) */
	if (p->l3_end > c->lim) {
		if (!frag)
			return -1;
		p->l3_end = (__u16)c->lim;
		p->cut = 1;
	}
	if (rc == 0)
		vk_parse_l4(data, end, p, off);
	return 1;
}

/* One layer opened: the packet *out carries (an IP packet, or with
 * out->family 0 a frame whose PPPoE or MPLS header vk_parse left at
 * out->l4_off) parsed into *in, which starts zeroed. c->depth counts the
 * headers opened so far; the caller keeps c between calls and clears
 * c->kind before each. Returns 1 when *in is the inner IP packet, 0 when
 * *out is no tunnel the box opens or carries no IP (ARP in a VXLAN, LCP
 * in a PPPoE session), -1 when it is one that is broken. */
static __always_inline int vk_decap_step(const void *data, const void *end,
					 const struct vk_pkt *out, struct vk_pkt *in,
					 struct vk_cur *c, int cut_ok)
{
	int i, r;

	if (out->family) {
		r = vk_tunnel_hdr(data, end, out, c);
		if (r <= 0)
			return r;
	} else {
		c->off = out->l4_off;
		c->next = out->proto;
		c->lim = (__u32)((const __u8 *)end - (const __u8 *)data);
	}
	/* the frame's tags unless the inner frame has its own */
	in->vlan[0] = out->vlan[0];
	in->vlan[1] = out->vlan[1];
	in->vlan[2] = out->vlan[2];
	in->nvlan = out->nvlan;
	for (i = 0; i < VK_MAX_L2_STEPS; i++) {
		if (c->next == VK_NEXT_IPV4 || c->next == VK_NEXT_IPV6)
			break;
		if (c->depth > VK_MAX_ENCAP)
			return -1;
		r = vk_l2_step(data, end, in, c);
		if (r <= 0)
			return r;
	}
	if (c->next != VK_NEXT_IPV4 && c->next != VK_NEXT_IPV6)
		return -1;
	return vk_inner_ip(data, end, in, c, cut_ok, out->frag);
}

#endif /* VK_LIB_ENCAP_H */
