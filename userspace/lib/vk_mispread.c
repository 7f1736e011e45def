// SPDX-License-Identifier: GPL-2.0-only
/* The restSearch reader (vk_mispread.h): yajl callbacks that keep, of each
 * attribute, its text fields, to_ids, deleted, its own tags and its decay
 * verdict, and skip everything else (the Event and Tag objects are most of
 * the bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include "vk_mispread.h"

/* the boolean fields, after the text ones */
enum { F_TO_IDS = VK_MF_TEXT, F_DELETED, F_MAX, F_NONE = F_MAX };

struct vk_mispread {
	struct vk_mispread_opts o;
	vk_mattr_fn fn;
	void *arg;
	yajl_handle y;
	int depth, saw_response, failed, stopped;
	int attrs_depth;	/* depth of the Attribute array while inside it */
	int found;		/* the Attribute array was seen */
	int key;		/* F_* of the attribute's current key */
	int top_key;		/* 1 "response", 2 "message", 3 "Attribute" */
	char f[VK_MF_TEXT][VK_MATTR_MAX];
	int have[VK_MF_TEXT];
	int flag[2];		/* to_ids, deleted */
	const char *bad;
	/* decay_score: [{"score": N, "decayed": B, "DecayingModel": {"id": "3"}}] */
	int in_decay, dkey;
	double dscore;
	int ddecayed, dmodel, decayed;
	/* Tag: [{"name": N, "inherited": 1}] */
	int in_tag, tkey, tinherited;
	char tname[256];
	char tags[1024];
	size_t ntags;
	long rows;
	char message[200];
};

const char *vk_misp_text_bad(const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v, *e = s + n;

	if (memchr(v, 0, n))
		return "a NUL byte inside a field";
	while (s < e) {
		unsigned c = *s, need, cp, min;

		if (c < 0x80) {
			s++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { need = 1; cp = c & 0x1f; min = 0x80; }
		else if ((c & 0xf0) == 0xe0) { need = 2; cp = c & 0x0f; min = 0x800; }
		else if ((c & 0xf8) == 0xf0) { need = 3; cp = c & 0x07; min = 0x10000; }
		else return "not valid UTF-8";
		if ((size_t)(e - s) <= need)
			return "not valid UTF-8";
		for (s++; need; need--, s++) {
			if ((*s & 0xc0) != 0x80)
				return "not valid UTF-8";
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "not valid UTF-8";
	}
	return NULL;
}

int vk_misp_bool_text(const char *v, size_t n)
{
	if ((n == 1 && v[0] == '1') || (n == 4 && !memcmp(v, "true", 4)))
		return 1;
	if ((n == 1 && v[0] == '0') || (n == 5 && !memcmp(v, "false", 5)))
		return 0;
	return -1;
}

/* depth: 1 = the root object, 2 = response, 3 = the Attribute array
 * (or response itself as an array), 4 = one attribute, 5+ = inside it */
static int at_attr(const struct vk_mispread *g)
{
	return g->attrs_depth && g->depth == g->attrs_depth + 1;
}

static void take_attr(struct vk_mispread *g)
{
	struct vk_mattr a = { .to_ids = g->flag[0], .deleted = g->flag[1], .bad = g->bad,
			      .tags = g->tags, .decayed = g->decayed };
	int i;

	g->rows++;
	for (i = 0; i < VK_MF_TEXT; i++)
		a.f[i] = g->have[i] ? g->f[i] : NULL;
	if (g->fn(g->arg, &a))
		g->stopped = 1;
}

static int cb_start_map(void *ctx)
{
	struct vk_mispread *g = ctx;

	g->depth++;
	if (at_attr(g)) {
		memset(g->have, 0, sizeof(g->have));
		g->flag[0] = g->flag[1] = 0;
		g->bad = NULL;
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

static void decay_entry(struct vk_mispread *g)
{
	if (!g->o.decaying_model || g->dmodel != (int)g->o.decaying_model)
		return;
	/* MISP's own verdict, or the local override of the threshold */
	if (g->o.decay_threshold ? g->dscore < g->o.decay_threshold : g->ddecayed)
		g->decayed = 1;
}

static void tag_entry(struct vk_mispread *g)
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
	struct vk_mispread *g = ctx;

	if (at_attr(g))
		take_attr(g);
	else if (g->in_decay && g->depth == g->attrs_depth + 3)
		decay_entry(g);
	else if (g->in_tag && g->depth == g->attrs_depth + 3)
		tag_entry(g);
	g->depth--;
	return !g->stopped;
}

static int cb_start_array(void *ctx)
{
	struct vk_mispread *g = ctx;

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
	struct vk_mispread *g = ctx;

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
	static const char *const names[F_MAX] = { "uuid", "type", "value", "event_uuid",
						  "category", "comment", "object_relation",
						  "to_ids", "deleted" };
	struct vk_mispread *g = ctx;
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

static void bad_bool(struct vk_mispread *g)
{
	g->bad = g->key == F_TO_IDS ? "to_ids is not a boolean" : "deleted is not a boolean";
}

static int cb_string(void *ctx, const unsigned char *uv, size_t n)
{
	struct vk_mispread *g = ctx;
	const char *v = (const char *)uv, *why;

	if (g->depth == 1 && g->top_key == 2 && !vk_misp_text_bad(v, n))
		snprintf(g->message, sizeof(g->message), "%.*s", (int)n, v);
	if (g->in_tag && g->depth == g->attrs_depth + 3 && g->tkey == 1) {
		if (n < sizeof(g->tname) && !vk_misp_text_bad(v, n))	/* else dropped */
			snprintf(g->tname, sizeof(g->tname), "%.*s", (int)n, v);
		return 1;
	}
	if (g->in_decay && g->dkey == 3) {
		char id[16];

		snprintf(id, sizeof(id), "%.*s", (int)(n < 15 ? n : 15), v);
		g->dmodel = atoi(id);
		return 1;
	}
	if (!at_attr(g) || g->key == F_NONE)
		return 1;
	if (g->key >= F_TO_IDS) {	/* older MISP: "0"/"1" */
		int b = vk_misp_bool_text(v, n);

		if (b < 0)
			bad_bool(g);
		else
			g->flag[g->key - F_TO_IDS] = b;
		return 1;
	}
	why = n >= VK_MATTR_MAX ? "a field longer than 1024 bytes" : vk_misp_text_bad(v, n);
	if (why) {
		/* what the box shows only (category, comment) is dropped; what
		 * it matches or keys on makes the attribute malformed */
		if (g->key < VK_MF_CATEGORY && !g->bad)
			g->bad = why;
		return 1;
	}
	memcpy(g->f[g->key], v, n);
	g->f[g->key][n] = 0;
	g->have[g->key] = 1;
	return 1;
}

static int cb_bool(void *ctx, int b)
{
	struct vk_mispread *g = ctx;

	if (g->in_decay && g->dkey == 2 && g->depth == g->attrs_depth + 3)
		g->ddecayed = b;
	if (g->in_tag && g->tkey == 2 && g->depth == g->attrs_depth + 3)
		g->tinherited = b;
	if (at_attr(g) && g->key >= F_TO_IDS && g->key < F_MAX)
		g->flag[g->key - F_TO_IDS] = b;
	return 1;
}

static int cb_null(void *ctx)
{
	struct vk_mispread *g = ctx;

	if (at_attr(g) && g->key >= F_TO_IDS && g->key < F_MAX)
		bad_bool(g);
	return 1;
}

static int cb_number(void *ctx, const char *v, size_t n)
{
	struct vk_mispread *g = ctx;

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
	if (at_attr(g) && g->key >= F_TO_IDS && g->key < F_MAX) {
		/* the integers 0 and 1 only: 0.0 counted as true once */
		if (n == 1 && (v[0] == '0' || v[0] == '1'))
			g->flag[g->key - F_TO_IDS] = v[0] == '1';
		else
			bad_bool(g);
	}
	return 1;
}

static const yajl_callbacks reader_cb = {
	.yajl_null = cb_null, .yajl_boolean = cb_bool, .yajl_number = cb_number,
	.yajl_string = cb_string, .yajl_start_map = cb_start_map, .yajl_map_key = cb_key,
	.yajl_end_map = cb_end_map, .yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

struct vk_mispread *vk_mispread_new(const struct vk_mispread_opts *opts, vk_mattr_fn fn,
				    void *arg)
{
	struct vk_mispread *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (opts)
		r->o = *opts;
	r->fn = fn;
	r->arg = arg;
	r->y = yajl_alloc(&reader_cb, NULL, r);
	if (!r->y) {
		free(r);
		return NULL;
	}
	/* UTF-8 is checked per field (above): one bad byte in a comment
	 * once failed a whole pull */
	yajl_config(r->y, yajl_dont_validate_strings, 1);
	return r;
}

int vk_mispread_feed(struct vk_mispread *r, const char *buf, size_t len)
{
	if (r->failed)
		return -1;
	if (yajl_parse(r->y, (const unsigned char *)buf, len) != yajl_status_ok)
		r->failed = 1;
	return r->failed ? -1 : 0;
}

long vk_mispread_end(struct vk_mispread *r, char *err, size_t errlen)
{
	if (!r->failed && yajl_complete_parse(r->y) != yajl_status_ok)
		r->failed = 1;
	if (r->stopped) {
		snprintf(err, errlen, "out of memory");
	} else if (r->failed) {
		snprintf(err, errlen, "response is not JSON (at byte %zu)",
			 yajl_get_bytes_consumed(r->y));
	} else if (!r->saw_response) {
		snprintf(err, errlen, "MISP answered without a response%s%s",
			 r->message[0] ? ": " : "", r->message);
	} else if (!r->found) {
		snprintf(err, errlen, "response has no Attribute list");
	} else {
		return r->rows;
	}
	return -1;
}

void vk_mispread_free(struct vk_mispread *r)
{
	if (!r)
		return;
	yajl_free(r->y);
	free(r);
}
