// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS ClientHello SNI in the XDP program (kernel/lib/tls.h): built hellos
 * on any port, over IPv4 and IPv6, with the SNI first, last, after a
 * post-quantum key share, past the segment, cut at every byte, and with
 * lengths that lie. A name matches exactly as a DNS query name does.
 */
#include "bpf_env.h"
#include "tls_hello.h"

static const char *TLS_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000101\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000102\",\"type\":\"hostname\",\"value\":\"exact.example.org\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000103\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true}"
	"]}}";

static void set16(struct pkt *p, size_t at, size_t v) { th_set16(p->b, at, v); }

static size_t hello(struct pkt *p, const struct hello_opts *o)
{
	return vk_test_hello(p->b, &p->n, o);
}

/* An IPv4 TCP segment from 10.0.0.1 to 192.0.2.1:dport carrying the
 * hello; the IP length ends the packet at cut bytes of payload (0: all). */
static size_t seg4(struct pkt *p, uint16_t dport, const struct hello_opts *o, size_t cut,
		   size_t *sni_end)
{
	size_t at, pay, sni;

	eth(p, 0, 0x0800);
	at = ip4(p, "10.0.0.1", "192.0.2.1", 6, 0);
	tcp(p, 40000, dport, at);
	pay = p->n;
	sni = hello(p, o);
	if (sni_end)
		*sni_end = sni ? sni - pay + strlen(o->sni) : 0;
	if (cut)
		p->n = pay + cut;
	set16(p, at + 2, p->n - at);
	return p->n;
}

static int tls_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, TLS_IND);
}

static int matched(struct env *e, uint16_t dport, const struct hello_opts *o, const char *ind)
{
	struct pkt p;

	seg4(&p, dport, o, 0, NULL);
	run(e, &p, p.n);
	return has(e, ind);
}

static void test_sni_any_port(void **state)
{
	struct env *e = *state;
	struct hello_opts o = { .sni = "www.evil.se", .sid = 32 };
	uint64_t before = stat(e, VK_STAT_TLS_HELLOS);
	uint16_t ports[] = { 443, 8443, 25, 40001 };
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		assert_true(matched(e, ports[i], &o, "evil.se"));
		assert_int_equal(e->n, 1);
		assert_int_equal(e->src[0], VK_SRC_TLS_SNI);
		assert_string_equal(e->name[0], "www.evil.se");
	}
	assert_int_equal(stat(e, VK_STAT_TLS_HELLOS) - before, 4);
	/* the name rules of DNS names: case, a final dot, label boundaries */
	o.sni = "WWW.Evil.SE.";
	assert_true(matched(e, 443, &o, "evil.se"));
	assert_string_equal(e->name[0], "www.evil.se");
	o.sni = "evil.se";
	assert_true(matched(e, 443, &o, "evil.se"));
	o.sni = "notevil.se";
	assert_false(matched(e, 443, &o, "evil.se"));
	o.sni = "evil.se.example";
	assert_false(matched(e, 443, &o, "evil.se"));
	o.sni = "exact.example.org";
	assert_true(matched(e, 443, &o, "exact.example.org"));
	o.sni = "a.exact.example.org";	/* a hostname covers itself only */
	assert_false(matched(e, 443, &o, "exact.example.org"));
	o.sni = NULL;			/* a hello without SNI */
	assert_false(matched(e, 443, &o, "evil.se"));
	assert_int_equal(e->n, 0);
}

static void test_sni_v6_and_address(void **state)
{
	struct env *e = *state;
	struct hello_opts o = { .sni = "cdn.evil.se", .sid = 32 };
	struct pkt p;
	size_t at;

	eth(&p, 1, 0x86dd);
	at = ip6(&p, "2001:db8::1", "2001:db8::2", 6);
	tcp(&p, 40000, 443, at);
	hello(&p, &o);
	set16(&p, at + 4, p.n - at - 40);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* an address and an SNI in one packet: both, each once */
	seg4(&p, 443, &o, 0, NULL);
	memcpy(p.b + 14 + 16, "\xc6\x33\x64\x07", 4);	/* dst 198.51.100.7 */
	run(e, &p, p.n);
	assert_int_equal(e->n, 2);
	assert_true(has(e, "evil.se") && has(e, "198.51.100.7"));
}

/* Where browsers put the SNI today: after a 1.2 kB key share, or behind
 * many extensions; found while it is in the segment, counted when not. */
static void test_sni_position(void **state)
{
	struct env *e = *state;
	struct hello_opts o = { .sni = "www.evil.se", .sid = 32, .pre = 1216 };
	uint64_t later = stat(e, VK_STAT_TLS_SNI_LATER);
	struct pkt p;

	assert_true(matched(e, 443, &o, "evil.se"));
	o.nempty = 200;			/* 800 bytes of empty extensions first */
	o.pre = 0;
	assert_true(matched(e, 443, &o, "evil.se"));
	/* past the 1460 bytes of one segment: not here, counted, handed to
	 * the slow path (test_slow.c reads the rest) */
	o.nempty = 0;
	o.pre = 1800;
	seg4(&p, 443, &o, 1460, NULL);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	assert_int_equal(stat(e, VK_STAT_TLS_SNI_LATER) - later, 1);
	slow_reset(e);
	/* past the bytes copied (a jumbo frame): counted the same way, and
	 * read by the slow path from the whole segment */
	o.pre = 2100;
	seg4(&p, 443, &o, 0, NULL);
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_TLS_SNI_LATER) - later, 2);
	assert_int_equal(e->n, 1);
	assert_true(e->flags[0] & VK_EVF_SLOW);
	/* a hello continued in a second record: its first record ends
	 * before the SNI, and the bytes after it are no record header
	 * (the slow path finds them broken) */
	o.pre = 0;
	o.rec_short = 20;
	assert_false(matched(e, 443, &o, "evil.se"));
	assert_int_equal(stat(e, VK_STAT_TLS_SNI_LATER) - later, 3);
	slow_reset(e);
}

/* Cut at every byte (the IP length ends the segment there, as TCP may):
 * a match exactly when the whole name is in the segment. */
static void test_sni_every_cut(void **state)
{
	struct env *e = *state;
	struct hello_opts o = { .sni = "www.evil.se", .sid = 32 };
	struct pkt p;
	size_t full, end, cut;

	full = seg4(&p, 443, &o, 0, &end) - (14 + 20 + 20);
	for (cut = 1; cut <= full; cut++) {
		seg4(&p, 443, &o, cut, NULL);
		run(e, &p, p.n);
		if (has(e, "evil.se") != (cut >= end))
			fail_msg("cut at %zu of %zu (the name ends at %zu): %s", cut, full, end,
				 cut >= end ? "no match" : "a match on a partial name");
	}
}

static void test_sni_hostile(void **state)
{
	struct env *e = *state;
	struct hello_opts o = { .sni = "www.evil.se", .sid = 33 };
	uint64_t bad = stat(e, VK_STAT_ERR_TLS_HELLO), name = stat(e, VK_STAT_ERR_TLS_NAME);
	static const char *names[] = { "evil..se", ".evil.se", "www.evil.se..", "" };
	char longlabel[80];
	size_t i;

	assert_false(matched(e, 443, &o, "evil.se"));	/* a 33-byte session id */
	o.sid = 32;
	o.ext_lie = 1;		/* extensions past the hello */
	assert_false(matched(e, 443, &o, "evil.se"));
	o.ext_lie = -1;
	assert_false(matched(e, 443, &o, "evil.se"));
	assert_int_equal(stat(e, VK_STAT_ERR_TLS_HELLO) - bad, 3);
	o.ext_lie = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		o.sni = names[i];
		assert_false(matched(e, 443, &o, "evil.se"));
	}
	memset(longlabel, 'a', 64);
	strcpy(longlabel + 64, ".evil.se");	/* a label of 64 bytes */
	o.sni = longlabel;
	assert_false(matched(e, 443, &o, "evil.se"));
	/* "" is an empty server_name: a malformed list, not a name */
	assert_int_equal(stat(e, VK_STAT_ERR_TLS_NAME) - name, 4);
	assert_int_equal(stat(e, VK_STAT_ERR_TLS_HELLO) - bad, 4);
}

int vk_tls_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_any_port),
		cmocka_unit_test(test_sni_v6_and_address),
		cmocka_unit_test(test_sni_position),
		cmocka_unit_test(test_sni_every_cut),
		cmocka_unit_test(test_sni_hostile),
	};

	return cmocka_run_group_tests_name("tls", tests, tls_setup, env_teardown);
}
