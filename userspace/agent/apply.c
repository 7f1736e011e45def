// SPDX-License-Identifier: GPL-2.0-only
/*
 * One sync of the agent (agent.h): pull from MISP, apply to the set, push
 * to the dataplane (a full pull streams its pages as they come), store in
 * agent.db (a thread of its own), fetch the events' metadata, publish what
 * status shows. Run by vardkased.c's main thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "dpc.h"
#include "dpstream.h"
#include "wl.h"
#include "../lib/vk_https.h"
#include "../lib/vk_log.h"

/* Push to the dataplane; *gen holds the generation in force and becomes
 * the acknowledged one. Touches no database, so a full set can be stored
 * meanwhile. */
static int push_gen(struct agent *a, int full, char **up, size_t nup, char **del, size_t ndel,
		    uint64_t *gen)
{
	uint64_t dpgen = 0;
	struct vk_dpc_ack ack;
	char err[256];

	if (vk_dpc_generation(a->c.dataplane_socket, &dpgen, err, sizeof(err))) {
		vk_warn("%s; the set is kept and pushed when the dataplane is back", err);
		a->dp_in_sync = 0;
		return -1;
	}
	if (dpgen != *gen)	/* the dataplane restarted or was fed by someone else */
		full = 0, a->dp_in_sync = 0;
	if (!a->dp_in_sync)
		full = 1;
	if (vk_dpc_update(a->c.dataplane_socket, full, &a->set, &a->supp, up, nup, del, ndel,
			  vk_dpc_next_gen(dpgen, *gen), &ack, err, sizeof(err))) {
		vk_err("%s", err);
		a->dp_in_sync = 0;
		return -1;
	}
	*gen = ack.generation;
	a->dp_in_sync = 1;
	vk_info("dataplane acknowledged generation %llu (%s): %u indicators, %u refused",
		(unsigned long long)ack.generation, full ? "full" : "delta", ack.indicators,
		ack.refused);
	return 0;
}

int vk_agent_push(struct agent *a, int full, char **up, size_t nup, char **del, size_t ndel)
{
	uint64_t gen = (uint64_t)vk_store_get(&a->st, "generation", 0);

	if (push_gen(a, full, up, nup, del, ndel, &gen))
		return -1;
	vk_store_set(&a->st, "generation", (int64_t)gen);
	return 0;
}

/* This thread's CPU time: the sync's own, not the event loop's. */
static double cpu_s(void)
{
	struct rusage u;

	getrusage(RUSAGE_THREAD, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static long peak_rss_mib(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_maxrss / 1024;
}

static void log_sync(struct agent *a, const char *kind, const struct vk_pull *p, size_t added,
		     size_t removed, double secs)
{
	char reasons[600] = "";
	size_t i, n = 0, refused = 0;

	for (i = 0; i < p->nreasons; i++) {
		refused += p->reason_n[i];
		n += (size_t)snprintf(reasons + n, sizeof(reasons) - n, "%s%zu %s",
				      i ? ", " : "", p->reason_n[i], p->reason[i]);
		if (n >= sizeof(reasons))
			break;
	}
	snprintf(a->result, sizeof(a->result), "sync %s: %zu added, %zu removed, %zu refused%s%s%s,"
		 " %zu attributes in %zu pages, %.2f s (pull %.2f s, cpu %.3f s, peak RSS %ld MiB);"
		 " %zu %s", kind, added, removed, refused, refused ? " (" : "", reasons,
		 refused ? ")" : "", p->seen, p->pages, secs, p->pull_s,
		 cpu_s() - a->cpu0 + a->cpu_helpers,
		 peak_rss_mib(), a->set.n,
		 /* enforced is what the dataplane acknowledged, nothing else */
		 a->dp_in_sync ? "enforced" : "NOT enforced: the dataplane did not take them");
	vk_info("%s", a->result);
}

/* A full pull streams its pages to the dataplane as they come in. */
struct stream {
	struct agent *a;
	struct vk_dpstream ds;
	int on;
	size_t sent;		/* p->up.rec[0..sent) are queued */
	size_t changed;		/* p->up.changed when the stream began */
	uint64_t gen;		/* the generation it will be */
};

static void stream_begin(struct agent *a, struct stream *x, struct vk_pull *p)
{
	uint64_t dpgen = 0, gen = (uint64_t)vk_store_get(&a->st, "generation", 0);
	char err[256];

	memset(x, 0, sizeof(*x));
	x->a = a;
	if (vk_dpc_generation(a->c.dataplane_socket, &dpgen, err, sizeof(err)))
		return;		/* pushed (or found missing) after the pull */
	x->gen = vk_dpc_next_gen(dpgen, gen);
	if (vk_dps_open(&x->ds, a->c.dataplane_socket, x->gen, err, sizeof(err))) {
		vk_warn("%s; the set is pushed after the pull", err);
		return;
	}
	x->on = 1;
	x->changed = p->up.changed;
}

static void stream_stop(struct stream *x)
{
	if (x->on)
		vk_dps_abort(&x->ds);
	x->on = 0;
}

/* Only records appended since the last page are new; a record replaced or
 * removed after it was sent spoils the stream (rare: the same uuid on two
 * pages), and the set goes whole after the pull. */
static void on_page(void *arg, struct vk_pull *p)
{
	struct stream *x = arg;

	if (!x->on)
		return;
	if (p->up.changed != x->changed ||
	    vk_dps_add(&x->ds, &p->up, x->sent, p->up.n, &x->a->supp)) {
		stream_stop(x);
		return;
	}
	x->sent = p->up.n;
}

/* The streamed update's end: 0 with gen acknowledged, -1 if the stream
 * was not usable (push the set whole instead) or the dataplane refused. */
static int stream_end(struct agent *a, struct stream *x, const struct vk_amap *set,
		      uint64_t *gen)
{
	struct vk_dpc_ack ack;
	char err[256];
	int rc;

	if (!x->on || set->changed != x->changed || x->sent != set->n) {
		stream_stop(x);
		return -1;
	}
	x->on = 0;
	rc = vk_dps_finish(&x->ds, &ack, err, sizeof(err));
	a->cpu_helpers += x->ds.cpu;
	if (rc) {
		vk_err("%s", err);
		return -1;
	}
	*gen = ack.generation;
	a->dp_in_sync = 1;
	vk_info("dataplane acknowledged generation %llu (full, streamed): %u indicators,"
		" %u refused", (unsigned long long)ack.generation, ack.indicators, ack.refused);
	return 0;
}

struct store_job {
	struct vk_store *st;
	const struct vk_amap *set;
	int rc;
	double cpu;
};

static void *store_main(void *arg)
{
	struct store_job *j = arg;

	j->rc = vk_store_replace(j->st, j->set);
	j->cpu = cpu_s();
	return NULL;
}

/* A full pull replaces the set; what vanished (hard deletes, lost access,
 * decayed) stops matching. The set is stored by a second thread while it
 * is pushed: with 1M attributes each takes seconds, and the dataplane
 * works on the other core. Only a stored set moves the cursor: if the
 * database refuses it, the dataplane still enforces the new set, a
 * restart falls back to the stored one, and the next sync is full again. */
static int apply_full(struct agent *a, struct vk_pull *p, struct stream *x, time_t start,
		      const struct timespec *t0)
{
	uint64_t gen = (uint64_t)vk_store_get(&a->st, "generation", 0);
	struct store_job job = { .st = &a->st };
	size_t added = 0, removed = 0, old_n;
	struct vk_amap old;
	struct vk_arec *r;
	pthread_t th;
	int threaded, prc;

	vk_amap_foreach(&p->up, r)
		added += !vk_amap_get(&a->set, r->uuid);
	vk_amap_foreach(&a->set, r)
		removed += !vk_amap_get(&p->up, r->uuid);
	old_n = a->set.n;
	old = a->set;
	a->set = p->up;
	vk_amap_init(&p->up);
	job.set = &a->set;
	threaded = !pthread_create(&th, NULL, store_main, &job);
	if (!threaded)
		store_main(&job);
	a->dp_in_sync = 0;	/* a full pull is pushed whole */
	prc = stream_end(a, x, &a->set, &gen);
	if (prc)
		prc = push_gen(a, 1, NULL, 0, NULL, 0, &gen);
	if (threaded) {
		pthread_join(th, NULL);
		a->cpu_helpers += job.cpu;
	}
	vk_amap_free(&old);
	if (!prc)
		vk_store_set(&a->st, "generation", (int64_t)gen);
	if (job.rc) {
		snprintf(a->result, sizeof(a->result), "sync full: the state database refused the"
			 " new set: it is enforced, but a restart falls back to the last stored"
			 " one; the next sync is full again");
		vk_err("%s", a->result);
		a->store_behind = 1;
		return -1;
	}
	a->store_behind = 0;
	vk_store_set(&a->st, "cursor", (int64_t)start - a->c.overlap);
	vk_store_set(&a->st, "last_full", (int64_t)start);
	log_sync(a, "full", p, added, removed, vk_since_s(t0));
	/* MISP's answer is applied as it is (access lost is access lost),
	 * but an answer that empties most of the set is worth a human look:
	 * a changed API key's user, a sharing group, a broken proxy */
	if (a->c.removal_warn_percent && old_n >= 10 &&
	    removed * 100 > old_n * a->c.removal_warn_percent) {
		char was[sizeof(a->result)];

		snprintf(was, sizeof(was), "%s", a->result);
		snprintf(a->result, sizeof(a->result), "WARNING: this full sync removed %zu of %zu"
			 " indicators (%zu%%, over removal_warn_percent = %u): MISP no longer"
			 " returns them; check the API key's user and its sharing. %.280s",
			 removed, old_n, removed * 100 / old_n, a->c.removal_warn_percent, was);
		vk_err("%s", a->result);
	}
	return prc;
}

static int apply_delta(struct agent *a, struct vk_pull *p, time_t start, const struct timespec *t0)
{
	char **up = calloc(p->up.n + 1, sizeof(*up)), **del = calloc(p->ndel + 1, sizeof(*del));
	size_t nup = 0, ndel = 0, added = 0, removed = 0, i;
	struct vk_arec *r;
	int rc = -1, stored;

	if (!up || !del) {
		free(up);
		free(del);
		return -1;
	}
	/* the overlap re-reads what we already hold: only changes go on */
	vk_amap_foreach(&p->up, r) {
		struct vk_arec *cur = vk_amap_get(&a->set, r->uuid);

		if (!cur || cur->type != r->type || strcmp(cur->value, r->value) ||
		    cur->category != r->category || !cur->extra != !r->extra ||
		    (cur->extra && strcmp(cur->extra, r->extra)))
			up[nup++] = r->uuid;
	}
	/* removals of what we do not hold (never enforced) are no change */
	for (i = 0; i < p->ndel; i++)
		if (vk_amap_get(&a->set, p->del[i]))
			del[ndel++] = p->del[i];
	/* Enforcement never waits for the disk: a state directory filled by
	 * sightings (or anything else) must not stop new indicators. The
	 * change goes to the dataplane; the stored set is behind, so the
	 * cursor stays and the next sync is full (it rewrites the store). */
	stored = !vk_store_delta(&a->st, &p->up, up, nup, del, ndel);
	if (!stored) {
		vk_err("sync delta: the state database refused the change (disk full?): it is"
		       " enforced all the same; the next sync is full");
		a->store_behind = 1;	/* in memory: the disk may not take it */
	}
	for (i = 0; i < ndel; i++)
		removed += (size_t)vk_amap_del(&a->set, del[i]);
	for (i = 0; i < nup; i++) {
		r = vk_amap_get(&p->up, up[i]);
		added += !vk_amap_get(&a->set, r->uuid);
		if (vk_amap_copy(&a->set, r) && !a->store_behind) {
			/* pushed all the same; the set the box remembers is
			 * short of it, so the next sync is full */
			vk_err("sync delta: out of memory for the set: the next sync is full");
			a->store_behind = 1;
		}
	}
	if (stored)
		vk_store_set(&a->st, "cursor", (int64_t)start - a->c.overlap);
	/* the uuids in up[] point into p->up, which outlives the push */
	rc = (nup || ndel || !a->dp_in_sync) ? vk_agent_push(a, 0, up, nup, del, ndel) : 0;
	log_sync(a, "delta", p, added, removed, vk_since_s(t0));
	free(up);
	free(del);
	return rc;
}

static void on_event_meta(void *arg, const char *uuid, const char *info, int threat_level,
			  const char *date, const char *tags, int published)
{
	struct agent *a = arg;

	vk_store_event(&a->st, uuid, info, threat_level, date, tags, (int64_t)time(NULL));
}

/* What the operator reads about the pulled attributes: why some were not
 * enforced, and their events' metadata (info, threat level, date, tags:
 * TLP). A failure here costs enrichment only, never the set. */
static void enrich(struct agent *a, struct vk_pull *p, int full)
{
	const struct vk_amap *from = full ? &a->set : &p->up;
	struct vk_amap ev;
	struct vk_arec *r;
	char **uuids, err[512];
	size_t n = 0;

	vk_store_refusals(&a->st, p->ref, p->nref, (int64_t)time(NULL));
	vk_amap_init(&ev);
	vk_amap_foreach(from, r)
		if (r->event_uuid[0] && !vk_amap_get(&ev, r->event_uuid))
			vk_amap_put(&ev, r->event_uuid, 0, "", NULL);
	uuids = calloc(ev.n + 1, sizeof(*uuids));
	if (uuids) {
		vk_amap_foreach(&ev, r)
			uuids[n++] = r->uuid;
		if (n && vk_sync_event_meta(&a->s, uuids, n, on_event_meta, a, err, sizeof(err)))
			vk_warn("event metadata: %s; sightings of these events wait for it", err);
	}
	free(uuids);
	vk_amap_free(&ev);
}

/* What the console shows of the sync thread. err == sh->last_result
 * updates the counts by type only (a false positive was marked). */
void vk_agent_publish(struct agent *a, int ok, const struct vk_pull *p, const char *err)
{
	struct vk_shared *sh = &a->sh;
	int sync = err != sh->last_result;
	uint64_t by_type[VK_T_MAX] = { 0 };
	uint64_t gen = (uint64_t)vk_store_get(&a->st, "generation", 0);
	struct vk_arec *r;
	size_t i;

	/* counted outside the lock: the set may hold millions; enforced is
	 * what the dataplane acknowledged */
	if (a->dp_in_sync)
		vk_amap_foreach(&a->set, r)
			if (r->type < VK_T_MAX && !vk_amap_get(&a->supp, r->uuid))
				by_type[r->type]++;
	pthread_mutex_lock(&sh->mu);
	memcpy(sh->by_type, by_type, sizeof(by_type));
	sh->generation = gen;
	if (sync) {
		sh->last_sync = (int64_t)time(NULL);
		sh->last_ok = ok;
		snprintf(sh->last_result, sizeof(sh->last_result), "%s", ok ? a->result : err);
		sh->sync_seq++;
	}
	if (p) {
		sh->nreasons = (int)(p->nreasons < VK_SH_REASONS ? p->nreasons : VK_SH_REASONS);
		for (i = 0; i < (size_t)sh->nreasons; i++) {
			snprintf(sh->reason[i], sizeof(sh->reason[i]), "%s", p->reason[i]);
			sh->reason_n[i] = p->reason_n[i];
		}
	}
	pthread_mutex_unlock(&sh->mu);
	if (sync)
		vk_kick(sh->sync_done);
}

/* The false positives marked with vardkasectl fp (sightings.db). */
void vk_agent_load_suppressed(struct agent *a, struct vk_amap *out)
{
	sqlite3_stmt *st;

	vk_amap_init(out);
	if (!a->sdb || sqlite3_prepare_v2(a->sdb, "SELECT attribute_uuid FROM suppress", -1, &st,
					  NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *u = (const char *)sqlite3_column_text(st, 0);

		if (u && strlen(u) == VK_UUID_LEN)
			vk_amap_put(out, u, 0, "", NULL);
	}
	sqlite3_finalize(st);
}

/* A false positive was marked: it leaves the dataplane now. */
void vk_agent_on_suppress(struct agent *a)
{
	struct vk_amap n;
	struct vk_arec *r;
	char **del = NULL;
	size_t k = 0;

	vk_agent_load_suppressed(a, &n);
	del = calloc(n.n + 1, sizeof(*del));
	vk_amap_foreach(&n, r)
		if (del && !vk_amap_get(&a->supp, r->uuid) && vk_amap_get(&a->set, r->uuid))
			del[k++] = r->uuid;
	vk_amap_free(&a->supp);
	a->supp = n;
	if (k)
		vk_agent_push(a, 0, NULL, 0, del, k);
	free(del);
	vk_agent_publish(a, 0, NULL, a->sh.last_result);	/* the counts by type, not a sync */
}

/* One sync. Returns seconds until the next one. */
unsigned vk_agent_sync_once(struct agent *a)
{
	time_t start = time(NULL);
	int64_t last_full = vk_store_get(&a->st, "last_full", 0);
	int full = !last_full || start - last_full >= (time_t)a->c.full_resync ||
		   a->store_behind;
	int64_t since = full ? -1 : vk_store_get(&a->st, "cursor", 0);
	struct timespec t0;
	struct stream x = { 0 };
	struct vk_pull p;
	char err[512];
	unsigned wait = a->c.poll_interval, back;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	a->cpu0 = cpu_s();
	a->cpu_helpers = 0;
	vk_pull_init(&p);
	if (full) {
		stream_begin(a, &x, &p);
		p.page_done = on_page;
		p.page_arg = &x;
	}
	rc = vk_sync_pull(&a->s, since, &p, err, sizeof(err));
	if (rc == VK_SYNC_OK && full) {
		err[0] = 0;
		if (vk_sync_keep_unpublished(&a->s, &a->set, &p, err, sizeof(err)) < 0) {
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
				 " (asking MISP about events the pull did not return)");
			rc = VK_SYNC_E_FAIL;
		} else {
			on_page(&x, &p);	/* the kept ones go with the stream */
		}
	}
	p.pull_s = vk_since_s(&t0);
	if (rc != VK_SYNC_OK && full)
		stream_stop(&x);	/* the dataplane drops what it staged */
	if (rc == VK_SYNC_OK) {
		rc = full ? apply_full(a, &p, &x, start, &t0) : apply_delta(a, &p, start, &t0);
		a->failures = rc ? a->failures : 0;
		enrich(a, &p, full);
		snprintf(err, sizeof(err), "%.400s; the dataplane did not take it", a->result);
		vk_agent_publish(a, !rc, &p, err);
	} else {
		a->failures++;
		back = a->c.poll_interval << (a->failures < 5 ? a->failures : 5);
		wait = back > 3600 ? 3600 : back;
		if (rc == VK_SYNC_E_AUTH)
			wait = a->c.full_resync < 3600 ? a->c.full_resync : 3600;
		if (rc == VK_SYNC_E_RATE && p.retry_after > 0) {
			struct timespec m;

			wait = (unsigned)p.retry_after + 1;
			clock_gettime(CLOCK_MONOTONIC, &m);
			a->rate_until = m.tv_sec + (time_t)wait;
		}
		vk_err("sync %s failed after %.2f s: %s; the previous set stays in force, "
		       "next try in %u s", full ? "full" : "delta", vk_since_s(&t0), err, wait);
		vk_agent_publish(a, 0, NULL, err);
	}
	vk_pull_free(&p);
	if (rc == VK_SYNC_OK && !a->dp_in_sync && !vk_agent_push(a, 1, NULL, 0, NULL, 0))
		vk_agent_publish(a, 1, NULL, a->sh.last_result);	/* the counts, now enforced */
	return wait;
}
