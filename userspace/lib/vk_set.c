// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vk_set.h"
#include "../../kernel/lib/hash.h"

void vk_set_init(struct vk_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void ent_free(struct vk_ent *e)
{
	uint32_t i;

	for (i = 0; i < e->nattr; i++)
		free(e->attrs[i].value);
	free(e->attrs);
	free(e->name);
	free(e);
}

void vk_set_free(struct vk_set *s)
{
	vk_set_free_except(s, NULL, NULL);
}

void vk_set_free_except(struct vk_set *s, int (*keep)(const struct vk_ent *e, void *arg),
			void *arg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!keep || !keep(s->ents[i], arg))
			ent_free(s->ents[i]);
	free(s->ents);
	free(s->idx);
	free(s->uidx);
	vk_set_init(s);
}

void vk_ent_key(const struct vk_ent *e, struct vk_key *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = e->kind;
	k->plen = e->plen;
	k->port = e->port;
	memcpy(k->addr, e->addr, 16);
	if (e->name) {
		k->name_len = e->name_len;
		memcpy(k->name, e->name, e->name_len);
	}
}

static int ent_eq(const struct vk_ent *e, const struct vk_key *k)
{
	if (e->kind != k->kind)
		return 0;
	if (e->name)
		return e->name_len == k->name_len && !memcmp(e->name, k->name, k->name_len);
	return e->plen == k->plen && e->port == k->port && !memcmp(e->addr, k->addr, 16);
}

static size_t idx_slot(const struct vk_set *s, const struct vk_key *k, uint64_t h, int *found)
{
	size_t mask = s->idx_cap - 1, i = (size_t)h & mask;
	uint64_t tag = h & 0xffffffff00000000ull;

	for (;; i = (i + 1) & mask) {
		uint64_t v = s->idx[i];

		if (!v) {
			*found = 0;
			return i;
		}
		if ((v & 0xffffffff00000000ull) == tag && ent_eq(s->ents[(uint32_t)v - 1], k)) {
			*found = 1;
			return i;
		}
	}
}

/* The index again, at cap slots: in place when the size stays (after a
 * removal: it cannot fail, so the index is never stale), else a new one
 * (-ENOMEM leaves the old, still valid, one). */
static int idx_rebuild(struct vk_set *s, size_t cap)
{
	uint64_t *idx, h;
	struct vk_key k;
	size_t i;
	int found;

	if (cap == s->idx_cap && s->idx) {
		memset(s->idx, 0, cap * sizeof(*s->idx));
	} else {
		idx = calloc(cap, sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		free(s->idx);
		s->idx = idx;
		s->idx_cap = cap;
	}
	for (i = 0; i < s->n; i++) {
		vk_ent_key(s->ents[i], &k);
		h = vk_key_hash(&k);
		s->idx[idx_slot(s, &k, h, &found)] = (h & 0xffffffff00000000ull) | (i + 1);
	}
	return 0;
}

static void uidx_drop(struct vk_set *s)
{
	if (s->uidx) {
		free(s->uidx);
		s->uidx = NULL;
		s->uidx_cap = 0;
	}
}

static int uslot_is(const struct vk_set *s, const struct vk_uslot *u, const char *uuid,
		    uint64_t h)
{
	return u->tag == (uint32_t)(h >> 32) && !strcmp(s->ents[u->ent]->attrs[u->attr].uuid, uuid);
}

static int uidx_build(struct vk_set *s)
{
	size_t cap = 1024, i, k, mask;
	uint32_t j;

	while (cap < 2 * s->nattr + 2)
		cap *= 2;
	free(s->uidx);
	s->uidx = calloc(cap, sizeof(*s->uidx));
	if (!s->uidx) {
		s->uidx_cap = 0;
		return -ENOMEM;
	}
	s->uidx_cap = cap;
	mask = cap - 1;
	/* an attribute under two keys (domain|ip) has a slot per key */
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->ents[i]->nattr; j++) {
			uint64_t h = vk_uuid_hash(s->ents[i]->attrs[j].uuid);

			for (k = (size_t)h & mask; s->uidx[k].used; k = (k + 1) & mask)
				;
			s->uidx[k] = (struct vk_uslot){ (uint32_t)(h >> 32), (uint32_t)i, j, 1 };
		}
	return 0;
}

struct vk_ent *vk_set_by_uuid(struct vk_set *s, const char *uuid, size_t *cursor,
			      uint32_t *attr)
{
	uint64_t h = vk_uuid_hash(uuid);
	size_t mask, k;

	if (!s->n || (!s->uidx && uidx_build(s)))
		return NULL;
	mask = s->uidx_cap - 1;
	/* *cursor: probes already made, so the next call goes on from there */
	for (k = ((size_t)h + *cursor) & mask; s->uidx[k].used; k = (k + 1) & mask) {
		++*cursor;
		if (uslot_is(s, &s->uidx[k], uuid, h)) {
			*attr = s->uidx[k].attr;
			return s->ents[s->uidx[k].ent];
		}
	}
	return NULL;
}

static int ents_room(struct vk_set *s, size_t cap)
{
	struct vk_ent **v;

	if (cap <= s->cap)
		return 0;
	v = realloc(s->ents, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->ents = v;
	s->cap = cap;
	return 0;
}

int vk_set_reserve(struct vk_set *s, size_t n)
{
	size_t cap = s->idx_cap ? s->idx_cap : 1024;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > s->idx_cap && idx_rebuild(s, cap))
		return -ENOMEM;
	return ents_room(s, n);
}

struct vk_ent *vk_set_find(const struct vk_set *s, const struct vk_key *k)
{
	int found;
	size_t i;

	if (!s->idx_cap)
		return NULL;
	i = idx_slot(s, k, vk_key_hash(k), &found);
	return found ? s->ents[(uint32_t)s->idx[i] - 1] : NULL;
}

static struct vk_ent *ent_new(const struct vk_key *k)
{
	struct vk_ent *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = k->kind;
	e->plen = k->plen;
	e->port = k->port;
	memcpy(e->addr, k->addr, 16);
	if (vk_kind_is_text(k->kind)) {
		e->name = strndup(k->name, k->name_len);
		e->name_len = k->name_len;
		if (!e->name) {
			free(e);
			return NULL;
		}
	}
	return e;
}

/* Room for one more entry, in the index and in the entry array. */
static int room_for_one(struct vk_set *s)
{
	if ((s->n + 1) * 2 > s->idx_cap && idx_rebuild(s, s->idx_cap ? s->idx_cap * 2 : 1024))
		return -ENOMEM;
	return s->n < s->cap ? 0 : ents_room(s, s->cap ? s->cap * 2 : 1024);
}

/* e at the index slot found empty for its hash h. */
static void place(struct vk_set *s, size_t slot, uint64_t h, struct vk_ent *e)
{
	s->ents[s->n++] = e;
	s->idx[slot] = (h & 0xffffffff00000000ull) | s->n;
}

int vk_set_adopt(struct vk_set *s, struct vk_ent *e)
{
	struct vk_key k;
	uint64_t h;
	size_t slot;
	int found;

	if (room_for_one(s))
		return -ENOMEM;
	vk_ent_key(e, &k);
	h = vk_key_hash(&k);
	slot = idx_slot(s, &k, h, &found);
	if (found)
		return -EEXIST;
	place(s, slot, h, e);
	s->nattr += e->nattr;
	uidx_drop(s);
	return 0;
}

int vk_set_add(struct vk_set *s, const struct vk_key *k, const struct vk_attr *a)
{
	struct vk_ent *e;
	struct vk_attr *na;
	uint64_t h;
	uint32_t i;
	size_t slot;
	int found;

	if (room_for_one(s))
		return -ENOMEM;
	h = vk_key_hash(k);
	slot = idx_slot(s, k, h, &found);
	if (found) {
		e = s->ents[(uint32_t)s->idx[slot] - 1];
	} else {
		e = ent_new(k);
		if (!e)
			return -ENOMEM;
		place(s, slot, h, e);
	}
	for (i = 0; i < e->nattr; i++)	/* the same attribute twice: once */
		if (!strcmp(e->attrs[i].uuid, a->uuid))
			return 0;
	if (e->nattr == e->attr_cap) {
		uint32_t cap = e->attr_cap ? e->attr_cap * 2 : 1;

		na = realloc(e->attrs, cap * sizeof(*na));
		if (!na)
			return -ENOMEM;
		e->attrs = na;
		e->attr_cap = cap;
	}
	na = &e->attrs[e->nattr];
	*na = *a;
	na->value = strdup(a->value ? a->value : "");
	if (!na->value)
		return -ENOMEM;
	e->nattr++;
	s->nattr++;
	uidx_drop(s);
	return 0;
}

size_t vk_set_remove_uuid(struct vk_set *s, const char *uuid)
{
	size_t i, j, removed = 0, kept = 0;

	for (i = 0; i < s->n; i++) {
		struct vk_ent *e = s->ents[i];

		for (j = 0; j < e->nattr;) {
			if (strcmp(e->attrs[j].uuid, uuid)) {
				j++;
				continue;
			}
			free(e->attrs[j].value);
			e->attrs[j] = e->attrs[--e->nattr];
			removed++;
			s->nattr--;
		}
		if (e->nattr)
			s->ents[kept++] = e;
		else
			ent_free(e);
	}
	if (kept != s->n) {
		s->n = kept;
		idx_rebuild(s, s->idx_cap);
	}
	if (removed)
		uidx_drop(s);
	return removed;
}
