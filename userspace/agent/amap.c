// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "amap.h"
#include "../../kernel/lib/hash.h"

void vk_amap_init(struct vk_amap *m)
{
	memset(m, 0, sizeof(*m));
}

void vk_amap_free(struct vk_amap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->rec[i].value);
		free(m->rec[i].extra);
	}
	free(m->rec);
	vk_amap_init(m);
}

static size_t home(const struct vk_amap *m, const char *uuid)
{
	uint64_t h = VK_FNV64_OFFSET;

	for (; *uuid; uuid++)
		h = (h ^ (uint8_t)*uuid) * VK_FNV64_PRIME;
	return (size_t)vk_fmix64(h) & (m->cap - 1);
}

static struct vk_arec *slot(const struct vk_amap *m, const char *uuid)
{
	size_t i = home(m, uuid);

	for (;; i = (i + 1) & (m->cap - 1))
		if (!m->rec[i].uuid[0] || !strcmp(m->rec[i].uuid, uuid))
			return &m->rec[i];
}

static int grow(struct vk_amap *m)
{
	struct vk_amap n = { .cap = m->cap ? m->cap * 2 : 1024 };
	size_t i;

	n.rec = calloc(n.cap, sizeof(*n.rec));
	if (!n.rec)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->rec[i].uuid[0])
			*slot(&n, m->rec[i].uuid) = m->rec[i];
	n.n = m->n;
	free(m->rec);
	*m = n;
	return 0;
}

struct vk_arec *vk_amap_get(const struct vk_amap *m, const char *uuid)
{
	struct vk_arec *r;

	if (!m->cap)
		return NULL;
	r = slot(m, uuid);
	return r->uuid[0] ? r : NULL;
}

int vk_amap_put(struct vk_amap *m, const char *uuid, uint8_t type, const char *value,
		const char *event_uuid)
{
	struct vk_arec *r;
	char *v;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	r = slot(m, uuid);
	if (!r->uuid[0]) {
		m->n++;
		memcpy(r->uuid, uuid, VK_UUID_LEN);
	}
	free(r->value);
	free(r->extra);
	r->extra = NULL;
	r->category = 0;
	r->value = v;
	r->type = type;
	memset(r->event_uuid, 0, sizeof(r->event_uuid));
	if (event_uuid)
		strncpy(r->event_uuid, event_uuid, VK_UUID_LEN);
	return 0;
}

/* Backward-shift deletion keeps every probe chain whole. */
int vk_amap_del(struct vk_amap *m, const char *uuid)
{
	struct vk_arec *r = m->cap ? slot(m, uuid) : NULL;
	size_t i, j, mask = m->cap - 1;

	if (!r || !r->uuid[0])
		return 0;
	free(r->value);
	free(r->extra);
	i = (size_t)(r - m->rec);
	memset(r, 0, sizeof(*r));
	for (j = (i + 1) & mask; m->rec[j].uuid[0]; j = (j + 1) & mask) {
		size_t h = home(m, m->rec[j].uuid);

		/* move j into the hole at i unless its home lies in (i, j] */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			m->rec[i] = m->rec[j];
			memset(&m->rec[j], 0, sizeof(m->rec[j]));
			i = j;
		}
	}
	m->n--;
	return 1;
}

int vk_amap_annotate(struct vk_amap *m, const char *uuid, uint8_t category,
		     const char *comment, const char *tags)
{
	struct vk_arec *r = vk_amap_get(m, uuid);
	size_t cl = comment ? strlen(comment) : 0, tl = tags ? strlen(tags) : 0;

	if (!r)
		return -ENOENT;
	r->category = category;
	free(r->extra);
	r->extra = NULL;
	if (!cl && !tl)
		return 0;
	r->extra = malloc(cl + tl + 2);
	if (!r->extra)
		return -ENOMEM;
	memcpy(r->extra, comment ? comment : "", cl);
	r->extra[cl] = 0x1f;
	memcpy(r->extra + cl + 1, tags ? tags : "", tl);
	r->extra[cl + 1 + tl] = 0;
	return 0;
}

int vk_amap_copy(struct vk_amap *m, const struct vk_arec *r)
{
	struct vk_arec *n;

	if (vk_amap_put(m, r->uuid, r->type, r->value, r->event_uuid))
		return -ENOMEM;
	n = vk_amap_get(m, r->uuid);
	n->category = r->category;
	if (r->extra && !(n->extra = strdup(r->extra)))
		return -ENOMEM;
	return 0;
}

static const char *const categories[] = {
	"", "Internal reference", "Targeting data", "Antivirus detection", "Payload delivery",
	"Artifacts dropped", "Payload installation", "Persistence mechanism",
	"Network activity", "Payload type", "Attribution", "External analysis",
	"Financial fraud", "Support Tool", "Social network", "Person", "Other",
};

uint8_t vk_category_id(const char *name)
{
	uint8_t i;

	for (i = 1; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (!strcmp(categories[i], name))
			return i;
	return 0;
}

const char *vk_category_name(uint8_t id)
{
	return id < sizeof(categories) / sizeof(categories[0]) ? categories[id] : "";
}
