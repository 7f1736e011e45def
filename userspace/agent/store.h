/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's durable state: the last known good indicator set and the
 * sync cursor, in SQLite (WAL) under the state directory. Every change is
 * one transaction: a crash leaves the previous set or the new one. */
#ifndef VK_STORE_H
#define VK_STORE_H

#include <stdint.h>
#include "amap.h"
#include "sync.h"

struct sqlite3;

struct vk_store {
	struct sqlite3 *db;
};

/* 0 or -1 with err. */
int vk_store_open(struct vk_store *s, const char *dir, char *err, size_t errlen);
void vk_store_close(struct vk_store *s);

/* Load the stored set into m. 0 or -1. */
int vk_store_load(struct vk_store *s, struct vk_amap *m);
/* Replace the stored set with m. 0 or -1. */
int vk_store_replace(struct vk_store *s, const struct vk_amap *m);
/* Apply a delta: upserted records (from m) and deleted uuids. 0 or -1. */
int vk_store_delta(struct vk_store *s, const struct vk_amap *m, char **upserts, size_t nup,
		   char **deletes, size_t ndel);

/* Remember why attributes were not enforced (replacing what was known of
 * the same uuids). 0 or -1. */
int vk_store_refusals(struct vk_store *s, const struct vk_refusal *ref, size_t n, int64_t now);
/* An event's metadata (tags separated by \x1e). 0 or -1. */
int vk_store_event(struct vk_store *s, const char *uuid, const char *info, int threat_level,
		   const char *date, const char *tags, int64_t now);

/* Small integers: "cursor", "last_full", "generation". */
int64_t vk_store_get(struct vk_store *s, const char *key, int64_t dflt);
int vk_store_set(struct vk_store *s, const char *key, int64_t v);

#endif
