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

/* Records lie dense in rec[0..n) (a removal moves the last one into the
 * hole); idx is open addressing over them, each slot the uuid hash's upper
 * half << 32 | record index + 1, so a probe reads a record only when the
 * halves agree. 1M records: 96 MB of records and 16 MB of index, where one
 * table of records at half load took 192 MB and a cache miss per probe. */
struct vk_amap {
	struct vk_arec *rec;
	size_t n, cap;		/* records held, room */
	uint64_t *idx;
	size_t idx_cap;		/* a power of two, at least 2n */
	size_t changed;		/* records replaced or removed so far: tells
				 * a reader of rec[] whether what it read
				 * still stands */
};

void vk_amap_init(struct vk_amap *m);
void vk_amap_free(struct vk_amap *m);
/* Insert or replace. 0 or -ENOMEM. */
int vk_amap_put(struct vk_amap *m, const char *uuid, uint8_t type, const char *value,
		const char *event_uuid);
/* 1 if it was there. The last record moves into its place: do not
 * remove while walking the same map. */
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
	for ((r) = (m)->rec; (m)->rec && (r) < (m)->rec + (m)->n; (r)++)

#endif
