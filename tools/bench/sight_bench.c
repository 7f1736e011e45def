// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, sightings part 1: match events per second from the
 * dataplane's wire form (packed MatchEvent messages) through the agent's
 * aggregation into SQLite: unpack, aggregate, and the flushes (with their
 * upstream spooling) the agent does, on a real sightings.db.
 *
 * usage: sight_bench DIR [EVENTS]   (DIR is created and left for the
 * query benchmark, tools/bench/sight_query.sh)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "../../userspace/agent/sight.h"
#include "../../userspace/agent/store.h"

#define ATTRS 1000
#define HOSTS 200
#define DISTINCT 4096	/* pre-packed events, cycled */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void uuid_of(int i, char *out)
{
	snprintf(out, 37, "%08x-bbbb-4bbb-8bbb-%012x", i, i);
}

/* The indicator set the sightings are enriched from. */
static int seed_indicators(const char *dir)
{
	struct vk_store st;
	struct vk_amap m;
	char err[256], u[37], ev[37], v[32];
	int i, rc;

	if (vk_store_open(&st, dir, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	vk_amap_init(&m);
	for (i = 0; i < ATTRS; i++) {
		uuid_of(i, u);
		uuid_of(100000 + i % 20, ev);
		snprintf(v, sizeof(v), "203.0.%d.%d", i / 250, i % 250 + 1);
		vk_amap_put(&m, u, VK_T_IP_DST, v, ev);
	}
	rc = vk_store_replace(&st, &m);
	vk_amap_free(&m);
	vk_store_close(&st);
	return rc;
}

static size_t pack_events(uint8_t **buf, size_t *len)
{
	static char uuids[DISTINCT][37], src[DISTINCT][40], dst[DISTINCT][40];
	size_t i;

	for (i = 0; i < DISTINCT; i++) {
		Vardkase__Dp__MatchEvent m = VARDKASE__DP__MATCH_EVENT__INIT;
		char *u = uuids[i];
		int a = (int)(i * 7919 % ATTRS);

		uuid_of(a, u);
		snprintf(src[i], sizeof(src[i]), "10.1.%d.%d", (int)(i % HOSTS) / 250,
			 (int)(i % HOSTS) % 250 + 1);
		snprintf(dst[i], sizeof(dst[i]), "203.0.%d.%d", a / 250, a % 250 + 1);
		m.n_attribute_uuid = 1;
		m.attribute_uuid = &u;
		m.indicator = dst[i];
		m.matched_on = "dst";
		m.src = src[i];
		m.dst = dst[i];
		m.proto = 6;
		m.sport = 40000 + (uint32_t)i;
		m.dport = 443;
		len[i] = vardkase__dp__match_event__get_packed_size(&m);
		buf[i] = malloc(len[i]);
		vardkase__dp__match_event__pack(&m, buf[i]);
	}
	return DISTINCT;
}

int main(int argc, char **argv)
{
	struct vk_conf c = { 0 };
	struct vk_sight s;
	static uint8_t *buf[DISTINCT];
	static size_t len[DISTINCT];
	long n = argc > 2 ? atol(argv[2]) : 4000000, i;
	double t0, t1, flush = 0, tf;
	char err[256];
	int64_t wall = (int64_t)time(NULL) * 1000000000LL, rows;

	if (argc < 2) {
		fprintf(stderr, "usage: sight_bench DIR [EVENTS]\n");
		return 2;
	}
	mkdir(argv[1], 0750);
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", argv[1]);
	c.bucket = 60;
	c.report = 1;
	c.report_bucket = 300;
	c.min_count = 1;
	c.retention_days = 90;
	if (seed_indicators(argv[1]) || vk_sight_open(&s, &c, err, sizeof(err))) {
		fprintf(stderr, "sight_bench: %s\n", err);
		return 1;
	}
	pack_events(buf, len);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		Vardkase__Dp__MatchEvent *m =
			vardkase__dp__match_event__unpack(NULL, len[i % DISTINCT], buf[i % DISTINCT]);

		/* 200k events per simulated second, as the target rate */
		vk_sight_event(&s, m, wall + (i / 200000) * 1000000000LL);
		vardkase__dp__match_event__free_unpacked(m, NULL);
		if (i % 200000 == 199999) {
			tf = now_s();
			vk_sight_flush(&s, (wall / 1000000000LL) + i / 200000, NULL, NULL);
			flush += now_s() - tf;
		}
	}
	tf = now_s();
	vk_sight_flush(&s, wall / 1000000000LL + n / 200000, NULL, NULL);
	flush += now_s() - tf;
	t1 = now_s();
	rows = 0;
	{
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(s.db, "SELECT sum(count) FROM sighting", -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			rows = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	printf("sightings pipeline: %ld events in %.2f s = %.0f events/s (target >= 200000); "
	       "flushes %.2f s; %lld matches stored (%s)\n", n, t1 - t0, (double)n / (t1 - t0),
	       flush, (long long)rows, rows == n ? "exact" : "MISMATCH");
	vk_sight_close(&s);
	for (i = 0; i < DISTINCT; i++)
		free(buf[i]);
	return rows == n ? 0 : 1;
}
