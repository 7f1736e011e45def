/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The indicator set: one entry per distinct normalised key, each carrying
 * the MISP attributes that produced it. Several attributes may share a
 * key (two events listing the same address); the dataplane counts the key,
 * and every attribute on it is reported.
 */
#ifndef VK_SET_H
#define VK_SET_H

#include <stddef.h>
#include <stdint.h>
#include "vk_key.h"

#define VK_UUID_LEN 36

struct vk_attr {
	char uuid[VK_UUID_LEN + 1];
	uint8_t type;		/* enum vk_misp_type */
	char *value;		/* as MISP sent it */
};

#define VK_ENT_UNPLACED	0x01	/* has an id, but no table slot */

struct vk_ent {
	uint8_t kind, plen;
	uint16_t port;
	uint16_t name_len;
	/* read as 32- and 64-bit words by the hashes (kernel/lib/hash.h):
	 * aligned, or UBSan (rightly) reports misaligned loads */
	uint8_t addr[16] __attribute__((aligned(8)));
	char *name;		/* name kinds only */
	uint32_t id;		/* dataplane id, 0 until assigned */
	uint8_t flags;		/* VK_ENT_* */
	uint32_t nattr, attr_cap;
	struct vk_attr *attrs;
};

struct vk_set {
	struct vk_ent **ents;
	size_t n, cap;
	uint64_t *idx;		/* open addressing: the key hash's upper half
				 * << 32 | entry index + 1; a probe reads an
				 * entry only when the halves agree */
	size_t idx_cap;
	size_t nattr;
	struct vk_uslot *uidx;	/* by attribute uuid, built on demand */
	size_t uidx_cap;
};

struct vk_uslot {
	uint32_t tag, ent, attr, used;
};

void vk_set_init(struct vk_set *s);
void vk_set_free(struct vk_set *s);
/* vk_set_free(), but the entries keep() says yes to are left alone: they
 * belong to another set too (see vk_set_adopt). */
void vk_set_free_except(struct vk_set *s, int (*keep)(const struct vk_ent *e, void *arg),
			void *arg);
/* Put entry e itself (not a copy) into s: e then belongs to two sets, and
 * the caller frees it once (vk_set_free_except). 0, -EEXIST when s has its
 * key, or -ENOMEM. */
int vk_set_adopt(struct vk_set *s, struct vk_ent *e);

/* The entries holding attribute uuid, one per call: start with *cursor =
 * 0; each returns the next entry (its index in e->attrs in *attr) or NULL
 * when there is none left (an attribute such as domain|ip lies under two
 * keys). The first call after a change indexes every attribute (1M: a
 * tenth of a second), later ones are O(1): the dataplane answers
 * "counters UUID" without walking the set. */
struct vk_ent *vk_set_by_uuid(struct vk_set *s, const char *uuid, size_t *cursor,
			      uint32_t *attr);

/* Room for n entries without growing. 0 or -ENOMEM. */
int vk_set_reserve(struct vk_set *s, size_t n);

/* Adds attribute a (copied) under key k. Returns 0 or -ENOMEM. */
int vk_set_add(struct vk_set *s, const struct vk_key *k, const struct vk_attr *a);

/* The entry for k, or NULL. */
struct vk_ent *vk_set_find(const struct vk_set *s, const struct vk_key *k);

/* Removes every attribute with this uuid; entries left without an
 * attribute are dropped. Returns the number removed. */
size_t vk_set_remove_uuid(struct vk_set *s, const char *uuid);

void vk_ent_key(const struct vk_ent *e, struct vk_key *k);

#endif
