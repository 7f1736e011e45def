// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every request is checked before anything changes: the datagram size, the
 * protobuf decoding, the item counts, each indicator's uuid, type and keys.
 * The keys arrive normalised (the agent runs the parsers): this process,
 * the privileged one, checks their bounds and syntax and parses no value.
 * A refused message gets an Ack with ok = false and the reason and changes
 * no table; a refused chunk also drops the chunks staged before it, since
 * an update is applied whole or not at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ipc_server.h"
#include "vk_event.h"
#include "vk_slow.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_log.h"
#include "../lib/vk_misp.h"

struct vk_ipc_client {
	int fd;
	int subscribed;
	int staging;		/* a chunked update is in progress */
	int full;
	uint64_t gen;
	struct vk_set adds;
	char (*removes)[VK_UUID_LEN + 1];
	size_t nremoves, removes_cap;
	size_t staged;		/* bytes this staging holds (estimated) */
	time_t last;		/* the last message (monotonic s) */
	struct vk_ipc_server *s;
};

static time_t mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static void client_reset(struct vk_ipc_client *c)
{
	vk_set_free(&c->adds);
	free(c->removes);
	c->removes = NULL;
	c->nremoves = c->removes_cap = 0;
	c->staging = 0;
	c->s->staged -= c->staged;
	c->staged = 0;
}

int vk_ipc_server_open(struct vk_ipc_server *s, const char *path, struct vk_dp *dp,
		       const char **ifnames, int nif, unsigned stage_mb, unsigned idle_s)
{
	memset(s, 0, sizeof(*s));
	s->dp = dp;
	s->ifnames = ifnames;
	s->nif = nif;
	s->stage_max = (size_t)(stage_mb ? stage_mb : VK_IPC_STAGE_MB_DEFAULT) << 20;
	s->idle_s = idle_s ? idle_s : VK_IPC_IDLE_DEFAULT_S;
	s->listen_fd = vk_ipc_listen(path);
	if (s->listen_fd < 0)
		return s->listen_fd;
	vk_info("control socket at %s", path);
	return 0;
}

static void client_close(struct vk_ipc_server *s, int i)
{
	close(s->cl[i]->fd);
	client_reset(s->cl[i]);
	free(s->cl[i]);
	s->cl[i] = NULL;
}

void vk_ipc_server_close(struct vk_ipc_server *s)
{
	int i;

	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (s->cl[i])
			client_close(s, i);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
}

int vk_ipc_server_fds(const struct vk_ipc_server *s, int *fds, int max)
{
	int i, n = 0;

	if (n < max)
		fds[n++] = s->listen_fd;
	for (i = 0; i < VK_IPC_MAX_CLIENTS && n < max; i++)
		if (s->cl[i])
			fds[n++] = s->cl[i]->fd;
	return n;
}

/* ---- replies ---------------------------------------------------------- */

static void send_resp(int fd, Vardkase__Dp__Response *r)
{
	int rc = vk_ipc_send(fd, &r->base, 0);

	if (rc)
		vk_warn("control socket: reply not sent: %s", strerror(-rc));
}

static void ack(struct vk_ipc_server *s, int fd, const char *error,
		const struct vk_apply_stats *st, int pending)
{
	Vardkase__Dp__Response r = VARDKASE__DP__RESPONSE__INIT;
	Vardkase__Dp__Ack a = VARDKASE__DP__ACK__INIT;

	a.generation = s->dp->t.cfg->generation;
	a.ok = error == NULL;
	a.error = (char *)(error ? error : "");
	a.indicators = (uint32_t)s->dp->t.cur->n;
	a.pending = pending;
	if (st) {
		a.added = (uint32_t)st->added;
		a.removed = (uint32_t)st->removed;
		a.refused = (uint32_t)st->refused;
	}
	r.msg_case = VARDKASE__DP__RESPONSE__MSG_ACK;
	r.ack = &a;
	send_resp(fd, &r);
}

/* ---- updates ---------------------------------------------------------- */

/* Check every item of u; on the first bad one, why says which and why. */
static int validate(const Vardkase__Dp__TableUpdate *u, char *why, size_t len)
{
	struct vk_key k[2];
	const char *r;
	size_t i;

	if (u->n_add > VK_IPC_MAX_ITEMS || u->n_remove_uuid > VK_IPC_MAX_ITEMS) {
		snprintf(why, len, "more than %d items in one message", VK_IPC_MAX_ITEMS);
		return -1;
	}
	if (u->full && u->n_remove_uuid) {
		snprintf(why, len, "a full update has no removals");
		return -1;
	}
	for (i = 0; i < u->n_add; i++) {
		const Vardkase__Dp__Indicator *x = u->add[i];

		if (!vk_uuid_ok(x->attribute_uuid)) {
			snprintf(why, len, "add[%zu]: attribute_uuid is not a uuid", i);
			return -1;
		}
		/* the wire enum is enum vk_misp_type (vk_ipc_key.c asserts it) */
		if (x->type <= VARDKASE__DP__INDICATOR_TYPE__TYPE_UNSPECIFIED ||
		    (int)x->type >= (int)VK_T_MAX) {
			snprintf(why, len, "add[%zu] %s: unknown type %d", i,
				 x->attribute_uuid, (int)x->type);
			return -1;
		}
		if (vk_ipc_ind_keys(x, k, &r) < 0) {
			snprintf(why, len, "add[%zu] %s '%.80s': %s", i, x->attribute_uuid,
				 x->value ? x->value : "", r);
			return -1;
		}
	}
	for (i = 0; i < u->n_remove_uuid; i++)
		if (!vk_uuid_ok(u->remove_uuid[i])) {
			snprintf(why, len, "remove_uuid[%zu] is not a uuid", i);
			return -1;
		}
	return 0;
}

static int push_remove(struct vk_ipc_client *c, const char *uuid);

/* What staging u would add, in attributes and bytes (as if every
 * attribute had an entry of its own: the entry, its index slot, the
 * attribute and its value's copy). */
static void stage_cost(const Vardkase__Dp__TableUpdate *u, size_t *attrs, size_t *bytes)
{
	size_t i;

	*attrs = u->n_add + u->n_remove_uuid;
	*bytes = u->n_remove_uuid * (VK_UUID_LEN + 1);
	for (i = 0; i < u->n_add; i++)
		*bytes += sizeof(struct vk_ent) + sizeof(struct vk_attr) + 16 +
			  strlen(u->add[i]->value) + 1;
}

/* 0, or -E2BIG with why: staging u passes a bound. */
static int stage_bounded(struct vk_ipc_server *s, struct vk_ipc_client *c,
			 const Vardkase__Dp__TableUpdate *u, char *why, size_t len)
{
	size_t attrs, bytes, have = c->adds.nattr + c->nremoves;
	size_t max_attrs = 2 * (size_t)s->dp->t.cfg->id_capacity;

	stage_cost(u, &attrs, &bytes);
	if (have + attrs > max_attrs) {
		snprintf(why, len, "the staged update passes %zu attributes (twice the %u ids the"
			 " tables hold): dropped", max_attrs, s->dp->t.cfg->id_capacity);
		return -E2BIG;
	}
	if (s->staged + bytes > s->stage_max) {
		snprintf(why, len, "staged updates pass %zu MiB (all connections): this one is"
			 " dropped", s->stage_max >> 20);
		return -E2BIG;
	}
	c->staged += bytes;
	s->staged += bytes;
	return 0;
}

static int stage(struct vk_ipc_client *c, const Vardkase__Dp__TableUpdate *u)
{
	struct vk_key k[2];
	const char *r;
	size_t i;
	int n, j;

	for (i = 0; i < u->n_add; i++) {
		const Vardkase__Dp__Indicator *x = u->add[i];
		struct vk_attr a = { .type = (uint8_t)x->type, .value = x->value };

		memcpy(a.uuid, x->attribute_uuid, VK_UUID_LEN);
		n = vk_ipc_ind_keys(x, k, &r);	/* validate() took them */
		for (j = 0; j < n; j++)
			if (vk_set_add(&c->adds, &k[j], &a))
				return -ENOMEM;
	}
	for (i = 0; i < u->n_remove_uuid; i++)
		if (push_remove(c, u->remove_uuid[i]))
			return -ENOMEM;
	return 0;
}

static int cmp_uuid(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int add_ent_attrs(struct vk_set *to, const struct vk_ent *e,
			 char (*rm)[VK_UUID_LEN + 1], size_t nrm)
{
	struct vk_key k;
	uint32_t j;

	vk_ent_key(e, &k);
	for (j = 0; j < e->nattr; j++) {
		if (nrm && bsearch(e->attrs[j].uuid, rm, nrm, sizeof(*rm), cmp_uuid))
			continue;
		if (vk_set_add(to, &k, &e->attrs[j]))
			return -ENOMEM;
	}
	return 0;
}

static int push_remove(struct vk_ipc_client *c, const char *uuid)
{
	if (c->nremoves == c->removes_cap) {
		size_t cap = c->removes_cap ? c->removes_cap * 2 : 256;
		void *v = realloc(c->removes, cap * sizeof(*c->removes));

		if (!v)
			return -ENOMEM;
		c->removes = v;
		c->removes_cap = cap;
	}
	snprintf(c->removes[c->nremoves++], VK_UUID_LEN + 1, "%s", uuid);
	return 0;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* The live entries a delta adds attributes to (sorted): those are copied,
 * the others shared. NULL with *n = 0 when there are none. */
static const struct vk_ent **touched(const struct vk_set *cur, const struct vk_set *adds,
				     size_t *n, int *err)
{
	const struct vk_ent **v = calloc(adds->n + 1, sizeof(*v));
	struct vk_key k;
	size_t i;

	*n = 0;
	*err = !v;
	for (i = 0; v && i < adds->n; i++) {
		vk_ent_key(adds->ents[i], &k);
		if ((v[*n] = vk_set_find(cur, &k)))
			(*n)++;
	}
	if (v)
		qsort(v, *n, sizeof(*v), cmp_ptr);
	return v;
}

static int has_removed(const struct vk_ent *e, char (*rm)[VK_UUID_LEN + 1], size_t nrm)
{
	uint32_t j;

	for (j = 0; nrm && j < e->nattr; j++)
		if (bsearch(e->attrs[j].uuid, rm, nrm, sizeof(*rm), cmp_uuid))
			return 1;
	return 0;
}

/* The set the staged update asks for. A full update is the staged set. A
 * delta is the live set less the removed uuids and less the added ones (an
 * edit re-sends its uuid with the new value), plus the additions: the live
 * entries it leaves alone are shared, not copied (vk_tables_apply frees
 * them once), so one new indicator costs no copy of a million. */
static int commit_set(struct vk_ipc_server *s, struct vk_ipc_client *c, struct vk_set *out)
{
	const struct vk_set *cur = s->dp->t.cur;
	const struct vk_ent **tv;
	size_t i, ntv;
	uint32_t j;
	int err;

	vk_set_init(out);
	if (c->full) {		/* the staged set is the new set: no copy */
		*out = c->adds;
		vk_set_init(&c->adds);
		return 0;
	}
	for (i = 0; i < c->adds.n; i++)
		for (j = 0; j < c->adds.ents[i]->nattr; j++)
			if (push_remove(c, c->adds.ents[i]->attrs[j].uuid))
				return -ENOMEM;
	if (c->nremoves)	/* qsort(NULL, 0) is undefined (the fuzzer found it) */
		qsort(c->removes, c->nremoves, sizeof(*c->removes), cmp_uuid);
	tv = touched(cur, &c->adds, &ntv, &err);
	if (err || vk_set_reserve(out, cur->n + c->adds.n)) {
		free(tv);
		return -ENOMEM;
	}
	for (i = 0; i < cur->n && !err; i++) {
		struct vk_ent *e = cur->ents[i];
		size_t had = out->n;

		if (e->id && !bsearch(&e, tv, ntv, sizeof(*tv), cmp_ptr) &&
		    !has_removed(e, c->removes, c->nremoves)) {
			err = vk_set_adopt(out, e);
			continue;
		}
		err = add_ent_attrs(out, e, c->removes, c->nremoves);
		if (!err && out->n > had)	/* its id goes along: no lookup when applied */
			out->ents[out->n - 1]->id = e->id;
	}
	free(tv);
	for (i = 0; i < c->adds.n && !err; i++)
		err = add_ent_attrs(out, c->adds.ents[i], NULL, 0);
	return err ? -ENOMEM : 0;
}

int vk_ipc_server_parse(struct vk_ipc_server *s, const uint8_t *buf, size_t n)
{
	struct vk_ipc_client c = { .fd = -1, .s = s };
	Vardkase__Dp__Request *rq = vardkase__dp__request__unpack(NULL, n, buf);
	struct vk_set next;
	char why[256];
	int rc = -EINVAL;

	if (!rq)
		return -EBADMSG;
	vk_set_init(&c.adds);
	if (rq->msg_case == VARDKASE__DP__REQUEST__MSG_UPDATE && rq->update &&
	    !validate(rq->update, why, sizeof(why))) {
		c.full = rq->update->full;
		c.staging = 1;
		rc = stage_bounded(s, &c, rq->update, why, sizeof(why));
		if (!rc)
			rc = stage(&c, rq->update);
		if (!rc && !rq->update->more) {
			rc = commit_set(s, &c, &next);
			/* what it shares with the live set stays */
			vk_set_free_except(&next, vk_tables_holds, &s->dp->t);
		}
	}
	client_reset(&c);
	vardkase__dp__request__free_unpacked(rq, NULL);
	return rc;
}

static void on_refuse(void *arg, const struct vk_ent *e, const char *why)
{
	vk_warn("update: not loaded: %s: %s", e && e->name ? e->name : "indicator", why);
}

static void on_update(struct vk_ipc_server *s, struct vk_ipc_client *c,
		      const Vardkase__Dp__TableUpdate *u)
{
	struct vk_apply_stats st;
	struct timespec t0;
	struct vk_set next;
	char why[256];
	int rc;

	if (c->staging && (u->generation != c->gen || u->full != c->full)) {
		client_reset(c);
		ack(s, c->fd, "chunk of a different update: the staged update is dropped",
		    NULL, 0);
		return;
	}
	if (u->generation > VK_GEN_MAX) {
		if (c->staging)
			client_reset(c);
		snprintf(why, sizeof(why), "generation %llu out of range (at most %llu)",
			 (unsigned long long)u->generation, (unsigned long long)VK_GEN_MAX);
		ack(s, c->fd, why, NULL, 0);
		return;
	}
	if (!c->staging && u->generation <= s->dp->t.cfg->generation) {
		snprintf(why, sizeof(why), "stale generation %llu (in force: %llu)",
			 (unsigned long long)u->generation,
			 (unsigned long long)s->dp->t.cfg->generation);
		ack(s, c->fd, why, NULL, 0);
		return;
	}
	if (validate(u, why, sizeof(why))) {
		if (c->staging)
			client_reset(c);
		vk_warn("update %llu refused: %s", (unsigned long long)u->generation, why);
		ack(s, c->fd, why, NULL, 0);
		return;
	}
	if (!c->staging) {
		c->staging = 1;
		c->full = u->full;
		c->gen = u->generation;
		vk_set_init(&c->adds);
	}
	if (stage_bounded(s, c, u, why, sizeof(why))) {
		client_reset(c);
		vk_warn("update %llu refused: %s", (unsigned long long)u->generation, why);
		ack(s, c->fd, why, NULL, 0);
		return;
	}
	if (stage(c, u)) {
		client_reset(c);
		ack(s, c->fd, "out of memory", NULL, 0);
		return;
	}
	if (u->more) {
		ack(s, c->fd, NULL, NULL, 1);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = commit_set(s, c, &next);
	if (!rc)
		rc = vk_dp_apply_unsaved(s->dp, &next, c->gen, on_refuse, NULL, &st);
	else		/* what it shares with the live set stays */
		vk_set_free_except(&next, vk_tables_holds, &s->dp->t);
	client_reset(c);
	if (rc) {
		ack(s, c->fd, strerror(-rc), NULL, 0);
		return;
	}
	/* the maps are live: answer first, then write the state file from a
	 * child process (half a second for 1M entries, off every client's
	 * path) */
	ack(s, c->fd, NULL, &st, 0);
	vk_info("update %llu (%s): %zu added, %zu removed, %zu kept, %zu refused in %.3f s"
		" (%.3f s with the staged set)", (unsigned long long)s->dp->t.cfg->generation,
		c->full ? "full" : "delta", st.added, st.removed, st.kept, st.refused, st.seconds,
		vk_since_s(&t0));
	vk_dp_save_async(s->dp);
}

/* ---- stats, counters, events ------------------------------------------ */

static void on_stats(struct vk_ipc_server *s, int fd)
{
	Vardkase__Dp__Response r = VARDKASE__DP__RESPONSE__INIT;
	Vardkase__Dp__Stats m = VARDKASE__DP__STATS__INIT;
	Vardkase__Dp__Stat st[VK_STAT_MAX + VK_USTAT_MAX + 1], *ps[VK_STAT_MAX + VK_USTAT_MAX + 1];
	uint64_t v[VK_STAT_SLOTS], u[VK_USTAT_SLOTS];
	int i, n = 0;

	if (vk_dp_read_stats(vk_dp_stats_fd(s->dp), v))
		memset(v, 0, sizeof(v));
	if (vk_dp_read_ustats(vk_dp_ustats_fd(s->dp), u))
		memset(u, 0, sizeof(u));
	for (i = 0; i < VK_STAT_MAX + VK_USTAT_MAX; i++, n++) {
		vardkase__dp__stat__init(&st[n]);
		st[n].name = (char *)(i < VK_STAT_MAX ? vk_stat_names[i]
						      : vk_ustat_names[i - VK_STAT_MAX]);
		st[n].value = i < VK_STAT_MAX ? v[i] : u[i - VK_STAT_MAX];
		ps[n] = &st[n];
	}
	vardkase__dp__stat__init(&st[n]);
	st[n].name = "events_dropped_socket";
	st[n].value = s->events_dropped;
	ps[n] = &st[n];
	m.n_stat = (size_t)n + 1;
	m.stat = ps;
	m.generation = s->dp->t.cfg->generation;
	m.indicators = (uint32_t)s->dp->t.cur->n;
	m.n_interface = (size_t)s->nif;
	m.interface = (char **)s->ifnames;
	m.instance = s->dp->instance;
	r.msg_case = VARDKASE__DP__RESPONSE__MSG_STATS;
	r.stats = &m;
	send_resp(fd, &r);
}

static void put_counter(Vardkase__Dp__Counter *c, const struct vk_attr *a, uint64_t matches)
{
	vardkase__dp__counter__init(c);
	c->attribute_uuid = (char *)a->uuid;
	c->value = a->value;
	c->matches = matches;
}

/* Named counters through the set's uuid index: a walk of 1M entries per
 * question took the dataplane 0.2 s, and a watcher asks often. Every key
 * of an attribute adds to its one row. */
static size_t named_counters(struct vk_ipc_server *s, const Vardkase__Dp__CountersRequest *q,
			     Vardkase__Dp__Counter *cs, size_t max)
{
	size_t i, k, n = 0;
	uint32_t j;

	for (i = 0; i < q->n_attribute_uuid && n < max; i++) {
		size_t cur = 0;
		struct vk_ent *e;

		for (k = 0; k < n; k++)		/* asked twice: answered once */
			if (!strcmp(cs[k].attribute_uuid, q->attribute_uuid[i]))
				break;
		if (k < n)
			continue;
		while ((e = vk_set_by_uuid(s->dp->t.cur, q->attribute_uuid[i], &cur, &j))) {
			uint64_t m = e->id ? vk_tables_count(&s->dp->t, e->id) : 0;

			if (k == n)
				put_counter(&cs[n++], &e->attrs[j], m);
			else
				cs[k].matches += m;
		}
	}
	return n;
}

struct crow { const struct vk_attr *a; uint64_t m; };

static int crow_cmp(const void *x, const void *y)
{
	return strcmp(((const struct crow *)x)->a->uuid, ((const struct crow *)y)->a->uuid);
}

/* Every attribute with a match, one row each with the sum of its keys:
 * the hit bitmap says which ids to read; rows are sorted by uuid and
 * merged, so an attribute whose keys have different ids (domain|ip) is
 * never reported as two numbers, nor in part. Only uuids after `after`;
 * rows stop before the message would pass the cap, and *left is nonzero
 * when some did not fit (the next answer starts after the last one). */
static size_t all_counters(struct vk_ipc_server *s, const char *after,
			   Vardkase__Dp__Counter *cs, size_t max, size_t *left)
{
	uint64_t *all;
	uint32_t id, nall, j;
	struct crow *rows = NULL;
	size_t n = 0, nr = 0, cap = 0, i, bytes = 64;

	*left = 0;
	if (vk_tables_counts(&s->dp->t, &all, &nall))
		return 0;
	for (id = 1; id < nall; id++) {
		const struct vk_ent *e = all[id] ? vk_tables_entry(&s->dp->t, id) : NULL;

		for (j = 0; e && j < e->nattr; j++) {
			if (strcmp(e->attrs[j].uuid, after) <= 0)
				continue;	/* in an earlier answer */
			if (nr == cap) {
				size_t c = cap ? cap * 2 : 256;
				struct crow *v = realloc(rows, c * sizeof(*v));

				if (!v)
					goto out;
				rows = v;
				cap = c;
			}
			rows[nr++] = (struct crow){ &e->attrs[j], all[id] };
		}
	}
	if (nr)
		qsort(rows, nr, sizeof(*rows), crow_cmp);
	for (i = 0; i < nr; i++) {
		if (n && !strcmp(cs[n - 1].attribute_uuid, rows[i].a->uuid)) {
			cs[n - 1].matches += rows[i].m;
			continue;
		}
		/* uuid, value, a varint and the framing of each */
		bytes += VK_UUID_LEN + strlen(rows[i].a->value) + 24;
		if (n == max || bytes > VK_IPC_MAX_MSG - 256) {
			*left = nr - i;	/* rows, not attributes: "more" is what counts */
			break;
		}
		put_counter(&cs[n++], rows[i].a, rows[i].m);
	}
out:
	free(rows);
	free(all);
	return n;
}

/* One reply holds as many counters as fit in a message; the rest come in
 * the next answers, whole (a request naming uuids gets exactly those). */
static void on_counters(struct vk_ipc_server *s, int fd, const Vardkase__Dp__CountersRequest *q)
{
	enum { MAXC = 4096 };	/* ~80 bytes each: the byte cap comes first */
	Vardkase__Dp__Response r = VARDKASE__DP__RESPONSE__INIT;
	Vardkase__Dp__Counters m = VARDKASE__DP__COUNTERS__INIT;
	Vardkase__Dp__Counter *cs = calloc(MAXC, sizeof(*cs));
	Vardkase__Dp__Counter **pc = calloc(MAXC, sizeof(*pc));
	size_t i, n = 0, left = 0;

	if (cs && pc)
		n = q->n_attribute_uuid ? named_counters(s, q, cs, MAXC)
					: all_counters(s, q->after, cs, MAXC, &left);
	m.more = left > 0;
	m.after = q->after;
	for (i = 0; i < n; i++)
		pc[i] = &cs[i];
	m.n_counter = n;
	m.counter = pc;
	m.instance = s->dp->instance;
	r.msg_case = VARDKASE__DP__RESPONSE__MSG_COUNTERS;
	r.counters = &m;
	send_resp(fd, &r);
	free(cs);
	free(pc);
}

void vk_ipc_server_event(struct vk_ipc_server *s, const struct vk_event *ev,
			 const struct vk_ent *e)
{
	Vardkase__Dp__Response r = VARDKASE__DP__RESPONSE__INIT;
	Vardkase__Dp__MatchEvent m = VARDKASE__DP__MATCH_EVENT__INIT;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ind[300], name[257];
	char osrc[INET6_ADDRSTRLEN], odst[INET6_ADDRSTRLEN];
	char *uuids[64];
	uint32_t vlan[VK_MAX_VLAN], i;
	struct vk_key k;
	int fam = ev->family == 4 ? AF_INET : AF_INET6, n;

	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (s->cl[i] && s->cl[i]->subscribed)
			break;
	if (i == VK_IPC_MAX_CLIENTS)
		return;
	inet_ntop(fam, ev->src, src, sizeof(src));
	inet_ntop(fam, ev->dst, dst, sizeof(dst));
	vk_ent_key(e, &k);
	m.indicator = vk_key_str(&k, ind, sizeof(ind));
	for (i = 0; i < e->nattr && i < 64; i++)
		uuids[i] = (char *)e->attrs[i].uuid;
	m.n_attribute_uuid = i;
	m.attribute_uuid = uuids;
	m.ts_ns = ev->ts_ns;
	m.matched_on = (char *)vk_event_source(ev);
	m.src = src;
	m.dst = dst;
	m.proto = ev->proto;
	m.sport = ev->sport;
	m.dport = ev->dport;
	for (n = 0; n < VK_MAX_VLAN && ev->vlan[n]; n++)
		vlan[n] = ev->vlan[n];
	m.n_vlan = (size_t)n;
	m.vlan = vlan;
	snprintf(name, sizeof(name), "%.*s", vk_event_named(ev) && ev->name_len <= sizeof(ev->name) ?
		 ev->name_len : 0, ev->name);
	m.name = name;
	m.ifindex = ev->ifindex;
	m.fragment = !!(ev->flags & VK_EVF_FRAGMENT);
	m.encap = (char *)vk_event_outer(ev, osrc, odst);
	m.outer_src = osrc;
	m.outer_dst = odst;
	m.tunnel_id = ev->outer.encap ? ev->outer.tunnel_id : 0;
	m.encap_depth = ev->outer.encap ? ev->outer.depth : 0;
	r.msg_case = VARDKASE__DP__RESPONSE__MSG_EVENT;
	r.event = &m;
	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (s->cl[i] && s->cl[i]->subscribed &&
		    vk_ipc_send(s->cl[i]->fd, &r.base, MSG_DONTWAIT))
			s->events_dropped++;
}

/* ---- dispatch --------------------------------------------------------- */

/* Every slot taken: the connection silent the longest (at least a second,
 * not subscribed) is closed for a new one, so that idle connections can
 * never lock the agent out. The slot, or -1. */
static int evict(struct vk_ipc_server *s)
{
	time_t now = mono_s(), oldest = now;
	int i, v = -1;

	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (!s->cl[i]->subscribed && s->cl[i]->last < oldest) {
			oldest = s->cl[i]->last;
			v = i;
		}
	if (v < 0)
		return -1;
	vk_warn("control socket: every slot taken: closing one silent for %lld s",
		(long long)(now - oldest));
	client_close(s, v);
	return v;
}

static void on_accept(struct vk_ipc_server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i;

	if (fd < 0)
		return;
	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (!s->cl[i])
			break;
	if (i == VK_IPC_MAX_CLIENTS)
		i = evict(s);
	if (i < 0 || !(s->cl[i] = calloc(1, sizeof(*s->cl[i])))) {
		vk_warn("control socket: %d clients, every one busy: refusing one",
			VK_IPC_MAX_CLIENTS);
		close(fd);
		return;
	}
	s->cl[i]->fd = fd;
	s->cl[i]->s = s;
	s->cl[i]->last = mono_s();
	vk_set_init(&s->cl[i]->adds);
}

void vk_ipc_server_tick(struct vk_ipc_server *s)
{
	time_t now = mono_s();
	int i;

	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++) {
		struct vk_ipc_client *c = s->cl[i];

		/* a staging connection waits for MISP's next page (the agent
		 * streams a full pull as it parses it): ten times as long */
		if (!c || c->subscribed || now - c->last < (c->staging ? 10 * s->idle_s : s->idle_s))
			continue;
		if (c->staging)
			vk_warn("control socket: a staged update idle for %u s is dropped",
				10 * s->idle_s);
		client_close(s, i);
	}
}

static int subscribers(const struct vk_ipc_server *s)
{
	int i, n = 0;

	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		n += s->cl[i] && s->cl[i]->subscribed;
	return n;
}

static void on_client(struct vk_ipc_server *s, int i)
{
	struct vk_ipc_client *c = s->cl[i];
	static uint8_t buf[VK_IPC_MAX_MSG];
	Vardkase__Dp__Request *rq;
	long n = vk_ipc_recv(c->fd, buf);

	if (n == -EAGAIN)
		return;
	c->last = mono_s();
	if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
		client_close(s, i);
		return;
	}
	if (n == -EMSGSIZE) {
		ack(s, c->fd, "message larger than the limit: send chunks", NULL, 0);
		return;
	}
	rq = vardkase__dp__request__unpack(NULL, (size_t)n, buf);
	if (!rq) {
		ack(s, c->fd, "not a valid Request message", NULL, 0);
		return;
	}
	switch (rq->msg_case) {
	case VARDKASE__DP__REQUEST__MSG_UPDATE:
		on_update(s, c, rq->update);
		break;
	case VARDKASE__DP__REQUEST__MSG_STATS:
		on_stats(s, c->fd);
		break;
	case VARDKASE__DP__REQUEST__MSG_COUNTERS:
		on_counters(s, c->fd, rq->counters);
		break;
	case VARDKASE__DP__REQUEST__MSG_SUBSCRIBE:
		if (rq->subscribe->events && !c->subscribed &&
		    subscribers(s) >= VK_IPC_MAX_SUBSCRIBERS) {
			ack(s, c->fd, "too many subscribers", NULL, 0);
			break;
		}
		c->subscribed = rq->subscribe->events;
		ack(s, c->fd, NULL, NULL, 0);
		break;
	default:
		ack(s, c->fd, "empty Request", NULL, 0);
	}
	vardkase__dp__request__free_unpacked(rq, NULL);
	/* the time the daemon took with it is not the client's silence */
	if (s->cl[i] == c)
		c->last = mono_s();
}

void vk_ipc_server_ready(struct vk_ipc_server *s, int fd)
{
	int i;

	if (fd == s->listen_fd) {
		on_accept(s);
		return;
	}
	for (i = 0; i < VK_IPC_MAX_CLIENTS; i++)
		if (s->cl[i] && s->cl[i]->fd == fd) {
			on_client(s, i);
			return;
		}
}
