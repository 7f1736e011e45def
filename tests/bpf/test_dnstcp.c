// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS over TCP in the XDP program (RFC 7766): length-prefixed messages,
 * several in a segment, one going on past it, and what is not read.
 */
#include "bpf_env.h"

static const char *DT_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000201\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true}"
	"]}}";

static const char QN_EVIL[] = "\x03" "www" "\x04" "evil" "\x02" "se";
static const char QN_OK[] = "\x03" "www" "\x07" "example" "\x03" "org";

/* One DNS query message (header, one question) after its length prefix;
 * claim: the prefix's length, 0 = the true one. qr: a response. */
static void msg(struct pkt *p, const char *qname, size_t qlen, size_t claim, int qr)
{
	uint8_t hdr[12] = { 0x12, 0x34, (uint8_t)(qr ? 0x81 : 0x01), 0x00, 0, 1 };
	size_t len = 12 + qlen + 4;

	put16(p, (uint16_t)(claim ? claim : len));
	put(p, hdr, 12);
	put(p, qname, qlen);
	put16(p, 1);
	put16(p, 1);
}

static int dt_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, DT_IND);
}

/* A segment to 10.0.0.53:53 whose payload the caller appends after this,
 * then ends(): the IP length set to the end. */
static size_t seg(struct pkt *p)
{
	size_t at;

	eth(p, 0, 0x0800);
	at = ip4(p, "10.0.0.1", "10.0.0.53", 6, 0);
	tcp(p, 40000, 53, at);
	return at;
}

static void ends(struct pkt *p, size_t at)
{
	p->b[at + 2] = (uint8_t)((p->n - at) >> 8);
	p->b[at + 3] = (uint8_t)(p->n - at);
}

static void test_dns_tcp(void **state)
{
	struct env *e = *state;
	struct pkt p;
	size_t at;
	int i;

	at = seg(&p);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 0, 0);
	ends(&p, at);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	assert_int_equal(e->src[0], VK_SRC_DNS_TCP);
	assert_string_equal(e->name[0], "www.evil.se");
	/* the eighth message of a segment, after seven clean ones */
	at = seg(&p);
	for (i = 0; i < 7; i++)
		msg(&p, QN_OK, sizeof(QN_OK), 0, 0);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 0, 0);
	ends(&p, at);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* a ninth is past the bound */
	at = seg(&p);
	for (i = 0; i < 8; i++)
		msg(&p, QN_OK, sizeof(QN_OK), 0, 0);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 0, 0);
	ends(&p, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	/* a message that goes on in the next segment: its question is here */
	at = seg(&p);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 600, 0);
	ends(&p, at);
	run(e, &p, p.n);
	assert_true(has(e, "evil.se"));
	/* ... but not when the segment ends inside the name */
	at = seg(&p);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 600, 0);
	p.n -= 9;
	ends(&p, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	/* a response is not read; nor Ethernet padding after the segment */
	at = seg(&p);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 0, 1);
	ends(&p, at);
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
	at = seg(&p);
	ends(&p, at);
	msg(&p, QN_EVIL, sizeof(QN_EVIL), 0, 0);	/* past the IP length */
	run(e, &p, p.n);
	assert_int_equal(e->n, 0);
}

int vk_dnstcp_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_tcp),
	};

	return cmocka_run_group_tests_name("dns over tcp", tests, dt_setup, env_teardown);
}
