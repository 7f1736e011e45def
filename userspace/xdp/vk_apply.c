// SPDX-License-Identifier: GPL-2.0-only
/* vk_tables_apply(): the ordered update described at the top of
 * vk_tables.c, and the derived structures it computes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "vk_tables.h"
#include "../lib/vk_log.h"
#include "vk_tables_int.h"
#include "../../kernel/lib/hash.h"
#include "../../kernel/lib/dns.h"

/* ---- the /24 image: net24 -> (best, flags), private open addressing --- */

struct l24img {
	uint32_t *key;		/* net24 + 1, 0 = empty */
	uint32_t *best, *flags;
	uint32_t mask;
	size_t n;
};

static int l24img_init(struct l24img *m, size_t want)
{
	uint32_t cap = 1024;

	while (cap < want * 2)
		cap <<= 1;
	m->key = calloc(cap, 4);
	m->best = calloc(cap, 4);
	m->flags = calloc(cap, 4);
	m->mask = cap - 1;
	m->n = 0;
	return m->key && m->best && m->flags ? 0 : -ENOMEM;
}

static void l24img_free(struct l24img *m)
{
	free(m->key);
	free(m->best);
	free(m->flags);
}

static long l24img_slot(struct l24img *m, uint32_t net24, int create)
{
	uint32_t i = vk_fmix32(net24) & m->mask;

	for (;; i = (i + 1) & m->mask) {
		if (m->key[i] == net24 + 1)
			return i;
		if (!m->key[i]) {
			if (!create || (m->n + 1) * 2 > (size_t)m->mask)
				return -1;
			m->key[i] = net24 + 1;
			m->n++;
			return i;
		}
	}
}

/* ---- new images ------------------------------------------------------- */

struct images {
	uint32_t *l20;
	struct l24img l24;
	uint64_t *v4f, *v6f, *v6pf, *nf;
	uint64_t v6lens[2];
	uint32_t n_v4port, n_v6port, n_v6pfx, n_ja3, n_ja4, n_url;
	uint32_t v4lens, v6lens_present[5];	/* lengths present (bitmaps) */
};

static void setbit(uint64_t *w, uint32_t bit)
{
	w[bit >> 6] |= 1ull << (bit & 63);
}

static int testbit(const uint64_t *w, uint32_t bit)
{
	return (w[bit >> 6] >> (bit & 63)) & 1;
}

static int by_plen(const void *a, const void *b)
{
	const struct vk_ent *x = *(struct vk_ent *const *)a, *y = *(struct vk_ent *const *)b;

	return (int)x->plen - (int)y->plen;
}

static uint32_t ntoh4(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, 4);
	return ntohl(v);
}

static int images_build(struct vk_tables *t, struct vk_set *set, struct images *im)
{
	struct vk_ent **pfx;
	size_t i, npfx = 0, span = 0;

	memset(im, 0, sizeof(*im));
	im->l20 = calloc(VK_V4_L20_ENTRIES, 4);
	im->v4f = calloc(VK_V4_FILTER_WORDS, 8);
	im->v6f = calloc(VK_V6_FILTER_WORDS, 8);
	im->v6pf = calloc(VK_V6_PFILTER_WORDS, 8);
	im->nf = calloc(VK_NAME_FILTER_WORDS, 8);
	pfx = calloc(set->n + 1, sizeof(*pfx));
	if (!im->l20 || !im->v4f || !im->v6f || !im->v6pf || !im->nf || !pfx)
		goto nomem;
	for (i = 0; i < set->n; i++) {
		struct vk_ent *e = set->ents[i];

		if (e->kind == VK_KIND_V4 && e->plen < 32) {
			pfx[npfx++] = e;
			im->v4lens |= 1u << e->plen;
			if (e->plen > 20)
				span += e->plen > 24 ? 1 : (1u << (24 - e->plen));
		}
	}
	if (l24img_init(&im->l24, span + 1))
		goto nomem;
	/* shortest first, so a longer prefix overwrites the range it refines */
	qsort(pfx, npfx, sizeof(*pfx), by_plen);
	for (i = 0; i < npfx; i++) {
		struct vk_ent *e = pfx[i];
		uint32_t a = ntoh4(e->addr), j, n;

		if (e->plen <= 20) {
			n = 1u << (20 - e->plen);
			for (j = 0; j < n; j++)
				im->l20[(a >> 12) + j] = e->id;
			n = 1u << (24 - e->plen);
			for (j = 0; j < n; j++)
				setbit(im->v4f, (a >> 8) + j);
		} else if (e->plen <= 24) {
			n = 1u << (24 - e->plen);
			for (j = 0; j < n; j++) {
				long s = l24img_slot(&im->l24, (a >> 8) + j, 1);

				if (s < 0)
					goto nomem;
				im->l24.best[s] = e->id;
				setbit(im->v4f, (a >> 8) + j);
			}
		} else {
			long s = l24img_slot(&im->l24, a >> 8, 1);

			if (s < 0)
				goto nomem;
			im->l24.flags[s] |= 1u << (VK_L24_LONG_SHIFT + e->plen - 25);
			setbit(im->v4f, a >> 8);
		}
	}
	/* a /24 that only holds long prefixes inherits the /20 best */
	for (i = 0; i <= im->l24.mask; i++)
		if (im->l24.key[i] && !im->l24.best[i])
			im->l24.best[i] = im->l20[(im->l24.key[i] - 1) >> 4];
	for (i = 0; i < set->n; i++) {
		struct vk_ent *e = set->ents[i];
		uint32_t a = ntoh4(e->addr);

		switch (e->kind) {
		case VK_KIND_V4:
			if (e->plen == 32)
				setbit(im->v4f, a >> 8);
			break;
		case VK_KIND_V4PORT:
			setbit(im->v4f, a >> 8);
			im->n_v4port++;
			break;
		case VK_KIND_V6:
		case VK_KIND_V6PORT:
			if (e->kind == VK_KIND_V6PORT)
				im->n_v6port++;
			if (e->kind == VK_KIND_V6PORT || e->plen == 128) {
				setbit(im->v6f, vk_hash_v6(e->addr, 128, 0) &
					      (VK_V6_FILTER_WORDS * 64 - 1));
				break;
			}
			im->n_v6pfx++;
			im->v6lens[e->plen >> 6] |= 1ull << (e->plen & 63);
			if (e->plen >= 32) {
				setbit(im->v6pf, vk_hash_v6_32(e->addr) & (VK_V6_PFILTER_WORDS * 64 - 1));
			} else {
				uint32_t top = ntoh4(e->addr), j, n = 1u << (32 - e->plen);

				for (j = 0; j < n; j++) {
					uint32_t w = htonl(top + j);

					setbit(im->v6pf, vk_hash_v6_32((uint8_t *)&w) &
						       (VK_V6_PFILTER_WORDS * 64 - 1));
				}
			}
			break;
		case VK_KIND_JA3:
		case VK_KIND_JA4:
		case VK_KIND_URL:
			/* in the name table too */
			if (e->kind == VK_KIND_JA3)
				im->n_ja3++;
			else if (e->kind == VK_KIND_JA4)
				im->n_ja4++;
			else
				im->n_url++;
			/* fall through */
		case VK_KIND_DOMAIN:
		case VK_KIND_HOST: {
			uint64_t h = vk_tbl_name_hash(t, e);

			setbit(im->nf, (uint32_t)(h >> 40) & (VK_NAME_FILTER_WORDS * 64 - 1));
			break;
		}
		}
	}
	free(pfx);
	return 0;
nomem:
	free(pfx);
	return -ENOMEM;
}

static void images_free(struct images *im)
{
	free(im->l20);
	free(im->v4f);
	free(im->v6f);
	free(im->v6pf);
	free(im->nf);
	l24img_free(&im->l24);
}

/* ---- parents ---------------------------------------------------------- */

static uint32_t v4_parent(const struct vk_set *set, const struct images *im,
			  const struct vk_ent *e)
{
	uint32_t a = ntoh4(e->addr), lens = im->v4lens;
	struct vk_key k;
	int l;

	if (!im->l20[a >> 12] && l24img_slot((struct l24img *)&im->l24, a >> 8, 0) < 0)
		return 0;	/* nothing covers this /24 */
	memset(&k, 0, sizeof(k));
	k.kind = VK_KIND_V4;
	for (l = e->plen - 1; l >= VK_V4_MIN_PREFIX; l--) {
		uint32_t m;
		struct vk_ent *p;

		if (!(lens & (1u << l)))
			continue;
		m = htonl(a & ~((1u << (32 - l)) - 1));
		memcpy(k.addr, &m, 4);
		k.plen = (uint8_t)l;
		p = vk_set_find(set, &k);
		if (p)
			return p->id;
	}
	return 0;
}

static uint32_t v6_parent(const struct vk_set *set, const struct images *im,
			  const struct vk_ent *e)
{
	struct vk_key k;
	int l, b;

	if (!im->n_v6pfx || !testbit(im->v6pf, vk_hash_v6_32(e->addr) &
					     (VK_V6_PFILTER_WORDS * 64 - 1)))
		return 0;
	memset(&k, 0, sizeof(k));
	k.kind = VK_KIND_V6;
	for (l = e->plen - 1; l >= VK_V6_MIN_PREFIX; l--) {
		struct vk_ent *p;

		if (!((im->v6lens[l >> 6] >> (l & 63)) & 1))
			continue;
		memcpy(k.addr, e->addr, 16);
		for (b = 0; b < 16; b++) {
			int keep = l - b * 8;

			if (keep < 8)
				k.addr[b] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
		}
		k.plen = (uint8_t)l;
		p = vk_set_find(set, &k);
		if (p)
			return p->id;
	}
	return 0;
}

static uint32_t parent_of(const struct vk_set *set, const struct images *im,
			  const struct vk_ent *e)
{
	if (e->kind == VK_KIND_V4)
		return v4_parent(set, im, e);
	if (e->kind == VK_KIND_V6)
		return v6_parent(set, im, e);
	return 0;
}

/* ---- apply ------------------------------------------------------------ */

static void write_filter(uint64_t *live, const uint64_t *img, size_t words, int with_old)
{
	size_t i;

	for (i = 0; i < words; i++) {
		uint64_t v = with_old ? (live[i] | img[i]) : img[i];

		if (live[i] != v)
			__atomic_store_n(&live[i], v, __ATOMIC_RELEASE);
	}
}

static void write_filters(struct vk_tables *t, const struct images *im, int with_old)
{
	write_filter(t->m[VK_M_V4_FILTER].p, im->v4f, VK_V4_FILTER_WORDS, with_old);
	write_filter(t->m[VK_M_V6_FILTER].p, im->v6f, VK_V6_FILTER_WORDS, with_old);
	write_filter(t->m[VK_M_V6_PFILTER].p, im->v6pf, VK_V6_PFILTER_WORDS, with_old);
	write_filter(t->m[VK_M_NAME_FILTER].p, im->nf, VK_NAME_FILTER_WORDS, with_old);
}

static void write_config(struct vk_tables *t, const struct images *im, int with_old)
{
	struct vk_config *c = t->cfg;

#define MAXW(f, v) __atomic_store_n(&c->f, with_old && c->f > (v) ? c->f : (v), __ATOMIC_RELEASE)
	MAXW(n_v4port, im->n_v4port);
	MAXW(n_v6port, im->n_v6port);
	MAXW(n_v6pfx, im->n_v6pfx);
	MAXW(n_ja3, im->n_ja3);
	MAXW(n_ja4, im->n_ja4);
	MAXW(n_url, im->n_url);
#undef MAXW
	__atomic_store_n(&c->v6_pfx_lens[0], im->v6lens[0] | (with_old ? c->v6_pfx_lens[0] : 0),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&c->v6_pfx_lens[1], im->v6lens[1] | (with_old ? c->v6_pfx_lens[1] : 0),
			 __ATOMIC_RELEASE);
}

/* /20 entries switch in one store each; the ids they name already have
 * their meta. */
static void write_l20(struct vk_tables *t, const struct images *im)
{
	uint32_t *live = t->m[VK_M_V4_L20].p, i;

	for (i = 0; i < VK_V4_L20_ENTRIES; i++)
		if (live[i] != im->l20[i])
			__atomic_store_n(&live[i], im->l20[i], __ATOMIC_RELEASE);
}

static int write_l24(struct vk_tables *t, const struct images *im)
{
	struct vk_v4l24_slot *live = t->m[VK_M_V4L24].p;
	struct tbl b = vk_tbl_of(t, VK_M_V4L24);
	uint32_t i;

	for (i = 0; i <= im->l24.mask; i++) {
		uint32_t net24, home;
		long s;

		if (!im->l24.key[i])
			continue;
		net24 = im->l24.key[i] - 1;
		home = vk_hash_l24(net24);
		s = vk_tbl_find(&b, home, &net24);
		if (s < 0) {
			struct vk_v4l24_slot *x;

			s = vk_tbl_insert_prep(&b, home);
			if (s < 0)
				return -ENOSPC;
			x = &live[s];
			x->net24 = net24;
			x->best = im->l24.best[i];
			x->flags = im->l24.flags[i];
			__atomic_store_n(&x->id, 1, __ATOMIC_RELEASE);
			continue;
		}
		/* flags: union, then best, then exactly the new flags */
		__atomic_store_n(&live[s].flags, live[s].flags | im->l24.flags[i], __ATOMIC_RELEASE);
		__atomic_store_n(&live[s].best, im->l24.best[i], __ATOMIC_RELEASE);
		__atomic_store_n(&live[s].flags, im->l24.flags[i], __ATOMIC_RELEASE);
	}
	return 0;
}

static void prune_l24(struct vk_tables *t, const struct images *im)
{
	struct vk_v4l24_slot *live = t->m[VK_M_V4L24].p;
	uint32_t i, mask = t->cfg->v4l24_mask;

	for (i = 0; i <= mask; i++) {
		if (live[i].id == VK_ID_EMPTY || live[i].id == VK_ID_TOMB)
			continue;
		if (l24img_slot((struct l24img *)&im->l24, live[i].net24, 0) < 0)
			__atomic_store_n(&live[i].id, VK_ID_TOMB, __ATOMIC_RELEASE);
	}
}

static int insert_primary(struct vk_tables *t, struct vk_ent *e)
{
	uint8_t key[24];
	uint32_t home;
	enum vk_map_idx m;
	struct tbl b;

	if (vk_kind_is_text(e->kind))
		return vk_tbl_name_insert(t, e);
	m = vk_tbl_primary(e, key, &home);
	if (m == VK_M_COUNT)
		return 0;
	b = vk_tbl_of(t, m);
	return vk_tbl_insert(&b, home, key, e->id) < 0 ? -ENOSPC : 0;
}

static void delete_primary(struct vk_tables *t, const struct vk_ent *e)
{
	uint8_t key[24];
	uint32_t home;
	enum vk_map_idx m;
	struct tbl b;

	if (vk_kind_is_text(e->kind)) {
		vk_tbl_name_delete(t, e);
		return;
	}
	m = vk_tbl_primary(e, key, &home);
	if (m == VK_M_COUNT)
		return;
	b = vk_tbl_of(t, m);
	vk_tbl_delete(&b, home, key);
}

/* Per-CPU values of one counter, zeroed: libbpf's possible CPUs, at most
 * this many (the kernel's NR_CPUS on Debian's amd64 is 8192). */
#define VK_MAX_CPUS	8192

static int id_alloc(struct vk_tables *t, uint32_t *id)
{
	while (t->nfree) {
		static const uint64_t zero[VK_MAX_CPUS];
		uint32_t v = t->free_ids[--t->nfree];

		/* a recycled id starts from zero, and unmatched; one whose
		 * counter cannot be zeroed would hand its old count to a new
		 * indicator, so it is dropped (until the maps are made again) */
		if (bpf_map_update_elem(t->counters_fd, &v, zero, BPF_ANY))
			continue;
		__atomic_fetch_and(&((uint64_t *)t->m[VK_M_HITS].p)[v / 64],
				   ~(1ull << (v % 64)), __ATOMIC_SEQ_CST);
		*id = v;
		return 0;
	}
	if (t->next_id >= t->cfg->id_capacity)
		return -ENOSPC;
	*id = t->next_id++;
	return 0;
}

int vk_tables_holds(const struct vk_ent *e, void *arg)
{
	const struct vk_tables *t = arg;

	return e->id && e->id < t->cfg->id_capacity && t->by_id[e->id] == e;
}

static int same_key(const struct vk_ent *a, const struct vk_ent *b)
{
	if (a->kind != b->kind)
		return 0;
	if (a->name || b->name)
		return a->name && b->name && a->name_len == b->name_len &&
		       !memcmp(a->name, b->name, a->name_len);
	return a->plen == b->plen && a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		uint32_t *nv = realloc(*v, c * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Room for n more in *v: the pushes below then cannot fail, and no id is
 * lost between being taken from the tables and being free again. */
static int reserve(uint32_t **v, size_t n, size_t *cap, size_t more)
{
	uint32_t *nv;
	size_t c = *cap ? *cap : 1024;

	while (c < n + more)
		c *= 2;
	if (c == *cap)
		return 0;
	nv = realloc(*v, c * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

static void release_pending(struct vk_tables *t)
{
	struct vk_meta *meta = t->m[VK_M_META].p;
	size_t i;

	if (reserve(&t->free_ids, t->nfree, &t->free_cap, t->npending))
		return;	/* they stay pending, meta intact: the next apply frees them */
	for (i = 0; i < t->npending; i++) {
		uint32_t id = t->pending[i];

		__atomic_store_n(&meta[id].kind, 0, __ATOMIC_RELEASE);
		meta[id].parent = 0;
		push(&t->free_ids, &t->nfree, &t->free_cap, id);
	}
	t->npending = 0;
}

int vk_tables_apply(struct vk_tables *t, struct vk_set *set, uint64_t generation,
		    vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st)
{
	struct vk_meta *meta = t->m[VK_M_META].p;
	struct timespec t0;
	struct images im = { 0 };
	uint32_t *parents = NULL;
	uint64_t *kept;
	size_t i;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(st, 0, sizeof(*st));
	release_pending(t);
	/* every live entry may leave: room for all of them in pending */
	if (reserve(&t->pending, t->npending, &t->pending_cap, t->cur->n))
		return -ENOMEM;

	kept = calloc(t->cfg->id_capacity / 64 + 1, sizeof(*kept));
	if (!kept) {
		rc = -ENOMEM;
		goto out;
	}
	/* 1. ids: kept entries keep theirs, so their counters go on. An entry
	 * copied from the live set (a delta) arrives with its id: checked
	 * against by_id instead of looked up, which for 1M entries was most
	 * of a one-indicator delta */
	for (i = 0; i < set->n; i++) {
		struct vk_ent *e = set->ents[i];
		struct vk_ent *old = e->id < t->cfg->id_capacity ? t->by_id[e->id] : NULL;
		struct vk_key k;

		if (!e->id || !old || !same_key(old, e)) {
			vk_ent_key(e, &k);
			old = vk_set_find(t->cur, &k);
			e->id = old ? old->id : 0;
		}
		if (e->id)
			setbit(kept, e->id);
	}
	for (i = 0; i < set->n;) {
		struct vk_ent *e = set->ents[i];

		if (e->id) {
			st->kept++;
			i++;
			continue;
		}
		if (id_alloc(t, &e->id)) {
			if (refuse)
				refuse(arg, e, "id capacity exhausted (raise --sizes ids=)");
			st->refused++;
			e->id = 0;	/* stays in the set, never matches */
		}
		i++;
	}

	rc = images_build(t, set, &im);
	if (rc)
		goto out;
	parents = calloc(set->n + 1, sizeof(*parents));
	if (!parents) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < set->n; i++)
		parents[i] = set->ents[i]->id ? parent_of(set, &im, set->ents[i]) : 0;

	/* 2. meta of new ids, before anything can reach them */
	for (i = 0; i < set->n; i++) {
		struct vk_ent *e = set->ents[i];

		if (!e->id || t->by_id[e->id])
			continue;
		meta[e->id].parent = parents[i];
		meta[e->id].plen = e->plen;
		__atomic_store_n(&meta[e->id].kind, e->kind, __ATOMIC_RELEASE);
	}
	/* 3. new keys */
	for (i = 0; i < set->n; i++) {
		struct vk_ent *e = set->ents[i];

		if (!e->id || (t->by_id[e->id] && !(t->by_id[e->id]->flags & VK_ENT_UNPLACED)))
			continue;
		rc = insert_primary(t, e);
		if (rc) {
			if (refuse)
				refuse(arg, e, rc == -EEXIST ? "name hash collision" :
				       "table full (raise --sizes)");
			st->refused++;
			e->flags |= VK_ENT_UNPLACED;	/* retried at the next apply */
			continue;
		}
		e->flags &= (uint8_t)~VK_ENT_UNPLACED;
		st->added++;
	}
	/* 4. derived structures: union first, then switch */
	write_filters(t, &im, 1);
	write_config(t, &im, 1);
	rc = write_l24(t, &im);
	if (rc) {
		/* the /24 table is full: prefixes /17../31 in the missing /24s
		 * do not match until it is resized; say so, keep going */
		if (refuse)
			refuse(arg, NULL, "/24 table full (raise --sizes v4l24=)");
		st->refused++;
	}
	write_l20(t, &im);
	/* 5. kept ids' parents, then removals */
	for (i = 0; i < set->n; i++)
		if (set->ents[i]->id && meta[set->ents[i]->id].parent != parents[i])
			__atomic_store_n(&meta[set->ents[i]->id].parent, parents[i],
					 __ATOMIC_RELEASE);
	for (i = 0; i < t->cur->n; i++) {
		struct vk_ent *e = t->cur->ents[i];

		if (!e->id || testbit(kept, e->id))
			continue;
		delete_primary(t, e);
		push(&t->pending, &t->npending, &t->pending_cap, e->id);
		t->by_id[e->id] = NULL;
		st->removed++;
	}
	prune_l24(t, &im);
	/* 6. down to exactly the new set */
	write_filters(t, &im, 0);
	write_config(t, &im, 0);
	for (i = 0; i < set->n; i++)
		if (set->ents[i]->id)
			t->by_id[set->ents[i]->id] = set->ents[i];
	/* entries the new set shares with the old (a delta adopts them) are
	 * what by_id now points at: the old set lets go of those */
	vk_set_free_except(t->cur, vk_tables_holds, t);
	*t->cur = *set;
	vk_set_init(set);
	__atomic_store_n(&t->cfg->generation, generation, __ATOMIC_RELEASE);
	rc = 0;
out:
	images_free(&im);
	free(parents);
	free(kept);
	if (rc)		/* by_id still maps the live set: shared entries stay */
		vk_set_free_except(set, vk_tables_holds, t);
	st->seconds = vk_since_s(&t0);
	return rc;
}
