/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal to vk_tables.c and vk_apply.c: slot-level table access. */
#ifndef VK_TABLES_INT_H
#define VK_TABLES_INT_H

#include "vk_tables.h"

struct tbl {
	uint8_t *base;
	uint32_t mask, slot, key, id_off;
};

struct tbl vk_tbl_of(struct vk_tables *t, enum vk_map_idx m);
/* Live slot holding key, or -1. */
long vk_tbl_find(const struct tbl *b, uint32_t home, const void *key);
/* First free (empty or tombstone) slot in the probe window, or -ENOSPC. */
long vk_tbl_insert_prep(const struct tbl *b, uint32_t home);
/* Insert a key known to be absent; key first, id last. Slot or -ENOSPC. */
long vk_tbl_insert(const struct tbl *b, uint32_t home, const void *key, uint32_t id);
void vk_tbl_delete(const struct tbl *b, uint32_t home, const void *key);
/* Primary table, key bytes and home slot of e; VK_M_COUNT if none. */
enum vk_map_idx vk_tbl_primary(const struct vk_ent *e, uint8_t key[24], uint32_t *home);
uint64_t vk_tbl_name_hash(const struct vk_tables *t, const struct vk_ent *e);
/* 0, -ENOSPC, or -EEXIST on a 64-bit hash collision. */
int vk_tbl_name_insert(struct vk_tables *t, const struct vk_ent *e);
void vk_tbl_name_delete(struct vk_tables *t, const struct vk_ent *e);

#endif
