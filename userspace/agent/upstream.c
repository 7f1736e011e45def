// SPDX-License-Identifier: GPL-2.0-only
#include <jansson.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "upstream.h"
#include "../lib/vk_https.h"
#include "../lib/vk_log.h"

struct batch {
	char event[40];
	char (*uuid)[37];
	size_t n;
};

/* The oldest pending sightings of the oldest pending event. */
static json_t *load_batch(struct vk_upstream *u, struct batch *b)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if (sqlite3_prepare_v2(u->db, "SELECT uuid, attribute_uuid, event_uuid, date_sighting,"
			       " type FROM spool WHERE sent = 0 AND event_uuid = (SELECT event_uuid"
			       " FROM spool WHERE sent = 0 ORDER BY created, rowid LIMIT 1)"
			       " ORDER BY created, rowid LIMIT ?", -1, &st, NULL) != SQLITE_OK) {
		json_decref(arr);
		return NULL;
	}
	sqlite3_bind_int(st, 1, (int)u->c->batch);
	b->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && b->n < u->c->batch) {
		char date[24], type[4];

		snprintf(b->event, sizeof(b->event), "%s", sqlite3_column_text(st, 2));
		snprintf(b->uuid[b->n], 37, "%s", sqlite3_column_text(st, 0));
		snprintf(date, sizeof(date), "%lld", (long long)sqlite3_column_int64(st, 3));
		snprintf(type, sizeof(type), "%d", sqlite3_column_int(st, 4));
		/* every key present: MISP saves nothing if one is missing */
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"uuid", b->uuid[b->n], "attribute_uuid", sqlite3_column_text(st, 1),
			"date_sighting", date, "type", type, "source", u->source));
		b->n++;
	}
	sqlite3_finalize(st);
	return arr;
}

/* Mark a batch: sent = 1, confirmed by MISP; sent = 2, set aside (its
 * event is gone or no longer visible: kept, counted, never retried). */
static int mark(struct vk_upstream *u, const struct batch *b, int sent)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (sqlite3_exec(u->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(u->db, "UPDATE spool SET sent = ?3, sent_at = ?1 WHERE uuid = ?2", -1,
			       &st, NULL) != SQLITE_OK) {
		sqlite3_exec(u->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < b->n && !rc; i++) {
		sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
		sqlite3_bind_text(st, 2, b->uuid[i], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, sent);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return sqlite3_exec(u->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) == SQLITE_OK &&
	       !rc ? 0 : -1;
}

/*
 * MISP's verdict: {"saved": true, "success": "2 sightings added."}, or
 * saved false with "No sightings added." when every uuid was already held
 * (a resend after a crash). The same false answers a batch with missing
 * keys, which this sender never builds, so both mean "the platform holds
 * them". Anything else is an error.
 */
int vk_upstream_verdict(const struct vk_http_resp *r, char *what, size_t len, char *err,
			size_t errlen)
{
	json_t *j;
	const char *msg;

	if (r->status == 429) {
		snprintf(err, errlen, "MISP rate limit (HTTP 429)");
		return -1;
	}
	if (r->status != 200) {
		snprintf(err, errlen, "MISP answered HTTP %d", r->status);
		return -1;
	}
	j = json_loadb(r->body, r->len, 0, NULL);
	if (!json_is_boolean(json_object_get(j, "saved"))) {
		msg = json_string_value(json_object_get(j, "message"));
		snprintf(err, errlen, "MISP did not confirm the sightings%s%s", msg ? ": " : "",
			 msg ? msg : "");
		json_decref(j);
		return -1;
	}
	snprintf(what, len, "%s", json_string_value(json_object_get(j, "success")) ?: "");
	json_decref(j);
	return 0;
}

int vk_upstream_send(struct vk_upstream *u, char *err, size_t errlen)
{
	const char *hdr[] = { u->auth, "Accept: application/json",
			      "Content-Type: application/json", NULL };
	struct batch b = { .uuid = calloc(u->c->batch, 37) };
	struct vk_http_resp r = { 0 };
	char path[128], what[128];
	json_t *arr;
	char *body;
	int rc = -1;

	arr = b.uuid ? load_batch(u, &b) : NULL;
	if (!arr) {
		snprintf(err, errlen, "spool: %s", sqlite3_errmsg(u->db));
		free(b.uuid);
		return -1;
	}
	if (!b.n) {
		json_decref(arr);
		free(b.uuid);
		return 0;
	}
	/* a set-aside batch returns 0 as well: the loop goes on at once */
	body = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	snprintf(path, sizeof(path), "/sightings/bulkSaveSightings/%s", b.event);
	u->retry_after = 0;
	u->set_aside = 0;
	if (body && !vk_https_request(u->h, "POST", path, hdr, body, strlen(body), &r, err,
				      errlen)) {
		if (r.status == 405) {
			/* MISP: "Event not found or not accessible by this user."
			 * (deleted, or no longer shared with this box). Retrying
			 * it would block every sighting spooled after it. */
			if (mark(u, &b, 2))
				snprintf(err, errlen, "spool: cannot set aside: %s",
					 sqlite3_errmsg(u->db));
			else {
				vk_warn("upstream: event %s is gone or not visible to this box (HTTP"
					" 405): its %zu sightings are set aside (kept, shown in"
					" status), the rest go on", b.event, b.n);
				rc = 0;
				u->set_aside = 1;
			}
		} else if (!vk_upstream_verdict(&r, what, sizeof(what), err, errlen)) {
			if (mark(u, &b, 1))
				snprintf(err, errlen, "spool: cannot mark sent: %s",
					 sqlite3_errmsg(u->db));
			else
				rc = (int)b.n;
		} else if (r.status == 429) {
			u->retry_after = r.rate_limit_reset > 0 ? r.rate_limit_reset : 300;
		}
	}
	if (rc > 0)
		vk_info("upstream: %zu sightings of event %s confirmed (%s)", b.n, b.event, what);
	free(r.body);
	free(body);
	free(b.uuid);
	return rc;
}

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait secs, or less when something is spooled (a kick) -- unless hard:
 * a back-off after an error, or the platform's rate limit, is waited out
 * whole, however often the event loop kicks (it does every 5 s with the
 * counters). Returns 1 at stop. */
static int wait_kick(struct vk_upstream *u, unsigned secs, int hard)
{
	struct pollfd p = { .fd = u->sh->upstream_kick, .events = POLLIN };
	int64_t until = mono_ms() + (int64_t)secs * 1000, left;

	while (!atomic_load(&u->sh->stop) && (left = until - mono_ms()) > 0) {
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) > 0) {
			vk_drain(u->sh->upstream_kick);
			if (!hard)
				break;
		}
	}
	return atomic_load(&u->sh->stop);
}

void *vk_upstream_main(void *arg)
{
	struct vk_upstream *u = arg;
	unsigned delay = 0, back = 5;
	int hard = 0;
	char err[512];
	int n;

	while (!wait_kick(u, delay, hard)) {
		if (!u->c->report) {
			delay = 3600;
			continue;
		}
		n = vk_upstream_send(u, err, sizeof(err));
		pthread_mutex_lock(&u->sh->mu);
		if (n > 0)
			u->sh->last_upload = (int64_t)time(NULL);
		if (n >= 0)
			u->sh->upstream_error[0] = 0;
		else
			snprintf(u->sh->upstream_error, sizeof(u->sh->upstream_error), "%s", err);
		pthread_mutex_unlock(&u->sh->mu);
		hard = n < 0;
		if (n < 0) {
			delay = u->retry_after > 0 ? (unsigned)u->retry_after : back;
			vk_warn("upstream: %s; the sightings stay spooled, next try in %u s", err,
				delay);
			if (!u->retry_after)
				back = back * 2 > 300 ? 300 : back * 2;
		} else {
			back = 5;
			/* drain a backlog without pause */
			delay = n > 0 || u->set_aside ? 0 : 5;
		}
	}
	return NULL;
}
