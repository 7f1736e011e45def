// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "store.h"
#include "../lib/vk_key.h"
#include "../lib/vk_log.h"

static int exec(struct vk_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	vk_err("state database: %s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	return -1;
}

/* Version 2 added what the operator reads about an attribute. */
static int migrate(struct vk_store *s)
{
	sqlite3_stmt *st;
	int v = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v >= 2)
		return 0;
	return exec(s, "ALTER TABLE attribute ADD COLUMN category INTEGER DEFAULT 0;"
		       "ALTER TABLE attribute ADD COLUMN extra TEXT;"
		       "PRAGMA user_version = 2;");
}

/* The reserve: a file of 1/32 of the state filesystem (256 KiB to 8 MiB)
 * that the agent keeps beside its databases. SQLite cannot open a WAL
 * database on a full filesystem (it must create the -wal and -shm files),
 * so an agent restarted after something filled the disk would not come up
 * and new indicators would stop. Releasing the reserve gives SQLite that
 * room; the sightings cap (half the filesystem) and the refused-write path
 * (store_behind) do the rest. It is made again at a start with room. */
static void reserve(const char *dir)
{
	unsigned long long total, avail, size;
	struct statvfs v;
	char path[600];
	struct stat st;
	int fd, have;

	if (statvfs(dir, &v))
		return;
	total = (unsigned long long)v.f_blocks * v.f_frsize;
	avail = (unsigned long long)v.f_bavail * v.f_frsize;
	size = total / 32;
	size = size < 256 << 10 ? 256 << 10 : size > 8 << 20 ? 8 << 20 : size;
	snprintf(path, sizeof(path), "%s/reserve", dir);
	have = !stat(path, &st);
	if (have && avail < size) {
		if (!unlink(path))
			vk_warn("%s is full (%llu KiB free): released the agent's reserve of %llu"
				" KiB so that it can start; sightings pause until there is room"
				" (what filled it?)", dir, avail >> 10,
				(unsigned long long)st.st_size >> 10);
		return;
	}
	if ((have && (unsigned long long)st.st_size >= size) || avail < 2 * size)
		return;	/* made already, or too little room to make it now */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (posix_fallocate(fd, 0, (off_t)size))
		unlink(path);	/* a filesystem without fallocate: no reserve */
	close(fd);
}

int vk_store_open(struct vk_store *s, const char *dir, char *err, size_t errlen)
{
	char path[600];

	if (mkdir(dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	reserve(dir);
	snprintf(path, sizeof(path), "%s/agent.db", dir);
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		sqlite3_close(s->db);
		s->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		    "CREATE TABLE IF NOT EXISTS attribute (uuid TEXT PRIMARY KEY, type INTEGER,"
		    " value TEXT, event_uuid TEXT) WITHOUT ROWID;"
		    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER);"
		    "CREATE TABLE IF NOT EXISTS refusal (uuid TEXT PRIMARY KEY, value TEXT,"
		    " why TEXT, event_uuid TEXT, seen INTEGER) WITHOUT ROWID;"
		    "CREATE INDEX IF NOT EXISTS refusal_value ON refusal (value);"
		    /* every key of every attribute, normalised (vk_key_str): what
		     * vardkasectl indicator looks up, by index, never by a scan */
		    "CREATE TABLE IF NOT EXISTS akey (k TEXT, uuid TEXT, PRIMARY KEY (k, uuid))"
		    " WITHOUT ROWID;"
		    "CREATE INDEX IF NOT EXISTS akey_uuid ON akey (uuid);"
		    "CREATE TABLE IF NOT EXISTS event (uuid TEXT PRIMARY KEY, info TEXT,"
		    " threat_level INTEGER, date TEXT, tags TEXT, fetched INTEGER) WITHOUT ROWID;") ||
	    migrate(s)) {
		struct statvfs v;

		if (!statvfs(dir, &v) && v.f_bavail * v.f_frsize < (1 << 20))
			snprintf(err, errlen, "%s: cannot open the database: %s has %llu KiB"
				 " free (full filesystem?)", path, dir,
				 (unsigned long long)v.f_bavail * v.f_frsize >> 10);
		else
			snprintf(err, errlen, "%s: cannot create the schema", path);
		vk_store_close(s);
		return -1;
	}
	return 0;
}

void vk_store_close(struct vk_store *s)
{
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
}

static int put_keys(struct vk_store *s, const struct vk_amap *m, char **only, size_t n);

int vk_store_load(struct vk_store *s, struct vk_amap *m)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT uuid, type, value, event_uuid, category, extra"
			       " FROM attribute", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 2);
		const char *e = (const char *)sqlite3_column_text(st, 3);

		const char *x = (const char *)sqlite3_column_text(st, 5);
		struct vk_arec *r;

		if (!u || !v || strlen(u) != VK_UUID_LEN)
			continue;
		if (vk_amap_put(m, u, (uint8_t)sqlite3_column_int(st, 1), v, e))
			break;
		r = vk_amap_get(m, u);
		r->category = (uint8_t)sqlite3_column_int(st, 4);
		if (x && *x && !(r->extra = strdup(x)))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	/* a database from before the key index: build it once */
	if (m->n && sqlite3_prepare_v2(s->db, "SELECT count(*) FROM akey", -1, &st,
				       NULL) == SQLITE_OK) {
		int empty = sqlite3_step(st) == SQLITE_ROW && !sqlite3_column_int(st, 0);

		sqlite3_finalize(st);
		if (empty && !exec(s, "BEGIN;")) {
			if (put_keys(s, m, NULL, 0))
				exec(s, "ROLLBACK;");
			else
				exec(s, "COMMIT;");
		}
	}
	return 0;
}

static int put_one(sqlite3_stmt *st, const struct vk_arec *r)
{
	int rc;

	sqlite3_bind_text(st, 1, r->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->type);
	sqlite3_bind_text(st, 3, r->value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->event_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->category);
	if (r->extra)
		sqlite3_bind_text(st, 6, r->extra, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

static int by_uuid(const void *a, const void *b)
{
	return strcmp((*(struct vk_arec *const *)a)->uuid, (*(struct vk_arec *const *)b)->uuid);
}

/* A whole set goes in in key order: the B-tree then only ever appends,
 * where hash order touched a random page per row and spilled the cache
 * into the WAL (1M rows: 10 s of pread/pwrite). */
static int put_sorted(sqlite3_stmt *st, const struct vk_amap *m)
{
	struct vk_arec **v = malloc((m->n + 1) * sizeof(*v)), *r;
	size_t i, n = 0;
	int rc = 0;

	if (!v)
		return -1;
	vk_amap_foreach(m, r)
		v[n++] = r;
	qsort(v, n, sizeof(*v), by_uuid);
	for (i = 0; i < n && !rc; i++)
		rc = put_one(st, v[i]);
	free(v);
	return rc;
}

/* The keys of record r into akey (st: the INSERT). */
static int put_keys_one(sqlite3_stmt *st, const struct vk_arec *r)
{
	struct vk_key k[2];
	const char *why;
	char buf[300];
	int n = vk_key_from_misp((enum vk_misp_type)r->type, r->value, k, &why), i, rc = 0;

	for (i = 0; i < n && !rc; i++) {
		sqlite3_bind_text(st, 1, vk_key_str(&k[i], buf, sizeof(buf)), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, r->uuid, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	return rc;
}

static int put_keys(struct vk_store *s, const struct vk_amap *m, char **only, size_t n)
{
	sqlite3_stmt *st, *del = NULL;
	struct vk_arec *r;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO akey (k, uuid) VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	if (only && sqlite3_prepare_v2(s->db, "DELETE FROM akey WHERE uuid = ?", -1, &del,
				       NULL) != SQLITE_OK)
		rc = -1;
	if (only) {
		for (i = 0; i < n && !rc; i++) {
			sqlite3_bind_text(del, 1, only[i], -1, SQLITE_STATIC);
			rc = sqlite3_step(del) == SQLITE_DONE ? 0 : -1;
			sqlite3_reset(del);
			if (!rc && (r = vk_amap_get(m, only[i])))
				rc = put_keys_one(st, r);
		}
	} else {
		vk_amap_foreach(m, r)
			if (!rc)
				rc = put_keys_one(st, r);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

static int put_all(struct vk_store *s, const struct vk_amap *m, char **only, size_t n)
{
	sqlite3_stmt *st;
	struct vk_arec *r;
	size_t i = 0;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO attribute (uuid, type, value,"
			       " event_uuid, category, extra) VALUES (?,?,?,?,?,?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	if (only) {
		for (i = 0; i < n && !rc; i++)
			if ((r = vk_amap_get(m, only[i])))
				rc = put_one(st, r);
	} else {
		rc = put_sorted(st, m);
	}
	sqlite3_finalize(st);
	return rc ? rc : put_keys(s, m, only, n);
}

int vk_store_replace(struct vk_store *s, const struct vk_amap *m)
{
	if (exec(s, "BEGIN; DELETE FROM attribute; DELETE FROM akey;"))
		return -1;
	if (put_all(s, m, NULL, 0)) {
		exec(s, "ROLLBACK;");
		return -1;
	}
	return exec(s, "COMMIT;");
}

/* Run sql (one ?1) for each uuid. 0 or -1. */
static int each_uuid(struct vk_store *s, const char *sql, char **uuids, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; !rc && i < n; i++) {
		sqlite3_bind_text(st, 1, uuids[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int vk_store_delta(struct vk_store *s, const struct vk_amap *m, char **upserts, size_t nup,
		   char **deletes, size_t ndel)
{
	int rc;

	if (exec(s, "BEGIN;"))
		return -1;
	rc = each_uuid(s, "DELETE FROM attribute WHERE uuid = ?1", deletes, ndel);
	if (!rc)
		rc = each_uuid(s, "DELETE FROM akey WHERE uuid = ?1", deletes, ndel);
	if (!rc)
		rc = put_all(s, m, upserts, nup);
	if (rc) {
		exec(s, "ROLLBACK;");
		return -1;
	}
	return exec(s, "COMMIT;");
}

int64_t vk_store_get(struct vk_store *s, const char *key, int64_t dflt)
{
	sqlite3_stmt *st;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return dflt;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int vk_store_set(struct vk_store *s, const char *key, int64_t v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES (?, ?)", -1, &st,
			       NULL) != SQLITE_OK) {
		vk_warn("state database: cannot store %s: %s", key, sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc)	/* each key's loss is harmless but worth knowing: an older
		 * cursor re-reads, an older generation pushes again */
		vk_warn("state database: cannot store %s: %s", key, sqlite3_errmsg(s->db));
	return rc;
}

int vk_store_refusals(struct vk_store *s, const struct vk_refusal *ref, size_t n, int64_t now)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (!n)
		return 0;
	if (exec(s, "BEGIN;"))
		return -1;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO refusal VALUES (?,?,?,?,?)", -1,
			       &st, NULL) != SQLITE_OK) {
		exec(s, "ROLLBACK;");
		return -1;
	}
	for (i = 0; i < n && !rc; i++) {
		sqlite3_bind_text(st, 1, ref[i].uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ref[i].value, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ref[i].why, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ref[i].event_uuid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return exec(s, rc ? "ROLLBACK;" : "COMMIT;") || rc;
}

int vk_store_event(struct vk_store *s, const char *uuid, const char *info, int threat_level,
		   const char *date, const char *tags, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO event VALUES (?,?,?,?,?,?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, info, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, threat_level);
	sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, tags, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

