// SPDX-License-Identifier: GPL-2.0-only
/* The sightings store on a real SQLite file: local/remote sides,
 * aggregation, counters that events did not explain, the upstream spool
 * and its privacy rules, deterministic uuids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "agent/conf.h"
#include "agent/evloop.h"
#include "agent/sight.h"
#include "agent/store.h"

#define EV_GREEN "aaaaaaaa-0000-4000-8000-000000000001"
#define EV_RED   "aaaaaaaa-0000-4000-8000-000000000002"
#define A_IP     "bbbbbbbb-0000-4000-8000-000000000001"
#define A_DOM    "bbbbbbbb-0000-4000-8000-000000000002"
#define A_RED    "bbbbbbbb-0000-4000-8000-000000000003"
#define T0       1795359900LL	/* a multiple of 300 and 60 */

struct fx {
	char dir[64];
	struct vk_conf c;
	struct vk_sight s;
};

static int64_t q(struct vk_sight *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vk_store st;
	struct vk_amap m;
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/vk-sight-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->c.state_dir, sizeof(f->c.state_dir), "%s", f->dir);
	snprintf(f->c.box_id, sizeof(f->c.box_id), "box-1");
	snprintf(f->c.local_networks, sizeof(f->c.local_networks), "192.0.2.0/24");
	f->c.bucket = 60;
	f->c.report = 1;
	f->c.report_bucket = 300;
	f->c.min_count = 1;
	f->c.retention_days = 90;
	assert_int_equal(vk_store_open(&st, f->dir, err, sizeof(err)), 0);
	vk_amap_init(&m);
	vk_amap_put(&m, A_IP, VK_T_IP_DST, "203.0.113.66", EV_GREEN);
	vk_amap_put(&m, A_DOM, VK_T_DOMAIN, "evil.example", EV_GREEN);
	vk_amap_put(&m, A_RED, VK_T_DOMAIN, "red.example", EV_RED);
	assert_int_equal(vk_store_replace(&st, &m), 0);
	assert_int_equal(vk_store_event(&st, EV_GREEN, "green", 2, "2026-11-01", "tlp:green", 1), 0);
	assert_int_equal(vk_store_event(&st, EV_RED, "red", 1, "2026-11-01", "x\x1etlp:red", 1), 0);
	vk_amap_free(&m);
	vk_store_close(&st);
	assert_int_equal(vk_sight_open(&f->s, &f->c, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	vk_sight_close(&f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void event(struct vk_sight *s, const char *attr, const char *src, const char *dst,
		  const char *on, int64_t t)
{
	Vardkase__Dp__MatchEvent m = VARDKASE__DP__MATCH_EVENT__INIT;
	char *u = (char *)attr;

	m.n_attribute_uuid = 1;
	m.attribute_uuid = &u;
	m.indicator = "x";
	m.matched_on = (char *)on;
	m.src = (char *)src;
	m.dst = (char *)dst;
	vk_sight_event(s, &m, t * 1000000000LL);
}

static void test_uuid(void **state)
{
	char a[37], b[37], c[37];

	vk_sight_uuid("box-1", A_IP, T0, a);
	vk_sight_uuid("box-1", A_IP, T0, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '5');	/* name-based, version 5 */
	assert_true(strchr("89ab", a[19]) != NULL);
	vk_sight_uuid("box-1", A_IP, T0 + 300, c);
	assert_string_not_equal(a, c);
	vk_sight_uuid("box-2", A_IP, T0, c);
	assert_string_not_equal(a, c);
}

/* since_s comes from a console client: 2^63 and more once overflowed the
 * signed cutoff (UBSan: signed integer overflow in console.c). */
static void test_cutoff(void **state)
{
	(void)state;
	assert_int_equal(vk_console_cutoff(T0, 60), T0 - 60);
	assert_int_equal(vk_console_cutoff(T0, (uint64_t)T0), 0);
	assert_int_equal(vk_console_cutoff(T0, 1ULL << 63), 0);
	assert_int_equal(vk_console_cutoff(T0, UINT64_MAX), 0);
}

static void test_sides(void **state)
{
	static const struct { const char *src, *dst, *on, *local, *remote; } t[] = {
		{ "10.1.2.3", "203.0.113.66", "dst", "10.1.2.3", "203.0.113.66" },
		{ "203.0.113.66", "10.1.2.3", "src", "10.1.2.3", "203.0.113.66" },
		{ "fd00::5", "2001:db8::1", "dst", "fd00::5", "2001:db8::1" },
		/* a configured public range counts as local */
		{ "198.51.100.9", "192.0.2.44", "src", "192.0.2.44", "198.51.100.9" },
		/* neither side local: the side that is not the indicator */
		{ "198.51.100.9", "203.0.113.66", "dst", "198.51.100.9", "203.0.113.66" },
		{ "203.0.113.66", "198.51.100.9", "src", "198.51.100.9", "203.0.113.66" },
		/* a DNS match: the querier, even when the resolver is local too */
		{ "10.1.2.3", "10.0.0.53", "dns_qname", "10.1.2.3", "10.0.0.53" },
	};
	struct fx *f = *state;
	size_t i;
	char sql[300];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		event(&f->s, A_IP, t[i].src, t[i].dst, t[i].on, T0 + (int64_t)i);
	assert_int_equal(vk_sight_flush(&f->s, T0 + 10, NULL, NULL), 5);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM sighting WHERE local = '%s' AND "
			 "remote = '%s'", t[i].local, t[i].remote);
		assert_int_equal(q(&f->s, sql), 1);
	}
	/* the first two are one aggregate: the same host and remote, either way */
	assert_int_equal(q(&f->s, "SELECT count FROM sighting WHERE local = '10.1.2.3' AND "
			 "remote = '203.0.113.66'"), 2);
}

static void test_aggregate_and_spool(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < 1000; i++)
		event(&f->s, A_DOM, "10.1.2.3", "10.0.0.53", "dns_qname", T0 + 5 + i % 50);
	event(&f->s, A_RED, "10.1.2.3", "10.0.0.53", "dns_qname", T0 + 7);
	event(&f->s, A_DOM, "10.1.2.3", "10.0.0.53", "dns_qname", T0 + 70);	/* next minute */
	assert_int_equal(vk_sight_flush(&f->s, T0 + 80, NULL, NULL), 3);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM sighting WHERE attribute_uuid = '"
			 A_DOM "'"), 1001);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM sighting WHERE attribute_uuid = '"
			 A_DOM "'"), 2);
	assert_int_equal(q(&f->s, "SELECT first_seen FROM sighting WHERE attribute_uuid = '"
			 A_DOM "' AND bucket = " "1795359900"), T0 + 5);
	/* one upstream sighting for the 5-minute bucket; red stays local */
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 1);
	assert_int_equal(q(&f->s, "SELECT date_sighting FROM spool WHERE attribute_uuid = '"
			 A_DOM "'"), T0 + 5);
	assert_int_equal(q(&f->s, "SELECT reported FROM ubucket WHERE attribute_uuid = '"
			 A_RED "'"), 2);
	/* more matches in the same bucket add nothing upstream */
	event(&f->s, A_DOM, "10.9.9.9", "10.0.0.53", "dns_qname", T0 + 200);
	vk_sight_flush(&f->s, T0 + 210, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 1);
}

/* One Counters answer of the dataplane: n rows (attr[i], m[i]). */
static void counters_n(struct vk_sight *s, const char *inst, size_t n, const char *const *attr,
		       const uint64_t *m, int64_t now)
{
	Vardkase__Dp__Counters c = VARDKASE__DP__COUNTERS__INIT;
	Vardkase__Dp__Counter one[4], *p[4];
	size_t i;

	for (i = 0; i < n; i++) {
		vardkase__dp__counter__init(&one[i]);
		one[i].attribute_uuid = (char *)attr[i];
		one[i].matches = m[i];
		p[i] = &one[i];
	}
	c.n_counter = n;
	c.counter = p;
	c.instance = (char *)inst;
	assert_int_equal(vk_sight_counters(s, &c, now), 0);
}

static void counters_in(struct vk_sight *s, const char *inst, const char *attr, uint64_t n,
			int64_t now)
{
	counters_n(s, inst, 1, &attr, &n, now);
}

static void counters(struct vk_sight *s, const char *attr, uint64_t n, int64_t now)
{
	counters_in(s, "boot-a/7", attr, n, now);
}

static void test_counters(void **state)
{
	struct fx *f = *state;

	/* three events seen, the dataplane counted three: explained */
	event(&f->s, A_IP, "10.1.2.3", "203.0.113.66", "dst", T0 + 1);
	event(&f->s, A_IP, "10.1.2.3", "203.0.113.66", "dst", T0 + 2);
	event(&f->s, A_IP, "10.1.2.3", "203.0.113.66", "dst", T0 + 3);
	vk_sight_flush(&f->s, T0 + 4, NULL, NULL);
	counters(&f->s, A_IP, 3, T0 + 5);
	assert_int_equal(q(&f->s, "SELECT count FROM ubucket WHERE attribute_uuid = '" A_IP "'"), 3);
	/* the agent was down a bucket later: 40 matches no event showed */
	counters(&f->s, A_IP, 43, T0 + 400);
	assert_int_equal(q(&f->s, "SELECT count FROM ubucket WHERE attribute_uuid = '" A_IP
			 "' AND bucket = 1795360200"), 40);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool WHERE attribute_uuid = '" A_IP "'"),
			 2);
	/* the dataplane restarted (a new instance): its counter starts again,
	 * the total goes on, and the 5 are new */
	counters_in(&f->s, "boot-b/3", A_IP, 5, T0 + 410);
	assert_int_equal(q(&f->s, "SELECT base + last FROM counter WHERE attribute_uuid = '" A_IP
			 "'"), 48);
	assert_int_equal(f->s.counted, 48);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket WHERE attribute_uuid = '" A_IP
			 "'"), 48);
}

/* A domain|ip attribute has two keys; a smaller number is never a restart.
 * Polls without traffic must add nothing, whatever the rows say. */
static void test_counters_no_phantoms(void **state)
{
	static const char *const two[2] = { A_DOM, A_DOM };
	struct fx *f = *state;
	uint64_t m[2] = { 3, 18 }, m2[2] = { 18, 3 };
	int i;

	/* 21 matches, 21 events */
	for (i = 0; i < 21; i++)
		event(&f->s, A_DOM, "10.1.2.3", "203.0.113.90", "dst", T0 + 1);
	vk_sight_flush(&f->s, T0 + 2, NULL, NULL);
	counters_n(&f->s, "boot-a/7", 2, two, m, T0 + 5);
	/* every 5 s for an hour, no traffic, the rows in either order */
	for (i = 1; i < 720; i++)
		counters_n(&f->s, "boot-a/7", 2, two, i % 2 ? m2 : m, T0 + 5 + 5 * i);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket WHERE attribute_uuid = '" A_DOM
			 "'"), 21);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool WHERE attribute_uuid = '" A_DOM "'"),
			 1);
	assert_int_equal(f->s.counted, 21);
	/* the ip key left the set (a delta): 3 remain, nothing is new */
	counters_in(&f->s, "boot-a/7", A_DOM, 3, T0 + 4000);
	counters_in(&f->s, "boot-a/7", A_DOM, 3, T0 + 4005);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket WHERE attribute_uuid = '" A_DOM
			 "'"), 21);
	assert_int_equal(f->s.counted, 21);
	/* and real matches after that still count: 2 more, no event seen */
	counters_in(&f->s, "boot-a/7", A_DOM, 5, T0 + 4010);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket WHERE attribute_uuid = '" A_DOM
			 "'"), 23);
	/* an agent restart: the same instance and numbers are nothing new */
	vk_sight_close(&f->s);
	{
		char err[256];

		assert_int_equal(vk_sight_open(&f->s, &f->c, err, sizeof(err)), 0);
	}
	counters_in(&f->s, "boot-a/7", A_DOM, 5, T0 + 4100);
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket WHERE attribute_uuid = '" A_DOM
			 "'"), 23);
	/* a first-ever instance after none stored is not a restart either */
	assert_int_equal(q(&f->s, "SELECT count(*) FROM meta WHERE key = 'dp_instance' AND value"
			 " = 'boot-a/7'"), 1);
}

/* The counters in two pages (the dataplane pages past one message): the
 * total is both pages', each attribute counted once, and a round repeated
 * with the same numbers adds nothing. */
static void test_counters_paged(void **state)
{
	Vardkase__Dp__Counters c = VARDKASE__DP__COUNTERS__INIT;
	Vardkase__Dp__Counter one = VARDKASE__DP__COUNTER__INIT, *p = &one;
	struct fx *f = *state;
	int round;

	c.n_counter = 1;
	c.counter = &p;
	c.instance = "boot-a/7";
	for (round = 0; round < 3; round++) {
		c.after = "";
		c.more = 1;
		one.attribute_uuid = A_DOM;
		one.matches = 4;
		assert_int_equal(vk_sight_counters(&f->s, &c, T0 + 5 + round * 5), 0);
		c.after = A_DOM;
		c.more = 0;
		one.attribute_uuid = A_IP;
		one.matches = 6;
		assert_int_equal(vk_sight_counters(&f->s, &c, T0 + 5 + round * 5), 0);
		assert_int_equal(f->s.counted, 10);
	}
	assert_int_equal(q(&f->s, "SELECT sum(count) FROM ubucket"), 10);
}

static void test_report_off_and_k(void **state)
{
	struct fx *f = *state;
	int i;

	f->c.min_count = 5;
	for (i = 0; i < 4; i++)
		event(&f->s, A_IP, "10.1.2.3", "203.0.113.66", "dst", T0 + i);
	vk_sight_flush(&f->s, T0 + 10, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 0);	/* under k */
	event(&f->s, A_IP, "10.1.2.4", "203.0.113.66", "dst", T0 + 20);
	vk_sight_flush(&f->s, T0 + 30, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 1);	/* k reached */
	f->c.report = 0;
	event(&f->s, A_DOM, "10.1.2.3", "10.0.0.53", "dns_qname", T0 + 40);
	for (i = 0; i < 10; i++)
		event(&f->s, A_DOM, "10.1.2.3", "10.0.0.53", "dns_qname", T0 + 41);
	vk_sight_flush(&f->s, T0 + 50, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 1);	/* off: nothing more */
}

/* A match of an address a DNS answer gave: a local sighting with its
 * name; nothing upstream unless [report] dns_answers = report, and never
 * in the counter's events (the dataplane does not count it). */
static void test_dns_answer_local(void **state)
{
	struct fx *f = *state;

	event(&f->s, A_DOM, "10.1.2.3", "203.0.113.66", "dns_answer", T0 + 5);
	vk_sight_flush(&f->s, T0 + 10, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM sighting WHERE matched_on = 'dns_answer'"),
			 1);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM ubucket"), 0);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool"), 0);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM counter"), 0);
	f->c.report_dns_answers = 1;
	event(&f->s, A_DOM, "10.1.2.3", "203.0.113.66", "dns_answer", T0 + 20);
	vk_sight_flush(&f->s, T0 + 30, NULL, NULL);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool WHERE attribute_uuid = '" A_DOM "'"),
			 1);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM counter"), 0);
}

static void test_fp(void **state)
{
	struct fx *f = *state;
	char attr[40], value[256];
	int reported = 0;

	event(&f->s, A_DOM, "10.1.2.3", "10.0.0.53", "dns_qname", T0);
	vk_sight_flush(&f->s, T0 + 1, NULL, NULL);
	assert_int_equal(vk_sight_fp(&f->s, 999, T0, attr, value, &reported), -ENOENT);
	assert_int_equal(vk_sight_fp(&f->s, 1, T0 + 2, attr, value, &reported), 0);
	assert_string_equal(attr, A_DOM);
	assert_string_equal(value, "evil.example");
	assert_true(reported);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM suppress"), 1);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool WHERE type = 1"), 1);
	/* marking it again sends nothing twice */
	assert_int_equal(vk_sight_fp(&f->s, 1, T0 + 3, attr, value, &reported), 0);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM spool WHERE type = 1"), 1);
}

/* A full disk (here: max_db_mb) stops the detail, never the counting,
 * and leaves a sound database. */
static void test_full(void **state)
{
	struct fx *f = *state;
	char host[32], err[256];
	int i, round, full = 0;

	vk_sight_close(&f->s);
	f->c.max_db_mb = 1;
	assert_int_equal(vk_sight_open(&f->s, &f->c, err, sizeof(err)), 0);
	for (round = 0; round < 40 && !full; round++) {
		for (i = 0; i < 1000; i++) {
			snprintf(host, sizeof(host), "10.%d.%d.%d", round, i / 250, i % 250 + 1);
			event(&f->s, A_IP, host, "203.0.113.66", "dst", T0 + round);
		}
		full = vk_sight_flush(&f->s, T0 + round, NULL, NULL) < 0;
	}
	assert_true(full);
	assert_true(f->s.paused);
	{
		Vardkase__Dp__Counters c = VARDKASE__DP__COUNTERS__INIT;
		Vardkase__Dp__Counter one = VARDKASE__DP__COUNTER__INIT, *p = &one;

		one.attribute_uuid = A_IP;
		one.matches = 123456;
		c.n_counter = 1;
		c.counter = &p;
		assert_int_equal(vk_sight_counters(&f->s, &c, T0 + 50), -1);	/* not stored */
	}
	assert_int_equal(f->s.counted, 123456);
	assert_int_equal(q(&f->s, "SELECT count(*) FROM pragma_integrity_check WHERE "
			 "integrity_check = 'ok'"), 1);
	assert_true(q(&f->s, "SELECT count(*) FROM sighting") > 1000);
}

static unsigned long long avail_kib(const char *dir)
{
	struct statvfs v;

	assert_int_equal(statvfs(dir, &v), 0);
	return (unsigned long long)v.f_bavail * v.f_frsize >> 10;
}

static void put_many(struct vk_amap *m, int from, int to)
{
	char u[40], v[40];
	int i;

	for (i = from; i < to; i++) {
		snprintf(u, sizeof(u), "cccccccc-0000-4000-8000-%012d", i);
		snprintf(v, sizeof(v), "n%06d.small-fs.example", i);
		assert_int_equal(vk_amap_put(m, u, VK_T_DOMAIN, v, EV_GREEN), 0);
	}
}

/* On a real 8 MiB filesystem with the default cap (half of it): a match
 * flood fills sightings to the cap and no further, the indicator set still
 * updates; then, with the rest filled by someone else, the agent's
 * databases still open (the reserve is released) and hold the set. Runs
 * in a mount namespace of its own, so nothing stays mounted. */
static void test_small_fs(void **state)
{
	struct fx *f = *state;
	char dir[64], host[32], err[256], path[100], buf[65536] = { 0 };
	struct vk_conf c = f->c;
	struct vk_sight s;
	struct vk_store st;
	struct vk_amap m;
	int i, round, full = 0, fd;

	if (geteuid() || unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		print_message("SKIP: a small filesystem needs root and mount namespaces\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "/tmp/vk-smallfs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mount("vk-smallfs", dir, "tmpfs", 0, "size=8m"), 0);
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", dir);
	c.max_db_mb = 0;

	vk_amap_init(&m);
	put_many(&m, 0, 2000);
	assert_int_equal(vk_store_open(&st, dir, err, sizeof(err)), 0);
	assert_int_equal(vk_store_replace(&st, &m), 0);
	vk_store_close(&st);
	assert_int_equal(vk_sight_open(&s, &c, err, sizeof(err)), 0);
	for (round = 0; round < 400 && !full; round++) {
		for (i = 0; i < 1000; i++) {
			snprintf(host, sizeof(host), "10.%d.%d.%d", round, i / 250, i % 250 + 1);
			event(&s, A_IP, host, "203.0.113.66", "dst", T0 + round);
		}
		full = vk_sight_flush(&s, T0 + round, NULL, NULL) < 0;
	}
	assert_true(full);
	assert_true(s.paused);
	/* the cap left the set its room: 2000 more indicators are stored */
	assert_true(avail_kib(dir) >= 2048);
	put_many(&m, 2000, 4000);
	assert_int_equal(vk_store_open(&st, dir, err, sizeof(err)), 0);
	assert_int_equal(vk_store_replace(&st, &m), 0);
	vk_store_close(&st);
	vk_sight_close(&s);
	vk_amap_free(&m);

	/* something else fills the filesystem; the agent restarts */
	snprintf(path, sizeof(path), "%s/fill", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	assert_true(avail_kib(dir) < 64);
	vk_amap_init(&m);
	assert_int_equal(vk_store_open(&st, dir, err, sizeof(err)), 0);
	assert_int_equal(vk_store_load(&st, &m), 0);
	assert_int_equal(m.n, 4000);
	assert_int_equal(vk_sight_open(&s, &c, err, sizeof(err)), 0);
	assert_int_equal(q(&s, "SELECT count(*) FROM ind.attribute"), 4000);
	vk_sight_close(&s);
	vk_store_close(&st);
	vk_amap_free(&m);
	assert_int_equal(umount(dir), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_cutoff),
		cmocka_unit_test_setup_teardown(test_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregate_and_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_no_phantoms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_paged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_off_and_k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_answer_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		/* last: it leaves the process in a mount namespace of its own */
		cmocka_unit_test_setup_teardown(test_small_fs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
