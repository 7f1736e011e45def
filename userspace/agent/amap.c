// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "amap.h"
#include "../../kernel/lib/hash.h"

void vk_amap_init(struct vk_amap *m)
{
	memset(m, 0, sizeof(*m));
}

/* The records live in a mapping of their own: growing it is mremap, which
 * moves page tables, where realloc from the heap copied 100 MB to make room
 * for one more record after 1M. */
static size_t rec_bytes(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n * sizeof(struct vk_arec) + pg - 1) / pg * pg;
}

void vk_amap_free(struct vk_amap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->rec[i].value);
		free(m->rec[i].extra);
	}
	if (m->rec)
		munmap(m->rec, rec_bytes(m->cap));
	free(m->idx);
	vk_amap_init(m);
}

#define TAG(h) ((h) & 0xffffffff00000000ull)

/* The index slot of uuid: its record's, or the empty one it would take. */
static size_t slot(const struct vk_amap *m, const char *uuid, uint64_t h)
{
	size_t mask = m->idx_cap - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		uint64_t v = m->idx[i];

		if (!v || (TAG(v) == TAG(h) && !strcmp(m->rec[(uint32_t)v - 1].uuid, uuid)))
			return i;
	}
}

static int idx_resize(struct vk_amap *m, size_t cap)
{
	uint64_t *idx = calloc(cap, sizeof(*idx)), h;
	size_t i;

	if (!idx)
		return -ENOMEM;
	free(m->idx);
	m->idx = idx;
	m->idx_cap = cap;
	for (i = 0; i < m->n; i++) {
		h = vk_uuid_hash(m->rec[i].uuid);
		m->idx[slot(m, m->rec[i].uuid, h)] = TAG(h) | (i + 1);
	}
	return 0;
}

static int rec_room(struct vk_amap *m, size_t n)
{
	void *v;

	if (n <= m->cap)
		return 0;
	if (m->rec)
		v = mremap(m->rec, rec_bytes(m->cap), rec_bytes(n), MREMAP_MAYMOVE);
	else
		v = mmap(NULL, rec_bytes(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (v == MAP_FAILED)
		return -ENOMEM;
	m->rec = v;
	m->cap = rec_bytes(n) / sizeof(struct vk_arec);
	return 0;
}

struct vk_arec *vk_amap_get(const struct vk_amap *m, const char *uuid)
{
	uint64_t v;

	if (!m->idx_cap)
		return NULL;
	v = m->idx[slot(m, uuid, vk_uuid_hash(uuid))];
	return v ? &m->rec[(uint32_t)v - 1] : NULL;
}

int vk_amap_put(struct vk_amap *m, const char *uuid, uint8_t type, const char *value,
		const char *event_uuid)
{
	struct vk_arec *r;
	uint64_t h = vk_uuid_hash(uuid);
	size_t i;
	char *v;

	/* records and index grow apart: more room for records (mremap)
	 * must not rehash the index */
	if (m->n + 1 > m->cap && rec_room(m, m->n < 512 ? 1024 : m->n + m->n / 2))
		return -ENOMEM;
	if ((m->n + 1) * 2 > m->idx_cap && idx_resize(m, m->idx_cap ? m->idx_cap * 2 : 1024))
		return -ENOMEM;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	i = slot(m, uuid, h);
	if (m->idx[i]) {
		r = &m->rec[(uint32_t)m->idx[i] - 1];
		free(r->value);
		free(r->extra);
		m->changed++;
	} else {
		r = &m->rec[m->n++];
		memset(r, 0, sizeof(*r));
		memcpy(r->uuid, uuid, VK_UUID_LEN);
		m->idx[i] = TAG(h) | m->n;
	}
	r->extra = NULL;
	r->category = 0;
	r->value = v;
	r->type = type;
	memset(r->event_uuid, 0, sizeof(r->event_uuid));
	if (event_uuid)
		strncpy(r->event_uuid, event_uuid, VK_UUID_LEN);
	return 0;
}

/* Backward-shift deletion keeps every probe chain whole; the last record
 * then moves into the freed place and its slot follows it. */
int vk_amap_del(struct vk_amap *m, const char *uuid)
{
	size_t i, j, mask = m->idx_cap - 1, at, last;
	uint64_t v;

	if (!m->idx_cap || !(v = m->idx[i = slot(m, uuid, vk_uuid_hash(uuid))]))
		return 0;
	at = (uint32_t)v - 1;
	m->idx[i] = 0;
	m->changed++;
	for (j = (i + 1) & mask; m->idx[j]; j = (j + 1) & mask) {
		size_t home = (size_t)vk_uuid_hash(m->rec[(uint32_t)m->idx[j] - 1].uuid) & mask;

		/* move j into the hole at i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->idx[i] = m->idx[j];
			m->idx[j] = 0;
			i = j;
		}
	}
	free(m->rec[at].value);
	free(m->rec[at].extra);
	last = --m->n;
	if (at != last) {
		m->rec[at] = m->rec[last];
		v = vk_uuid_hash(m->rec[at].uuid);
		m->idx[slot(m, m->rec[at].uuid, v)] = TAG(v) | (at + 1);
	}
	memset(&m->rec[last], 0, sizeof(m->rec[last]));
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
