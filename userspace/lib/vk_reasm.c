// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vk_reasm.h"
#include "../../kernel/lib/hash.h"

#define GROW	2048	/* buffers grow in steps of this */

int vk_reasm_init(struct vk_reasm *r, size_t max_streams, size_t max_bytes, uint64_t ttl_ns)
{
	uint32_t n = 64;

	memset(r, 0, sizeof(*r));
	if (!max_streams || max_bytes < VK_REASM_WINDOW)
		return -EINVAL;
	while (n < max_streams && n < (1u << 24))
		n <<= 1;
	r->tab = calloc(n, sizeof(*r->tab));
	if (!r->tab)
		return -ENOMEM;
	r->mask = n - 1;
	r->max_streams = max_streams;
	r->max_bytes = max_bytes;
	r->ttl_ns = ttl_ns;
	return 0;
}

static uint32_t home(const struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0)
{
	return (vk_hash_flow(k->src, k->dst, k->sport, k->dport) ^ vk_fmix32(seq0)) & r->mask;
}

static int same(const struct vk_stream *s, const struct vk_flow_key *k, uint32_t seq0)
{
	return s->seq0 == seq0 && !memcmp(&s->k, k, sizeof(*k));
}

static void unlink_idle(struct vk_reasm *r, struct vk_stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		r->old = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		r->young = s->prev;
	s->prev = s->next = NULL;
}

static void link_young(struct vk_reasm *r, struct vk_stream *s)
{
	s->prev = r->young;
	s->next = NULL;
	if (r->young)
		r->young->next = s;
	else
		r->old = s;
	r->young = s;
}

struct vk_stream *vk_reasm_find(struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0)
{
	struct vk_stream *s;

	for (s = r->tab[home(r, k, seq0)]; s; s = s->hnext)
		if (same(s, k, seq0))
			return s;
	return NULL;
}

void vk_reasm_drop(struct vk_reasm *r, struct vk_stream *s)
{
	struct vk_stream **pp = &r->tab[home(r, &s->k, s->seq0)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	unlink_idle(r, s);
	r->bytes -= s->cap;
	r->n--;
	free(s->buf);
	free(s);
}

void vk_reasm_free(struct vk_reasm *r)
{
	while (r->old)
		vk_reasm_drop(r, r->old);
	free(r->tab);
	r->tab = NULL;
}

/* Make room by dropping the stream idle longest, never keep. */
static int evict_one(struct vk_reasm *r, const struct vk_stream *keep)
{
	struct vk_stream *v = r->old;

	if (v == keep)
		v = v->next;
	if (!v)
		return -1;
	vk_reasm_drop(r, v);
	r->st.evicted++;
	return 0;
}

static struct vk_stream *create(struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0,
				uint32_t slot)
{
	struct vk_stream *s;
	uint32_t h;

	while (r->n >= r->max_streams && !evict_one(r, NULL))
		;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->k = *k;
	s->seq0 = seq0;
	s->slot = slot;
	h = home(r, k, seq0);
	s->hnext = r->tab[h];
	r->tab[h] = s;
	link_young(r, s);
	r->n++;
	r->st.streams++;
	return s;
}

static int grow(struct vk_reasm *r, struct vk_stream *s, uint32_t end)
{
	uint32_t cap = (end + GROW - 1) / GROW * GROW;
	uint8_t *b;

	if (cap <= s->cap)
		return 0;
	if (cap > VK_REASM_WINDOW)
		cap = VK_REASM_WINDOW;
	while (r->bytes + (cap - s->cap) > r->max_bytes)
		if (evict_one(r, s))
			return -ENOMEM;
	b = realloc(s->buf, cap);
	if (!b)
		return -ENOMEM;
	s->buf = b;
	r->bytes += cap - s->cap;
	s->cap = cap;
	return 0;
}

/* Copy what s lacks of [off, end) from d (which starts at off); compare
 * what it has. */
static void fill(struct vk_reasm *r, struct vk_stream *s, uint32_t off, uint32_t end,
		 const uint8_t *d)
{
	uint32_t cur = off, i;

	for (i = 0; i < s->nr && cur < end; i++) {
		uint32_t rs = s->r[i][0], re = s->r[i][1], a, b;

		if (re <= cur)
			continue;
		if (rs >= end)
			break;
		if (rs > cur)
			memcpy(s->buf + cur, d + (cur - off), rs - cur);
		a = rs > cur ? rs : cur;
		b = re < end ? re : end;
		if (memcmp(s->buf + a, d + (a - off), b - a))
			r->st.overlap_diff++;
		cur = re;
	}
	if (cur < end)
		memcpy(s->buf + cur, d + (cur - off), end - cur);
}

/* Insert [off, end) into the sorted ranges, merging what touches. */
static int insert(struct vk_stream *s, uint32_t off, uint32_t end)
{
	uint32_t out[VK_REASM_RANGES][2], n = 0, i = 0;
	int placed = 0;

	while (i < s->nr || !placed) {
		uint32_t a, b;

		if (!placed && (i == s->nr || off <= s->r[i][0])) {
			a = off;
			b = end;
			placed = 1;
		} else {
			a = s->r[i][0];
			b = s->r[i][1];
			i++;
		}
		if (n && a <= out[n - 1][1]) {
			if (b > out[n - 1][1])
				out[n - 1][1] = b;
			continue;
		}
		if (n == VK_REASM_RANGES)
			return -E2BIG;
		out[n][0] = a;
		out[n][1] = b;
		n++;
	}
	memcpy(s->r, out, n * sizeof(out[0]));
	s->nr = n;
	s->contig = n && s->r[0][0] == 0 ? s->r[0][1] : 0;
	return 0;
}

struct vk_stream *vk_reasm_add(struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0,
			       uint32_t slot, uint32_t seq, const uint8_t *d, size_t len,
			       uint64_t now, int *err)
{
	uint32_t off = seq - seq0, end;
	struct vk_stream *s;
	int rc;

	if (off >= VK_REASM_WINDOW) {
		r->st.too_far++;
		*err = -ERANGE;
		return NULL;
	}
	end = len > VK_REASM_WINDOW - off ? VK_REASM_WINDOW : off + (uint32_t)len;
	s = vk_reasm_find(r, k, seq0);
	if (!s) {
		s = create(r, k, seq0, slot);
		if (!s) {
			*err = -ENOMEM;
			return NULL;
		}
	}
	rc = grow(r, s, end);
	if (!rc && end > off) {
		fill(r, s, off, end, d);
		rc = insert(s, off, end);
		if (rc)
			r->st.pieces++;
	}
	if (rc) {
		vk_reasm_drop(r, s);
		*err = rc;
		return NULL;
	}
	s->last_ns = now;
	unlink_idle(r, s);
	link_young(r, s);
	return s;
}

size_t vk_reasm_expire(struct vk_reasm *r, uint64_t now,
		       void (*fn)(void *arg, const struct vk_stream *s), void *arg)
{
	size_t n = 0;

	while (r->old && r->old->last_ns + r->ttl_ns <= now) {
		if (fn)
			fn(arg, r->old);
		vk_reasm_drop(r, r->old);
		r->st.timeouts++;
		n++;
	}
	return n;
}
