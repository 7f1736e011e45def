// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tunnels in the XDP program (kernel/lib/encap.h): the packet inside
 * every encapsulation a mirror port carries is matched, its events carry
 * the outermost tunnel; what a receiver would drop is not opened; cut and
 * nested tunnels never crash and are counted.
 */
#include "bpf_env.h"

static const char *EN_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000301\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000302\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000303\",\"type\":\"ip-dst\",\"value\":\"2001:db8:dead::7\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000304\",\"type\":\"ip-dst\",\"value\":\"192.0.2.66\",\"to_ids\":true}"
	"]}}";

static const char QN_EVIL[] = "\x03" "www" "\x04" "evil" "\x02" "se";

static int en_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, EN_IND);
}

/* ---- builders --------------------------------------------------------- */

static void put32(struct pkt *p, uint32_t v)
{
	v = htonl(v);
	put(p, &v, 4);
}

/* The inner packet: a DNS query for www.evil.se to 198.51.100.7 (IPv6:
 * to 2001:db8:dead::7), as an Ethernet frame with nvlan tags. */
static void inner(struct pkt *in, int v6, int nvlan)
{
	size_t at;

	eth(in, nvlan, v6 ? 0x86dd : 0x0800);
	at = v6 ? ip6(in, "2001:db8::1", "2001:db8:dead::7", 17) :
		  ip4(in, "10.0.0.1", "198.51.100.7", 17, 0);
	udp_dns(in, QN_EVIL, sizeof(QN_EVIL), at, v6);
}

/* The inner frame's IP packet, or all of it (Ethernet carriers). */
static void put_ip(struct pkt *p, const struct pkt *in)
{
	size_t l2 = 14 + ((in->b[12] == 0x81 || in->b[12] == 0x88) ? 4 : 0);

	put(p, in->b + l2, in->n - l2);
}

static void put_frame(struct pkt *p, const struct pkt *in)
{
	put(p, in->b, in->n);
}

static size_t outer4(struct pkt *p, uint8_t proto, const char *dst)
{
	eth(p, 0, 0x0800);
	return ip4(p, "192.0.2.1", dst ? dst : "192.0.2.2", proto, 0);
}

static size_t outer6(struct pkt *p, uint8_t proto)
{
	eth(p, 0, 0x86dd);
	return ip6(p, "2001:db8:1::1", "2001:db8:1::2", proto);
}

static void fin4(struct pkt *p, size_t at)
{
	uint16_t tot = (uint16_t)(p->n - at);

	p->b[at + 2] = (uint8_t)(tot >> 8);
	p->b[at + 3] = (uint8_t)tot;
}

static void fin6(struct pkt *p, size_t at)
{
	uint16_t len = (uint16_t)(p->n - at - 40);

	p->b[at + 4] = (uint8_t)(len >> 8);
	p->b[at + 5] = (uint8_t)len;
}

static size_t udph(struct pkt *p, uint16_t dport)
{
	size_t at = p->n;

	put16(p, 50000);
	put16(p, dport);
	put16(p, 0);
	put16(p, 0);
	return at;
}

static void finudp(struct pkt *p, size_t at)
{
	uint16_t len = (uint16_t)(p->n - at);

	p->b[at + 4] = (uint8_t)(len >> 8);
	p->b[at + 5] = (uint8_t)len;
}

static void mpls(struct pkt *p, uint32_t label, int bos)
{
	put32(p, label << 12 | (uint32_t)(bos ? 1 : 0) << 8 | 64);
}

enum tcase {
	T_GRE, T_GRE_CKS, T_GRE_TEB, T_ERSPAN1, T_ERSPAN2, T_ERSPAN3, T_VXLAN, T_VXLAN_LINUX,
	T_GENEVE, T_GPE, T_IPIP, T_6IN4, T_4IN6, T_PPPOE, T_PPPOE_PFC, T_MPLS, T_MPLS_PW, T_MPLS_PW_NOCW,
	T_GRE_MPLS, T_VXLAN_IN_GRE, T_GENEVE6, T_MAX
};

struct tcase_want {
	const char *name;
	uint8_t encap, depth, family;	/* outer.family: 0 when not IP */
	uint32_t tid;
	int v6;				/* the inner packet is IPv6 */
};

static const struct tcase_want want[T_MAX] = {
	[T_GRE] = { "gre", VK_ENCAP_GRE, 1, 4, 0, 0 },
	[T_GRE_CKS] = { "gre csum key seq", VK_ENCAP_GRE, 1, 4, 0x01020304, 0 },
	[T_GRE_TEB] = { "gre ethernet", VK_ENCAP_GRE, 1, 4, 0, 0 },
	[T_ERSPAN1] = { "erspan I", VK_ENCAP_ERSPAN, 1, 4, 0, 0 },
	[T_ERSPAN2] = { "erspan II", VK_ENCAP_ERSPAN, 1, 4, 0x155, 0 },
	[T_ERSPAN3] = { "erspan III", VK_ENCAP_ERSPAN, 1, 4, 0x2aa, 0 },
	[T_VXLAN] = { "vxlan", VK_ENCAP_VXLAN, 1, 4, 0x123456, 0 },
	[T_VXLAN_LINUX] = { "vxlan 8472", VK_ENCAP_VXLAN, 1, 4, 42, 0 },
	[T_GENEVE] = { "geneve", VK_ENCAP_GENEVE, 1, 4, 77, 0 },
	[T_GPE] = { "vxlan-gpe", VK_ENCAP_VXLAN_GPE, 1, 4, 5, 0 },
	[T_IPIP] = { "ipip", VK_ENCAP_IPIP, 1, 4, 0, 0 },
	[T_6IN4] = { "6in4", VK_ENCAP_IPIP, 1, 4, 0, 1 },
	[T_4IN6] = { "4in6", VK_ENCAP_IPIP, 1, 6, 0, 0 },
	[T_PPPOE] = { "pppoe", VK_ENCAP_PPPOE, 1, 0, 0x42, 0 },
	[T_PPPOE_PFC] = { "pppoe, compressed protocol", VK_ENCAP_PPPOE, 1, 0, 0x42, 0 },
	[T_MPLS] = { "mpls", VK_ENCAP_MPLS, 1, 0, 1001, 0 },
	[T_MPLS_PW] = { "mpls pseudowire", VK_ENCAP_MPLS, 1, 0, 2002, 0 },
	[T_MPLS_PW_NOCW] = { "mpls pseudowire, no control word", VK_ENCAP_MPLS, 1, 0, 3003, 0 },
	[T_GRE_MPLS] = { "gre mpls", VK_ENCAP_GRE, 2, 4, 0, 0 },
	[T_VXLAN_IN_GRE] = { "vxlan in gre", VK_ENCAP_GRE, 2, 4, 0, 0 },
	[T_GENEVE6] = { "geneve over ipv6, ipv6 inside", VK_ENCAP_GENEVE, 1, 6, 9, 1 },
};

/* The frame of case t carrying in; the inner packet's Ethernet frame is
 * built with a VLAN tag for the carriers of Ethernet. */
static void build(struct pkt *p, enum tcase t, const char *odst)
{
	static const uint8_t opts[8] = { 0x01, 0x02, 0x03, 0x01, 0xaa, 0xbb, 0xcc, 0xdd };
	struct pkt in;
	size_t at, u, pp;

	inner(&in, want[t].v6, 1);
	switch (t) {
	case T_GRE:
		at = outer4(p, 47, odst);
		put16(p, 0);
		put16(p, 0x0800);
		put_ip(p, &in);
		fin4(p, at);
		break;
	case T_GRE_CKS:
		at = outer4(p, 47, odst);
		put16(p, 0xb000);
		put16(p, 0x0800);
		put32(p, 0);		/* checksum, reserved */
		put32(p, 0x01020304);	/* key */
		put32(p, 7);		/* sequence */
		put_ip(p, &in);
		fin4(p, at);
		break;
	case T_GRE_TEB:
		at = outer4(p, 47, odst);
		put16(p, 0);
		put16(p, 0x6558);
		put_frame(p, &in);
		fin4(p, at);
		break;
	case T_ERSPAN1:
		at = outer4(p, 47, odst);
		put16(p, 0);
		put16(p, 0x88be);
		put_frame(p, &in);
		fin4(p, at);
		break;
	case T_ERSPAN2:
		at = outer4(p, 47, odst);
		put16(p, 0x1000);
		put16(p, 0x88be);
		put32(p, 1);		/* sequence */
		put32(p, 0x1 << 28 | 0x064 << 16 | 0x155);	/* ver 1, vlan 100, session */
		put32(p, 0);
		put_frame(p, &in);
		fin4(p, at);
		break;
	case T_ERSPAN3:
		at = outer4(p, 47, odst);
		put16(p, 0x1000);
		put16(p, 0x22eb);
		put32(p, 1);
		put32(p, 0x2 << 28 | 0x2aa);	/* ver 2, session */
		put32(p, 0x12345678);	/* timestamp */
		put32(p, 0x00000001);	/* SGT 0, ..., O: a platform sub-header */
		put32(p, 0);
		put32(p, 0);
		put_frame(p, &in);
		fin4(p, at);
		break;
	case T_VXLAN:
	case T_VXLAN_LINUX:
		at = outer4(p, 17, odst);
		u = udph(p, t == T_VXLAN ? 4789 : 8472);
		put32(p, 0x08000000);
		put32(p, (t == T_VXLAN ? 0x123456u : 42u) << 8);
		put_frame(p, &in);
		finudp(p, u);
		fin4(p, at);
		break;
	case T_GENEVE:
	case T_GENEVE6:
		at = t == T_GENEVE ? outer4(p, 17, odst) : outer6(p, 17);
		u = udph(p, 6081);
		put16(p, 2 << 8);	/* version 0, 2 words of options */
		put16(p, 0x6558);
		put32(p, (t == T_GENEVE ? 77u : 9u) << 8);
		put(p, opts, sizeof(opts));
		put_frame(p, &in);
		finudp(p, u);
		if (t == T_GENEVE)
			fin4(p, at);
		else
			fin6(p, at);
		break;
	case T_GPE:
		at = outer4(p, 17, odst);
		u = udph(p, 4790);
		put32(p, 0x0c000001);	/* I, P; next protocol IPv4 */
		put32(p, 5u << 8);
		put_ip(p, &in);
		finudp(p, u);
		fin4(p, at);
		break;
	case T_IPIP:
	case T_6IN4:
		at = outer4(p, t == T_IPIP ? 4 : 41, odst);
		put_ip(p, &in);
		fin4(p, at);
		break;
	case T_4IN6:
		at = outer6(p, 4);
		put_ip(p, &in);
		fin6(p, at);
		break;
	case T_PPPOE:
	case T_PPPOE_PFC:
		eth(p, 0, 0x8864);
		pp = p->n;
		put16(p, 0x1100);
		put16(p, 0x42);
		put16(p, 0);
		if (t == T_PPPOE)
			put16(p, 0x0021);
		else
			put(p, "\x21", 1);	/* PFC: the protocol in one byte */
		put_ip(p, &in);
		p->b[pp + 4] = (uint8_t)((p->n - pp - 6) >> 8);
		p->b[pp + 5] = (uint8_t)(p->n - pp - 6);
		break;
	case T_MPLS:
		eth(p, 0, 0x8847);
		mpls(p, 16, 0);
		mpls(p, 1001, 1);
		put_ip(p, &in);
		break;
	case T_MPLS_PW:
	case T_MPLS_PW_NOCW:
		eth(p, 0, 0x8847);
		mpls(p, 16, 0);
		mpls(p, t == T_MPLS_PW ? 2002 : 3003, 1);
		if (t == T_MPLS_PW)
			put32(p, 0);	/* the control word */
		put_frame(p, &in);
		break;
	case T_GRE_MPLS:
		at = outer4(p, 47, odst);
		put16(p, 0);
		put16(p, 0x8847);
		mpls(p, 77, 1);
		put_ip(p, &in);
		fin4(p, at);
		break;
	case T_VXLAN_IN_GRE: {
		struct pkt mid;
		size_t mat, mu;

		mat = outer4(&mid, 17, "192.0.2.9");
		mu = udph(&mid, 4789);
		put32(&mid, 0x08000000);
		put32(&mid, 1u << 8);
		put_frame(&mid, &in);
		finudp(&mid, mu);
		fin4(&mid, mat);
		at = outer4(p, 47, odst);
		put16(p, 0);
		put16(p, 0x6558);
		put_frame(p, &mid);
		fin4(p, at);
		break;
	}
	default:
		fail();
	}
}

/* Every encapsulation: the inner address and name match, and every
 * event carries the outermost tunnel. */
static void test_tunnels(void **state)
{
	struct env *e = *state;
	uint64_t decap = stat(e, VK_STAT_DECAP), err = stat(e, VK_STAT_ERR_ENCAP);
	struct pkt p, in;
	int t, i;

	/* a packet in no tunnel: its events say none */
	inner(&in, 0, 0);
	run(e, &in, in.n);
	assert_int_equal(e->n, 2);
	for (i = 0; i < e->n; i++)
		assert_int_equal(e->outer[i].encap, VK_ENCAP_NONE);
	for (t = 0; t < T_MAX; t++) {
		const struct tcase_want *w = &want[t];

		build(&p, (enum tcase)t, NULL);
		assert_int_equal(run(e, &p, p.n), XDP_PASS);
		if (e->n != 2 || !has(e, "evil.se") ||
		    !has(e, w->v6 ? "2001:db8:dead::7" : "198.51.100.7"))
			fail_msg("%s: %d matches, want the inner address and name", w->name, e->n);
		for (i = 0; i < e->n; i++) {
			const struct vk_outer *o = &e->outer[i];

			if (o->encap != w->encap || o->depth != w->depth ||
			    o->tunnel_id != w->tid || o->family != w->family)
				fail_msg("%s: outer encap %u depth %u id %#x family %u", w->name,
					 o->encap, o->depth, o->tunnel_id, o->family);
			if (w->family == 4)
				assert_memory_equal(o->src, "\xc0\x00\x02\x01", 4);
		}
	}
	assert_int_equal(stat(e, VK_STAT_DECAP), decap + T_MAX);
	assert_int_equal(stat(e, VK_STAT_ERR_ENCAP), err);
}

/* A tunnel endpoint that is an indicator matches as itself (no tunnel
 * around it), and the packet inside matches too. */
static void test_tunnel_endpoint(void **state)
{
	struct env *e = *state;
	struct pkt p;
	int i, outer = 0;

	build(&p, T_VXLAN, "192.0.2.66");
	run(e, &p, p.n);
	assert_int_equal(e->n, 3);
	for (i = 0; i < e->n; i++) {
		if (!strcmp(e->got[i], "192.0.2.66")) {
			outer++;
			assert_int_equal(e->outer[i].encap, VK_ENCAP_NONE);
		} else {
			assert_int_equal(e->outer[i].encap, VK_ENCAP_VXLAN);
		}
	}
	assert_int_equal(outer, 1);
}

/* What a receiver drops is not opened: the outer packet is read as it
 * is (nothing in it matches), the inner never. */
static void test_tunnel_refused(void **state)
{
	struct env *e = *state;
	uint64_t err = stat(e, VK_STAT_ERR_ENCAP);
	struct pkt p;

	build(&p, T_GRE, NULL);
	p.b[14 + 20] = 0x40;		/* GRE routing present: Linux drops it */
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	build(&p, T_GRE, NULL);
	p.b[14 + 20 + 1] = 0x01;	/* version 1: PPTP's, carries PPP */
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	build(&p, T_VXLAN, NULL);
	p.b[14 + 20 + 8] = 0;		/* no I flag */
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	build(&p, T_GENEVE, NULL);
	p.b[14 + 20 + 8] |= 0x40;	/* version 1 */
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	assert_int_equal(stat(e, VK_STAT_ERR_ENCAP), err + 2);
	/* the inner packet runs past the outer one's length: the bytes
	 * after it are padding, no part of what the tunnel carries */
	build(&p, T_GRE, NULL);
	p.b[14 + 3] -= 4;
	run(e, &p, p.n);
	assert_false(has(e, "evil.se"));
	build(&p, T_VXLAN, NULL);
	p.b[14 + 20 + 5] -= 4;		/* the outer UDP length */
	p.b[14 + 3] -= 4;
	run(e, &p, p.n);
	assert_false(has(e, "evil.se"));
	/* ARP in a VXLAN: nothing to match, nothing broken */
	err = stat(e, VK_STAT_ERR_ENCAP);
	build(&p, T_VXLAN, NULL);
	p.b[14 + 20 + 8 + 8 + 16] = 0x08;	/* the inner frame's tagged type */
	p.b[14 + 20 + 8 + 8 + 17] = 0x06;
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	assert_int_equal(stat(e, VK_STAT_ERR_ENCAP), err);
}

/* IP in IP n deep around the query. */
static void nest(struct pkt *p, int n)
{
	struct pkt in, t;
	int i;

	inner(&in, 0, 0);
	for (i = 0; i < n; i++) {
		size_t at = outer4(&t, 4, NULL);

		put_ip(&t, &in);
		fin4(&t, at);
		in = t;
	}
	*p = in;
}

static void test_tunnel_depth(void **state)
{
	struct env *e = *state;
	uint64_t deep = stat(e, VK_STAT_ENCAP_DEPTH);
	struct pkt p;

	nest(&p, VK_MAX_ENCAP);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	assert_int_equal(e->outer[0].depth, VK_MAX_ENCAP);
	assert_int_equal(stat(e, VK_STAT_ENCAP_DEPTH), deep);
	nest(&p, VK_MAX_ENCAP + 1);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	assert_int_equal(stat(e, VK_STAT_ENCAP_DEPTH), deep + 1);
}

/* Every case cut at every length: no crash, and the name never matches
 * from a frame that does not hold all of it. (The test program runs as
 * replay does, where the capture may have cut a frame: the inner packet
 * is read as far as it goes.) */
static void test_tunnel_cut(void **state)
{
	struct env *e = *state;
	struct pkt p;
	size_t n, qend;
	int t;

	for (t = 0; t < T_MAX; t++) {
		build(&p, (enum tcase)t, NULL);
		qend = p.n - 4;		/* the name ends before QTYPE, QCLASS */
		for (n = 14; n < p.n; n++) {
			assert_int_equal(run(e, &p, n), XDP_PASS);
			if (n < qend && has(e, "evil.se"))
				fail_msg("%s cut at %zu of %zu: the name matched", want[t].name, n, p.n);
		}
	}
}

int vk_encap_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_tunnel_endpoint),
		cmocka_unit_test(test_tunnel_refused),
		cmocka_unit_test(test_tunnel_depth),
		cmocka_unit_test(test_tunnel_cut),
	};

	return cmocka_run_group_tests_name("tunnels", tests, en_setup, env_teardown);
}
