// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS answers: a response to a name with an indicator, read by the XDP
 * program quietly and handed up; the slow path learns the addresses of
 * its answers (the CNAME chain followed), and a later packet to one of
 * them is a match of the name's indicator, `dns_answer`, with the name
 * in its event. What must give nothing: a response to another name, an
 * address of a record outside the chain, an expired or TTL-0 record, a
 * packet from the address (only destinations), DNS answers switched off.
 */
#include "bpf_env.h"
#include <unistd.h>
#include "../../kernel/lib/flowkey.h"
#include "lib/vk_misp.h"

static const char *AN_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000501\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000502\",\"type\":\"hostname\",\"value\":\"bad.host.se\",\"to_ids\":true}"
	"]}}";

static const char QN_EVIL[] = "\x03" "www" "\x04" "evil" "\x02" "se";
static const char QN_CDN[] = "\x03" "cdn" "\x06" "hoster" "\x03" "net";
static const char QN_OTHER[] = "\x05" "other" "\x03" "org";

struct rr {
	int type;		/* 1 A, 28 AAAA, 5 CNAME */
	const char *owner;	/* wire name; NULL: a pointer to the question */
	size_t olen;
	const char *data;	/* A/AAAA: the address text; CNAME: a wire name */
	size_t dlen;
	uint32_t ttl;
};

/* A response from 198.51.100.53:53 to the resolver 10.0.0.53:5353 for
 * qname, with the records given. */
static void response(struct pkt *p, const char *qname, size_t qlen, const struct rr *r, int n)
{
	uint8_t hdr[12] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, (uint8_t)n };
	size_t at, u;
	int i;

	eth(p, 0, 0x0800);
	at = ip4(p, "198.51.100.53", "10.0.0.53", 17, 0);
	u = p->n;
	put16(p, 53);
	put16(p, 5353);
	put16(p, 0);
	put16(p, 0);
	put(p, hdr, 12);
	put(p, qname, qlen + 1);		/* with its root label */
	put16(p, 1);
	put16(p, 1);
	for (i = 0; i < n; i++) {
		uint8_t a[16];
		int v6 = r[i].type == 28;

		if (r[i].owner)
			put(p, r[i].owner, r[i].olen + 1);
		else
			put16(p, 0xc00c);	/* the question's name */
		put16(p, (uint16_t)r[i].type);
		put16(p, 1);
		put16(p, (uint16_t)(r[i].ttl >> 16));
		put16(p, (uint16_t)r[i].ttl);
		if (r[i].type == 5) {
			put16(p, (uint16_t)(r[i].dlen + 1));
			put(p, r[i].data, r[i].dlen + 1);
		} else {
			inet_pton(v6 ? AF_INET6 : AF_INET, r[i].data, a);
			put16(p, v6 ? 16 : 4);
			put(p, a, v6 ? 16 : 4);
		}
	}
	p->b[u + 4] = (uint8_t)((p->n - u) >> 8);
	p->b[u + 5] = (uint8_t)(p->n - u);
	p->b[at + 2] = (uint8_t)((p->n - at) >> 8);
	p->b[at + 3] = (uint8_t)(p->n - at);
}

/* A SYN from client to dst:443 (IPv4 or IPv6). */
static int syn_to(struct env *e, const char *client, const char *dst)
{
	struct pkt p;
	size_t at;
	int v6 = strchr(dst, ':') != NULL;

	eth(&p, 0, v6 ? 0x86dd : 0x0800);
	at = v6 ? ip6(&p, client, dst, 6) : ip4(&p, client, dst, 6, 0);
	tcp_sf(&p, 40000, 443, at, 1, VK_TCP_SYN);
	if (v6) {
		p.b[at + 4] = (uint8_t)((p.n - at - 40) >> 8);
		p.b[at + 5] = (uint8_t)(p.n - at - 40);
		p.b[at + 1] = p.b[at + 2] = p.b[at + 3] = 0;
	}
	run(e, &p, p.n);
	return e->n;
}

static int an_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, AN_IND);
}

/* www.evil.se -> CNAME cdn.hoster.net -> A 203.0.113.7, AAAA 2001:db8::7;
 * an A of another owner (not in the chain) is not taken. */
static void test_answer_chain(void **state)
{
	struct env *e = *state;
	const struct rr r[] = {
		{ 5, NULL, 0, QN_CDN, sizeof(QN_CDN) - 1, 300 },
		{ 1, QN_CDN, sizeof(QN_CDN) - 1, "203.0.113.7", 0, 60 },
		{ 28, QN_CDN, sizeof(QN_CDN) - 1, "2001:db8::7", 0, 60 },
		{ 1, QN_OTHER, sizeof(QN_OTHER) - 1, "203.0.113.8", 0, 60 },
	};
	uint64_t up = stat(e, VK_STAT_DNS_ANSWERS_UP), q = stat(e, VK_STAT_DNS_QUERIES);
	struct pkt p;

	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 4);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);		/* the response itself: no match */
	assert_int_equal(stat(e, VK_STAT_DNS_ANSWERS_UP), up + 1);
	assert_int_equal(stat(e, VK_STAT_DNS_QUERIES), q);	/* not a query */
	assert_int_equal(syn_to(e, "10.0.0.99", "203.0.113.7"), 1);
	assert_string_equal(e->got[0], "evil.se");
	assert_int_equal(e->src[0], VK_SRC_DNS_ANSWER);
	assert_string_equal(e->name[0], "www.evil.se");
	assert_int_equal(syn_to(e, "2001:db8:1::99", "2001:db8::7"), 1);
	assert_int_equal(syn_to(e, "10.0.0.99", "203.0.113.8"), 0);
	/* from the address, not to it: the server's side is not matched */
	{
		struct pkt s;
		size_t at;

		eth(&s, 0, 0x0800);
		at = ip4(&s, "203.0.113.7", "10.0.0.99", 6, 0);
		tcp_sf(&s, 443, 40000, at, 1, VK_TCP_SYN | VK_TCP_ACK);
		run(e, &s, s.n);
		assert_int_equal(e->n, 0);
	}
}

/* A response to a name without an indicator teaches nothing; a TTL of 0
 * is not kept; a TTL of 1 s ends. */
static void test_answer_limits(void **state)
{
	struct env *e = *state;
	const struct rr other[] = { { 1, NULL, 0, "203.0.113.20", 0, 60 } };
	const struct rr zero[] = { { 1, NULL, 0, "203.0.113.21", 0, 0 } };
	const struct rr one[] = { { 1, NULL, 0, "203.0.113.22", 0, 1 } };
	uint64_t up = stat(e, VK_STAT_DNS_ANSWERS_UP);
	struct pkt p;

	response(&p, QN_OTHER, sizeof(QN_OTHER) - 1, other, 1);
	run(e, &p, p.n);
	assert_int_equal(stat(e, VK_STAT_DNS_ANSWERS_UP), up);	/* not handed up */
	assert_int_equal(syn_to(e, "10.0.0.98", "203.0.113.20"), 0);
	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, zero, 1);
	run(e, &p, p.n);
	assert_int_equal(syn_to(e, "10.0.0.98", "203.0.113.21"), 0);
	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, one, 1);
	run(e, &p, p.n);
	assert_int_equal(syn_to(e, "10.0.0.98", "203.0.113.22"), 1);
	usleep(1100 * 1000);
	assert_int_equal(syn_to(e, "10.0.0.98", "203.0.113.22"), 0);
}

/* A response that lies (an answer past its end, a pointer forwards) is
 * counted and teaches nothing. */
static void test_answer_hostile(void **state)
{
	struct env *e = *state;
	const struct rr r[] = { { 1, NULL, 0, "203.0.113.30", 0, 60 } };
	uint64_t bad = e->dp.slow->ust[VK_USTAT_DNS_BAD];
	struct pkt p;

	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	p.b[14 + 20 + 8 + 7] = 3;		/* ANCOUNT 3, one there */
	run(e, &p, p.n);
	assert_int_equal(e->dp.slow->ust[VK_USTAT_DNS_BAD], bad + 1);
	assert_int_equal(syn_to(e, "10.0.0.97", "203.0.113.30"), 0);
	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	p.b[p.n - 16] = 0xc0;			/* the owner's pointer, forwards */
	p.b[p.n - 15] = 0xff;
	run(e, &p, p.n);
	assert_int_equal(e->dp.slow->ust[VK_USTAT_DNS_BAD], bad + 2);
	assert_int_equal(syn_to(e, "10.0.0.97", "203.0.113.30"), 0);
}

/* Two names with indicators answered with one address: a packet to it
 * is a match of both. */
static void test_answer_shared(void **state)
{
	struct env *e = *state;
	const struct rr r[] = { { 1, NULL, 0, "203.0.113.50", 0, 60 } };
	static const char QN_BAD[] = "\x03" "bad" "\x04" "host" "\x02" "se";
	struct pkt p;

	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	run(e, &p, p.n);
	response(&p, QN_BAD, sizeof(QN_BAD) - 1, r, 1);
	run(e, &p, p.n);
	assert_int_equal(syn_to(e, "10.0.0.95", "203.0.113.50"), 2);
	assert_true(has(e, "evil.se"));
	assert_true(has(e, "bad.host.se"));
}

/* A derived match is an event, not a count: the indicator's exact
 * counter says how many packets carried it (the agent turns counts no
 * event explains into sightings, and derived ones stay local). */
static void test_answer_not_counted(void **state)
{
	struct env *e = *state;
	const struct rr r[] = { { 1, NULL, 0, "203.0.113.60", 0, 60 } };
	struct vk_key k;
	struct vk_ent *ent;
	const char *why;
	uint64_t c0;
	struct pkt p;

	assert_int_equal(vk_key_name("evil.se", VK_KIND_DOMAIN, &k, &why), 0);
	ent = vk_set_find(e->dp.t.cur, &k);
	assert_non_null(ent);
	c0 = vk_tables_count(&e->dp.t, ent->id);
	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	run(e, &p, p.n);
	assert_int_equal(syn_to(e, "10.0.0.94", "203.0.113.60"), 1);
	assert_int_equal(vk_tables_count(&e->dp.t, ent->id), c0);
}

/* An update that takes the name's indicator away forgets the addresses
 * learned for it (its id may come back as another indicator's). Last:
 * the set changes. */
static void test_answer_update(void **state)
{
	static const char NEXT[] =
		"{\"response\":{\"Attribute\":["
		"{\"uuid\":\"00000000-0000-4000-8000-000000000503\",\"type\":\"domain\","
		"\"value\":\"other.se\",\"to_ids\":true}]}}";
	struct env *e = *state;
	const struct rr r[] = { { 1, NULL, 0, "203.0.113.70", 0, 60 } };
	struct vk_misp_stats ms;
	struct vk_apply_stats as;
	const char *err;
	struct vk_set set;
	struct pkt p;

	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	run(e, &p, p.n);
	assert_true(e->dp.t.cfg->n_derived > 0);
	vk_set_init(&set);
	assert_int_equal(vk_misp_parse(NEXT, strlen(NEXT), &set, &ms, NULL, NULL, &err), 0);
	assert_int_equal(vk_dp_apply(&e->dp, &set, 2, NULL, NULL, &as), 0);
	assert_int_equal(e->dp.t.cfg->n_derived, 0);
	assert_int_equal(syn_to(e, "10.0.0.93", "203.0.113.70"), 0);
}

/* --dns-answers off: responses are not read. */
static void test_answer_off(void **state)
{
	struct env *e = *state;
	const struct rr r[] = { { 1, NULL, 0, "203.0.113.40", 0, 60 } };
	struct pkt p;

	e->dp.t.cfg->dns_answers = 0;
	response(&p, QN_EVIL, sizeof(QN_EVIL) - 1, r, 1);
	run(e, &p, p.n);
	assert_int_equal(syn_to(e, "10.0.0.96", "203.0.113.40"), 0);
	e->dp.t.cfg->dns_answers = 1;
}

int vk_answer_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_chain),
		cmocka_unit_test(test_answer_limits),
		cmocka_unit_test(test_answer_hostile),
		cmocka_unit_test(test_answer_shared),
		cmocka_unit_test(test_answer_off),
		cmocka_unit_test(test_answer_not_counted),
		cmocka_unit_test(test_answer_update),
	};

	return cmocka_run_group_tests_name("dns answers", tests, an_setup, env_teardown);
}
