// SPDX-License-Identifier: GPL-2.0-only
/* Normalisation and refusal rules, table-driven; every MISP fixture parses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "lib/vk_ipc.h"
#include "lib/vk_key.h"
#include "lib/vk_url.h"
#include "lib/vk_misp.h"
#include "lib/vk_set.h"

static const struct { const char *type, *in, *out; } good[] = {
	{ "ip-dst", "192.0.2.1", "192.0.2.1" },
	{ "ja3-fingerprint-md5", " 1C258EBEF8EEE2DFA3DF6D8D07285AF9 ",
	  "1c258ebef8eee2dfa3df6d8d07285af9" },
	{ "ja4-fingerprint", "T13D1516H2_8daaf6152771_e5627efa2ab1",
	  "t13d1516h2_8daaf6152771_e5627efa2ab1" },
	{ "ja4-fingerprint", "q13i031099_55b375c5d22e_000000000000",
	  "q13i031099_55b375c5d22e_000000000000" },
	/* URLs: scheme and host case, default port, final dot, dot segments,
	 * escapes of unreserved characters, fragment, empty query */
	{ "url", "HTTP://Evil.Example.:80/a/../Login.php?x=%7e%2f#top",
	  "http://evil.example/Login.php?x=~%2F" },
	{ "url", "evil.example", "http://evil.example/" },
	{ "url", "http://evil.example:8080/dl/%61.exe?", "http://evil.example:8080/dl/a.exe" },
	{ "url", "http://user:pw@[2001:DB8::1]/x", "http://[2001:db8::1]/x" },
	{ "ip-src", " 10.1.2.3/8 ", "10.0.0.0/8" },
	{ "ip-dst", "2001:DB8:0:0::1", "2001:db8::1" },
	{ "ip-dst", "2001:db8::ff/32", "2001:db8::/32" },
	{ "ip-dst|port", "192.0.2.1|443", "192.0.2.1|443" },
	{ "ip-src|port", "2001:db8::1|53", "2001:db8::1|53" },
	{ "domain", "Evil.SE.", "evil.se" },
	{ "hostname", "WWW.evil.se", "www.evil.se" },
	{ "domain", "räksmörgås.se", "xn--rksmrgs-5wao1o.se" },
	{ "domain", "_ldap._tcp.example.org", "_ldap._tcp.example.org" },
	/* how some tools write an IPv4 address: it is one */
	{ "ip-dst", "::ffff:192.0.2.7", "192.0.2.7" },
	{ "ip-dst", "::ffff:192.0.2.0/120", "192.0.2.0/24" },
	{ "domain", "evil.co.uk", "evil.co.uk" },
};

static const struct { const char *type, *in; } bad[] = {
	{ "ip-dst", "10.0.0.0/7" }, { "ip-dst", "0.0.0.0/0" }, { "ip-dst", "2001::/15" },
	{ "ja3-fingerprint-md5", "1c258ebef8eee2dfa3df6d8d07285af" },	/* 31 */
	{ "ja3-fingerprint-md5", "zc258ebef8eee2dfa3df6d8d07285af9" },
	{ "ja3-fingerprint-md5", "1c258ebe f8eee2dfa3df6d8d07285af9" },
	{ "ja4-fingerprint", "t1205h1_c02b_845f7282a956" },		/* a JA4S */
	{ "ja4-fingerprint", "ge11nn050000_4740ae6347b0_000000000000_000000000000" }, /* JA4H */
	{ "ja4-fingerprint", "x13d1516h2_8daaf6152771_e5627efa2ab1" },
	{ "ja4-fingerprint", "t13x1516h2_8daaf6152771_e5627efa2ab1" },
	{ "ja4-fingerprint", "t13d15a6h2_8daaf6152771_e5627efa2ab1" },
	{ "ja4-fingerprint", "t13d1516h2-8daaf6152771_e5627efa2ab1" },
	{ "ja4-fingerprint", "t13d1516h2_8daaf6152771_e5627efa2abz" },
	{ "ja4-fingerprint", "t13d1516h2_8daaf6152771_e5627efa2ab1.se" },
	{ "url", "https://evil.example/login" },	/* its path is encrypted */
	{ "url", "ftp://evil.example/x" }, { "url", "http:///x" }, { "url", "http://evil.example:99999/" },
	{ "url", "http://evil example/" }, { "url", "http://evil.example/\x01" },
	{ "url", "http://[2001:db8::1/x" }, { "url", "http://evil.example:0/" },
	{ "ip-dst", "1.2.3.4/33" }, { "ip-dst", "999.1.1.1" }, { "ip-dst", "" },
	{ "ip-dst|port", "1.2.3.4|0" }, { "ip-dst|port", "1.2.3.0/24|80" },
	{ "ip-dst|port", "1.2.3.4" }, { "domain", "se" }, { "domain", "." },
	{ "domain", "a..b" }, { "hostname", "bad name.se" },
	{ "domain", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.se" },
	{ "domain|ip", "evil.se" },
	/* issue 10's lax input: junk past the buffer, the host itself,
	 * public suffixes */
	{ "ip-dst", "1.2.3.4                                                                                                                                                                                                        junk" },
	{ "ip-dst", "127.0.0.1" }, { "ip-dst", "127.0.0.0/8" }, { "ip-src", "::1" },
	{ "ip-dst", "::ffff:127.0.0.1" }, { "ip-dst", "::ffff:0:0/96" },
	{ "domain", "co.uk" }, { "domain", "org.se" }, { "domain", "github.io" },
};

/* What the agent sends is what the dataplane reads back: every good value
 * (and a domain|ip) through vk_ipc_ind_make, pack, unpack and
 * vk_ipc_ind_keys gives the parsers' keys; a key made wrong on the way is
 * refused. */
static void test_wire_keys(void **state)
{
	static const struct { const char *type, *in; } more[] = {
		{ "domain|ip", "Evil.se|2001:db8::1" }, { "domain|ip", "evil.se|192.0.2.9" },
	};
	struct vk_ipc_ind d;
	struct vk_key k[2];
	uint8_t buf[4096];
	const char *why;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]) + 2; i++) {
		const char *type = i < sizeof(good) / sizeof(good[0]) ? good[i].type :
				   more[i - sizeof(good) / sizeof(good[0])].type;
		const char *in = i < sizeof(good) / sizeof(good[0]) ? good[i].in :
				 more[i - sizeof(good) / sizeof(good[0])].in;
		Vardkase__Dp__Indicator *x;
		int n, j;

		assert_int_equal(vk_ipc_ind_make(&d, "aaaaaaaa-0000-4000-8000-000000000001",
						 vk_misp_type_parse(type), in, &why), 0);
		len = protobuf_c_message_pack(&d.x.base, buf);
		assert_true(len + 4 <= vk_ipc_ind_len(&d));
		x = vardkase__dp__indicator__unpack(NULL, len, buf);
		assert_non_null(x);
		n = vk_ipc_ind_keys(x, k, &why);
		assert_int_equal(n, (int)d.x.n_key);
		for (j = 0; j < n; j++) {
			assert_int_equal(vk_key_hash(&k[j]), vk_key_hash(&d.k[j]));
			assert_int_equal(k[j].name_len, d.k[j].name_len);
		}
		/* another type never fits the same keys */
		x->type = x->type == VARDKASE__DP__INDICATOR_TYPE__DOMAIN ?
			  VARDKASE__DP__INDICATOR_TYPE__HOSTNAME : VARDKASE__DP__INDICATOR_TYPE__DOMAIN;
		assert_true(vk_ipc_ind_keys(x, k, &why) < 0);
		vardkase__dp__indicator__free_unpacked(x, NULL);
	}
	/* a broadened prefix and a name in capitals are not normalised */
	assert_int_equal(vk_ipc_ind_make(&d, "aaaaaaaa-0000-4000-8000-000000000001",
					 VK_T_IP_DST, "10.0.0.0/8", &why), 0);
	d.kx[0].plen = 7;
	assert_true(vk_ipc_ind_keys(&d.x, k, &why) < 0);
	assert_non_null(strstr(why, "not normalised"));
	assert_int_equal(vk_ipc_ind_make(&d, "aaaaaaaa-0000-4000-8000-000000000001",
					 VK_T_DOMAIN, "evil.se", &why), 0);
	d.k[0].name[0] = 'E';
	assert_true(vk_ipc_ind_keys(&d.x, k, &why) < 0);
}

static void test_normalise(void **state)
{
	struct vk_key k[2];
	const char *why;
	char buf[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int n = vk_key_from_misp(vk_misp_type_parse(good[i].type), good[i].in, k, &why);

		assert_int_equal(n, 1);
		assert_string_equal(vk_key_str(&k[0], buf, sizeof(buf)), good[i].out);
		assert_int_equal(vk_key_check(&k[0]), 0);	/* what parsers make passes */
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_true(vk_key_from_misp(vk_misp_type_parse(bad[i].type), bad[i].in, k, &why) < 0);
		assert_non_null(why);
	}
	assert_int_equal(vk_key_from_misp(VK_T_DOMAIN_IP, "Evil.se|192.0.2.9", k, &why), 2);
	assert_string_equal(vk_key_str(&k[0], buf, sizeof(buf)), "evil.se");
	assert_string_equal(vk_key_str(&k[1], buf, sizeof(buf)), "192.0.2.9");
}

/* Binary keys from elsewhere (the state file): only what a parser makes. */
static void test_key_check(void **state)
{
	struct vk_key k[2];	/* domain|ip makes two */
	const char *why;

	assert_int_equal(vk_key_from_misp(VK_T_IP_DST, "10.0.0.0/8", k, &why), 1);
	k[0].addr[1] = 1;				/* a bit past the prefix */
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	assert_int_equal(vk_key_from_misp(VK_T_IP_DST, "10.0.0.0/8", k, &why), 1);
	k[0].plen = 33;
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	k[0].plen = 8;
	k[0].port = 80;				/* a port on a plain address */
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	assert_int_equal(vk_key_from_misp(VK_T_DOMAIN, "evil.se", k, &why), 1);
	k[0].name[2] = 0;				/* a NUL inside the name */
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	assert_int_equal(vk_key_from_misp(VK_T_DOMAIN, "evil.se", k, &why), 1);
	k[0].name[0] = 'E';
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	k[0].name[0] = 'e';
	k[0].name_len = 4;				/* "evil": one label */
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	k[0].name_len = 7;
	k[0].addr[0] = 1;
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	k[0].addr[0] = 0;
	k[0].kind = VK_KIND_MAX;
	assert_int_equal(vk_key_check(&k[0]), -EINVAL);
	k[0].kind = VK_KIND_HOST;
	assert_int_equal(vk_key_check(&k[0]), 0);
}

static void test_covers(void **state)
{
	struct vk_key d, h;
	const char *why;

	assert_int_equal(vk_key_name("evil.se", VK_KIND_DOMAIN, &d, &why), 0);
	assert_int_equal(vk_key_name("evil.se", VK_KIND_HOST, &h, &why), 0);
	assert_true(vk_key_name_covers(&d, "a.evil.se", 9));
	assert_true(vk_key_name_covers(&d, "evil.se", 7));
	assert_false(vk_key_name_covers(&d, "notevil.se", 10));
	assert_false(vk_key_name_covers(&h, "a.evil.se", 9));
	assert_true(vk_key_name_covers(&h, "evil.se", 7));
}

static void test_hostile_json(void **state)
{
	static const char *docs[] = {
		"", "[]", "{}", "{\"message\":\"Authentication failed.\"}", "{\"response\":{}}",
		"{\"response\":{\"Attribute\":[1,\"x\",null,{}]}}", "{\"response\":{\"Attribute\":{}}}",
		"{\"response\":{\"Attribute\":[{\"uuid\":\"x\",\"type\":\"ip-dst\",\"value\":\"1.2.3.4\"}]}}",
	};
	struct vk_misp_stats st;
	const char *err;
	struct vk_set s;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		vk_set_init(&s);
		vk_misp_parse(docs[i], strlen(docs[i]), &s, &st, NULL, NULL, &err);
		assert_int_equal(s.n, 0);
		vk_set_free(&s);
	}
}

/* Every captured restSearch response parses; enforced counts add up. */
static void add_attr(struct vk_set *s, const char *uuid, const char *type, const char *value)
{
	enum vk_misp_type t = vk_misp_type_parse(type);
	struct vk_attr a = { .type = (uint8_t)t, .value = (char *)value };
	struct vk_key k[2];
	const char *why;
	int n, i;

	memcpy(a.uuid, uuid, VK_UUID_LEN + 1);
	n = vk_key_from_misp(t, value, k, &why);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		assert_int_equal(vk_set_add(s, &k[i], &a), 0);
}

static int count_by_uuid(struct vk_set *s, const char *uuid)
{
	size_t cur = 0;
	uint32_t j;
	int n = 0;
	struct vk_ent *e;

	while ((e = vk_set_by_uuid(s, uuid, &cur, &j))) {
		assert_string_equal(e->attrs[j].uuid, uuid);
		n++;
	}
	return n;
}

/* The uuid index finds each key of an attribute, and follows changes. */
static void test_by_uuid(void **state)
{
	const char *u1 = "11111111-0000-4000-8000-000000000001";
	const char *u2 = "11111111-0000-4000-8000-000000000002";
	const char *u3 = "11111111-0000-4000-8000-000000000003";
	char u[VK_UUID_LEN + 1], v[32];
	struct vk_set s;
	int i;

	(void)state;
	vk_set_init(&s);
	assert_int_equal(count_by_uuid(&s, u1), 0);
	add_attr(&s, u1, "domain|ip", "evil.se|192.0.2.7");
	add_attr(&s, u2, "ip-dst", "192.0.2.8");
	for (i = 0; i < 3000; i++) {	/* enough to wrap probe chains */
		snprintf(u, sizeof(u), "22222222-0000-4000-8000-%012d", i);
		snprintf(v, sizeof(v), "10.%d.%d.1", i / 256, i % 256);
		add_attr(&s, u, "ip-src", v);
	}
	assert_int_equal(count_by_uuid(&s, u1), 2);
	assert_int_equal(count_by_uuid(&s, u2), 1);
	assert_int_equal(count_by_uuid(&s, u3), 0);
	add_attr(&s, u3, "hostname", "www.evil.se");	/* the index follows */
	assert_int_equal(count_by_uuid(&s, u3), 1);
	assert_int_equal(vk_set_remove_uuid(&s, u2), 1);
	assert_int_equal(count_by_uuid(&s, u2), 0);
	assert_int_equal(count_by_uuid(&s, "22222222-0000-4000-8000-000000002999"), 1);
	vk_set_free(&s);
}

static void test_fixtures(void **state)
{
	const char *dir = getenv("VK_FIXTURES");
	char path[1024];
	struct dirent *de;
	int seen = 0;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		print_message("SKIP: VK_FIXTURES not set or missing (needs ../shared)\n");
		skip();
	}
	while ((de = readdir(d))) {
		struct vk_misp_stats st;
		const char *err = NULL;
		struct vk_set s;
		int rc;

		if (strncmp(de->d_name, "attributes_restSearch", 21) || !strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		vk_set_init(&s);
		rc = vk_misp_load(path, &s, &st, NULL, NULL, &err);
		if (rc)
			fail_msg("%s: %s", de->d_name, err);
		assert_int_equal(st.attributes, st.accepted + st.not_ids + st.deleted +
				 st.other_type + st.refused + st.malformed);
		vk_set_free(&s);
		seen++;
	}
	closedir(d);
	assert_true(seen >= 20);
}

/* The strictest TLP wins: an attribute's tlp:red in a tlp:green event
 * was shown as green. */
static void test_tlp_rank(void **state)
{
	assert_true(vk_tlp_rank("tlp:red") > vk_tlp_rank("tlp:amber+strict"));
	assert_true(vk_tlp_rank("TLP:AMBER+STRICT") > vk_tlp_rank("tlp:amber"));
	assert_true(vk_tlp_rank("tlp:amber") > vk_tlp_rank("tlp:green"));
	assert_true(vk_tlp_rank("tlp:green") > vk_tlp_rank("tlp:clear"));
	assert_int_equal(vk_tlp_rank("tlp:white"), vk_tlp_rank("tlp:clear"));
	assert_int_equal(vk_tlp_rank("tlp:ex:chr"), -1);
	assert_int_equal(vk_tlp_rank("osint"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_wire_keys),
		cmocka_unit_test(test_key_check),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_hostile_json),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_by_uuid),
		cmocka_unit_test(test_tlp_rank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
