// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <mbedtls/sha1.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/random.h>
#include "sight.h"
#include "../lib/vk_log.h"
#include "../../kernel/lib/hash.h"

/* One open aggregate: matches since the last flush. */
struct vk_agg {
	char attr[37];
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	char indicator[128], name[128];
	char matched_on[12];
	char encap[12];			/* the tunnel of the first event, if any */
	char osrc[INET6_ADDRSTRLEN], odst[INET6_ADDRSTRLEN];
	uint32_t tunnel_id;
	int64_t bucket, first, last;	/* seconds */
	uint64_t count;
	uint8_t used;
};

#define AGG_CAP 8192	/* distinct aggregates per second before an early flush */

static const char schema[] =
	"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	/* the WAL is room the cap does not count: checkpoint every 1 MiB
	 * (not SQLite's 4 MiB) and cut it back to 1 MiB after */
	"PRAGMA wal_autocheckpoint = 256; PRAGMA journal_size_limit = 1048576;"
	/* newest-first queries with a filter use these indexes */
	"CREATE TABLE IF NOT EXISTS sighting (id INTEGER PRIMARY KEY, attribute_uuid TEXT,"
	" event_uuid TEXT, type INTEGER, value TEXT, indicator TEXT, local TEXT, remote TEXT,"
	" bucket INTEGER, first_seen INTEGER, last_seen INTEGER, count INTEGER,"
	" matched_on TEXT, name TEXT, encap TEXT, outer_src TEXT, outer_dst TEXT,"
	" tunnel_id INTEGER);"
	"CREATE UNIQUE INDEX IF NOT EXISTS sighting_key ON sighting"
	" (attribute_uuid, local, remote, bucket);"
	"CREATE INDEX IF NOT EXISTS sighting_last ON sighting (last_seen);"
	"CREATE INDEX IF NOT EXISTS sighting_local ON sighting (local, last_seen);"
	"CREATE INDEX IF NOT EXISTS sighting_value ON sighting (value, last_seen);"
	"CREATE INDEX IF NOT EXISTS sighting_event ON sighting (event_uuid, last_seen);"
	/* the dataplane's cumulative counters; base carries a dataplane restart */
	"CREATE TABLE IF NOT EXISTS counter (attribute_uuid TEXT PRIMARY KEY, base INTEGER,"
	" last INTEGER, events INTEGER, last_event INTEGER, polled INTEGER) WITHOUT ROWID;"
	/* upstream buckets: reported 0 pending, 1 spooled, 2 never (policy) */
	"CREATE TABLE IF NOT EXISTS ubucket (attribute_uuid TEXT, bucket INTEGER,"
	" event_uuid TEXT, first_seen INTEGER, count INTEGER, reported INTEGER DEFAULT 0,"
	" PRIMARY KEY (attribute_uuid, bucket)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS ubucket_pending ON ubucket (reported);"
	/* what goes to MISP; sent = 1 once the platform confirmed it */
	"CREATE TABLE IF NOT EXISTS spool (uuid TEXT PRIMARY KEY, attribute_uuid TEXT,"
	" event_uuid TEXT, date_sighting INTEGER, type INTEGER, created INTEGER,"
	" sent INTEGER DEFAULT 0, sent_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS spool_pending ON spool (sent, created);"
	"CREATE TABLE IF NOT EXISTS suppress (attribute_uuid TEXT PRIMARY KEY, value TEXT,"
	" since INTEGER, sighting_id INTEGER);"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);";

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK && rc != SQLITE_FULL)
		vk_err("sightings database: %s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc == SQLITE_OK ? 0 : rc == SQLITE_FULL ? -ENOSPC : -EIO;
}

void vk_sight_uuid(const char *box_id, const char *attr, int64_t bucket, char *out)
{
	/* RFC 4122 name-based uuids: a fixed namespace for vardkase sightings */
	static const uint8_t ns[16] = { 0x8f, 0x2b, 0x6d, 0x1e, 0x4c, 0x3a, 0x5e, 0x71,
					0x9a, 0x0d, 0x2f, 0x66, 0xe1, 0x58, 0xb7, 0x04 };
	uint8_t name[216], h[20];
	int n = snprintf((char *)name + 16, sizeof(name) - 16, "%s|%s|%lld", box_id, attr,
			 (long long)bucket);

	memcpy(name, ns, sizeof(ns));
	mbedtls_sha1_ret(name, 16 + (size_t)(n < 199 ? n : 199), h);
	h[6] = (h[6] & 0x0f) | 0x50;
	h[8] = (h[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
		 h[13], h[14], h[15]);
}

/* SQL: vk_uuid(attribute_uuid, bucket) with this box's id. */
static void sql_uuid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *box = sqlite3_user_data(ctx);
	const char *attr = (const char *)sqlite3_value_text(argv[0]);
	char out[37];

	vk_sight_uuid(box, attr ? attr : "", sqlite3_value_int64(argv[1]), out);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static int box_id(sqlite3 *db, const struct vk_conf *c, char *out, size_t len)
{
	sqlite3_stmt *st;
	uint8_t r[16];
	int i, n = 0;

	if (c->box_id[0]) {
		snprintf(out, len, "%s", c->box_id);
		return 0;
	}
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'box_id'", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (out[0])
		return 0;
	/* generated once and kept: the uuids must not change over restarts */
	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -1;
	for (i = 0; i < 16; i++)
		n += snprintf(out + n, len - (size_t)n, "%02x", r[i]);
	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES ('box_id', ?)", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, out, -1, SQLITE_STATIC);
	n = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return n;
}

/* A database from before the tunnel columns gets them (its rows: none). */
static int migrate(sqlite3 *db)
{
	sqlite3_stmt *st;
	int have = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info('sighting')"
			       " WHERE name = 'encap'", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		have = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (have)
		return 0;
	return exec(db, "ALTER TABLE sighting ADD COLUMN encap TEXT;"
		    "ALTER TABLE sighting ADD COLUMN outer_src TEXT;"
		    "ALTER TABLE sighting ADD COLUMN outer_dst TEXT;"
		    "ALTER TABLE sighting ADD COLUMN tunnel_id INTEGER;");
}

sqlite3 *vk_sight_db_open(const struct vk_conf *c, char *err, size_t errlen)
{
	char path[600], attach[700];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/sightings.db", c->state_dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	/* the indicator set (agent.db) enriches sightings; only read here */
	snprintf(attach, sizeof(attach), "ATTACH DATABASE '%s/agent.db' AS ind;", c->state_dir);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	if (exec(db, schema) || migrate(db) || exec(db, attach)) {
		snprintf(err, errlen, "%s: cannot create the schema or attach agent.db", path);
		sqlite3_close(db);
		return NULL;
	}
	{
		unsigned mb = c->max_db_mb;
		struct statvfs v;
		char pragma[100];

		/* 0: half of the state filesystem, so that a flood of matches
		 * can never take the room the indicator set needs to update */
		if (!mb && !statvfs(c->state_dir, &v)) {
			mb = (unsigned)((uint64_t)v.f_blocks * v.f_frsize / 2 >> 20);
			if (!mb)
				mb = 1;
		}
		/* SQLite answers SQLITE_FULL past this: the path a full disk
		 * takes. The database gets the cap less the WAL's 1 MiB. */
		if (mb) {
			snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count = %u;",
				 mb > 2 ? (mb - 1) * 256 : mb * 256);	/* 4 KiB pages */
			exec(db, pragma);
		}
	}
	return db;
}

int vk_sight_open(struct vk_sight *s, const struct vk_conf *c, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->nnets = vk_conf_local_nets(c, s->nets, VK_MAX_NETS, err, errlen);
	if (s->nnets < 0)
		return -1;
	if (s->nnets > VK_MAX_NETS)
		s->nnets = VK_MAX_NETS;
	s->db = vk_sight_db_open(c, err, errlen);
	if (!s->db)
		return -1;
	if (box_id(s->db, c, s->box_id, sizeof(s->box_id)) ||
	    sqlite3_create_function(s->db, "vk_uuid", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				    s->box_id, sql_uuid, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "sightings database: no box id");
		vk_sight_close(s);
		return -1;
	}
	s->agg_cap = AGG_CAP;
	s->agg = calloc(s->agg_cap, sizeof(*s->agg));
	if (!s->agg) {
		snprintf(err, errlen, "out of memory");
		vk_sight_close(s);
		return -1;
	}
	return 0;
}

void vk_sight_close(struct vk_sight *s)
{
	if (s->db)
		sqlite3_close(s->db);
	free(s->agg);
	s->db = NULL;
	s->agg = NULL;
}

int vk_sight_is_local(const struct vk_sight *s, const char *addr)
{
	uint8_t a[16];
	int fam = strchr(addr, ':') ? 6 : 4, i;

	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, addr, a) != 1)
		return 0;
	for (i = 0; i < s->nnets; i++)
		if (vk_net_has(&s->nets[i], fam, a))
			return 1;
	return 0;
}

static struct vk_agg *agg_slot(struct vk_sight *s, const char *attr, const char *local,
			       const char *remote, int64_t bucket)
{
	uint64_t h = vk_fnv64_str(vk_fnv64_str(vk_fnv64_str(VK_FNV64_OFFSET, attr), local),
				  remote);
	uint32_t i;

	h = vk_fmix64(h ^ (uint64_t)bucket);
	for (i = (uint32_t)h & (s->agg_cap - 1);; i = (i + 1) & (s->agg_cap - 1)) {
		struct vk_agg *a = &s->agg[i];

		if (!a->used || (a->bucket == bucket && !strcmp(a->attr, attr) &&
				 !strcmp(a->local, local) && !strcmp(a->remote, remote)))
			return a;
	}
}

/*
 * Which side is the local host: the one inside the local networks when
 * exactly one is; else the side that is not the indicator (the querier,
 * for a DNS name).
 */
static void sides(const struct vk_sight *s, const Vardkase__Dp__MatchEvent *m,
		  const char **local, const char **remote)
{
	int ls = vk_sight_is_local(s, m->src), ld = vk_sight_is_local(s, m->dst);

	if (ls != ld) {
		*local = ls ? m->src : m->dst;
		*remote = ls ? m->dst : m->src;
	} else if (!strcmp(m->matched_on, "src")) {
		*local = m->dst;
		*remote = m->src;
	} else {
		*local = m->src;
		*remote = m->dst;
	}
}

void vk_sight_event(struct vk_sight *s, const Vardkase__Dp__MatchEvent *m, int64_t wall_ns)
{
	int64_t t = wall_ns / 1000000000, bucket = t - t % (int64_t)s->c->bucket;
	const char *local, *remote;
	size_t i;

	s->events++;
	sides(s, m, &local, &remote);
	for (i = 0; i < m->n_attribute_uuid; i++) {
		struct vk_agg *a;

		if (s->agg_n * 4 >= s->agg_cap * 3)
			vk_sight_flush(s, t, NULL, NULL);	/* a burst of distinct keys */
		a = agg_slot(s, m->attribute_uuid[i], local, remote, bucket);
		if (!a->used) {
			a->used = 1;
			s->agg_n++;
			snprintf(a->attr, sizeof(a->attr), "%s", m->attribute_uuid[i]);
			snprintf(a->local, sizeof(a->local), "%s", local);
			snprintf(a->remote, sizeof(a->remote), "%s", remote);
			snprintf(a->indicator, sizeof(a->indicator), "%s", m->indicator);
			snprintf(a->name, sizeof(a->name), "%s", m->name);
			snprintf(a->matched_on, sizeof(a->matched_on), "%s", m->matched_on);
			snprintf(a->encap, sizeof(a->encap), "%s", m->encap);
			snprintf(a->osrc, sizeof(a->osrc), "%s", m->outer_src);
			snprintf(a->odst, sizeof(a->odst), "%s", m->outer_dst);
			a->tunnel_id = m->tunnel_id;
			a->bucket = bucket;
			a->first = t;
		}
		a->last = t > a->last ? t : a->last;
		a->count++;
	}
}

enum { Q_SIGHT, Q_UB, Q_CTR, Q_MAX };

static const char *const flush_sql[Q_MAX] = {
	[Q_SIGHT] =
	"INSERT INTO sighting (attribute_uuid, event_uuid, type, value, indicator, local, remote,"
	" bucket, first_seen, last_seen, count, matched_on, name, encap, outer_src, outer_dst,"
	" tunnel_id)"
	" SELECT ?1, a.event_uuid, a.type, coalesce(a.value, ?2), ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	" ?9, ?10, nullif(?11, ''), nullif(?12, ''), nullif(?13, ''), ?14"
	" FROM (SELECT 1) LEFT JOIN ind.attribute a ON a.uuid = ?1 WHERE true"
	" ON CONFLICT (attribute_uuid, local, remote, bucket) DO UPDATE SET"
	" count = count + excluded.count, last_seen = max(last_seen, excluded.last_seen),"
	" first_seen = min(first_seen, excluded.first_seen) RETURNING id",
	[Q_UB] =
	"INSERT INTO ubucket (attribute_uuid, bucket, event_uuid, first_seen, count)"
	" SELECT ?1, ?2, a.event_uuid, ?3, ?4 FROM (SELECT 1)"
	" LEFT JOIN ind.attribute a ON a.uuid = ?1 WHERE true"
	" ON CONFLICT (attribute_uuid, bucket) DO UPDATE SET count = count + excluded.count,"
	" first_seen = min(first_seen, excluded.first_seen),"
	" event_uuid = coalesce(event_uuid, excluded.event_uuid)",
	[Q_CTR] =
	"INSERT INTO counter VALUES (?1, 0, 0, ?2, ?3, 0) ON CONFLICT (attribute_uuid) DO UPDATE"
	" SET events = events + excluded.events, last_event = max(last_event, excluded.last_event)",
};

static int flush_one(struct vk_sight *s, sqlite3_stmt **q, const struct vk_agg *a,
		     vk_sight_updated_fn fn, void *arg)
{
	int64_t rb = a->first - a->first % (int64_t)s->c->report_bucket;
	int rc, derived;

	sqlite3_bind_text(q[Q_SIGHT], 1, a->attr, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 2, a->indicator, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 3, a->local, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 4, a->remote, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q[Q_SIGHT], 5, a->bucket);
	sqlite3_bind_int64(q[Q_SIGHT], 6, a->first);
	sqlite3_bind_int64(q[Q_SIGHT], 7, a->last);
	sqlite3_bind_int64(q[Q_SIGHT], 8, (int64_t)a->count);
	sqlite3_bind_text(q[Q_SIGHT], 9, a->matched_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 10, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 11, a->encap, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 12, a->osrc, -1, SQLITE_STATIC);
	sqlite3_bind_text(q[Q_SIGHT], 13, a->odst, -1, SQLITE_STATIC);
	if (a->encap[0])
		sqlite3_bind_int64(q[Q_SIGHT], 14, a->tunnel_id);
	else
		sqlite3_bind_null(q[Q_SIGHT], 14);
	rc = sqlite3_step(q[Q_SIGHT]);
	if (rc == SQLITE_ROW && fn)
		fn(arg, sqlite3_column_int64(q[Q_SIGHT], 0));
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(q[Q_SIGHT]);
	sqlite3_reset(q[Q_SIGHT]);
	if (rc != SQLITE_DONE)
		return rc;
	/* a match of an address a DNS answer gave stays on the box unless
	 * the operator reports them (the address may serve other names); the
	 * dataplane does not count them, so no counter explains them */
	derived = !strcmp(a->matched_on, "dns_answer");
	if (derived && !s->c->report_dns_answers)
		return SQLITE_DONE;
	/* an upstream bucket: the events' own time decides it */
	sqlite3_bind_text(q[Q_UB], 1, a->attr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q[Q_UB], 2, rb);
	sqlite3_bind_int64(q[Q_UB], 3, a->first);
	sqlite3_bind_int64(q[Q_UB], 4, (int64_t)a->count);
	rc = sqlite3_step(q[Q_UB]);
	sqlite3_reset(q[Q_UB]);
	if (rc != SQLITE_DONE || derived)
		return rc;
	sqlite3_bind_text(q[Q_CTR], 1, a->attr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q[Q_CTR], 2, (int64_t)a->count);
	sqlite3_bind_int64(q[Q_CTR], 3, a->last);
	rc = sqlite3_step(q[Q_CTR]);
	sqlite3_reset(q[Q_CTR]);
	return rc;
}

/*
 * Due upstream buckets become spool rows: never a tlp:red indicator
 * unless allowed, and only once the event's metadata (its tags) is known,
 * so a missing answer never lets a red indicator out.
 */
static int spool_due(struct vk_sight *s, int64_t now)
{
	char sql[1400];

	if (!s->c->report)
		return 0;
	snprintf(sql, sizeof(sql),
		 "UPDATE ubucket SET reported = 2 WHERE reported = 0 AND %d = 0 AND EXISTS ("
		 " SELECT 1 FROM ind.event e LEFT JOIN ind.attribute a"
		 " ON a.uuid = ubucket.attribute_uuid WHERE e.uuid = ubucket.event_uuid AND"
		 " (instr(lower(e.tags), 'tlp:red') OR instr(lower(coalesce(a.extra, '')), 'tlp:red')));"
		 "INSERT OR IGNORE INTO spool (uuid, attribute_uuid, event_uuid, date_sighting, type,"
		 " created) SELECT vk_uuid(u.attribute_uuid, u.bucket), u.attribute_uuid,"
		 " u.event_uuid, u.first_seen, 0, %lld FROM ubucket u WHERE u.reported = 0"
		 " AND u.count >= %u AND u.event_uuid IS NOT NULL"
		 " AND EXISTS (SELECT 1 FROM ind.event e WHERE e.uuid = u.event_uuid);"
		 "UPDATE ubucket SET reported = 1 WHERE reported = 0 AND count >= %u AND"
		 " event_uuid IS NOT NULL AND EXISTS (SELECT 1 FROM ind.event e"
		 " WHERE e.uuid = ubucket.event_uuid);",
		 s->c->report_tlp_red, (long long)now, s->c->min_count, s->c->min_count);
	return exec(s->db, sql);
}

static int pause_or_fail(struct vk_sight *s, int rc, int64_t now)
{
	if (rc == SQLITE_FULL || rc == -ENOSPC) {
		if (!s->paused)
			vk_err("sightings: storage full (%s): counting goes on, new detail is "
			       "not stored until space is free", sqlite3_db_filename(s->db, "main"));
		s->paused = 1;
		s->paused_since = now;
	} else {
		vk_err("sightings: cannot store: %s", sqlite3_errstr(rc));
	}
	return -1;
}

int vk_sight_flush(struct vk_sight *s, int64_t now, vk_sight_updated_fn fn, void *arg)
{
	sqlite3_stmt *q[Q_MAX] = { 0 };
	int rc = SQLITE_DONE, i, n = 0;
	uint32_t j;

	if (!s->agg_n)	/* pending buckets are re-checked with the counters */
		return 0;
	if (s->paused && now - s->paused_since < 60) {
		/* retried once a minute; meanwhile only the counters count */
		for (j = 0; j < s->agg_cap; j++)
			s->events_unstored += s->agg[j].used ? s->agg[j].count : 0;
		memset(s->agg, 0, sizeof(*s->agg) * s->agg_cap);
		s->agg_n = 0;
		return -1;
	}
	if (exec(s->db, "BEGIN IMMEDIATE;"))
		return -1;
	for (i = 0; i < Q_MAX && rc == SQLITE_DONE; i++)
		if (sqlite3_prepare_v2(s->db, flush_sql[i], -1, &q[i], NULL) != SQLITE_OK)
			rc = sqlite3_errcode(s->db);
	for (j = 0; j < s->agg_cap && rc == SQLITE_DONE; j++)
		if (s->agg[j].used && (rc = flush_one(s, q, &s->agg[j], fn, arg)) == SQLITE_DONE)
			n++;
	for (i = 0; i < Q_MAX; i++)
		sqlite3_finalize(q[i]);
	if (rc != SQLITE_DONE) {
		exec(s->db, "ROLLBACK;");
		for (j = 0; j < s->agg_cap; j++)
			s->events_unstored += s->agg[j].used ? s->agg[j].count : 0;
	}
	memset(s->agg, 0, sizeof(*s->agg) * s->agg_cap);
	s->agg_n = 0;
	if (rc != SQLITE_DONE)
		return pause_or_fail(s, rc, now);
	rc = exec(s->db, "COMMIT;");
	if (rc)
		return pause_or_fail(s, rc, now);
	if (s->paused)
		vk_info("sightings: storing detail again (%llu matches were counted only)",
			(unsigned long long)s->events_unstored);
	s->paused = 0;
	return spool_due(s, now) ? -1 : n;
}

/* One attribute's counter (the sum over its keys). A smaller sum than
 * last time, within one dataplane instance, means one of the attribute's
 * keys left the set: what it had counted stays in base, and nothing is
 * new (a restart was folded into base before: last is 0 then). What the events did not explain goes to an upstream
 * bucket (that of the events since the last poll, else now). */
static int counter_one(struct vk_sight *s, sqlite3_stmt *get, sqlite3_stmt *put,
		       sqlite3_stmt *ub, const char *uuid, uint64_t matches, int64_t now)
{
	int64_t base = 0, last = 0, events = 0, last_event = 0, polled = 0, delta, lost, t;
	int rc;

	sqlite3_bind_text(get, 1, uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(get) == SQLITE_ROW) {
		base = sqlite3_column_int64(get, 0);
		last = sqlite3_column_int64(get, 1);
		events = sqlite3_column_int64(get, 2);
		last_event = sqlite3_column_int64(get, 3);
		polled = sqlite3_column_int64(get, 4);
	}
	sqlite3_reset(get);
	if ((int64_t)matches < last) {
		base += last - (int64_t)matches;
		last = (int64_t)matches;
	}
	delta = (int64_t)matches - last;
	lost = delta - events;
	if (lost > 0) {
		t = last_event > polled ? last_event : now;
		sqlite3_bind_text(ub, 1, uuid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ub, 2, t - t % (int64_t)s->c->report_bucket);
		sqlite3_bind_int64(ub, 3, t);
		sqlite3_bind_int64(ub, 4, lost);
		rc = sqlite3_step(ub);
		sqlite3_reset(ub);
		if (rc != SQLITE_DONE)
			return rc;
	}
	sqlite3_bind_text(put, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(put, 2, base);
	sqlite3_bind_int64(put, 3, (int64_t)matches);
	sqlite3_bind_int64(put, 4, last_event);
	sqlite3_bind_int64(put, 5, now);
	rc = sqlite3_step(put);
	sqlite3_reset(put);
	s->counted += (uint64_t)base + matches;
	return rc;
}

static int counter_cmp(const void *x, const void *y)
{
	return strcmp((*(Vardkase__Dp__Counter *const *)x)->attribute_uuid,
		      (*(Vardkase__Dp__Counter *const *)y)->attribute_uuid);
}

/* The dataplane's instance as last stored (empty: none yet). */
static void instance_get(struct vk_sight *s, char *out, size_t len)
{
	sqlite3_stmt *st;

	out[0] = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'dp_instance'", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static int instance_put(struct vk_sight *s, const char *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES ('dp_instance', ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlite3_errcode(s->db);
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

int vk_sight_counters(struct vk_sight *s, const Vardkase__Dp__Counters *c, int64_t now)
{
	sqlite3_stmt *get = NULL, *put = NULL, *ub = NULL;
	Vardkase__Dp__Counter **v = NULL;
	char inst[128];
	int rc = SQLITE_DONE, restart = 0;
	size_t i, j;

	s->last_poll = now;
	if (s->paused && now - s->paused_since < 60) {
		uint64_t sum = 0;

		/* storage full: the dataplane's own totals still say how much */
		for (i = 0; i < c->n_counter; i++)
			sum += c->counter[i]->matches;
		s->counted = sum > s->counted ? sum : s->counted;
		return -1;
	}
	/* one number per attribute: rows of the same uuid are summed (the
	 * dataplane sends one; a key per row would read as a restart) */
	if (c->n_counter) {
		v = malloc(c->n_counter * sizeof(*v));
		if (!v)
			return -1;
		memcpy(v, c->counter, c->n_counter * sizeof(*v));
		qsort(v, c->n_counter, sizeof(*v), counter_cmp);
	}
	if (!c->after || !c->after[0])	/* a round's first page: the total anew */
		s->counted = 0;
	if (exec(s->db, "BEGIN IMMEDIATE;")) {
		free(v);
		return -1;
	}
	instance_get(s, inst, sizeof(inst));
	if (c->instance && c->instance[0] && strcmp(inst, c->instance)) {
		/* a first poll ever is no restart: nothing was counted before */
		restart = inst[0] != 0;
		if (restart)
			vk_info("sightings: the dataplane's counters started again (instance %s,"
				" was %s)", c->instance, inst);
		if (instance_put(s, c->instance) != SQLITE_DONE)
			rc = sqlite3_errcode(s->db);
	}
	if (rc == SQLITE_DONE &&
	    (sqlite3_prepare_v2(s->db, "SELECT base, last, events, last_event, polled FROM counter"
				" WHERE attribute_uuid = ?", -1, &get, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO counter VALUES (?, ?, ?, 0, ?, ?)",
				-1, &put, NULL) != SQLITE_OK ||
	     sqlite3_prepare_v2(s->db, flush_sql[Q_UB], -1, &ub, NULL) != SQLITE_OK))
		rc = sqlite3_errcode(s->db);
	/* a restart also ends the counts of attributes it no longer reports */
	if (rc == SQLITE_DONE && restart &&
	    exec(s->db, "UPDATE counter SET base = base + last, last = 0;"))
		rc = sqlite3_errcode(s->db);
	for (i = 0; i < c->n_counter && rc == SQLITE_DONE; i = j) {
		uint64_t sum = 0;

		for (j = i; j < c->n_counter && !strcmp(v[j]->attribute_uuid, v[i]->attribute_uuid);
		     j++)
			sum += v[j]->matches;
		rc = counter_one(s, get, put, ub, v[i]->attribute_uuid, sum, now);
	}
	free(v);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	sqlite3_finalize(ub);
	if (rc != SQLITE_DONE) {
		exec(s->db, "ROLLBACK;");
		return pause_or_fail(s, rc, now);
	}
	if ((rc = exec(s->db, "COMMIT;")))
		return pause_or_fail(s, rc, now);
	return spool_due(s, now);
}

int vk_sight_prune(struct vk_sight *s, int64_t now)
{
	char sql[600];
	int64_t old = now - (int64_t)s->c->retention_days * 86400;

	snprintf(sql, sizeof(sql),
		 "DELETE FROM sighting WHERE last_seen < %lld;"
		 "DELETE FROM spool WHERE sent = 1 AND sent_at < %lld;"
		 "DELETE FROM ubucket WHERE bucket < %lld;",
		 (long long)old, (long long)old, (long long)old);
	return exec(s->db, sql);
}

int vk_sight_fp(struct vk_sight *s, int64_t id, int64_t now, char *attr, char *value,
		int *reported)
{
	sqlite3_stmt *st;
	char uuid[37], ev[40] = "";
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT attribute_uuid, value, event_uuid FROM sighting"
			       " WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(attr, 37, "%s", sqlite3_column_text(st, 0));
		snprintf(value, 256, "%s", sqlite3_column_text(st, 1) ?: (const uint8_t *)"");
		snprintf(ev, sizeof(ev), "%s", sqlite3_column_text(st, 2) ?: (const uint8_t *)"");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -ENOENT;
	*reported = s->c->report && ev[0];
	/* "fp" in place of a bucket: one false positive per attribute */
	vk_sight_uuid(s->box_id, attr, -1, uuid);
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO suppress VALUES (?, ?, ?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, attr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	if (!*reported)
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO spool (uuid, attribute_uuid,"
			       " event_uuid, date_sighting, type, created) VALUES (?, ?, ?, ?, 1, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, attr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}
