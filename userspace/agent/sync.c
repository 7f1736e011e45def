// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync.h"
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
	memset(p, 0, sizeof(*p));
}

static void count_reason(struct vk_pull *p, const char *why)
{
	size_t i;

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

long vk_sync_parse_page(struct vk_sync *s, const char *body, size_t len, struct vk_pull *p,
		      int full, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je), *resp, *attrs, *a;
	size_t i;

	if (!root) {
		snprintf(err, errlen, "response is not JSON (%s, at byte %d)", je.text, je.position);
		return -1;
	}
	resp = json_object_get(root, "response");
	if (!resp) {
		const char *m = json_string_value(json_object_get(root, "message"));

		snprintf(err, errlen, "MISP answered without a response%s%s", m ? ": " : "",
			 m ? m : "");
		json_decref(root);
		return -1;
	}
	attrs = json_is_array(resp) ? resp : json_object_get(resp, "Attribute");
	if (!json_is_array(attrs)) {
		snprintf(err, errlen, "response has no Attribute list");
		json_decref(root);
		return -1;
	}
	json_array_foreach(attrs, i, a) {
		const char *u = json_string_value(json_object_get(a, "uuid"));
		const char *t = json_string_value(json_object_get(a, "type"));
		const char *v = json_string_value(json_object_get(a, "value"));
		const char *eu = json_string_value(json_object_get(a, "event_uuid"));
		const char *why;
		int c;

		p->seen++;
		if (!vk_uuid_ok(u) || !t || !v) {
			count_reason(p, "malformed attribute");
			continue;
		}
		c = vk_sync_classify(s, t, v, vk_json_truthy(json_object_get(a, "to_ids")),
				     vk_json_truthy(json_object_get(a, "deleted")), &why);
		if (why)
			count_reason(p, why);
		if (c == 1) {
			if (vk_amap_put(&p->up, u, (uint8_t)vk_misp_type_parse(t), v, eu))
				goto nomem;
		} else if (!full) {
			vk_amap_del(&p->up, u);	/* a later page may take it back */
			if (push_del(p, u))
				goto nomem;
		}
	}
	i = json_array_size(attrs);
	json_decref(root);	/* attrs belongs to root */
	return (long)i;
nomem:
	json_decref(root);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int vk_sync_pull(struct vk_sync *s, int64_t since, struct vk_pull *p, char *err, size_t errlen)
{
	const char *hdr[] = { s->auth, "Accept: application/json",
			      /* without it MISP silently ignores every filter */
			      "Content-Type: application/json", NULL };
	int page;

	for (page = 1; page <= 100000; page++) {
		json_t *b = request_body(s, since, page);
		char *body = json_dumps(b, JSON_COMPACT);
		struct vk_http_resp r;
		long rows;
		int rc;

		json_decref(b);
		if (!body)
			return VK_SYNC_E_FAIL;
		rc = vk_https_request(s->h, "POST", "/attributes/restSearch", hdr, body,
				      strlen(body), &r, err, errlen);
		free(body);
		if (rc)
			return VK_SYNC_E_FAIL;
		p->pages++;
		if (r.status == 403) {
			snprintf(err, errlen, "MISP refused the API key (HTTP 403): check api_key_file");
			free(r.body);
			return VK_SYNC_E_AUTH;
		}
		if (r.status == 429) {
			p->retry_after = r.rate_limit_reset > 0 ? r.rate_limit_reset : 60;
			snprintf(err, errlen, "MISP rate limit (HTTP 429): retry in %ld s",
				 p->retry_after);
			free(r.body);
			return VK_SYNC_E_RATE;
		}
		if (r.status != 200) {
			snprintf(err, errlen, "MISP answered HTTP %d on page %d", r.status, page);
			free(r.body);
			return VK_SYNC_E_FAIL;
		}
		rows = vk_sync_parse_page(s, r.body, r.len, p, since < 0, err, errlen);
		free(r.body);
		if (rows < 0)
			return VK_SYNC_E_FAIL;
		if (rows < (long)s->conf->page_size)
			return VK_SYNC_OK;	/* a short page is the last one */
	}
	snprintf(err, errlen, "more than 100000 pages: giving up");
	return VK_SYNC_E_FAIL;
}
