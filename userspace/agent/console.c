// SPDX-License-Identifier: GPL-2.0-only
/*
 * The console side of vardkased: requests from vardkasectl
 * (proto/console.proto), answered from the sightings store, the indicator
 * set (agent.db, attached) and what the threads share. Every message's
 * size is checked before it is unpacked (vk_ipc_recv).
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "amap.h"
#include "console.pb-c.h"
#include "evloop.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_log.h"
#include "../lib/vk_key.h"
#include "../lib/vk_misp.h"

#define ROWS_PER_MSG 100	/* and no more than fit VK_IPC_MAX_MSG */
#define MSG_ROOM (VK_IPC_MAX_MSG - 1024)
#define INFO_MAX 4096		/* an event's info as shown: one row always fits */

void vk_console_close(struct vk_evloop *e, int i)
{
	close(e->cl[i].fd);
	memset(&e->cl[i], 0, sizeof(e->cl[i]));
	e->cl[i].fd = -1;
}

static void send_resp(struct vk_evloop *e, int i, Vardkase__Console__Response *r)
{
	/* a console that does not read is dropped rather than waited for */
	if (vk_ipc_send(e->cl[i].fd, &r->base, MSG_DONTWAIT))
		vk_console_close(e, i);
}

static void send_error(struct vk_evloop *e, int i, const char *msg)
{
	Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
	Vardkase__Console__Error m = VARDKASE__CONSOLE__ERROR__INIT;

	m.message = (char *)msg;
	r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_ERROR;
	r.error = &m;
	send_resp(e, i, &r);
}

/* The first column of the first row; arg (may be NULL) binds ?1. */
static int64_t one_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- tags ------------------------------------------------------------- */

/* Split "a\x1eb" (event tags) and the tags part of an attribute's extra
 * ("comment\x1fa\x1eb") into out; returns the count. The strictest TLP
 * tag of either goes to *tlp (an attribute's tlp:red in a tlp:green event
 * is red). Strings point into buf. */
static size_t split_tags(const char *etags, const char *extra, char *buf, size_t len,
			 char **out, size_t max, char **tlp)
{
	const char *at = extra ? strchr(extra, 0x1f) : NULL;
	char *p, *save = NULL;
	size_t n = 0;

	snprintf(buf, len, "%s\x1e%s", etags ? etags : "", at ? at + 1 : "");
	*tlp = "";
	for (p = strtok_r(buf, "\x1e", &save); p && n < max; p = strtok_r(NULL, "\x1e", &save)) {
		out[n++] = p;
		if (strncasecmp(p, "tlp:", 4))
			continue;
		/* an unknown tlp: tag is shown only when there is no other */
		if (!**tlp || vk_tlp_rank(p) > vk_tlp_rank(*tlp))
			*tlp = p;
	}
	return n;
}

/* ---- sightings -------------------------------------------------------- */

struct srow {
	Vardkase__Console__Sighting m;
	char *tags[16];
	char tagbuf[2048];
	char comment[256];
};

static const char sight_cols[] =
	"SELECT s.id, s.first_seen, s.last_seen, s.local, s.remote, s.value, s.type,"
	" s.matched_on, s.name, s.count, s.attribute_uuid, a.category, a.extra, s.event_uuid,"
	" e.info, e.threat_level, e.date, e.tags, s.encap, s.outer_src, s.outer_dst, s.tunnel_id"
	" FROM sighting s"
	" LEFT JOIN ind.attribute a ON a.uuid = s.attribute_uuid"
	" LEFT JOIN ind.event e ON e.uuid = s.event_uuid";

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

/* Fill r from the current row; strings are copied into the row's
 * SQLite-owned memory only until the next step, so they are duplicated. */
static void row_to_msg(sqlite3_stmt *st, struct srow *r)
{
	Vardkase__Console__Sighting *m = &r->m;
	const char *extra = col(st, 12), *sep = strchr(extra, 0x1f);
	char *tlp;

	vardkase__console__sighting__init(m);
	m->id = (uint64_t)sqlite3_column_int64(st, 0);
	m->first_seen = sqlite3_column_int64(st, 1);
	m->last_seen = sqlite3_column_int64(st, 2);
	m->local = strdup(col(st, 3));
	m->remote = strdup(col(st, 4));
	m->indicator = strdup(col(st, 5));
	m->type = (char *)vk_misp_type_name((enum vk_misp_type)sqlite3_column_int(st, 6));
	m->matched_on = strdup(col(st, 7));
	m->name = strdup(col(st, 8));
	m->count = (uint64_t)sqlite3_column_int64(st, 9);
	m->attribute_uuid = strdup(col(st, 10));
	m->category = (char *)vk_category_name((uint8_t)sqlite3_column_int(st, 11));
	snprintf(r->comment, sizeof(r->comment), "%.*s", sep ? (int)(sep - extra) : 0, extra);
	m->comment = r->comment;
	m->event_uuid = strdup(col(st, 13));
	m->event_info = strndup(col(st, 14), INFO_MAX);
	m->threat_level = (uint32_t)sqlite3_column_int(st, 15);
	m->event_date = strdup(col(st, 16));
	m->n_tags = split_tags(col(st, 17), extra, r->tagbuf, sizeof(r->tagbuf), r->tags, 16,
			       &tlp);
	m->tags = r->tags;
	m->tlp = tlp;
	m->encap = strdup(col(st, 18));
	m->outer_src = strdup(col(st, 19));
	m->outer_dst = strdup(col(st, 20));
	m->tunnel_id = (uint32_t)sqlite3_column_int64(st, 21);
}

static void row_free(struct srow *r)
{
	Vardkase__Console__Sighting *m = &r->m;

	free(m->local);
	free(m->remote);
	free(m->indicator);
	free(m->matched_on);
	free(m->name);
	free(m->attribute_uuid);
	free(m->event_uuid);
	free(m->event_info);
	free(m->event_date);
	free(m->encap);
	free(m->outer_src);
	free(m->outer_dst);
}

int64_t vk_console_cutoff(int64_t now, uint64_t since_s)
{
	return now <= 0 || since_s >= (uint64_t)now ? 0 : now - (int64_t)since_s;
}

/* The WHERE clause names only the filters given, so SQLite picks the
 * index that serves the filter and the newest-first order. */
static sqlite3_stmt *sight_query(sqlite3 *db, const Vardkase__Console__SightingsQuery *q,
				 const int64_t *ids, int nids, unsigned limit)
{
	char sql[2048];
	size_t n = (size_t)snprintf(sql, sizeof(sql), "%s WHERE 1", sight_cols);
	sqlite3_stmt *st;
	int i;

	if (q->since_s)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND s.last_seen >= ?1");
	if (q->host && *q->host)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND s.local = ?2");
	if (q->indicator && *q->indicator)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND s.value = ?3");
	if (q->event_uuid && *q->event_uuid)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND s.event_uuid = ?4");
	if (nids) {
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND s.id IN (");
		for (i = 0; i < nids && n < sizeof(sql) - 64; i++)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%lld", i ? "," : "",
					      (long long)ids[i]);
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, ")");
	}
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY s.last_seen DESC, s.id DESC LIMIT %u",
		 limit);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		vk_err("console: %s", sqlite3_errmsg(db));
		return NULL;
	}
	sqlite3_bind_int64(st, 1, vk_console_cutoff((int64_t)time(NULL), q->since_s));
	sqlite3_bind_text(st, 2, q->host ? q->host : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, q->indicator ? q->indicator : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, q->event_uuid ? q->event_uuid : "", -1, SQLITE_TRANSIENT);
	return st;
}

/* Move a filled row: its message points into the row itself (tags,
 * comment), so those pointers follow it. */
static void move_row(struct srow *dst, struct srow *src)
{
	size_t k;

	*dst = *src;
	for (k = 0; k < dst->m.n_tags; k++)
		dst->tags[k] = dst->tagbuf + (src->tags[k] - src->tagbuf);
	dst->m.tags = dst->tags;
	dst->m.comment = dst->comment;
	if (src->m.tlp >= src->tagbuf && src->m.tlp < src->tagbuf + sizeof(src->tagbuf))
		dst->m.tlp = dst->tagbuf + (src->m.tlp - src->tagbuf);
}

/* Rows of st in messages of at most ROWS_PER_MSG rows and MSG_ROOM bytes
 * (long event info and many tags once made a message pass the cap, and
 * the answer was lost); follow: one update each. A row that does not fit
 * opens the next message. */
static void send_rows(struct vk_evloop *e, int i, sqlite3_stmt *st, int as_updates)
{
	struct srow *rows = calloc(ROWS_PER_MSG + 1, sizeof(*rows));
	Vardkase__Console__Sighting *ptr[ROWS_PER_MSG + 1];
	int n = 0, rc = SQLITE_ROW, k, last = 0, carry = 0;

	if (!rows) {
		send_error(e, i, "out of memory");
		return;
	}
	while (!last && e->cl[i].fd >= 0) {
		Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
		Vardkase__Console__Sightings m = VARDKASE__CONSOLE__SIGHTINGS__INIT;

		size_t bytes = 0;

		n = 0;
		if (carry) {	/* the row that did not fit the previous message */
			move_row(&rows[0], &rows[ROWS_PER_MSG]);
			ptr[0] = &rows[0].m;
			bytes = vardkase__console__sighting__get_packed_size(ptr[0]) + 8;
			n = 1;
			carry = 0;
		}
		while (n < ROWS_PER_MSG && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			size_t len;

			row_to_msg(st, &rows[n]);
			len = vardkase__console__sighting__get_packed_size(&rows[n].m) + 8;
			if (n && bytes + len > MSG_ROOM) {
				move_row(&rows[ROWS_PER_MSG], &rows[n]);
				carry = 1;
				break;
			}
			ptr[n] = &rows[n].m;
			bytes += len;
			n++;
		}
		last = !carry && (n < ROWS_PER_MSG || rc != SQLITE_ROW);
		if (as_updates) {
			for (k = 0; k < n && e->cl[i].fd >= 0; k++) {
				r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_UPDATE;
				r.update = ptr[k];
				send_resp(e, i, &r);
			}
		} else {
			m.n_sighting = (size_t)n;
			m.sighting = ptr;
			m.more = !last;
			r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_SIGHTINGS;
			r.sightings = &m;
			send_resp(e, i, &r);
		}
		for (k = 0; k < n; k++)
			row_free(&rows[k]);
	}
	if (carry)	/* the client went away with a row still waiting */
		row_free(&rows[ROWS_PER_MSG]);
	free(rows);
}

static void on_sightings(struct vk_evloop *e, int i, const Vardkase__Console__SightingsQuery *q)
{
	unsigned limit = q->limit ? q->limit : 100;
	struct vk_console_client *c = &e->cl[i];
	sqlite3_stmt *st = sight_query(e->s.db, q, NULL, 0, limit > 100000 ? 100000 : limit);

	if (!st) {
		send_error(e, i, "the sightings store cannot answer; see the agent's log");
		return;
	}
	send_rows(e, i, st, 0);
	sqlite3_finalize(st);
	if (q->follow && c->fd >= 0) {
		c->follow = 1;
		snprintf(c->host, sizeof(c->host), "%s", q->host ? q->host : "");
		snprintf(c->indicator, sizeof(c->indicator), "%s", q->indicator ? q->indicator : "");
		snprintf(c->event, sizeof(c->event), "%s", q->event_uuid ? q->event_uuid : "");
	}
}

void vk_console_follow(struct vk_evloop *e)
{
	int i;

	for (i = 0; i < VK_CONSOLE_CLIENTS; i++) {
		Vardkase__Console__SightingsQuery q = VARDKASE__CONSOLE__SIGHTINGS_QUERY__INIT;
		sqlite3_stmt *st;

		if (e->cl[i].fd < 0 || !e->cl[i].follow)
			continue;
		q.host = e->cl[i].host;
		q.indicator = e->cl[i].indicator;
		q.event_uuid = e->cl[i].event;
		st = sight_query(e->s.db, &q, e->updated, e->nupdated, 1000);
		if (st)
			send_rows(e, i, st, 1);
		sqlite3_finalize(st);
	}
}

/* ---- indicator -------------------------------------------------------- */

struct irow {
	Vardkase__Console__Indicator m;
	char *tags[16];
	char tagbuf[2048];
	char why[300];
};

static void ind_row(struct vk_evloop *e, sqlite3_stmt *st, struct irow *r)
{
	Vardkase__Console__Indicator *m = &r->m;
	char *tlp;

	vardkase__console__indicator__init(m);
	m->attribute_uuid = strdup(col(st, 0));
	m->type = (char *)vk_misp_type_name((enum vk_misp_type)sqlite3_column_int(st, 1));
	m->value = strdup(col(st, 2));
	m->event_uuid = strdup(col(st, 3));
	m->event_info = strdup(col(st, 4));
	m->n_tags = split_tags(col(st, 5), col(st, 6), r->tagbuf, sizeof(r->tagbuf), r->tags, 16,
			       &tlp);
	m->tags = r->tags;
	m->tlp = tlp;
	m->enforced = 1;
	m->why_not = "";
	if (one_int(e->s.db, "SELECT count(*) FROM suppress WHERE attribute_uuid = ?1",
		    m->attribute_uuid)) {
		m->enforced = 0;
		m->why_not = "marked a false positive on this box (vardkasectl fp)";
	}
	m->matches = (uint64_t)one_int(e->s.db, "SELECT base + last FROM counter"
				       " WHERE attribute_uuid = ?1", m->attribute_uuid);
}

static void ind_free(struct irow *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].m.attribute_uuid);
		free(r[i].m.value);
		free(r[i].m.event_uuid);
		free(r[i].m.event_info);
	}
}

#define IND_VALUE_MAX 1024	/* longer is no indicator: refused before any work */

/* A key to look up: k exactly, or (range) every key from k up to hi;
 * domain_only: a parent name counts only as a domain (a hostname covers
 * one name). */
struct cand {
	char k[300], hi[300];
	int range, domain_only;
};

/*
 * The keys that would match value, most specific first: as an address,
 * itself, its ip|port keys and every prefix that covers it (a /24 covers
 * its addresses); as an ip|port, itself and its address's; as a name,
 * itself and its parents as domains. At most 3 + 113 (IPv6) or 128
 * (labels) lookups, each by index.
 */
static size_t candidates(const char *value, struct cand *c, size_t max)
{
	struct vk_key k, p;
	const char *why;
	size_t n = 0;
	int full, len;

	if (!vk_key_ip_port(value, &k, &why)) {
		vk_key_str(&k, c[n++].k, sizeof(c[0].k));
		k.kind = k.kind == VK_KIND_V4PORT ? VK_KIND_V4 : VK_KIND_V6;
		k.plen = k.kind == VK_KIND_V4 ? 32 : 128;
		k.port = 0;
	} else if (vk_key_ip(value, &k, &why)) {
		if (vk_key_name(value, VK_KIND_DOMAIN, &k, &why))
			return 0;
		snprintf(c[n++].k, sizeof(c[0].k), "%s", k.name);
		for (const char *dot = strchr(k.name, '.'); dot && strchr(dot + 1, '.') && n < max;
		     dot = strchr(dot + 1, '.')) {
			snprintf(c[n].k, sizeof(c[0].k), "%s", dot + 1);
			c[n++].domain_only = 1;
		}
		return n;
	}
	full = k.kind == VK_KIND_V4 ? 32 : 128;
	if (k.plen == full && n < max) {	/* an address: its ip|port keys too */
		vk_key_str(&k, c[n].k, sizeof(c[0].k));
		snprintf(c[n].hi, sizeof(c[0].hi), "%.290s}", c[n].k);	/* '}' follows '|' */
		strncat(c[n].k, "|", sizeof(c[0].k) - strlen(c[n].k) - 1);
		c[n++].range = 1;
	}
	for (len = k.plen; len >= (k.kind == VK_KIND_V4 ? 8 : 16) && n < max; len--) {
		int i;

		p = k;
		p.plen = (uint8_t)len;
		for (i = 0; i < 16; i++) {
			int bits = len - 8 * i;

			p.addr[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		}
		vk_key_str(&p, c[n++].k, sizeof(c[0].k));
	}
	return n;
}

/* Enforced attributes with a key that matches value (by the key index),
 * then (refused) what a pull saw and did not enforce, by its value.
 * Returns the rows filled. */
static size_t ind_lookup(struct vk_evloop *e, const char *value, struct irow *rows,
			 Vardkase__Console__Indicator **ptr, size_t max)
{
	enum { MAXC = 160 };
	struct cand *c = calloc(MAXC, sizeof(*c));
	sqlite3_stmt *st = NULL, *rg = NULL;
	size_t n = 0, nc, j, k;

	if (!c)
		return 0;
	nc = candidates(value, c, MAXC);
	if (sqlite3_prepare_v2(e->s.db,
			       "SELECT a.uuid, a.type, a.value, a.event_uuid, e.info, e.tags, a.extra"
			       " FROM ind.akey k JOIN ind.attribute a ON a.uuid = k.uuid"
			       " LEFT JOIN ind.event e ON e.uuid = a.event_uuid"
			       " WHERE k.k = ?1 AND (?2 = 0 OR a.type = ?2)", -1, &st, NULL) ||
	    sqlite3_prepare_v2(e->s.db,
			       "SELECT a.uuid, a.type, a.value, a.event_uuid, e.info, e.tags, a.extra"
			       " FROM ind.akey k JOIN ind.attribute a ON a.uuid = k.uuid"
			       " LEFT JOIN ind.event e ON e.uuid = a.event_uuid"
			       " WHERE k.k > ?1 AND k.k < ?2 LIMIT 32", -1, &rg, NULL))
		nc = 0;
	for (j = 0; j < nc && n < max; j++) {
		sqlite3_stmt *q = c[j].range ? rg : st;

		/* a parent name only when nothing nearer matched */
		if (c[j].domain_only && n)
			break;
		sqlite3_bind_text(q, 1, c[j].k, -1, SQLITE_STATIC);
		if (c[j].range)
			sqlite3_bind_text(q, 2, c[j].hi, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int(q, 2, c[j].domain_only ? VK_T_DOMAIN : 0);
		while (n < max && sqlite3_step(q) == SQLITE_ROW) {
			for (k = 0; k < n; k++)	/* one row per attribute */
				if (!strcmp(rows[k].m.attribute_uuid, col(q, 0)))
					break;
			if (k < n)
				continue;
			ind_row(e, q, &rows[n]);
			ptr[n] = &rows[n].m;
			n++;
		}
		sqlite3_reset(q);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(rg);
	free(c);
	if (n || sqlite3_prepare_v2(e->s.db,
				    "SELECT r.uuid, 0, r.value, r.event_uuid, e.info, e.tags, '', r.why"
				    " FROM ind.refusal r LEFT JOIN ind.event e ON e.uuid = r.event_uuid"
				    " WHERE r.value = ?1", -1, &st, NULL) != SQLITE_OK)
		return n;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		ind_row(e, st, &rows[n]);
		rows[n].m.enforced = 0;
		snprintf(rows[n].why, sizeof(rows[n].why), "%s", col(st, 7));
		rows[n].m.why_not = rows[n].why;
		rows[n].m.type = "";
		ptr[n] = &rows[n].m;
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

static void on_indicator(struct vk_evloop *e, int i, const char *value)
{
	enum { MAXI = 32 };
	Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
	Vardkase__Console__Indicators m = VARDKASE__CONSOLE__INDICATORS__INIT;
	Vardkase__Console__Indicator *ptr[MAXI];
	struct irow *rows;
	size_t n;

	if (!value || !*value) {
		send_error(e, i, "no value given");
		return;
	}
	if (strlen(value) > IND_VALUE_MAX) {
		send_error(e, i, "value longer than 1024 characters: no indicator is");
		return;
	}
	rows = calloc(MAXI, sizeof(*rows));
	if (!rows) {
		send_error(e, i, "out of memory");
		return;
	}
	n = ind_lookup(e, value, rows, ptr, MAXI);
	if (!n) {
		vardkase__console__indicator__init(&rows[0].m);
		rows[0].m.value = strdup(value);
		rows[0].m.attribute_uuid = strdup("");
		rows[0].m.event_uuid = strdup("");
		rows[0].m.event_info = strdup("");
		rows[0].m.why_not = "unknown: no pull returned it (not published, not to_ids, on "
				    "one of MISP's warninglists, or not shared with this box)";
		ptr[n++] = &rows[0].m;
	}
	m.n_indicator = n;
	m.indicator = ptr;
	r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_INDICATORS;
	r.indicators = &m;
	send_resp(e, i, &r);
	ind_free(rows, n);
	free(rows);
}

/* ---- status ----------------------------------------------------------- */

static uint64_t file_size(const char *dir, const char *name)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static void on_status(struct vk_evloop *e, int i)
{
	static const char *const files[] = { "agent.db", "agent.db-wal", "sightings.db",
					     "sightings.db-wal" };
	Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
	Vardkase__Console__Status m = VARDKASE__CONSOLE__STATUS__INIT;
	Vardkase__Console__Count ct[VK_T_MAX + VK_SH_REASONS], *pt[VK_T_MAX], *pr[VK_SH_REASONS];
	struct vk_shared *sh = e->sh;
	char ifs[256], *ifv[16], *save = NULL, *p, result[512], uperr[512];
	struct statvfs vfs;
	size_t k, nt = 0, nr = 0;

	snprintf(ifs, sizeof(ifs), "%s", e->dp.interfaces);
	for (p = strtok_r(ifs, ",", &save); p && m.n_interface < 16; p = strtok_r(NULL, ",", &save))
		ifv[m.n_interface++] = p;
	m.interface = ifv;
	m.dataplane_attached = e->dp_fd >= 0 && e->dp.attached;
	m.packets_per_s = e->dp.pps;
	m.drops = e->dp.drops;
	m.dataplane_generation = e->dp.generation;
	pthread_mutex_lock(&sh->mu);
	for (k = 1; k < VK_T_MAX; k++) {
		if (!sh->by_type[k])
			continue;
		vardkase__console__count__init(&ct[nt]);
		ct[nt].name = (char *)vk_misp_type_name((enum vk_misp_type)k);
		ct[nt].value = sh->by_type[k];
		pt[nt] = &ct[nt];
		nt++;
	}
	for (k = 0; k < (size_t)sh->nreasons; k++, nr++) {
		vardkase__console__count__init(&ct[VK_T_MAX + nr]);
		ct[VK_T_MAX + nr].name = sh->reason[k];
		ct[VK_T_MAX + nr].value = sh->reason_n[k];
		pr[nr] = &ct[VK_T_MAX + nr];
	}
	m.last_sync = sh->last_sync;
	snprintf(result, sizeof(result), "%s", sh->last_result);
	m.generation = sh->generation;
	m.last_upload = sh->last_upload;
	snprintf(uperr, sizeof(uperr), "%s", sh->upstream_error);
	pthread_mutex_unlock(&sh->mu);
	m.n_indicators_by_type = nt;
	m.indicators_by_type = pt;
	m.n_refused_by_reason = nr;
	m.refused_by_reason = pr;
	m.last_sync_result = result;
	m.upstream_error = uperr;
	m.spool_depth = (uint64_t)one_int(e->s.db, "SELECT count(*) FROM spool WHERE sent = 0", NULL);
	m.spool_set_aside = (uint64_t)one_int(e->s.db, "SELECT count(*) FROM spool WHERE sent = 2",
					      NULL);
	m.sightings_stored = (uint64_t)one_int(e->s.db, "SELECT count(*) FROM sighting", NULL);
	m.cert_days_left = e->cert_expiry ? (e->cert_expiry - (int64_t)time(NULL)) / 86400 : -1;
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++)
		m.db_bytes += file_size(e->c->state_dir, files[k]);
	if (!statvfs(e->c->state_dir, &vfs))
		m.disk_free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	m.detail_paused = e->s.paused;
	m.report_mode = e->c->report ? "aggregate" : "off";
	m.counted_matches = e->s.counted;
	r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_STATUS;
	r.status = &m;
	send_resp(e, i, &r);
}

/* ---- sync, fp --------------------------------------------------------- */

void vk_console_sync_done(struct vk_evloop *e)
{
	Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
	Vardkase__Console__SyncResult m = VARDKASE__CONSOLE__SYNC_RESULT__INIT;
	char summary[512];
	uint64_t seq;
	int i;

	pthread_mutex_lock(&e->sh->mu);
	seq = e->sh->sync_seq;
	m.ok = e->sh->last_ok;
	m.generation = e->sh->generation;
	snprintf(summary, sizeof(summary), "%s", e->sh->last_result);
	pthread_mutex_unlock(&e->sh->mu);
	m.summary = summary;
	r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_SYNC;
	r.sync = &m;
	for (i = 0; i < VK_CONSOLE_CLIENTS; i++)
		if (e->cl[i].fd >= 0 && e->cl[i].sync_seq && seq >= e->cl[i].sync_seq) {
			e->cl[i].sync_seq = 0;
			send_resp(e, i, &r);
		}
}

static void on_sync(struct vk_evloop *e, int i)
{
	pthread_mutex_lock(&e->sh->mu);
	e->cl[i].sync_seq = e->sh->sync_seq + 1;
	pthread_mutex_unlock(&e->sh->mu);
	vk_kick(e->sh->sync_kick);
}

static void on_fp(struct vk_evloop *e, int i, uint64_t id)
{
	Vardkase__Console__Response r = VARDKASE__CONSOLE__RESPONSE__INIT;
	Vardkase__Console__FpResult m = VARDKASE__CONSOLE__FP_RESULT__INIT;
	char attr[40] = "", value[256] = "";
	int reported = 0, rc;

	rc = vk_sight_fp(&e->s, (int64_t)id, (int64_t)time(NULL), attr, value, &reported);
	if (rc == -ENOENT) {
		send_error(e, i, "no such sighting (see vardkasectl sightings for the ids)");
		return;
	}
	if (rc) {
		send_error(e, i, "the sightings store refused the change; see the agent's log");
		return;
	}
	vk_info("console: %s (%s) marked a false positive; it stops matching%s", value, attr,
		reported ? " and MISP gets a false-positive sighting" : "");
	vk_kick(e->sh->suppress_kick);
	if (reported)
		vk_kick(e->sh->upstream_kick);
	m.attribute_uuid = attr;
	m.value = value;
	m.reported = reported;
	r.msg_case = VARDKASE__CONSOLE__RESPONSE__MSG_FP;
	r.fp = &m;
	send_resp(e, i, &r);
}

void vk_console_request(struct vk_evloop *e, int i)
{
	static uint8_t buf[VK_IPC_MAX_MSG];
	Vardkase__Console__Request *rq;
	long n = vk_ipc_recv(e->cl[i].fd, buf);

	if (n == -EAGAIN)
		return;
	if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
		vk_console_close(e, i);
		return;
	}
	if (n == -EMSGSIZE || !(rq = vardkase__console__request__unpack(NULL, (size_t)n, buf))) {
		send_error(e, i, n < 0 ? "message larger than the limit" : "not a valid Request");
		return;
	}
	switch (rq->msg_case) {
	case VARDKASE__CONSOLE__REQUEST__MSG_STATUS:
		on_status(e, i);
		break;
	case VARDKASE__CONSOLE__REQUEST__MSG_SIGHTINGS:
		on_sightings(e, i, rq->sightings);
		break;
	case VARDKASE__CONSOLE__REQUEST__MSG_INDICATOR:
		on_indicator(e, i, rq->indicator->value);
		break;
	case VARDKASE__CONSOLE__REQUEST__MSG_SYNC:
		on_sync(e, i);
		break;
	case VARDKASE__CONSOLE__REQUEST__MSG_FP:
		on_fp(e, i, rq->fp->sighting_id);
		break;
	default:
		send_error(e, i, "empty Request");
	}
	vardkase__console__request__free_unpacked(rq, NULL);
}
