/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pulling indicators from MISP: full syncs and deltas by publish_timestamp,
 * paged (limit + page; the last page is the one that was short before
 * MISP's warninglist filter: rows + X-Skipped-Elements-Count < limit).
 * Every page must succeed or the pull as a whole fails; nothing of a
 * failed pull is ever applied.
 */
#ifndef VK_SYNC_H
#define VK_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include "amap.h"
#include "conf.h"

struct vk_https;
struct vk_wl;

enum vk_sync_err {
	VK_SYNC_OK = 0,
	VK_SYNC_E_AUTH = -1,	/* 403: the API key is refused; not retried quickly */
	VK_SYNC_E_RATE = -2,	/* 429: retry_after seconds */
	VK_SYNC_E_FAIL = -3,	/* transport, TLS, server error, bad JSON, MISP message */
};

#define VK_MAX_REASONS 16

/* An attribute seen and not enforced, and why: what `vardkasectl
 * indicator` answers. why is a static string. */
struct vk_refusal {
	char uuid[VK_UUID_LEN + 1];
	char event_uuid[VK_UUID_LEN + 1];
	char *value;
	const char *why;
};

struct vk_pull {
	struct vk_amap up;	/* enforceable attributes seen */
	char **del;		/* uuids to stop enforcing (delta) */
	size_t ndel, del_cap;
	struct vk_refusal *ref;	/* seen, not enforced */
	size_t nref, ref_cap;
	size_t pages, seen;
	uint64_t bytes;		/* of every page, decoded */
	size_t skipped;		/* rows MISP's warninglists took out (its header) */
	const char *reason[VK_MAX_REASONS];	/* refusals by reason */
	size_t reason_n[VK_MAX_REASONS];
	size_t nreasons;
	long retry_after;
	double pull_s;		/* the pull's wall time, for the log */
	/* called after each page is parsed (may be NULL) */
	void (*page_done)(void *arg, struct vk_pull *p);
	void *page_arg;
};

struct vk_sync {
	const struct vk_conf *conf;
	struct vk_https *h;
	struct vk_wl *wl;
	char auth[512];
};

void vk_pull_init(struct vk_pull *p);
void vk_pull_free(struct vk_pull *p);
/* Record a refusal. 0 or -ENOMEM. */
int vk_pull_refuse(struct vk_pull *p, const char *uuid, const char *value,
		   const char *event_uuid, const char *why);

/* since < 0: a full pull; else a delta of what was published since then.
 * Returns a vk_sync_err; err says what went wrong. */
int vk_sync_pull(struct vk_sync *s, int64_t since, struct vk_pull *p, char *err, size_t errlen);

/* One restSearch page (JSON text) into p: enforceable attributes into
 * p->up, and for a delta (full = 0) the others into p->del. Returns the
 * page's row count, or -1 with err (not JSON, a MISP message instead of a
 * response, no Attribute list, out of memory). */
long vk_sync_parse_page(struct vk_sync *s, const char *body, size_t len, struct vk_pull *p,
			int full, char *err, size_t errlen);

/* 1 if a page follows the one answered in r that held rows attributes
 * (rows < 0: not parsed yet; X-Result-Count is used). MISP filters its
 * warninglists after the limit: rows + X-Skipped-Elements-Count is what
 * the page held; without that header only an empty page is the last. */
struct vk_http_resp;
int vk_sync_more_follows(const struct vk_http_resp *r, long rows, size_t page_size);

/* Event metadata, for the operator (tags separated by \x1e) and for the
 * full sync (published: an edit unpublishes an event until it is
 * republished). */
typedef void (*vk_event_meta_fn)(void *arg, const char *uuid, const char *info,
				 int threat_level, const char *date, const char *tags,
				 int published);

/* Fetch the metadata of these events (events/restSearch, metadata: 1, in
 * batches of 100; published or not) and hand each that exists and is
 * visible to fn. 0 or -1 with err. */
/* One events/restSearch answer (metadata: 1) to fn. 0, or -1 with err
 * (not JSON, no response list). */
int vk_sync_parse_event_meta(const char *body, size_t len, vk_event_meta_fn fn, void *arg,
			     char *err, size_t errlen);
int vk_sync_event_meta(struct vk_sync *s, char **uuids, size_t n, vk_event_meta_fn fn,
		       void *arg, char *err, size_t errlen);

/* Events held (in held) that a full pull p did not return: those MISP
 * still has, unpublished (an edit unpublishes until republished), keep
 * their attributes, copied from held into p->up; those that are gone go.
 * Returns the attributes kept, or -1 with err when MISP could not say. */
long vk_sync_keep_unpublished(struct vk_sync *s, const struct vk_amap *held, struct vk_pull *p,
			      char *err, size_t errlen);

/* Classify one attribute (exposed for tests): 1 enforce, 0 stop enforcing
 * (why set when refused), -1 malformed. */
int vk_sync_classify(const struct vk_sync *s, const char *type, const char *value,
		     int to_ids, int deleted, const char **why);
/* The same for a type already told (vk_misp_type_of: a JA4 needs the
 * attribute's object_relation). */
int vk_sync_classify_t(const struct vk_sync *s, enum vk_misp_type t, const char *value,
		       int to_ids, int deleted, const char **why);

#endif
