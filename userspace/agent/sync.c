// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <yajl/yajl_parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync.h"
#include "../lib/vk_log.h"
#include "wl.h"
#include "../lib/vk_https.h"
#include "../lib/vk_key.h"
#include "../lib/vk_misp.h"

void vk_pull_init(struct vk_pull *p)
{
	memset(p, 0, sizeof(*p));
	vk_amap_init(&p->up);
}

void vk_pull_free(struct vk_pull *p)
{
	size_t i;

	vk_amap_free(&p->up);
	for (i = 0; i < p->ndel; i++)
		free(p->del[i]);
	free(p->del);
	for (i = 0; i < p->nref; i++)
		free(p->ref[i].value);
	free(p->ref);
	memset(p, 0, sizeof(*p));
}

static void count_reason(struct vk_pull *p, const char *why)
{
	size_t i;

	if (!why)
		return;
	for (i = 0; i < p->nreasons; i++)
		if (p->reason[i] == why || !strcmp(p->reason[i], why)) {
			p->reason_n[i]++;
			return;
		}
	if (p->nreasons < VK_MAX_REASONS) {
		p->reason[p->nreasons] = why;
		p->reason_n[p->nreasons++] = 1;
	}
}

int vk_pull_refuse(struct vk_pull *p, const char *uuid, const char *value,
		   const char *event_uuid, const char *why)
{
	struct vk_refusal *r;

	if (p->nref == p->ref_cap) {
		size_t c = p->ref_cap ? p->ref_cap * 2 : 64;
		struct vk_refusal *v = realloc(p->ref, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->ref = v;
		p->ref_cap = c;
	}
	r = &p->ref[p->nref];
	memset(r, 0, sizeof(*r));
	snprintf(r->uuid, sizeof(r->uuid), "%s", uuid);
	snprintf(r->event_uuid, sizeof(r->event_uuid), "%s", event_uuid);
	r->why = why;
	r->value = strdup(value);
	if (!r->value)
		return -ENOMEM;
	p->nref++;
	return 0;
}

static int push_del(struct vk_pull *p, const char *uuid)
{
	if (p->ndel == p->del_cap) {
		size_t c = p->del_cap ? p->del_cap * 2 : 256;
		char **v = realloc(p->del, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->del = v;
		p->del_cap = c;
	}
	p->del[p->ndel] = strdup(uuid);
	return p->del[p->ndel++] ? 0 : -ENOMEM;
}

int vk_sync_classify(const struct vk_sync *s, const char *type, const char *value,
		     int to_ids, int deleted, const char **why)
{
	enum vk_misp_type t = vk_misp_type_parse(type);
	struct vk_key k[2];
	const char *wl;
	int n;

	*why = NULL;
	if (deleted || !to_ids || t == VK_T_UNKNOWN || !(s->conf->types & (1u << t)))
		return 0;
	n = vk_key_from_misp(t, value, k, why);
	if (n < 0)
		return 0;
	wl = vk_wl_match(s->wl, t, value, k, n);
	if (wl) {
		*why = "on a local warninglist";
		return 0;
	}
	return 1;
}

static json_t *request_body(const struct vk_sync *s, int64_t since, int page)
{
	json_t *b = json_object(), *types = json_array();
	int t;

	for (t = VK_T_IP_SRC; t < VK_T_MAX; t++)
		if (s->conf->types & (1u << t))
			json_array_append_new(types, json_string(vk_misp_type_name((enum vk_misp_type)t)));
	json_object_set_new(b, "returnFormat", json_string("json"));
	json_object_set_new(b, "type", types);
	json_object_set_new(b, "published", json_integer(1));
	json_object_set_new(b, "enforceWarninglist", json_integer(1));
	json_object_set_new(b, "includeEventUuid", json_integer(1));
	json_object_set_new(b, "limit", json_integer(s->conf->page_size));
	json_object_set_new(b, "page", json_integer(page));
	if (s->conf->decaying_model) {
		/* scores come with each attribute; excludeDecayed is not used,
		 * because a delta must see what decayed to stop enforcing it */
		json_t *m = json_array();

		json_array_append_new(m, json_integer(s->conf->decaying_model));
		json_object_set_new(b, "includeDecayScore", json_integer(1));
		json_object_set_new(b, "decayingModel", m);
		if (s->conf->decay_threshold)
			json_object_set_new(b, "modelOverrides",
					    json_pack("{s:i}", "threshold", s->conf->decay_threshold));
	}
	if (since < 0) {
		/* a full pull wants only what is enforceable now */
		json_object_set_new(b, "to_ids", json_integer(1));
	} else {
		/* a delta must also see what stopped being enforceable */
		json_t *d = json_array();

		json_array_append_new(d, json_integer(0));
		json_array_append_new(d, json_integer(1));
		json_object_set_new(b, "deleted", d);
		json_object_set_new(b, "publish_timestamp", json_integer(since));
		json_object_set_new(b, "includeEventTags", json_integer(1));
	}
	return b;
}

/*
 * The page reader streams (yajl): of each attribute it keeps uuid, type,
 * value, to_ids, deleted and event_uuid, and skips everything else (the
 * Event and Tag objects are most of the bytes). A tree per page, as
 * jansson builds, cost most of a sync's CPU (docs/performance.md).
 */
enum { F_UUID, F_TYPE, F_VALUE, F_EVENT_UUID, F_CATEGORY, F_COMMENT, F_TO_IDS, F_DELETED, F_MAX,
       F_NONE = F_MAX };

struct page {
	struct vk_sync *s;
	struct vk_pull *p;
	int full, depth, in_attrs, saw_response, failed;
	int attrs_depth;	/* depth of the Attribute array while inside it */
	int found;		/* the Attribute array was seen */
	int key;		/* F_* of the attribute's current key */
	int top_key;		/* 1 "response", 2 "message", 3 "Attribute" */
	char f[F_TO_IDS][1024];
	int flag[2];		/* to_ids, deleted */
	int have[F_MAX];
	/* decay_score: [{"score": N, "decayed": B, "DecayingModel": {"id": "3"}}] */
	int in_decay, dkey;	/* inside decay_score; its current key */
	double dscore;
	int ddecayed, dmodel;
	int decayed;		/* this attribute decayed under the configured model */
	/* Tag: [{"name": N, "inherited": 1}]: the attribute's own tags are
	 * kept (an event's tags come with the event's metadata) */
	int in_tag, tkey, tinherited;
	char tname[256];
	char tags[1024];
	size_t ntags;
	long rows;
	char message[200];
};

static void take_attr(struct page *g)
{
	struct vk_pull *p = g->p;
	const char *why;
	int c;

	g->rows++;
	p->seen++;
	if (!g->have[F_UUID] || !g->have[F_TYPE] || !g->have[F_VALUE] || !vk_uuid_ok(g->f[F_UUID])) {
		count_reason(p, "malformed attribute");
		return;
	}
	c = vk_sync_classify(g->s, g->f[F_TYPE], g->f[F_VALUE], g->flag[0], g->flag[1], &why);
	if (c == 1 && g->decayed) {
		c = 0;
		why = "decayed (score under the threshold)";
	}
	if (!why && c == 0)
		why = g->flag[1] ? "deleted" : !g->flag[0] ? "not to_ids" : "type not enforced";
	count_reason(p, why);
	if (c == 1) {
		if (vk_amap_put(&p->up, g->f[F_UUID], (uint8_t)vk_misp_type_parse(g->f[F_TYPE]),
				g->f[F_VALUE], g->have[F_EVENT_UUID] ? g->f[F_EVENT_UUID] : NULL) ||
		    vk_amap_annotate(&p->up, g->f[F_UUID],
				     g->have[F_CATEGORY] ? vk_category_id(g->f[F_CATEGORY]) : 0,
				     g->have[F_COMMENT] ? g->f[F_COMMENT] : NULL, g->tags))
			g->failed = 1;
	} else if (vk_pull_refuse(p, g->f[F_UUID], g->f[F_VALUE],
				  g->have[F_EVENT_UUID] ? g->f[F_EVENT_UUID] : "", why)) {
		g->failed = 1;
	}
	if (c != 1 && !g->full) {
		vk_amap_del(&p->up, g->f[F_UUID]);	/* a later page may take it back */
		if (push_del(p, g->f[F_UUID]))
			g->failed = 1;
	}
}

/* depth: 1 = the root object, 2 = response, 3 = the Attribute array
 * (or response itself as an array), 4 = one attribute, 5+ = inside it */
static int at_attr(const struct page *g)
{
	return g->attrs_depth && g->depth == g->attrs_depth + 1;
}

static int cb_start_map(void *ctx)
{
	struct page *g = ctx;

	g->depth++;
	if (at_attr(g)) {
		memset(g->have, 0, sizeof(g->have));
		g->flag[0] = g->flag[1] = 0;
		g->key = F_NONE;
		g->decayed = 0;
		g->in_decay = 0;
		g->in_tag = 0;
		g->tags[0] = 0;
		g->ntags = 0;
	} else if (g->in_tag && g->depth == g->attrs_depth + 3) {
		g->tname[0] = 0;
		g->tinherited = 0;
	} else if (g->in_decay && g->depth == g->attrs_depth + 3) {
		g->dscore = 100;	/* one decay_score entry begins */
		g->ddecayed = 0;
		g->dmodel = -1;
	}
	return 1;
}

static void decay_entry(struct page *g)
{
	const struct vk_conf *c = g->s->conf;

	if (g->dmodel != (int)c->decaying_model)
		return;
	/* MISP's own verdict, or the local override of the threshold */
	if (c->decay_threshold ? g->dscore < c->decay_threshold : g->ddecayed)
		g->decayed = 1;
}

static void tag_entry(struct page *g)
{
	size_t n = strlen(g->tname);

	if (g->tinherited || !n || g->ntags + n + 2 > sizeof(g->tags))
		return;
	if (g->ntags)
		g->tags[g->ntags++] = 0x1e;
	memcpy(g->tags + g->ntags, g->tname, n + 1);
	g->ntags += n;
}

static int cb_end_map(void *ctx)
{
	struct page *g = ctx;

	if (at_attr(g))
		take_attr(g);
	else if (g->in_decay && g->depth == g->attrs_depth + 3)
		decay_entry(g);
	else if (g->in_tag && g->depth == g->attrs_depth + 3)
		tag_entry(g);
	g->depth--;
	return !g->failed;
}

static int cb_start_array(void *ctx)
{
	struct page *g = ctx;

	g->depth++;
	/* {"response": {"Attribute": [...]}} or MISP's empty {"response": []} */
	if (!g->found && ((g->depth == 3 && g->top_key == 3) || (g->depth == 2 && g->top_key == 1))) {
		g->attrs_depth = g->depth;
		g->found = 1;
	}
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct page *g = ctx;

	if (g->in_decay && g->depth == g->attrs_depth + 2)
		g->in_decay = 0;
	if (g->in_tag && g->depth == g->attrs_depth + 2)
		g->in_tag = 0;
	if (g->depth == g->attrs_depth)
		g->attrs_depth = 0;	/* past it: later arrays are not attributes */
	g->depth--;
	return 1;
}

static int cb_key(void *ctx, const unsigned char *k, size_t n)
{
	static const char *const names[] = { "uuid", "type", "value", "event_uuid", "category",
					     "comment", "to_ids", "deleted" };
	struct page *g = ctx;
	int i;

	if (g->depth == 1) {
		g->top_key = n == 8 && !memcmp(k, "response", 8) ? 1 :
			     n == 7 && !memcmp(k, "message", 7) ? 2 : 0;
		if (g->top_key == 1)
			g->saw_response = 1;
	} else if (g->depth == 2 && g->top_key >= 1) {
		g->top_key = n == 9 && !memcmp(k, "Attribute", 9) ? 3 : 1;
	} else if (at_attr(g)) {
		g->key = F_NONE;
		for (i = 0; i < F_MAX; i++)
			if (strlen(names[i]) == n && !memcmp(k, names[i], n))
				g->key = i;
		g->in_decay = n == 11 && !memcmp(k, "decay_score", 11);
		g->in_tag = n == 3 && !memcmp(k, "Tag", 3);
	} else if (g->in_tag && g->depth == g->attrs_depth + 3) {	/* 1 name, 2 inherited */
		g->tkey = n == 4 && !memcmp(k, "name", 4) ? 1 :
			  n == 9 && !memcmp(k, "inherited", 9) ? 2 : 0;
	} else if (g->in_decay) {	/* 1 score, 2 decayed, 3 id (of DecayingModel) */
		g->dkey = n == 5 && !memcmp(k, "score", 5) ? 1 :
			  n == 7 && !memcmp(k, "decayed", 7) ? 2 :
			  n == 2 && !memcmp(k, "id", 2) && g->depth == g->attrs_depth + 4 ? 3 : 0;
	}
	return 1;
}

static int cb_string(void *ctx, const unsigned char *v, size_t n)
{
	struct page *g = ctx;

	if (g->depth == 1 && g->top_key == 2)
		snprintf(g->message, sizeof(g->message), "%.*s", (int)n, (const char *)v);
	if (g->in_tag && g->depth == g->attrs_depth + 3 && g->tkey == 1) {
		snprintf(g->tname, sizeof(g->tname), "%.*s", (int)n, (const char *)v);
		return 1;
	}
	if (g->in_decay && g->dkey == 3) {
		char id[16];

		snprintf(id, sizeof(id), "%.*s", (int)(n < 15 ? n : 15), (const char *)v);
		g->dmodel = atoi(id);
		return 1;
	}
	if (!at_attr(g) || g->key == F_NONE)
		return 1;
	if (g->key >= F_TO_IDS) {	/* older MISP: "0"/"1" */
		g->flag[g->key - F_TO_IDS] = n == 1 && v[0] == '1';
	} else if (n < sizeof(g->f[0])) {
		memcpy(g->f[g->key], v, n);
		g->f[g->key][n] = 0;
		g->have[g->key] = 1;
	}
	return 1;
}

static int cb_bool(void *ctx, int b)
{
	struct page *g = ctx;

	if (g->in_decay && g->dkey == 2 && g->depth == g->attrs_depth + 3)
		g->ddecayed = b;
	if (g->in_tag && g->tkey == 2 && g->depth == g->attrs_depth + 3)
		g->tinherited = b;
	if (at_attr(g) && g->key >= F_TO_IDS && g->key < F_MAX)
		g->flag[g->key - F_TO_IDS] = b;
	return 1;
}

static int cb_number(void *ctx, const char *v, size_t n)
{
	struct page *g = ctx;

	if (g->in_decay && g->dkey == 1 && g->depth == g->attrs_depth + 3) {
		char num[32];

		snprintf(num, sizeof(num), "%.*s", (int)(n < 31 ? n : 31), v);
		g->dscore = strtod(num, NULL);
	}
	if (g->in_tag && g->tkey == 2 && g->depth == g->attrs_depth + 3)
		g->tinherited = !(n == 1 && v[0] == '0');
	if (g->in_decay && g->dkey == 3) {	/* a numeric model id */
		char num[16];

		snprintf(num, sizeof(num), "%.*s", (int)(n < 15 ? n : 15), v);
		g->dmodel = atoi(num);
	}

	if (at_attr(g) && g->key >= F_TO_IDS && g->key < F_MAX)
		g->flag[g->key - F_TO_IDS] = !(n == 1 && v[0] == '0');
	return 1;
}

static const yajl_callbacks page_cb = {
	.yajl_boolean = cb_bool, .yajl_number = cb_number, .yajl_string = cb_string,
	.yajl_start_map = cb_start_map, .yajl_map_key = cb_key, .yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array, .yajl_end_array = cb_end_array,
};

long vk_sync_parse_page(struct vk_sync *s, const char *body, size_t len, struct vk_pull *p,
			int full, char *err, size_t errlen)
{
	struct page *g = calloc(1, sizeof(*g));
	yajl_handle y;
	yajl_status st;
	long rows = -1;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->s = s;
	g->p = p;
	g->full = full;
	y = yajl_alloc(&page_cb, NULL, g);
	st = yajl_parse(y, (const unsigned char *)body, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(y);
	if (g->failed) {
		snprintf(err, errlen, "out of memory");
	} else if (st != yajl_status_ok) {
		snprintf(err, errlen, "response is not JSON (at byte %zu)",
			 yajl_get_bytes_consumed(y));
	} else if (!g->saw_response) {
		snprintf(err, errlen, "MISP answered without a response%s%s",
			 g->message[0] ? ": " : "", g->message);
	} else if (!g->found) {
		snprintf(err, errlen, "response has no Attribute list");
	} else {
		rows = g->rows;
	}
	yajl_free(y);
	free(g);
	return rows;
}

/* One page's request and answer; run by the pull itself or, for the next
 * page, by a thread of its own while this page is parsed. */
struct fetch {
	struct vk_sync *s;
	int64_t since;
	int page, rc;
	struct vk_http_resp r;
	char err[512];
};

static void *fetch_main(void *arg)
{
	struct fetch *f = arg;
	const char *hdr[] = { f->s->auth, "Accept: application/json",
			      /* without it MISP silently ignores every filter */
			      "Content-Type: application/json", NULL };
	json_t *b = request_body(f->s, f->since, f->page);
	char *body = json_dumps(b, JSON_COMPACT);

	json_decref(b);
	memset(&f->r, 0, sizeof(f->r));
	f->rc = -1;
	if (!body) {
		snprintf(f->err, sizeof(f->err), "out of memory");
		return NULL;
	}
	f->rc = vk_https_request(f->s->h, "POST", "/attributes/restSearch", hdr, body,
				 strlen(body), &f->r, f->err, sizeof(f->err));
	free(body);
	return NULL;
}

/* What a fetched page's status means: VK_SYNC_OK to parse it, or the
 * error (err set). */
static int page_status(struct fetch *f, struct vk_pull *p, char *err, size_t errlen)
{
	if (f->rc) {
		snprintf(err, errlen, "%s", f->err);
		return VK_SYNC_E_FAIL;
	}
	p->pages++;
	if (f->r.status == 403 && f->r.json) {
		snprintf(err, errlen, "MISP refused the API key (HTTP 403): check api_key_file");
		return VK_SYNC_E_AUTH;
	}
	if (f->r.status == 403) {	/* an HTML page: a proxy or firewall in front */
		snprintf(err, errlen, "HTTP 403 from something in front of MISP (not MISP's own"
			 " answer: the API key was not judged); check the proxy between the box"
			 " and %s", f->s->conf->url);
		return VK_SYNC_E_FAIL;
	}
	if (f->r.status == 429) {
		p->retry_after = f->r.rate_limit_reset > 0 ? f->r.rate_limit_reset : 60;
		snprintf(err, errlen, "MISP rate limit (HTTP 429): retry in %ld s", p->retry_after);
		return VK_SYNC_E_RATE;
	}
	if (f->r.status != 200) {
		snprintf(err, errlen, "MISP answered HTTP %d on page %d", f->r.status, f->page);
		return VK_SYNC_E_FAIL;
	}
	return VK_SYNC_OK;
}

/* Is there a page after this one? MISP 2.5.1 takes warninglisted rows out
 * of a page after its SQL limit, so a page that is not the last can be
 * short (captured: 1 row of a 2-row page, X-Skipped-Elements-Count: 1, and
 * two pages follow). The rows it held before the filter, rows + skipped,
 * say whether the limit was reached. Without that header a short page
 * proves nothing, and only an empty one ends the pull (one request more).
 * rows < 0: not parsed yet (X-Result-Count, the rows sent + 1, stands in). */
int vk_sync_more_follows(const struct vk_http_resp *r, long rows, size_t page_size)
{
	if (rows < 0)
		rows = r->result_count > 0 ? r->result_count - 1 : 0;
	if (r->skipped < 0)
		return rows > 0;
	return rows + r->skipped >= (long)page_size;
}

/* The next page is fetched while this one is parsed when this one was
 * full before MISP's filter: TLS (and gunzip) of page n + 1 then run
 * beside the parse of page n. */
static int start_next(struct fetch *cur, struct fetch *next, pthread_t *th, size_t page_size)
{
	if (!vk_sync_more_follows(&cur->r, -1, page_size))
		return 0;
	*next = (struct fetch){ .s = cur->s, .since = cur->since, .page = cur->page + 1 };
	return !pthread_create(th, NULL, fetch_main, next);
}

/* A pull that goes on past its bounds is stopped (a platform answering
 * full pages of new uuids took 1.1 GB in 300 s, logging nothing); a long
 * one says how far it is every 20 pages. 1 when past a bound (err set). */
static int over_limits(const struct vk_sync *s, const struct vk_pull *p, int full, char *err,
		       size_t errlen)
{
	const struct vk_conf *c = s->conf;

	if (p->seen > c->max_pull_attributes || p->bytes > (uint64_t)c->max_pull_mb << 20) {
		snprintf(err, errlen, "the %s pull passed %s (%zu attributes, %llu MiB in %zu"
			 " pages) and was stopped; nothing of it is applied. A set this large"
			 " is not what the platform should send: check it, or raise the limit",
			 full ? "full" : "delta", p->seen > c->max_pull_attributes ?
			 "max_pull_attributes" : "max_pull_mb", p->seen,
			 (unsigned long long)(p->bytes >> 20), p->pages);
		return 1;
	}
	if (p->pages % 20 == 0)
		vk_info("sync: %s pull under way: page %zu, %zu attributes, %llu MiB",
			full ? "full" : "delta", p->pages, p->seen,
			(unsigned long long)(p->bytes >> 20));
	return 0;
}

int vk_sync_pull(struct vk_sync *s, int64_t since, struct vk_pull *p, char *err, size_t errlen)
{
	struct fetch f[2] = { { .s = s, .since = since, .page = 1 } }, *cur = &f[0], *next = &f[1];
	pthread_t th;
	int ahead, rc, more = 0;
	long rows;

	fetch_main(cur);
	for (;;) {
		rc = page_status(cur, p, err, errlen);
		ahead = rc == VK_SYNC_OK && cur->page < 100000 &&
			start_next(cur, next, &th, s->conf->page_size);
		rows = rc == VK_SYNC_OK ? vk_sync_parse_page(s, cur->r.body, cur->r.len, p,
							       since < 0, err, errlen) : -1;
		free(cur->r.body);
		if (rows >= 0) {
			more = vk_sync_more_follows(&cur->r, rows, s->conf->page_size);
			p->skipped += cur->r.skipped > 0 ? (size_t)cur->r.skipped : 0;
		}
		if (rows >= 0 && p->page_done)
			p->page_done(p->page_arg, p);
		if (ahead) {
			pthread_join(th, NULL);
			if (rows < 0 || !more) {
				free(next->r.body);	/* not needed after all */
				next->r.body = NULL;
			}
		}
		if (rows < 0)
			return rc == VK_SYNC_OK ? VK_SYNC_E_FAIL : rc;
		if (!more)
			return VK_SYNC_OK;
		p->bytes += cur->r.len;
		if (over_limits(s, p, since < 0, err, errlen))
			return VK_SYNC_E_FAIL;
		if (cur->page >= 100000)
			break;
		if (ahead) {
			struct fetch *t = cur;

			cur = next;
			next = t;
		} else {
			*next = (struct fetch){ .s = s, .since = since, .page = cur->page + 1 };
			fetch_main(next);
			cur = next;
			next = cur == &f[0] ? &f[1] : &f[0];
		}
	}
	snprintf(err, errlen, "more than 100000 pages: giving up");
	return VK_SYNC_E_FAIL;
}

/* {"response": [{"Event": {"uuid", "info", "threat_level_id", "date", "Tag": [{"name"}]}}]} */
static int event_meta_page(const char *body, size_t len, vk_event_meta_fn fn, void *arg,
			   char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je), *resp, *it;
	size_t i, j;

	resp = json_object_get(root, "response");
	if (!json_is_array(resp)) {
		snprintf(err, errlen, "events/restSearch: %s", root ? "no response list" : je.text);
		json_decref(root);
		return -1;
	}
	json_array_foreach(resp, i, it) {
		json_t *e = json_object_get(it, "Event"), *t;
		const char *u = json_string_value(json_object_get(e, "uuid"));
		const char *tl = json_string_value(json_object_get(e, "threat_level_id"));
		char tags[2048] = "";
		size_t n = 0;

		if (!u || !vk_uuid_ok(u))
			continue;
		json_array_foreach(json_object_get(e, "Tag"), j, t) {
			const char *name = json_string_value(json_object_get(t, "name"));

			if (name && n + strlen(name) + 2 < sizeof(tags))
				n += (size_t)snprintf(tags + n, sizeof(tags) - n, "%s%s",
						      n ? "\x1e" : "", name);
		}
		fn(arg, u, json_string_value(json_object_get(e, "info")) ?: "",
		   tl ? atoi(tl) : (int)json_integer_value(json_object_get(e, "threat_level_id")),
		   json_string_value(json_object_get(e, "date")) ?: "", tags,
		   vk_json_truthy(json_object_get(e, "published")));
	}
	json_decref(root);
	return 0;
}

int vk_sync_event_meta(struct vk_sync *s, char **uuids, size_t n, vk_event_meta_fn fn,
		       void *arg, char *err, size_t errlen)
{
	const char *hdr[] = { s->auth, "Accept: application/json",
			      "Content-Type: application/json", NULL };
	size_t i, j;

	for (i = 0; i < n; i += 100) {
		json_t *b = json_object(), *u = json_array();
		struct vk_http_resp r;
		char *body;
		int rc;

		for (j = i; j < n && j < i + 100; j++)
			json_array_append_new(u, json_string(uuids[j]));
		json_object_set_new(b, "returnFormat", json_string("json"));
		json_object_set_new(b, "metadata", json_integer(1));
		json_object_set_new(b, "uuid", u);
		body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
		if (!body)
			return -1;
		rc = vk_https_request(s->h, "POST", "/events/restSearch", hdr, body, strlen(body),
				      &r, err, errlen);
		free(body);
		if (rc)
			return -1;
		if (r.status != 200) {
			snprintf(err, errlen, "events/restSearch: HTTP %d", r.status);
			free(r.body);
			return -1;
		}
		rc = event_meta_page(r.body, r.len, fn, arg, err, errlen);
		free(r.body);
		if (rc)
			return -1;
	}
	return 0;
}
