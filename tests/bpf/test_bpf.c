// SPDX-License-Identifier: GPL-2.0-only
/*
 * The compiled XDP program under BPF_PROG_TEST_RUN: build a packet, seed
 * the tables through the real loader, run, check events, counters and the
 * parse-failure counters. Needs root (BPF); says SKIP otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp/vk_dp.h"
#include "xdp/vk_event.h"
#include "lib/vk_misp.h"
#include "bpf_env.h"

static const char *IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"ip-dst\",\"value\":\"203.0.113.0/24\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000003\",\"type\":\"ip-dst|port\",\"value\":\"192.0.2.80|8080\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000004\",\"type\":\"ip-src\",\"value\":\"2001:db8:bad::1\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000005\",\"type\":\"ip-dst\",\"value\":\"2001:db8:f00::/48\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000006\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000007\",\"type\":\"hostname\",\"value\":\"exact.example.org\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000008\",\"type\":\"ip-dst\",\"value\":\"203.0.113.0/25\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000009\",\"type\":\"ip-dst\",\"value\":\"10.9.0.0/16\",\"to_ids\":false},"
	"{\"uuid\":\"00000000-0000-4000-8000-00000000000a\",\"type\":\"ip-dst|port\",\"value\":\"2001:db8::80|443\",\"to_ids\":true}"
	"]}}";

/* ---- tests ------------------------------------------------------------ */

static int setup(void **state)
{
	static struct env e;

	env_open(&e, true, IND);
	assert_int_equal(e.dp.t.cur->n, 9);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vk_dp_close(&e->dp);
	return 0;
}

static const char QN_SUB[] = "\x03" "www" "\x04" "evil" "\x02" "se";
static const char QN_NOT[] = "\x07" "notevil" "\x02" "se";
static const char QN_HOST[] = "\x05" "exact" "\x07" "example" "\x03" "org";
static const char QN_HOSTSUB[] = "\x01" "a" "\x05" "exact" "\x07" "example" "\x03" "org";

static void test_addresses(void **state)
{
	struct env *e = *state;
	struct pkt p;
	size_t at;

	for (int nv = 0; nv <= 3; nv++) {	/* plain, 802.1Q, QinQ, three tags */
		eth(&p, nv, 0x0800);
		at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
		tcp(&p, 1234, 443, at);
		assert_int_equal(run(e, &p, p.n), XDP_PASS);
		assert_true(has(e, "198.51.100.7"));
		assert_int_equal(e->n, 1);
	}
	/* a /25 inside a /24: both match, via the parent chain */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "203.0.113.9", "10.0.0.1", 6, 0);
	tcp(&p, 80, 1234, at);
	run(e, &p, p.n);
	assert_true(has(e, "203.0.113.0/24") && has(e, "203.0.113.0/25"));
	eth(&p, 0, 0x0800);
	at = ip4(&p, "203.0.113.200", "10.0.0.1", 6, 0);
	tcp(&p, 80, 1234, at);
	run(e, &p, p.n);
	assert_true(has(e, "203.0.113.0/24") && !has(e, "203.0.113.0/25"));
	/* ip|port: the port must be on the side of the address */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "192.0.2.80", 6, 0);
	tcp(&p, 1234, 8080, at);
	run(e, &p, p.n);
	assert_true(has(e, "192.0.2.80|8080"));
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "192.0.2.80", 6, 0);
	tcp(&p, 8080, 1234, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	/* a non-first fragment matches on addresses only */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0x0010);
	put(&p, "fragment", 8);
	p.b[at + 3] = 28;	/* total length: header and 8 bytes */
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7"));
	/* to_ids false is not enforced */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.9.1.1", "10.0.0.1", 6, 0);
	tcp(&p, 1, 2, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
}

static void test_ipv6(void **state)
{
	struct env *e = *state;
	uint8_t ext[8] = { 17, 0 };	/* hop-by-hop, next: UDP */
	uint8_t frag[8] = { 6, 0, 0, 8 };	/* fragment, offset 1 */
	struct pkt p;
	size_t at;

	eth(&p, 1, 0x86dd);
	at = ip6(&p, "2001:db8:bad::1", "2001:db8:f00:1::5", 0);
	put(&p, ext, 8);
	udp_dns(&p, QN_NOT, sizeof(QN_NOT), at, 1);
	run(e, &p, p.n);
	assert_true(has(e, "2001:db8:bad::1") && has(e, "2001:db8:f00::/48"));
	assert_int_equal(e->n, 2);
	eth(&p, 0, 0x86dd);
	at = ip6(&p, "2001:db8::2", "2001:db8:f00::9", 44);
	put(&p, frag, 8);
	run(e, &p, p.n);
	assert_true(has(e, "2001:db8:f00::/48"));
}

static void test_dns(void **state)
{
	struct env *e = *state;
	struct pkt p;
	size_t at;

	eth(&p, 2, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_NOT, sizeof(QN_NOT), at, 0);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_HOST, sizeof(QN_HOST), at, 0);
	run(e, &p, p.n);
	assert_true(has(e, "exact.example.org"));
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_HOSTSUB, sizeof(QN_HOSTSUB), at, 0);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);	/* a hostname does not cover subdomains */
}

/* Truncated at every offset: the program never fails, never matches the
 * name, and the failure lands in a counter. */
static void test_truncated(void **state)
{
	struct env *e = *state;
	uint64_t before = 0, after = 0;
	struct pkt p;
	size_t at, len;
	int i;

	eth(&p, 2, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	for (i = VK_STAT_ERR_ETH_TRUNC; i < VK_STAT_MAX; i++)
		before += stat(e, i);
	for (len = 14; len < p.n - 4; len++) {
		assert_int_equal(run(e, &p, len), XDP_PASS);
		assert_false(has(e, "evil.se"));
	}
	for (i = VK_STAT_ERR_ETH_TRUNC; i < VK_STAT_MAX; i++)
		after += stat(e, i);
	/* exactly one parse failure per truncated length */
	assert_int_equal(after - before, p.n - 4 - 14);
}

/* One hostile question per row: it lands in its parse-failure counter and
 * never matches. */
static void expect_dns_failure(struct env *e, int stat_idx, const char *qname, size_t len)
{
	uint64_t before = stat(e, stat_idx);
	struct pkt p;
	size_t at;

	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, qname, len, at, 0);
	assert_int_equal(run(e, &p, p.n), XDP_PASS);
	assert_int_equal(stat(e, stat_idx), before + 1);
	assert_int_equal(e->n, 0);
}

static void test_hostile_dns(void **state)
{
	static const char long_label[] = "\x40" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\x04" "evil" "\x02" "se";
	static const char pointer[] = "\x03" "www" "\xc0\x0c";
	char longname[300];
	size_t i;

	for (i = 0; i + 5 < 290; i += 5)	/* 58 labels "abcd", then evil.se */
		memcpy(longname + i, "\x04" "abcd", 5);
	memcpy(longname + i, "\x04" "evil" "\x02" "se", 9);
	expect_dns_failure(*state, VK_STAT_ERR_DNS_LABEL, long_label, sizeof(long_label));
	expect_dns_failure(*state, VK_STAT_ERR_DNS_POINTER, pointer, sizeof(pointer));
	expect_dns_failure(*state, VK_STAT_ERR_DNS_NAME_LEN, longname, i + 9);
}

/* The UDP and IP lengths of a packet whose UDP header is at ipat + 20
 * (IPv4), after more bytes were put. */
static void fix_len4(struct pkt *p, size_t ipat)
{
	size_t udp = p->n - ipat - 20, tot = p->n - ipat;

	p->b[ipat + 20 + 4] = (uint8_t)(udp >> 8);
	p->b[ipat + 20 + 5] = (uint8_t)udp;
	p->b[ipat + 2] = (uint8_t)(tot >> 8);
	p->b[ipat + 3] = (uint8_t)tot;
}

/* Names a receiver reads: compression pointers (forward, backward, in a
 * later question), every question of the message, the opcodes with names. */
static void test_dns_pointers_and_questions(void **state)
{
	static const char fwd[] = "\xc0\x12";			/* to offset 18 */
	static const char target[] = "\x03" "www" "\x04" "evil" "\x02" "se";
	static const char q1[] = "\x04" "abcd" "\x02" "se";	/* abcd.se */
	static const char q2[] = "\x03" "www" "\x04" "evil" "\xc0\x11"; /* se of q1 */
	static const char wild[] = "\xc0\xff";
	struct env *e = *state;
	uint64_t b;
	struct pkt p;
	size_t at;

	/* the question is a pointer to a name after it (suricata-verify's
	 * dns-forward-pointer): 12 header + 2 pointer + 4 type/class = 18 */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, fwd, 2, at, 0);
	put(&p, target, sizeof(target));
	fix_len4(&p, at);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* two questions: the second one, ending in a pointer into the first */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, q1, sizeof(q1), at, 0);
	put(&p, q2, sizeof(q2) - 1);
	put16(&p, 1);
	put16(&p, 1);
	p.b[at + 20 + 8 + 5] = 2;	/* QDCOUNT */
	fix_len4(&p, at);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	assert_int_equal(e->n, 1);
	/* a pointer past the message: refused, counted */
	b = stat(e, VK_STAT_ERR_DNS_POINTER);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, wild, 2, at, 0);
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_DNS_POINTER), b + 1);
	assert_int_equal(e->n, 0);
	/* NOTIFY and UPDATE name a zone as a query names a question; STATUS
	 * has none */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 20 + 8 + 2] = 4 << 3;
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	p.b[at + 20 + 8 + 2] = 5 << 3;
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	p.b[at + 20 + 8 + 2] = 2 << 3;
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
}

static void test_hostile_headers(void **state)
{
	struct env *e = *state;
	uint64_t b;
	struct pkt p;
	size_t at;

	/* four tags hid everything once; eight are walked, nine are too many */
	eth(&p, 4, 0x0800);
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&p, 1, 2, at);
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7"));
	eth(&p, 8, 0x0800);
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&p, 1, 2, at);
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7"));
	b = stat(e, VK_STAT_ERR_VLAN_DEPTH);
	eth(&p, 9, 0x0800);
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&p, 1, 2, at);
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_VLAN_DEPTH), b + 1);
	assert_int_equal(e->n, 0);
	/* the legacy QinQ TPID 0x9100 */
	eth(&p, 1, 0x0800);
	p.b[12] = 0x91;
	p.b[13] = 0x00;
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&p, 1, 2, at);
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7"));

	b = stat(e, VK_STAT_ERR_UDP_LEN);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 20 + 4] = 0;	/* zero-length UDP */
	p.b[at + 20 + 5] = 0;
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_UDP_LEN), b + 1);
	assert_false(has(e, "evil.se"));

	b = stat(e, VK_STAT_ERR_IPV4_HDR);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	p.b[at] = 0x43;	/* IHL 3 */
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_IPV4_HDR), b + 1);
}

/* Ethernet, IPv6 (its payload length set), TCP. */
static void tcp6(struct pkt *p, const char *s, const char *d, uint16_t sport, uint16_t dport)
{
	size_t at;

	eth(p, 0, 0x86dd);
	at = ip6(p, s, d, 6);
	tcp(p, sport, dport, at);	/* writes an IPv4 length into the flow label */
	p->b[at + 2] = 0;
	p->b[at + 3] = 0;
	p->b[at + 4] = 0;
	p->b[at + 5] = 20;
}

/* IPv6 with n destination-options headers of hlen bytes each (a multiple
 * of 8), then UDP to port 53 asking for QN_SUB. */
static void v6_ext_dns(struct pkt *p, int n, size_t hlen)
{
	uint8_t h[2048] = { 60 };
	size_t at;
	int i;

	eth(p, 0, 0x86dd);
	at = ip6(p, "2001:db8::2", "2001:db8::53", 60);
	h[1] = (uint8_t)(hlen / 8 - 1);
	for (i = 0; i < n; i++) {
		h[0] = i + 1 < n ? 60 : 17;
		h[2] = 1;	/* PadN over the rest */
		h[3] = (uint8_t)(hlen - 4);
		put(p, h, hlen);
	}
	udp_dns(p, QN_SUB, sizeof(QN_SUB), at, 1);
	/* udp_dns set the payload length to the UDP length: add the headers */
	{
		size_t plen = p->n - at - 40;

		p->b[at + 4] = (uint8_t)(plen >> 8);
		p->b[at + 5] = (uint8_t)plen;
	}
}

/* Whatever a receiver accepts, the box sees; whatever it drops, the box
 * does not match (issue 10, "Evasions and false matches"). */
static void test_evasions(void **state)
{
	struct env *e = *state;
	uint8_t afrag[8] = { 17, 0, 0, 0, 0, 0, 0, 1 };	/* offset 0, M = 0 */
	uint64_t b;
	struct pkt p;
	size_t at;

	/* an atomic fragment (RFC 6946) is a whole datagram */
	eth(&p, 0, 0x86dd);
	at = ip6(&p, "2001:db8::2", "2001:db8::53", 44);
	put(&p, afrag, 8);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 1);
	p.b[at + 5] += 8;
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* the first fragment of a padded query holds the question: the UDP
	 * length is the whole datagram's, longer than the fragment */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0x2000);	/* MF, offset 0 */
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 20 + 4] = 0x07;	/* UDP length 1900 */
	p.b[at + 20 + 5] = 0x6c;
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* ... but a whole datagram whose UDP length passes its IP packet is
	 * dropped by the receiver */
	b = stat(e, VK_STAT_ERR_UDP_LEN);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 20 + 5] += 1;
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_UDP_LEN), b + 1);
	assert_false(has(e, "evil.se"));
	/* a name that ends in the Ethernet padding, past the UDP length: the
	 * receiver never sees its end */
	b = stat(e, VK_STAT_ERR_DNS_TRUNC);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 20 + 5] -= 8;		/* UDP length: the name's last 4 bytes and */
	p.b[at + 3] -= 8;		/* the qtype/qclass are outside */
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_DNS_TRUNC), b + 1);
	assert_false(has(e, "evil.se"));
	/* IPv4 total length 20: no UDP datagram at all */
	b = stat(e, VK_STAT_ERR_UDP_LEN);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 2] = 0;
	p.b[at + 3] = 20;
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_UDP_LEN), b + 1);
	assert_false(has(e, "evil.se"));
	/* an IPv4 or IPv6 packet longer than its frame is dropped by a
	 * receiver: no match at all. (In replay, a capture's snap length cut
	 * the frame, not the network: matched on what is there.) */
	{
		struct env *live = calloc(1, sizeof(*live));

		env_open(live, false, IND);
		eth(&p, 0, 0x0800);
		at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
		tcp(&p, 1, 2, at);
		p.b[at + 3] += 1;
		run(live, &p, p.n);
		assert_int_equal(live->n, 0);
		run(e, &p, p.n);
		assert_true(has(e, "198.51.100.7"));
		eth(&p, 0, 0x86dd);
		at = ip6(&p, "2001:db8:bad::1", "2001:db8::53", 17);
		udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 1);
		p.b[at + 5] += 1;
		run(live, &p, p.n);
		assert_int_equal(live->n, 0);
		vk_dp_close(&live->dp);
		free(live);
	}
	/* replay: a query in a datagram of 3900 bytes, the frame cut at 3500
	 * (cmd_replay's cap) as a capture's snap length would: matched */
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	p.b[at + 2] = 3900 >> 8;
	p.b[at + 3] = 3900 & 0xff;
	p.b[at + 20 + 4] = 3880 >> 8;
	p.b[at + 20 + 5] = 3880 & 0xff;
	memset(p.b + p.n, 0, 3500 - p.n);
	run(e, &p, 3500);
	assert_true(has(e, "evil.se"));
	/* NAT64 (64:ff9b::/96): the IPv4 side against IPv4 indicators, ip|port
	 * too; IPv4-mapped addresses never cross a wire (a receiver drops
	 * them) and are not read as IPv4 */
	tcp6(&p, "2001:db8::2", "64:ff9b::198.51.100.7", 1234, 443);
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7"));
	tcp6(&p, "2001:db8::2", "64:ff9b::192.0.2.80", 1234, 8080);
	run(e, &p, p.n);
	assert_true(has(e, "192.0.2.80|8080"));
	tcp6(&p, "2001:db8::2", "::ffff:198.51.100.7", 1234, 443);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	/* sixteen extension headers, and one of 2 kB: walked */
	v6_ext_dns(&p, 16, 8);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	v6_ext_dns(&p, 1, 2048);
	assert_true(p.n <= sizeof(p.b));
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* seventeen: a counted parse failure, the addresses still match */
	b = stat(e, VK_STAT_ERR_IPV6_EXT);
	v6_ext_dns(&p, 17, 8);
	memcpy(p.b + 14 + 8, "\x20\x01\x0d\xb8\x0b\xad\0\0\0\0\0\0\0\0\0\x01", 16);
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_ERR_IPV6_EXT), b + 1);
	assert_true(has(e, "2001:db8:bad::1"));
	assert_false(has(e, "evil.se"));
}

static void test_counters(void **state)
{
	struct env *e = *state;
	struct vk_key k;
	struct vk_ent *ent;
	const char *why;
	uint64_t c0;
	struct pkt p;
	size_t at;
	int i;

	vk_key_ip("198.51.100.7", &k, &why);
	ent = vk_set_find(e->dp.t.cur, &k);
	assert_non_null(ent);
	c0 = vk_tables_count(&e->dp.t, ent->id);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "198.51.100.7", "10.0.0.1", 6, 0);
	tcp(&p, 1, 2, at);
	for (i = 0; i < 10; i++)
		run(e, &p, p.n);
	assert_int_equal(vk_tables_count(&e->dp.t, ent->id), c0 + 10);
	/* the read of every counter (through the hit bitmap) agrees, and
	 * an id that never matched reads 0 */
	{
		uint64_t *all;
		uint32_t n, id;

		assert_int_equal(vk_tables_counts(&e->dp.t, &all, &n), 0);
		assert_true(ent->id < n);
		assert_int_equal(all[ent->id], c0 + 10);
		for (id = 1; id < n; id++)
			assert_int_equal(all[id], vk_tables_count(&e->dp.t, id));
		free(all);
	}
}

static void test_ipv6_port(void **state)
{
	struct env *e = *state;
	struct pkt p;
	size_t at;

	eth(&p, 0, 0x86dd);
	at = ip6(&p, "2001:db8::99", "2001:db8::80", 6);
	tcp(&p, 5555, 443, at);
	p.b[at + 4] = 0;	/* payload length: the TCP header */
	p.b[at + 5] = 20;
	run(e, &p, p.n);
	assert_true(has(e, "2001:db8::80|443"));
	eth(&p, 0, 0x86dd);
	at = ip6(&p, "2001:db8::99", "2001:db8::80", 6);
	tcp(&p, 5555, 444, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
}

/* Outside replay, events per (indicator, local host) are limited; the
 * counter still sees every packet. span mode drops after inspection. */
static void test_rate_limit_and_span(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	uint64_t ev0, rl0, c0;
	struct vk_key k;
	struct vk_ent *ent;
	const char *why;
	struct pkt p;
	size_t at;
	int i, events = 0;

	env_open(e, false, IND);
	vk_key_ip("198.51.100.7", &k, &why);
	ent = vk_set_find(e->dp.t.cur, &k);
	c0 = vk_tables_count(&e->dp.t, ent->id);
	ev0 = stat(e, VK_STAT_EVENTS);
	rl0 = stat(e, VK_STAT_EVENTS_RATELIMITED);
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&p, 1234, 443, at);
	for (i = 0; i < 50; i++) {
		assert_int_equal(run(e, &p, p.n), XDP_PASS);
		events += e->n;
	}
	/* burst 10: the rest are suppressed, unless a second has passed */
	assert_true(events >= 10 && events <= 12);
	assert_int_equal(stat(e, VK_STAT_EVENTS) - ev0, (uint64_t)events);
	assert_int_equal(stat(e, VK_STAT_EVENTS_RATELIMITED) - rl0, (uint64_t)(50 - events));
	assert_int_equal(vk_tables_count(&e->dp.t, ent->id), c0 + 50);
	e->dp.t.cfg->mode = VK_MODE_SPAN;
	assert_int_equal(run(e, &p, p.n), XDP_DROP);
	vk_dp_close(&e->dp);
	free(e);
}

/* A new set: kept indicators keep their id and counter, removed ones stop
 * matching, added ones match. */
static void test_replace(void **state)
{
	struct env *e = *state;
	static const char *NEXT =
		"{\"response\":{\"Attribute\":["
		"{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000b1\",\"type\":\"ip-dst\",\"value\":\"198.51.100.8\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000b2\",\"type\":\"domain\",\"value\":\"other.se\",\"to_ids\":true}"
		"]}}";
	static const char QN_OTHER[] = "\x01" "x" "\x05" "other" "\x02" "se";
	struct vk_misp_stats ms;
	struct vk_apply_stats as;
	const char *err;
	struct vk_set set;
	struct vk_key k;
	struct vk_ent *ent;
	uint32_t id;
	uint64_t c;
	struct pkt p;
	size_t at;

	vk_key_ip("198.51.100.7", &k, &err);
	ent = vk_set_find(e->dp.t.cur, &k);
	id = ent->id;
	c = vk_tables_count(&e->dp.t, id);
	vk_set_init(&set);
	assert_int_equal(vk_misp_parse(NEXT, strlen(NEXT), &set, &ms, NULL, NULL, &err), 0);
	assert_int_equal(vk_dp_apply(&e->dp, &set, 2, NULL, NULL, &as), 0);
	assert_int_equal(as.kept, 1);
	assert_int_equal(as.added, 2);
	assert_int_equal(as.removed, 8);
	assert_int_equal(vk_set_find(e->dp.t.cur, &k)->id, id);
	assert_int_equal(vk_tables_count(&e->dp.t, id), c);

	eth(&p, 0, 0x0800);
	at = ip4(&p, "198.51.100.8", "198.51.100.7", 17, 0);
	udp_dns(&p, QN_SUB, sizeof(QN_SUB), at, 0);
	run(e, &p, p.n);
	assert_true(has(e, "198.51.100.7") && has(e, "198.51.100.8"));
	assert_false(has(e, "evil.se"));
	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "203.0.113.9", 17, 0);
	udp_dns(&p, QN_OTHER, sizeof(QN_OTHER), at, 0);
	run(e, &p, p.n);
	assert_true(has(e, "other.se"));
	assert_int_equal(e->n, 1);	/* the /24 and /25 are gone */
}

/* IPv4 options move the transport header: the ports must still be found. */
static void test_ipv4_options(void **state)
{
	struct env *e = *state;
	uint8_t opt[8] = { 0x01, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01, 0x00 };
	struct pkt p;
	size_t at;

	eth(&p, 0, 0x0800);
	at = ip4(&p, "10.0.0.1", "192.0.2.80", 6, 0);
	p.b[at] = 0x47;	/* IHL 7: 8 bytes of options (NOPs, EOL) */
	put(&p, opt, 8);
	tcp(&p, 1234, 8080, at);
	run(e, &p, p.n);
	assert_true(has(e, "192.0.2.80|8080"));
}

/* A name that hashes to an indicator but is not under it is never
 * reported: confirmation compares the exact name from the event. */
static void test_confirm_exact(void **state)
{
	struct env *e = *state;
	struct vk_event ev = { .source = VK_SRC_DNS_QNAME, .family = 4 };
	struct vk_key k;
	const char *why;

	vk_key_name("evil.se", VK_KIND_DOMAIN, &k, &why);
	ev.id = vk_set_find(e->dp.t.cur, &k)->id;
	ev.name_len = (uint16_t)snprintf(ev.name, sizeof(ev.name), "www.evil.se");
	assert_non_null(vk_event_confirm(&e->dp.t, &ev));
	ev.name_len = (uint16_t)snprintf(ev.name, sizeof(ev.name), "www.notevil.se");
	assert_null(vk_event_confirm(&e->dp.t, &ev));
	ev.name_len = (uint16_t)snprintf(ev.name, sizeof(ev.name), "evil.se.example");
	assert_null(vk_event_confirm(&e->dp.t, &ev));
	ev.source = VK_SRC_SRC_ADDR;	/* a name id reported as an address */
	assert_null(vk_event_confirm(&e->dp.t, &ev));
}

/* ---- atomic replacement under continuous traffic ----------------------- */

struct swap_traffic {
	struct env *e;
	struct pkt p[3];
	volatile int stop;
	uint64_t runs[3];
	int failed;
};

static void *traffic(void *arg)
{
	struct swap_traffic *t = arg;
	int i;

	while (!t->stop)
		for (i = 0; i < 3; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = t->p[i].b,
				    .data_size_in = (uint32_t)t->p[i].n, .repeat = 1);

			if (bpf_prog_test_run_opts(vk_dp_prog_fd(&t->e->dp), &o))
				t->failed = 1;
			t->runs[i]++;
		}
	return NULL;
}

static uint64_t count_of(struct env *e, int (*mk)(const char *, struct vk_key *, const char **),
			 const char *v)
{
	struct vk_key k;
	const char *why;
	struct vk_ent *ent;

	mk(v, &k, &why);
	ent = vk_set_find(e->dp.t.cur, &k);
	assert_non_null(ent);
	return vk_tables_count(&e->dp.t, ent->id);
}

static int mk_ip(const char *v, struct vk_key *k, const char **why) { return vk_key_ip(v, k, why); }
static int mk_dom(const char *v, struct vk_key *k, const char **why)
{
	return vk_key_name(v, VK_KIND_DOMAIN, k, why);
}

/* Two sets share 198.51.100.7, 203.0.113.0/24 and evil.se; around them
 * the sets differ (covering and nested prefixes, other names, other
 * addresses), so every swap rewrites parents, the /20 and /24 tables and
 * the filters. While a second thread runs packets for the shared three,
 * every single run must count on each of them. */
static void test_swap_under_traffic(void **state)
{
	static const char *shared_attrs =
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000c1\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000c2\",\"type\":\"ip-dst\",\"value\":\"203.0.113.0/24\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000c3\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true}";
	/* the /25 beside (not over) 203.0.113.9 makes the /24 reachable only
	 * through its /24 slot's best: a gap there would lose counts */
	static const char *a_only =
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000a1\",\"type\":\"ip-dst\",\"value\":\"198.51.0.0/16\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000a2\",\"type\":\"ip-dst\",\"value\":\"203.0.113.128/25\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000a3\",\"type\":\"domain\",\"value\":\"www.evil.se\",\"to_ids\":true}";
	static const char *b_only =
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000b1\",\"type\":\"ip-dst\",\"value\":\"198.51.100.0/28\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000b2\",\"type\":\"ip-dst\",\"value\":\"203.0.0.0/12\",\"to_ids\":true},"
		"{\"uuid\":\"00000000-0000-4000-8000-0000000000b3\",\"type\":\"hostname\",\"value\":\"other.se\",\"to_ids\":true}";
	char json[2][4096];
	struct swap_traffic t = { 0 };
	struct env *e = calloc(1, sizeof(*e));
	uint64_t c0[3], c1[3];
	pthread_t th;
	size_t at;
	int i;

	for (i = 0; i < 2; i++)
		snprintf(json[i], sizeof(json[i]), "{\"response\":{\"Attribute\":[%s,%s]}}",
			 shared_attrs, i ? b_only : a_only);
	env_open(e, true, json[0]);
	t.e = e;
	eth(&t.p[0], 0, 0x0800);
	at = ip4(&t.p[0], "10.0.0.1", "198.51.100.7", 6, 0);
	tcp(&t.p[0], 1234, 443, at);
	eth(&t.p[1], 0, 0x0800);
	at = ip4(&t.p[1], "10.0.0.1", "203.0.113.9", 6, 0);
	tcp(&t.p[1], 1234, 443, at);
	eth(&t.p[2], 0, 0x0800);
	at = ip4(&t.p[2], "10.0.0.1", "10.0.0.53", 17, 0);
	udp_dns(&t.p[2], QN_SUB, sizeof(QN_SUB), at, 0);
	c0[0] = count_of(e, mk_ip, "198.51.100.7");
	c0[1] = count_of(e, mk_ip, "203.0.113.0/24");
	c0[2] = count_of(e, mk_dom, "evil.se");
	assert_int_equal(pthread_create(&th, NULL, traffic, &t), 0);
	for (i = 1; i <= 200; i++) {
		struct vk_misp_stats ms;
		struct vk_apply_stats as;
		const char *err;
		struct vk_set set;

		vk_set_init(&set);
		assert_int_equal(vk_misp_parse(json[i & 1], strlen(json[i & 1]), &set, &ms,
					       NULL, NULL, &err), 0);
		assert_int_equal(vk_dp_apply(&e->dp, &set, (uint64_t)i + 1, NULL, NULL, &as), 0);
		assert_int_equal(as.kept, 3);
	}
	t.stop = 1;
	pthread_join(th, NULL);
	ring_buffer__consume(e->dp.rb);
	assert_false(t.failed);
	c1[0] = count_of(e, mk_ip, "198.51.100.7");
	c1[1] = count_of(e, mk_ip, "203.0.113.0/24");
	c1[2] = count_of(e, mk_dom, "evil.se");
	print_message("swap test: %llu runs per packet over 200 swaps\n",
		      (unsigned long long)t.runs[0]);
	assert_true(t.runs[0] > 200);
	for (i = 0; i < 3; i++)
		assert_int_equal(c1[i] - c0[i], t.runs[i]);
	vk_dp_close(&e->dp);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile_dns),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_dns_pointers_and_questions),
		cmocka_unit_test(test_evasions),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_ipv6_port),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_confirm_exact),
		cmocka_unit_test(test_rate_limit_and_span),
		cmocka_unit_test(test_swap_under_traffic),
		cmocka_unit_test(test_replace),	/* last: it changes the set */
	};
	if (geteuid() != 0) {
		printf("SKIP: BPF tests need root\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown) | vk_tls_tests() |
	       vk_dnstcp_tests() | vk_http_tests() | vk_fault_tests() | vk_slow_tests() |
	       vk_encap_tests() | vk_answer_tests();
}
