// SPDX-License-Identifier: GPL-2.0-only
/* The agent's pieces on real files: the uuid map, the SQLite store, the
 * config reader, warninglists (the misp-warninglists fixtures) and the
 * restSearch page reader on captured MISP responses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "agent/dpc.h"
#include "lib/vk_https.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "agent/amap.h"
#include "agent/conf.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "agent/wl.h"
#include "lib/vk_key.h"
#include "lib/vk_misp.h"
#include "lib/vk_set.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = 0;
	fclose(f);
	return b;
}

static void uuid_of(char *u, unsigned i)
{
	snprintf(u, VK_UUID_LEN + 1, "%08x-0000-4000-8000-%012x", i * 2654435761u, i);
}

/* Random puts and deletes against a plain array: the backward-shift
 * delete must never lose a key. */
static void test_amap(void **state)
{
	static char present[20000];
	struct vk_arec *r;
	struct vk_amap m;
	char u[VK_UUID_LEN + 1];
	unsigned i, k, n = 0;

	vk_amap_init(&m);
	srand(7);
	for (i = 0; i < 200000; i++) {
		k = (unsigned)rand() % 20000;
		uuid_of(u, k);
		if (rand() & 1) {
			assert_int_equal(vk_amap_put(&m, u, 1, "v", NULL), 0);
			n += !present[k];
			present[k] = 1;
		} else {
			assert_int_equal(vk_amap_del(&m, u), present[k]);
			n -= present[k];
			present[k] = 0;
		}
	}
	assert_int_equal(m.n, n);
	for (k = 0; k < 20000; k++) {
		uuid_of(u, k);
		r = vk_amap_get(&m, u);
		assert_int_equal(r != NULL, present[k]);
		if (r)		/* a removal moved records: each slot still finds its own */
			assert_string_equal(r->uuid, u);
	}
	k = 0;
	vk_amap_foreach(&m, r)
		k++;
	assert_int_equal(k, n);
	vk_amap_free(&m);
}

static void test_store(void **state)
{
	char dir[] = "/tmp/vk-store-XXXXXX", err[256], u[VK_UUID_LEN + 1], *up[1], *del[1];
	struct vk_amap m, back;
	struct vk_store st = { 0 };
	unsigned i;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(vk_store_open(&st, dir, err, sizeof(err)), 0);
	vk_amap_init(&m);
	for (i = 0; i < 1000; i++) {
		uuid_of(u, i);
		vk_amap_put(&m, u, 2, "192.0.2.1", "11111111-2222-4333-8444-555555555555");
	}
	assert_int_equal(vk_store_replace(&st, &m), 0);
	uuid_of(u, 5);
	del[0] = strdup(u);
	uuid_of(u, 5000);
	vk_amap_put(&m, u, 6, "new.example.org", NULL);
	up[0] = strdup(u);
	assert_int_equal(vk_store_delta(&st, &m, up, 1, del, 1), 0);
	vk_store_set(&st, "cursor", 12345);
	vk_store_close(&st);
	assert_int_equal(vk_store_open(&st, dir, err, sizeof(err)), 0);
	vk_amap_init(&back);
	assert_int_equal(vk_store_load(&st, &back), 0);
	assert_int_equal(back.n, 1000);
	assert_null(vk_amap_get(&back, del[0]));
	assert_string_equal(vk_amap_get(&back, up[0])->value, "new.example.org");
	assert_int_equal(vk_store_get(&st, "cursor", 0), 12345);
	vk_store_close(&st);
	vk_amap_free(&m);
	vk_amap_free(&back);
	free(up[0]);
	free(del[0]);
	assert_int_equal(system("rm -rf /tmp/vk-store-*"), 0);
}

static void test_conf(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "[upstream]\nurl = https://m\nca = c\napi_key_file = k\n", NULL },
		{ "[upstream]\nurl = https://m\nca = c\napi_key_file = k\npoll_interval = 1\n",
		  ":5: [upstream] poll_interval: expected a whole number from 5" },
		{ "[upstream]\nurl = https://m\nnope = 1\n", ":3: [upstream] nope: unknown key" },
		{ "[indicators]\ntypes = md5\n", ":2: [indicators] types: unknown or unsupported type 'md5'" },
		{ "[upstream]\nurl = https://m\n", "url, ca and api_key_file are required" },
		{ "[upstream]\nurl = https://m\nca = c\napi_key_file = k\nclient_cert = x\n",
		  "client_cert and client_key go together" },
		{ "garbage line\n", ":1: not a key = value line" },
		{ "[report]\nmode = maybe\n", ":2: [report] mode: expected aggregate or off, got 'maybe'" },
		{ "[upstream]\nurl = https://m\nca = c\napi_key_file = k\n"
		  "[sightings]\nlocal_networks = 10.0.0.0/33\n",
		  "[sightings] local_networks: '10.0.0.0/33' is not an address or CIDR" },
	};
	char path[] = "/tmp/vk-conf-XXXXXX", err[512];
	struct vk_conf c;
	size_t i;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		int rc;

		fputs(cases[i].text, f);
		fclose(f);
		err[0] = 0;
		rc = vk_conf_load(&c, path, err, sizeof(err));
		if (!cases[i].want) {
			if (rc)
				fail_msg("case %zu: %s", i, err);
			continue;
		}
		if (rc != -1)
			fail_msg("case %zu accepted", i);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].want);
	}
	unlink(path);
}

static struct vk_conf conf_all;

static void sync_ctx(struct vk_sync *s, struct vk_wl *wl)
{
	const char *err;
	char e[64];

	(void)err;
	memset(s, 0, sizeof(*s));
	memset(&conf_all, 0, sizeof(conf_all));
	conf_all.types = 0xfe;	/* every enforced type */
	conf_all.page_size = 1000;
	s->conf = &conf_all;
	s->wl = wl;
	(void)e;
}

static void test_warninglists(void **state)
{
	const char *dir = getenv("VK_WARNINGLISTS");
	struct vk_sync s;
	struct vk_wl *wl;
	const char *why;
	int n;

	if (!dir || access(dir, R_OK)) {
		print_message("SKIP: VK_WARNINGLISTS not set or missing (needs ../shared)\n");
		skip();
	}
	wl = vk_wl_load(dir, &n);
	assert_true(n >= 10);
	sync_ctx(&s, wl);
	/* cidr: rfc1918 and a public resolver */
	assert_int_equal(vk_sync_classify(&s, "ip-dst", "10.1.2.3", 1, 0, &why), 0);
	assert_string_equal(why, "on a local warninglist");
	assert_int_equal(vk_sync_classify(&s, "ip-dst|port", "1.0.0.1|53", 1, 0, &why), 0);
	/* hostname list (alexa) covers subdomains */
	assert_int_equal(vk_sync_classify(&s, "domain", "www.10086.cn", 1, 0, &why), 0);
	/* substring */
	assert_int_equal(vk_sync_classify(&s, "hostname", "x.analyze.intezer.com", 1, 0, &why), 0);
	/* a hash list does not apply to the types we enforce */
	assert_int_equal(vk_sync_classify(&s, "domain", "evil-example-zz.se", 1, 0, &why), 1);
	assert_int_equal(vk_sync_classify(&s, "ip-dst", "198.51.100.77", 1, 0, &why), 1);
	vk_wl_free(wl);
}

/* A regex list whose patterns would take gigabytes to compile (stacked
 * quantifiers, nested bounds: the warninglist fuzzer's out-of-memory
 * case) loads at once with those skipped, the ordinary ones kept. */
static void test_warninglist_regex_bounds(void **state)
{
	static const char *list =
		"{\"name\": \"t\", \"type\": \"regex\", \"matching_attributes\": [\"domain\"],"
		" \"list\": [\"/^evil[0-9]{3}\\\\.example$/\", \"/35++++++++++++++++++++++++++301/\","
		" \"/((a{255}){255}){255}/\", \"/x{1000}/\", \"/(ab)*c/\"]}";
	char dir[] = "/tmp/vk-wlre.XXXXXX", path[64];
	struct rusage ru;
	struct vk_key k[2];
	struct vk_wl *wl;
	const char *why;
	FILE *f;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/list.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(list, f);
	fclose(f);
	wl = vk_wl_load(dir, &n);
	unlink(path);
	rmdir(dir);
	assert_int_equal(n, 1);
	/* glibc took 3 GB for the stacked '+' (then gave up) and overflowed
	 * its stack on the nested bounds */
	getrusage(RUSAGE_SELF, &ru);
	assert_true(ru.ru_maxrss < 256 * 1024);
	n = vk_key_from_misp(VK_T_DOMAIN, "evil123.example", k, &why);
	assert_non_null(vk_wl_match(wl, VK_T_DOMAIN, "evil123.example", k, n));
	n = vk_key_from_misp(VK_T_DOMAIN, "ababc.example", k, &why);
	assert_non_null(vk_wl_match(wl, VK_T_DOMAIN, "ababc.example", k, n));
	n = vk_key_from_misp(VK_T_DOMAIN, "evil12.example", k, &why);
	assert_null(vk_wl_match(wl, VK_T_DOMAIN, "evil12.example", k, n));
	vk_wl_free(wl);
}

/* The delta after a soft delete and a to_ids change (captured from MISP
 * 2.5.1): both stop matching. */
static void test_pages(void **state)
{
	const char *dir = getenv("VK_FIXTURES");
	char path[1024], err[256];
	struct vk_sync s;
	struct vk_pull p;
	size_t len;
	char *body;
	long rows;

	if (!dir) {
		print_message("SKIP: VK_FIXTURES not set (needs ../shared)\n");
		skip();
	}
	sync_ctx(&s, NULL);
	snprintf(path, sizeof(path), "%s/attributes_restSearch_delta_deleted01.json", dir);
	body = read_file(path, &len);
	assert_non_null(body);
	vk_pull_init(&p);
	rows = vk_sync_parse_page(&s, body, len, &p, 0, err, sizeof(err));
	assert_int_equal(rows, 2);
	assert_int_equal(p.ndel, 2);	/* deleted:true and to_ids:false */
	assert_int_equal(p.up.n, 0);
	vk_pull_free(&p);
	free(body);
	/* a full page of the real restSearch: enforced types only */
	snprintf(path, sizeof(path), "%s/attributes_restSearch_json_all_toids.json", dir);
	body = read_file(path, &len);
	vk_pull_init(&p);
	rows = vk_sync_parse_page(&s, body, len, &p, 1, err, sizeof(err));
	assert_int_equal(rows, 94);
	assert_int_equal(p.up.n, 10);	/* 2 ip-dst, 4 domain, 4 hostname */
	vk_pull_free(&p);
	free(body);
	/* decay: with model 3 configured, MISP's decayed verdict refuses them;
	 * without a model, they are enforced */
	snprintf(path, sizeof(path), "%s/attributes_restSearch_decay_score.json", dir);
	body = read_file(path, &len);
	vk_pull_init(&p);
	conf_all.decaying_model = 3;
	assert_int_equal(vk_sync_parse_page(&s, body, len, &p, 1, err, sizeof(err)), 3);
	assert_int_equal(p.up.n, 0);
	assert_string_equal(p.reason[0], "decayed (score under the threshold)");
	vk_pull_free(&p);
	vk_pull_init(&p);
	conf_all.decaying_model = 4;	/* another model: its scores do not apply */
	vk_sync_parse_page(&s, body, len, &p, 1, err, sizeof(err));
	assert_int_equal(p.up.n, 3);
	conf_all.decaying_model = 0;
	vk_pull_free(&p);
	free(body);
	/* HTTP 200 with a message is an error */
	snprintf(path, sizeof(path), "%s/error_bad_authkey.json", dir);
	body = read_file(path, &len);
	vk_pull_init(&p);
	assert_int_equal(vk_sync_parse_page(&s, body, len, &p, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Authentication failed"));
	vk_pull_free(&p);
	free(body);
}

/* Issue 10's lax input, through both readers of one rule set (the agent's
 * pull and vk_misp_parse, which replay and ctl use): the same uuids are
 * enforced, and a bad attribute is refused while the page goes on. */
static void test_strict_reader(void **state)
{
	static const char doc[] =
		"{\"response\":{\"Attribute\":["
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000001\",\"type\":\"ip-dst\",\"to_ids\":true,"
		"\"value\":\"1.2.3.4                                                                      "
		"                                                                                             "
		"                                                  junk\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000002\",\"type\":\"domain\",\"to_ids\":true,"
		"\"value\":\"evil.se\\u0000.harmless.example\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000003\",\"type\":\"ip-dst\",\"to_ids\":0.0,"
		"\"value\":\"192.0.2.3\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000004\",\"type\":\"ip-dst\",\"to_ids\":\"true\","
		"\"value\":\"192.0.2.4\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000005\",\"type\":\"domain\",\"to_ids\":true,"
		"\"value\":\"co.uk\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000006\",\"type\":\"ip-src\",\"to_ids\":true,"
		"\"value\":\"127.0.0.1\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000007\",\"type\":\"ip-dst\",\"to_ids\":true,"
		"\"value\":\"::ffff:192.0.2.7\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000008\",\"type\":\"domain\",\"to_ids\":true,"
		"\"value\":\"bad\xff.se\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-000000000009\",\"type\":\"domain\",\"to_ids\":true,"
		"\"value\":\"fine.se\",\"comment\":\"caf\xe9 \xff\"},"
		"{\"uuid\":\"aaaaaaaa-0000-4000-8000-00000000000a\",\"type\":\"ip-dst\",\"to_ids\":null,"
		"\"value\":\"192.0.2.10\"}"
		"]}}";
	static const char *const enforced[] = { "aaaaaaaa-0000-4000-8000-000000000004",
						"aaaaaaaa-0000-4000-8000-000000000007",
						"aaaaaaaa-0000-4000-8000-000000000009" };
	struct vk_misp_stats st;
	const char *err2;
	struct vk_sync s;
	struct vk_pull p;
	struct vk_set set;
	char err[256];
	size_t i;

	sync_ctx(&s, NULL);
	vk_pull_init(&p);
	assert_int_equal(vk_sync_parse_page(&s, doc, sizeof(doc) - 1, &p, 1, err, sizeof(err)), 10);
	assert_int_equal(p.up.n, 3);
	for (i = 0; i < 3; i++)
		assert_non_null(vk_amap_get(&p.up, enforced[i]));
	assert_string_equal(vk_amap_get(&p.up, enforced[1])->value, "::ffff:192.0.2.7");
	assert_int_equal(p.nref, 7);	/* each refused with its reason */
	vk_pull_free(&p);
	vk_set_init(&set);
	assert_int_equal(vk_misp_parse(doc, sizeof(doc) - 1, &set, &st, NULL, NULL, &err2), 0);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.attributes, 10);
	{
		struct vk_key k;
		const char *why;

		assert_int_equal(vk_key_ip("::ffff:192.0.2.7", &k, &why), 0);
		assert_non_null(vk_set_find(&set, &k));	/* matched as 192.0.2.7 */
		assert_int_equal(k.kind, VK_KIND_V4);
	}
	vk_set_free(&set);
}

/* The real MISP 2.5.1 pages (captured, limit 2): p4 is short because a
 * warninglisted row left it after the limit, and two pages follow. The
 * pull must walk p1..p7 and keep all 11 attributes; stopping at p4 lost
 * the rest (and a full sync then removed them from the box). */
static void test_real_paging(void **state)
{
	const char *dir = getenv("VK_CAPTURED");
	char path[1024], err[256];
	struct vk_sync s;
	struct vk_pull p;
	int page;

	if (!dir) {
		print_message("SKIP: VK_CAPTURED not set (needs ../shared)\n");
		skip();
	}
	sync_ctx(&s, NULL);
	vk_pull_init(&p);
	for (page = 1;; page++) {
		struct vk_http_resp r;
		char *head, *body, *raw, *c, *o;
		size_t hl, bl;
		long rows;

		assert_true(page <= 7);
		snprintf(path, sizeof(path), "%s/p%d.headers", dir, page);
		head = read_file(path, &hl);
		snprintf(path, sizeof(path), "%s/p%d.json", dir, page);
		body = read_file(path, &bl);
		assert_non_null(head);
		assert_non_null(body);
		/* the captured headers lost their CRs: put them back, and end
		 * them with exactly one empty line */
		while (hl && (head[hl - 1] == '\n' || head[hl - 1] == '\r'))
			head[--hl] = 0;
		raw = malloc(2 * hl + bl + 8);
		for (c = head, o = raw; *c; c++) {
			if (*c == '\n')
				*o++ = '\r';
			*o++ = *c;
		}
		if (o[-1] != '\n') {
			*o++ = '\r';
			*o++ = '\n';
		}
		*o++ = '\r';
		*o++ = '\n';
		memcpy(o, body, bl);
		o += bl;
		assert_int_equal(vk_http_parse_response(raw, (size_t)(o - raw), 1 << 20, &r, err,
							sizeof(err)), 0);
		assert_int_equal(r.status, 200);
		rows = vk_sync_parse_page(&s, r.body, r.len, &p, 1, err, sizeof(err));
		if (rows < 0)
			print_message("p%d: %s\n", page, err);
		assert_true(rows >= 0);
		if (page == 4) {
			assert_int_equal(rows, 1);
			assert_int_equal(r.skipped, 1);
		}
		free(head);
		free(body);
		free(raw);
		free(r.body);
		if (!vk_sync_more_follows(&r, rows, 2))
			break;
	}
	assert_int_equal(page, 7);	/* the empty page past the end */
	assert_int_equal(p.seen, 11);
	vk_pull_free(&p);
}

/* No generation locks updates out: a dataplane at 2^64 - 1 (fed by hand
 * before the limit) once made the next one wrap to 0, stale forever. */
static void test_generations(void **state)
{
	assert_int_equal(vk_dpc_next_gen(0, 0), 1);
	assert_int_equal(vk_dpc_next_gen(7, 3), 8);
	assert_int_equal(vk_dpc_next_gen(3, 7), 8);
	assert_int_equal(vk_dpc_next_gen(UINT64_MAX, 5), 6);
	assert_int_equal(vk_dpc_next_gen(5, UINT64_MAX), 6);
	assert_int_equal(vk_dpc_next_gen(UINT64_MAX, UINT64_MAX), 1);
	assert_true(vk_dpc_next_gen(VK_GEN_MAX - 1, 0) <= VK_GEN_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amap),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_warninglists),
		cmocka_unit_test(test_warninglist_regex_bounds),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_strict_reader),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_real_paging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
