/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace side of the indicator tables: the XDP program's maps, mmapped,
 * and the update that turns the live set into a new one without any
 * indicator present in both ever missing a packet (docs/architecture.md,
 * "update ordering").
 */
#ifndef VK_TABLES_H
#define VK_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include "../../kernel/vardkase_abi.h"
#include "../lib/vk_set.h"

/* Slot counts of the sized maps (powers of two), and the id capacity. */
struct vk_sizes {
	uint32_t ids;
	uint32_t v4, v4port, v4l24, v4long;
	uint32_t v6, v6port, v6pfx;
	uint32_t names;
};

/* Defaults: ~1M IPv4 and names, a few 100k of the rest. */
void vk_sizes_default(struct vk_sizes *sz);
/* Sizes that hold a set of this shape at load factor <= 1/2. */
void vk_sizes_for(struct vk_sizes *sz, const struct vk_set *set);
/* Parse "ids=N,v4=N,..." over *sz. Returns 0 or -EINVAL. */
int vk_sizes_parse(struct vk_sizes *sz, const char *spec);

/* One mmapped map. */
struct vk_mmap {
	void *p;
	size_t len;
};

enum vk_map_idx {
	VK_M_CONFIG, VK_M_META, VK_M_V4_FILTER, VK_M_V4_L20, VK_M_V4L24,
	VK_M_V4, VK_M_V4PORT, VK_M_V4LONG, VK_M_V6_FILTER, VK_M_V6_PFILTER,
	VK_M_V6, VK_M_V6PORT, VK_M_V6PFX, VK_M_NAME_FILTER, VK_M_NAMES,
	VK_M_HITS, VK_M_COUNT
};

/* Map names in the BPF object, in enum vk_map_idx order. */
extern const char *const vk_map_names[VK_M_COUNT];

struct vk_apply_stats {
	size_t added, removed, kept, refused;
	double seconds;
};

typedef void (*vk_tbl_refuse_fn)(void *arg, const struct vk_ent *e, const char *why);

struct vk_tables {
	struct vk_mmap m[VK_M_COUNT];
	struct vk_config *cfg;
	int counters_fd;
	int ncpus;
	struct vk_set *cur;		/* what the tables hold; owned */
	uint32_t next_id;		/* ids below are or were in use */
	uint32_t *free_ids;
	size_t nfree, free_cap;
	uint32_t *pending;		/* removed, reusable after the next apply */
	size_t npending, pending_cap;
	struct vk_ent **by_id;		/* id -> entry of cur */
	const struct vk_derive *derive;	/* derived addresses (vk_dp's), or NULL */
};

/*
 * Map the tables (fds in vk_map_idx order) and the counter map. With
 * fresh = 1 the maps were just created: the config is initialised (a
 * random name seed) from sz. Otherwise the pinned content is kept and the
 * caller must vk_tables_restore() the set the maps hold.
 * Returns 0 or -errno.
 */
int vk_tables_open(struct vk_tables *t, const int fds[VK_M_COUNT], int counters_fd,
		   const struct vk_sizes *sz, int fresh);
void vk_tables_close(struct vk_tables *t);

/*
 * Make the tables hold exactly set (ownership passes to t, also on error).
 * Entries that cannot be placed are dropped and reported through refuse.
 * set may share entries with the live set (vk_set_adopt of t->cur's own
 * entries): those must carry their id; they are freed once.
 * Returns 0 or -errno.
 */
int vk_tables_apply(struct vk_tables *t, struct vk_set *set, uint64_t generation,
		    vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st);

/* 1 if e is the live set's own entry for its id (for vk_set_free_except:
 * a set that shares entries with the live set). tables is the vk_tables. */
int vk_tables_holds(const struct vk_ent *e, void *tables);

/* The entry behind an id, or NULL. */
struct vk_ent *vk_tables_entry(const struct vk_tables *t, uint32_t id);

/* Sum of the per-CPU counter of id; 0 on error. */
uint64_t vk_tables_count(const struct vk_tables *t, uint32_t id);

/* Every id's sum, ids 0..next_id-1: the ids whose hit bit is set are
 * read, the others are 0 (they never matched). *out is malloc'd and holds
 * *n sums. Returns 0 or -ENOMEM. */
int vk_tables_counts(const struct vk_tables *t, uint64_t **out, uint32_t *n);

/* Persist / reload the id assignment (the state file), so a restarted
 * daemon knows which id is which indicator. Return 0 or -errno. */
int vk_tables_save(const struct vk_tables *t, const char *path);
int vk_tables_restore(struct vk_tables *t, const char *path);

#endif
