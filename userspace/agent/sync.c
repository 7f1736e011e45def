// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync.h"
#include "../lib/vk_log.h"
#include "wl.h"
#include "../lib/vk_https.h"
#include "../lib/vk_mispread.h"
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
	return vk_sync_classify_t(s, vk_misp_type_of(type, NULL), value, to_ids, deleted, why);
}

int vk_sync_classify_t(const struct vk_sync *s, enum vk_misp_type t, const char *value,
		       int to_ids, int deleted, const char **why)
{
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
			json_array_append_new(types, json_string(vk_misp_type_wire((enum vk_misp_type)t)));
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

/* One page: the attributes the shared reader (lib/vk_mispread.h, one set
 * of rules for every reader) hands over, classified for this box. */
struct page {
	struct vk_sync *s;
	struct vk_pull *p;
	int full, failed;
};

static int take_attr(void *arg, const struct vk_mattr *a)
{
	struct page *g = arg;
	struct vk_pull *p = g->p;
	const char *uuid = a->f[VK_MF_UUID], *value = a->f[VK_MF_VALUE];
	const char *ev = a->f[VK_MF_EVENT_UUID] ? a->f[VK_MF_EVENT_UUID] : "";
	enum vk_misp_type t;
	const char *why;
	int c;

	p->seen++;
	if (!uuid || !vk_uuid_ok(uuid)) {
		count_reason(p, "malformed attribute");
		return 0;
	}
	if (a->bad || !a->f[VK_MF_TYPE] || !value) {
		/* refused with its reason, and for a delta no longer enforced:
		 * the uuid is sound, what it says is not */
		c = 0;
		why = a->bad ? a->bad : "malformed attribute";
	} else {
		t = vk_misp_type_of(a->f[VK_MF_TYPE], a->f[VK_MF_RELATION]);
		c = vk_sync_classify_t(g->s, t, value, a->to_ids, a->deleted, &why);
		if (c == 1 && a->decayed) {
			c = 0;
			why = "decayed (score under the threshold)";
		}
		if (!why && c == 0)
			why = a->deleted ? "deleted" : !a->to_ids ? "not to_ids" : "type not enforced";
	}
	count_reason(p, why);
	if (c == 1) {
		if (vk_amap_put(&p->up, uuid, (uint8_t)t, value,
				a->f[VK_MF_EVENT_UUID]) ||
		    vk_amap_annotate(&p->up, uuid,
				     a->f[VK_MF_CATEGORY] ? vk_category_id(a->f[VK_MF_CATEGORY]) : 0,
				     a->f[VK_MF_COMMENT], a->tags))
			g->failed = 1;
	} else if (vk_pull_refuse(p, uuid, value ? value : "", ev, why)) {
		g->failed = 1;
	}
	if (c != 1 && !g->full) {
		vk_amap_del(&p->up, uuid);	/* a later page may take it back */
		if (push_del(p, uuid))
			g->failed = 1;
	}
	return g->failed;
}

long vk_sync_parse_page(struct vk_sync *s, const char *body, size_t len, struct vk_pull *p,
			int full, char *err, size_t errlen)
{
	struct vk_mispread_opts o = { .decaying_model = s->conf->decaying_model,
				      .decay_threshold = s->conf->decay_threshold };
	struct page g = { .s = s, .p = p, .full = full };
	struct vk_mispread *r = vk_mispread_new(&o, take_attr, &g);
	long rows;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	vk_mispread_feed(r, body, len);
	rows = vk_mispread_end(r, err, errlen);
	vk_mispread_free(r);
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
int vk_sync_parse_event_meta(const char *body, size_t len, vk_event_meta_fn fn, void *arg,
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
		rc = vk_sync_parse_event_meta(r.body, r.len, fn, arg, err, errlen);
		free(r.body);
		if (rc)
			return -1;
	}
	return 0;
}
