/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one reader of MISP /attributes/restSearch answers, for every program
 * that reads them (the agent's pulls, `vardkase-xdp replay --indicators`,
 * `ctl update`): streamed (yajl), so a file of millions of attributes
 * needs no tree, and with one set of rules for an attribute's fields:
 *
 *  - text fields must be valid UTF-8 without NUL: a uuid, type, value or
 *    event_uuid with either makes the attribute malformed
 *    (evil.se\u0000.harmless.example was enforced as evil.se while MISP's
 *    warninglists saw the whole string); a category, comment or tag name
 *    with either is dropped; one bad byte no longer fails the answer;
 *  - to_ids and deleted are MISP booleans: true/false, 0/1, "0"/"1",
 *    "true"/"false"; anything else (0.0, "yes", null) is malformed;
 *  - a text field longer than VK_MATTR_MAX is malformed, never cut.
 */
#ifndef VK_MISPREAD_H
#define VK_MISPREAD_H

#include <stddef.h>

#define VK_MATTR_MAX	1024	/* bytes of one text field */

/* fields from VK_MF_CATEGORY on are shown, not keyed on: a bad one is
 * dropped, the attribute kept (VK_MF_RELATION, an object attribute's
 * object_relation, only tells a JA4 from other text) */
enum { VK_MF_UUID, VK_MF_TYPE, VK_MF_VALUE, VK_MF_EVENT_UUID, VK_MF_CATEGORY, VK_MF_COMMENT,
       VK_MF_RELATION, VK_MF_TEXT };

struct vk_mattr {
	const char *f[VK_MF_TEXT];	/* NULL when absent */
	int to_ids, deleted;		/* 1 or 0 (absent: 0) */
	const char *bad;		/* why it is malformed, or NULL */
	const char *tags;		/* its own tags (not inherited), \x1e between */
	int decayed;			/* under the configured decaying model */
};

/* Called once per attribute. Nonzero stops the read (out of memory). */
typedef int (*vk_mattr_fn)(void *arg, const struct vk_mattr *a);

struct vk_mispread_opts {
	unsigned decaying_model;	/* MISP decaying model id; 0: none */
	unsigned decay_threshold;	/* 0: the model's own verdict */
};

struct vk_mispread;

/* NULL when out of memory. opts may be NULL. */
struct vk_mispread *vk_mispread_new(const struct vk_mispread_opts *opts, vk_mattr_fn fn,
				    void *arg);
/* Feed the next bytes of the answer. 0, or -1: not JSON, or fn stopped. */
int vk_mispread_feed(struct vk_mispread *r, const char *buf, size_t len);
/* The end of the answer: its attribute count, or -1 with err (not JSON,
 * MISP's {"message": ...} instead of a response, no Attribute list, fn
 * stopped). */
long vk_mispread_end(struct vk_mispread *r, char *err, size_t errlen);
void vk_mispread_free(struct vk_mispread *r);

/* The rules above, for other readers: is v (n bytes) text a field may
 * hold? NULL, or why not. A MISP boolean's text: 1, 0, or -1. */
const char *vk_misp_text_bad(const char *v, size_t n);
int vk_misp_bool_text(const char *v, size_t n);

#endif
