/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's indicator set: enforceable MISP attributes keyed by uuid
 * (never by value: MISP rewrites a deleted value to "deleted"). */
#ifndef VK_AMAP_H
#define VK_AMAP_H

#include <stddef.h>
#include <stdint.h>
#include "../lib/vk_set.h"

struct vk_arec {
	char uuid[VK_UUID_LEN + 1];
	char event_uuid[VK_UUID_LEN + 1];
	uint8_t type;		/* enum vk_misp_type */
	uint8_t category;	/* vk_category_id(); 0 unknown */
	char *value;
	char *extra;		/* NULL, or "comment\x1ftag\x1etag": what the
				 * operator reads; rarely present */
};

struct vk_amap {
	struct vk_arec *rec;	/* open addressing; uuid[0] == 0: empty */
	size_t cap, n;
};

void vk_amap_init(struct vk_amap *m);
void vk_amap_free(struct vk_amap *m);
/* Insert or replace. 0 or -ENOMEM. */
int vk_amap_put(struct vk_amap *m, const char *uuid, uint8_t type, const char *value,
		const char *event_uuid);
/* 1 if it was there. */
int vk_amap_del(struct vk_amap *m, const char *uuid);
struct vk_arec *vk_amap_get(const struct vk_amap *m, const char *uuid);
/* Category, comment and the attribute's own tags (separated by \x1e) of
 * an existing record. 0, -ENOENT or -ENOMEM. */
int vk_amap_annotate(struct vk_amap *m, const char *uuid, uint8_t category,
		     const char *comment, const char *tags);
/* Copy the record r (value and extra duplicated) into m. 0 or -ENOMEM. */
int vk_amap_copy(struct vk_amap *m, const struct vk_arec *r);

/* MISP's attribute categories as a small number, and back ("" for 0). */
uint8_t vk_category_id(const char *name);
const char *vk_category_name(uint8_t id);

#define vk_amap_foreach(m, r) \
	for ((r) = (m)->rec; (m)->rec && (r) < (m)->rec + (m)->cap; (r)++) if ((r)->uuid[0])

#endif
