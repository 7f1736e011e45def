// SPDX-License-Identifier: GPL-2.0-only
/*
 * Update ordering (why it is safe while the XDP program runs):
 *  1. ids and parent links are computed on the new set in private memory;
 *  2. new ids get their meta (kind, parent) before anything points at them;
 *  3. new keys are inserted: key bytes first, the slot id last (release);
 *  4. derived structures (filters, /20 and /24 tables, config) take the
 *     union of old and new, then switch entry by entry (one store each);
 *  5. kept ids get their new parent links; removed keys become tombstones;
 *  6. filters and config drop to the new set only.
 * An indicator in both sets is reachable at every step. Removed ids are
 * not reused before the next apply, so a packet still walking an old chain
 * never lands on a recycled id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vk_tables.h"
#include "vk_tables_int.h"
#include "vk_state.h"
#include "../../kernel/lib/hash.h"
#include "../../kernel/lib/dns.h"

const char *const vk_map_names[VK_M_COUNT] = {
	"vk_config", "vk_meta", "vk_v4_filter", "vk_v4_l20", "vk_v4l24",
	"vk_v4", "vk_v4port", "vk_v4long", "vk_v6_filter", "vk_v6_pfilter",
	"vk_v6", "vk_v6port", "vk_v6pfx", "vk_name_filter", "vk_names", "vk_hits",
};

static uint32_t pow2(uint64_t n, uint32_t min)
{
	uint64_t p = min;

	while (p < n)
		p <<= 1;
	return p > (1u << 30) ? (1u << 30) : (uint32_t)p;
}

void vk_sizes_default(struct vk_sizes *sz)
{
	sz->ids = 2u << 20;
	sz->v4 = 2u << 20;
	sz->v4port = 1u << 18;
	sz->v4l24 = 1u << 20;
	sz->v4long = 1u << 17;
	sz->v6 = 1u << 19;
	sz->v6port = 1u << 16;
	sz->v6pfx = 1u << 16;
	sz->names = 2u << 20;
}

void vk_sizes_for(struct vk_sizes *sz, const struct vk_set *set)
{
	size_t c[9] = { 0 }, i;

	for (i = 0; i < set->n; i++) {
		const struct vk_ent *e = set->ents[i];

		switch (e->kind) {
		case VK_KIND_V4:
			c[e->plen == 32 ? 0 : e->plen > 24 ? 1 : e->plen > 20 ? 2 : 8]++;
			break;
		case VK_KIND_V4PORT: c[3]++; break;
		case VK_KIND_V6: c[e->plen == 128 ? 4 : 5]++; break;
		case VK_KIND_V6PORT: c[6]++; break;
		default: c[7]++; break;
		}
	}
	sz->ids = (uint32_t)(set->n + set->n / 4 + 1024);
	sz->v4 = pow2(c[0] * 2, 1024);
	sz->v4long = pow2(c[1] * 2, 1024);
	/* a /21../24 spans up to 8 /24 slots (about 4 on average), a long
	 * prefix 1; prefixes <= /20 live in the fixed /20 array */
	sz->v4l24 = pow2((c[1] + c[2] * 4) * 2, 1024);
	sz->v4port = pow2(c[3] * 2, 1024);
	sz->v6 = pow2(c[4] * 2, 1024);
	sz->v6pfx = pow2(c[5] * 2, 1024);
	sz->v6port = pow2(c[6] * 2, 1024);
	sz->names = pow2(c[7] * 2, 1024);
}

int vk_sizes_parse(struct vk_sizes *sz, const char *spec)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;
		uint32_t *f = NULL;

		if (!eq)
			return -EINVAL;
		*eq = 0;
		v = strtoull(eq + 1, &end, 0);
		if (*end == 'k' || *end == 'K')
			v <<= 10, end++;
		else if (*end == 'm' || *end == 'M')
			v <<= 20, end++;
		if (*end || v == 0 || v > (1u << 30))
			return -EINVAL;
#define F(n) if (!strcmp(tok, #n)) f = &sz->n
		F(ids); F(v4); F(v4port); F(v4l24); F(v4long);
		F(v6); F(v6port); F(v6pfx); F(names);
#undef F
		if (!f)
			return -EINVAL;
		*f = f == &sz->ids ? (uint32_t)v : pow2(v, 1024);
	}
	return 0;
}

/* ---- mapping ---------------------------------------------------------- */

int vk_tables_open(struct vk_tables *t, const int fds[VK_M_COUNT], int counters_fd,
		   const struct vk_sizes *sz, int fresh)
{
	long page = sysconf(_SC_PAGESIZE);
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < VK_M_COUNT; i++) {
		struct bpf_map_info info = { 0 };
		uint32_t ilen = sizeof(info);
		size_t len;

		if (bpf_obj_get_info_by_fd(fds[i], &info, &ilen))
			return -errno;
		len = ((size_t)((info.value_size + 7) & ~7u) * info.max_entries + page - 1) &
		      ~(size_t)(page - 1);
		t->m[i].p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (t->m[i].p == MAP_FAILED) {
			t->m[i].p = NULL;
			vk_tables_close(t);
			return -errno;
		}
		t->m[i].len = len;
	}
	t->cfg = t->m[VK_M_CONFIG].p;
	t->counters_fd = counters_fd;
	t->ncpus = libbpf_num_possible_cpus();
	t->cur = calloc(1, sizeof(*t->cur));
	t->by_id = calloc(sz->ids, sizeof(*t->by_id));
	if (!t->cur || !t->by_id || t->ncpus <= 0) {
		vk_tables_close(t);
		return -ENOMEM;
	}
	vk_set_init(t->cur);
	t->next_id = 1;
	if (fresh) {
		struct vk_config *c = t->cfg;

		memset(c, 0, sizeof(*c));
		c->abi_version = VK_ABI_VERSION;
		if (getrandom(&c->name_seed, sizeof(c->name_seed), 0) != sizeof(c->name_seed))
			c->name_seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
		c->id_capacity = sz->ids;
		c->v4_mask = sz->v4 - 1;
		c->v4port_mask = sz->v4port - 1;
		c->v4l24_mask = sz->v4l24 - 1;
		c->v4long_mask = sz->v4long - 1;
		c->v6_mask = sz->v6 - 1;
		c->v6port_mask = sz->v6port - 1;
		c->v6pfx_mask = sz->v6pfx - 1;
		c->name_mask = sz->names - 1;
		c->rl_burst = 10;
		c->rl_per_sec = 1;
	} else if (t->cfg->abi_version != VK_ABI_VERSION) {
		vk_tables_close(t);
		return -EPROTO;
	}
	return 0;
}

void vk_tables_close(struct vk_tables *t)
{
	int i;

	for (i = 0; i < VK_M_COUNT; i++)
		if (t->m[i].p)
			munmap(t->m[i].p, t->m[i].len);
	if (t->cur) {
		vk_set_free(t->cur);
		free(t->cur);
	}
	free(t->free_ids);
	free(t->pending);
	free(t->by_id);
	memset(t, 0, sizeof(*t));
}

struct vk_ent *vk_tables_entry(const struct vk_tables *t, uint32_t id)
{
	return id && id < t->cfg->id_capacity ? t->by_id[id] : NULL;
}

uint64_t vk_tables_count(const struct vk_tables *t, uint32_t id)
{
	uint64_t v[512], sum = 0;
	int i;

	if (t->ncpus > 512 || bpf_map_lookup_elem(t->counters_fd, &id, v))
		return 0;
	for (i = 0; i < t->ncpus; i++)
		sum += v[i];
	return sum;
}

int vk_tables_counts(const struct vk_tables *t, uint64_t **out, uint32_t *n)
{
	const uint64_t *hits = t->m[VK_M_HITS].p;
	uint32_t total = t->next_id, w, words = (total + 63) / 64;
	uint64_t *sum = calloc(total + 1, sizeof(*sum)), bits;

	if (!sum)
		return -ENOMEM;
	for (w = 0; w < words; w++)
		for (bits = __atomic_load_n(&hits[w], __ATOMIC_RELAXED); bits; bits &= bits - 1) {
			uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(bits);

			if (id < total)
				sum[id] = vk_tables_count(t, id);
		}
	*out = sum;
	*n = total;
	return 0;
}

/* ---- generic open-addressing slots ------------------------------------ */

struct tbl vk_tbl_of(struct vk_tables *t, enum vk_map_idx m)
{
	struct tbl b = { .base = t->m[m].p };
	const struct vk_config *c = t->cfg;

	switch (m) {
	case VK_M_V4: b.mask = c->v4_mask; b.slot = 8; b.key = 4; b.id_off = 4; break;
	case VK_M_V4PORT: b.mask = c->v4port_mask; b.slot = 16; b.key = 8; b.id_off = 8; break;
	case VK_M_V4LONG: b.mask = c->v4long_mask; b.slot = 16; b.key = 8; b.id_off = 8; break;
	case VK_M_V4L24: b.mask = c->v4l24_mask; b.slot = 16; b.key = 4; b.id_off = 12; break;
	case VK_M_V6: b.mask = c->v6_mask; b.slot = 24; b.key = 20; b.id_off = 20; break;
	case VK_M_V6PFX: b.mask = c->v6pfx_mask; b.slot = 24; b.key = 20; b.id_off = 20; break;
	case VK_M_V6PORT: b.mask = c->v6port_mask; b.slot = 24; b.key = 20; b.id_off = 20; break;
	default: break;
	}
	return b;
}

static uint32_t *slot_id(const struct tbl *b, uint32_t i)
{
	return (uint32_t *)(b->base + (size_t)i * b->slot + b->id_off);
}

/* Find the live slot holding key; -1 if none. */
long vk_tbl_find(const struct tbl *b, uint32_t home, const void *key)
{
	uint32_t n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		uint32_t i = (home + n) & b->mask, id = *slot_id(b, i);

		if (id == VK_ID_EMPTY)
			return -1;
		if (id != VK_ID_TOMB && !memcmp(b->base + (size_t)i * b->slot, key, b->key))
			return i;
	}
	return -1;
}

long vk_tbl_insert_prep(const struct tbl *b, uint32_t home)
{
	uint32_t n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		uint32_t i = (home + n) & b->mask, id = *slot_id(b, i);

		if (id == VK_ID_EMPTY || id == VK_ID_TOMB)
			return i;
	}
	return -ENOSPC;
}

long vk_tbl_insert(const struct tbl *b, uint32_t home, const void *key, uint32_t id)
{
	uint32_t n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		uint32_t i = (home + n) & b->mask, *sid = slot_id(b, i);

		if (*sid != VK_ID_EMPTY && *sid != VK_ID_TOMB)
			continue;
		memcpy(b->base + (size_t)i * b->slot, key, b->key);
		__atomic_store_n(sid, id, __ATOMIC_RELEASE);
		return i;
	}
	return -ENOSPC;
}

void vk_tbl_delete(const struct tbl *b, uint32_t home, const void *key)
{
	long i = vk_tbl_find(b, home, key);

	if (i >= 0)
		__atomic_store_n(slot_id(b, (uint32_t)i), VK_ID_TOMB, __ATOMIC_RELEASE);
}

enum vk_map_idx vk_tbl_primary(const struct vk_ent *e, uint8_t key[24], uint32_t *home)
{
	uint32_t a4;

	memset(key, 0, 24);
	memcpy(&a4, e->addr, 4);
	switch (e->kind) {
	case VK_KIND_V4:
		if (e->plen == 32) {
			memcpy(key, &a4, 4);
			*home = vk_hash_v4(a4);
			return VK_M_V4;
		}
		if (e->plen > 24) {
			uint32_t pl = e->plen;

			memcpy(key, &a4, 4);
			memcpy(key + 4, &pl, 4);
			*home = vk_hash_v4long(a4, pl);
			return VK_M_V4LONG;
		}
		return VK_M_COUNT;
	case VK_KIND_V4PORT:
		memcpy(key, &a4, 4);
		memcpy(key + 4, &e->port, 2);
		*home = vk_hash_v4port(a4, e->port);
		return VK_M_V4PORT;
	case VK_KIND_V6: {
		uint32_t pl = e->plen;

		memcpy(key, e->addr, 16);
		memcpy(key + 16, &pl, 4);
		*home = vk_hash_v6(e->addr, pl, 0);
		return e->plen == 128 ? VK_M_V6 : VK_M_V6PFX;
	}
	case VK_KIND_V6PORT:
		memcpy(key, e->addr, 16);
		memcpy(key + 16, &e->port, 2);
		*home = vk_hash_v6(e->addr, 128, e->port);
		return VK_M_V6PORT;
	default:
		return VK_M_COUNT;
	}
}

/* ---- names ------------------------------------------------------------ */

uint64_t vk_tbl_name_hash(const struct vk_tables *t, const struct vk_ent *e)
{
	__u64 lh[VK_MAX_LABELS];
	int n;

	if (vk_kind_is_exact(e->kind)) {	/* the bytes as they are, its kind's seed */
		__u64 h = VK_FNV64_OFFSET;
		size_t i;

		for (i = 0; i < e->name_len; i++)
			h = vk_label_step(h, (__u8)e->name[i]);
		return vk_exact_hash(t->cfg->name_seed, e->kind, h, e->name_len);
	}
	n = vk_name_label_hashes(e->name, lh, VK_MAX_LABELS);
	return n < 0 ? 0 : vk_name_suffix_hash(t->cfg->name_seed, lh, n, 0);
}

static struct vk_name_slot *names_find(struct vk_tables *t, uint64_t h, int for_insert)
{
	struct vk_name_slot *s = t->m[VK_M_NAMES].p, *free_slot = NULL;
	uint32_t mask = t->cfg->name_mask, home = (uint32_t)vk_fmix64(h), n;

	for (n = 0; n < VK_MAX_PROBE; n++) {
		struct vk_name_slot *x = &s[(home + n) & mask];
		int dead_d = x->domain_id == VK_ID_EMPTY || x->domain_id == VK_ID_TOMB;
		int dead_h = x->host_id == VK_ID_EMPTY || x->host_id == VK_ID_TOMB;

		if (x->domain_id == VK_ID_EMPTY && x->host_id == VK_ID_EMPTY)
			return for_insert ? (free_slot ? free_slot : x) : NULL;
		if (!(dead_d && dead_h) && x->hash == h)
			return x;
		if (dead_d && dead_h && !free_slot)
			free_slot = x;
	}
	return for_insert ? free_slot : NULL;
}

int vk_tbl_name_insert(struct vk_tables *t, const struct vk_ent *e)
{
	uint64_t h = vk_tbl_name_hash(t, e);
	struct vk_name_slot *s = names_find(t, h, 1);
	uint32_t *f;

	if (!s)
		return -ENOSPC;
	if (s->domain_id == VK_ID_EMPTY && s->host_id == VK_ID_EMPTY) {
		/* an empty slot must keep ending probes until it is whole:
		 * the untouched field becomes a tombstone first */
		s->hash = h;
		if (e->kind == VK_KIND_DOMAIN)
			__atomic_store_n(&s->host_id, VK_ID_TOMB, __ATOMIC_RELEASE);
		else
			__atomic_store_n(&s->domain_id, VK_ID_TOMB, __ATOMIC_RELEASE);
	} else if (s->hash != h) {
		s->hash = h;	/* a dead slot being reused */
	}
	f = e->kind == VK_KIND_DOMAIN ? &s->domain_id : &s->host_id;
	if (*f != VK_ID_EMPTY && *f != VK_ID_TOMB)
		return -EEXIST;	/* 64-bit hash collision between names */
	__atomic_store_n(f, e->id, __ATOMIC_RELEASE);
	return 0;
}

void vk_tbl_name_delete(struct vk_tables *t, const struct vk_ent *e)
{
	struct vk_name_slot *s = names_find(t, vk_tbl_name_hash(t, e), 0);

	if (!s)
		return;
	if (e->kind == VK_KIND_DOMAIN && s->domain_id == e->id)
		__atomic_store_n(&s->domain_id, VK_ID_TOMB, __ATOMIC_RELEASE);
	if (e->kind == VK_KIND_HOST && s->host_id == e->id)
		__atomic_store_n(&s->host_id, VK_ID_TOMB, __ATOMIC_RELEASE);
}

static void push_free(struct vk_tables *t, uint32_t id)
{
	if (t->nfree == t->free_cap) {
		size_t c = t->free_cap ? t->free_cap * 2 : 1024;
		uint32_t *v = realloc(t->free_ids, c * sizeof(*v));

		if (!v)
			return;	/* the id is lost until the maps are re-created */
		t->free_ids = v;
		t->free_cap = c;
	}
	t->free_ids[t->nfree++] = id;
}

/* ---- state file (vk_state.c) ----------------------------------------- */

int vk_tables_save(const struct vk_tables *t, const char *path)
{
	return vk_state_write(path, t->cfg->generation, t->cur->ents, t->cur->n);
}

static int restore_one(void *arg, const struct vk_state_ent *se)
{
	struct vk_tables *t = arg;
	const struct vk_meta *meta = t->m[VK_M_META].p;
	struct vk_ent *e;
	uint32_t j;

	if (se->id >= t->cfg->id_capacity || (se->id && meta[se->id].kind != se->key.kind))
		return -EBADMSG;
	for (j = 0; j < se->nattr; j++)
		if (vk_set_add(t->cur, &se->key, &se->attrs[j]))
			return -ENOMEM;
	e = vk_set_find(t->cur, &se->key);
	if (!e)
		return -EBADMSG;
	e->id = se->id;
	e->flags = se->flags;
	if (se->id) {
		t->by_id[se->id] = e;
		if (se->id >= t->next_id)
			t->next_id = se->id + 1;
	}
	return 0;
}

int vk_tables_restore(struct vk_tables *t, const char *path)
{
	const struct vk_meta *meta = t->m[VK_M_META].p;
	uint64_t gen = t->cfg->generation;
	uint32_t id;
	int rc = vk_state_read(path, &gen, restore_one, t);

	if (rc == -ESTALE)
		rc = -EBADMSG;	/* another generation: the maps are not what it says */
	if (rc)
		return rc;
	/* ids below the high-water mark without an owner are free (their
	 * counters are zeroed when they are handed out again) */
	for (id = 1; id < t->next_id; id++)
		if (!t->by_id[id] && !meta[id].kind)
			push_free(t, id);
	return 0;
}
