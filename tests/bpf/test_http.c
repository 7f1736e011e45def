// SPDX-License-Identifier: GPL-2.0-only
/*
 * HTTP/1.x Host in the XDP program (kernel/lib/http.h): requests on any
 * port, the Host anywhere in the headers, its port and case, what a server
 * refuses, a request cut at every byte.
 */
#include "bpf_env.h"

static const char *H_IND =
	"{\"response\":{\"Attribute\":["
	"{\"uuid\":\"00000000-0000-4000-8000-000000000401\",\"type\":\"domain\",\"value\":\"evil.se\",\"to_ids\":true},"
	"{\"uuid\":\"00000000-0000-4000-8000-000000000402\",\"type\":\"hostname\",\"value\":\"exact.example.org\",\"to_ids\":true}"
	"]}}";

/* A segment from 10.0.0.1 to 192.0.2.1:port carrying req, cut to cut
 * bytes of it (0: all), the IP length ending there. */
static void seg(struct pkt *p, uint16_t port, const char *req, size_t cut)
{
	size_t at, n = strlen(req);

	eth(p, 0, 0x0800);
	at = ip4(p, "10.0.0.1", "192.0.2.1", 6, 0);
	tcp(p, 40000, port, at);
	put(p, req, cut && cut < n ? cut : n);
	p->b[at + 2] = (uint8_t)((p->n - at) >> 8);
	p->b[at + 3] = (uint8_t)(p->n - at);
}

static int matched(struct env *e, uint16_t port, const char *req, const char *ind)
{
	struct pkt p;

	seg(&p, port, req, 0);
	run(e, &p, p.n);
	return has(e, ind);
}

static void test_http_host(void **state)
{
	struct env *e = *state;
	uint64_t reqs = stat(e, VK_STAT_HTTP_REQUESTS);

	assert_true(matched(e, 80, "GET /x HTTP/1.1\r\nHost: www.evil.se\r\n\r\n", "evil.se"));
	assert_int_equal(e->n, 1);
	assert_int_equal(e->src[0], VK_SRC_HTTP_HOST);
	assert_string_equal(e->name[0], "www.evil.se");
	assert_int_equal(stat(e, VK_STAT_HTTP_REQUESTS) - reqs, 1);
	/* any port, the port in the value, case, tabs, a bare LF, a final dot */
	assert_true(matched(e, 8080, "POST /a HTTP/1.0\r\nUser-Agent: x\r\nhOsT:\tWWW.Evil.SE:8080\r\n\r\n",
			    "evil.se"));
	assert_string_equal(e->name[0], "www.evil.se");
	assert_true(matched(e, 3128, "CONNECT evil.se:443 HTTP/1.1\nHost: evil.se.\n\n", "evil.se"));
	assert_true(matched(e, 80, "HEAD / HTTP/1.1\r\nAccept: */*\r\nHost: exact.example.org\r\n\r\n",
			    "exact.example.org"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nHost: a.exact.example.org\r\n\r\n",
			     "exact.example.org"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nHost: notevil.se\r\n\r\n", "evil.se"));
}

static void test_http_refused(void **state)
{
	struct env *e = *state;
	uint64_t bad = stat(e, VK_STAT_ERR_HTTP), later = stat(e, VK_STAT_HTTP_HOST_LATER);

	/* not a header called Host; after the headers; no HTTP/1.x line */
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nX-Host: evil.se\r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nA: b\r\n\r\nHost: evil.se\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nHost : evil.se\r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nHost\x1a evil.se\r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nHost: \r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / FOO/1.1\r\nHost: evil.se\r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GET / HTTP/2.0\r\nHost: evil.se\r\n\r\n", "evil.se"));
	assert_false(matched(e, 80, "GETS / HTTP/1.1\r\nHost: evil.se\r\n\r\n", "evil.se"));
	assert_int_equal(stat(e, VK_STAT_ERR_HTTP) - bad, 2);
	/* the headers go on past the segment: counted, not matched */
	assert_false(matched(e, 80, "GET / HTTP/1.1\r\nCookie: aaaaaaaaaaaaaaaaaaaaaa", "evil.se"));
	assert_int_equal(stat(e, VK_STAT_HTTP_HOST_LATER) - later, 1);
	slow_reset(e);	/* the slow path holds it for its next segment */
}

/* Cut at every byte: a match exactly when the value's end is in the
 * segment (a value that ends the segment may go on in the next one). */
static void test_http_every_cut(void **state)
{
	struct env *e = *state;
	static const char req[] = "GET /index.html HTTP/1.1\r\nAccept: */*\r\nHost: www.evil.se\r\n\r\n";
	size_t end = (size_t)(strstr(req, "evil.se\r") - req) + 7 + 1, cut;
	struct pkt p;

	for (cut = 1; cut <= strlen(req); cut++) {
		slow_reset(e);	/* each cut a connection of its own, not a repeat */
		seg(&p, 80, req, cut);
		run(e, &p, p.n);
		if (has(e, "evil.se") != (cut >= end))
			fail_msg("cut at %zu (the value ends before %zu): %s", cut, end,
				 cut >= end ? "no match" : "a match on a partial name");
	}
}

static int h_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, H_IND);
}

int vk_http_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_host),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_http_every_cut),
	};

	return cmocka_run_group_tests_name("http", tests, h_setup, env_teardown);
}
