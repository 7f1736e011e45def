// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vk_derive.h"
#include "../../kernel/lib/hash.h"

#define SLOTS_LEN	((size_t)VK_DERIVED_SLOTS * sizeof(struct vk_derived_slot))
#define BITS_LEN	((size_t)VK_DERIVED_BITS / 8)

static size_t pages(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) / pg * pg;
}

static void *map(int fd, size_t len)
{
	void *p = mmap(NULL, pages(len), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int vk_derive_open(struct vk_derive *d, int slots_fd, int bits_fd, struct vk_config *cfg,
		   uint32_t ttl_cap)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->ttl_cap = ttl_cap;
	d->slots = map(slots_fd, SLOTS_LEN);
	d->bits = map(bits_fd, BITS_LEN);
	d->names = calloc(VK_DERIVED_SLOTS, sizeof(*d->names));
	if (!d->slots || !d->bits || !d->names) {
		int rc = d->names ? -errno : -ENOMEM;

		vk_derive_close(d);
		return rc;
	}
	vk_derive_reset(d);
	return 0;
}

void vk_derive_close(struct vk_derive *d)
{
	if (d->slots)
		munmap(d->slots, pages(SLOTS_LEN));
	if (d->bits)
		munmap(d->bits, pages(BITS_LEN));
	free(d->names);
	d->slots = NULL;
	d->bits = NULL;
	d->names = NULL;
}

void vk_derive_reset(struct vk_derive *d)
{
	uint32_t i;

	__atomic_store_n(&d->cfg->n_derived, 0, __ATOMIC_RELEASE);
	for (i = 0; i < VK_DERIVED_SLOTS; i++)
		__atomic_store_n(&d->slots[i].id, 0, __ATOMIC_RELEASE);
	memset(d->bits, 0, BITS_LEN);
	d->live = 0;
}

static uint32_t set_of(uint32_t h)
{
	return ((h >> 16) * VK_DERIVED_WAYS) & (VK_DERIVED_SLOTS - 1);
}

static int same(const struct vk_derived_slot *s, const uint8_t *addr, uint8_t family)
{
	return s->family == family && !memcmp(s->addr, addr, 16);
}

int vk_derive_learn(struct vk_derive *d, const uint8_t *addr, uint8_t family, uint32_t id,
		    const char *name, size_t n, uint32_t ttl, uint64_t now_ns)
{
	uint8_t a[16] __attribute__((aligned(8))) = { 0 };
	uint32_t h, base, w, pick = VK_DERIVED_WAYS, oldest = 0;
	struct vk_derived_slot *s;
	int pushed = 0;

	if (!ttl || !id)
		return -EINVAL;
	memcpy(a, addr, family == 4 ? 4 : 16);
	if (ttl > d->ttl_cap)
		ttl = d->ttl_cap;
	if (n > 255)
		n = 255;
	h = vk_derived_hash(a, family);
	base = set_of(h);
	for (w = 0; w < VK_DERIVED_WAYS; w++) {
		s = &d->slots[base + w];
		if (s->id && s->expires_ns <= now_ns) {
			__atomic_store_n(&s->id, 0, __ATOMIC_RELEASE);	/* expired */
			d->live--;
		}
		if (s->id == id && same(s, a, family)) {
			pick = w;			/* renewed */
			break;
		}
		if (!s->id && pick == VK_DERIVED_WAYS)
			pick = w;
		if (s->expires_ns < d->slots[base + oldest].expires_ns)
			oldest = w;
	}
	if (pick == VK_DERIVED_WAYS) {
		pick = oldest;			/* the one that ends first goes */
		pushed = 1;
	}
	s = &d->slots[base + pick];
	if (!s->id)
		d->live++;
	/* empty first, the id last: XDP never takes half a slot */
	__atomic_store_n(&s->id, 0, __ATOMIC_RELEASE);
	memcpy(s->addr, a, 16);
	s->family = family;
	s->expires_ns = now_ns + (uint64_t)ttl * 1000000000ull;
	memcpy(d->names[base + pick], name, n);
	d->names[base + pick][n] = 0;
	__atomic_store_n(&s->id, id, __ATOMIC_RELEASE);
	__atomic_fetch_or(&d->bits[(h & (VK_DERIVED_BITS - 1)) / 64], 1ull << (h % 64),
			  __ATOMIC_RELEASE);
	__atomic_store_n(&d->cfg->n_derived, d->live, __ATOMIC_RELEASE);
	return pushed;
}

const char *vk_derive_name(const struct vk_derive *d, const uint8_t *addr, uint8_t family,
			   uint32_t id, uint64_t ns)
{
	uint8_t a[16] __attribute__((aligned(8))) = { 0 };
	uint32_t base, w;

	memcpy(a, addr, family == 4 ? 4 : 16);
	base = set_of(vk_derived_hash(a, family));
	for (w = 0; w < VK_DERIVED_WAYS; w++) {
		const struct vk_derived_slot *s = &d->slots[base + w];

		/* live when the packet was seen (an event is read after) */
		if (s->id == id && same(s, a, family) && s->expires_ns > ns)
			return d->names[base + w];
	}
	return NULL;
}

void vk_derive_sweep(struct vk_derive *d, uint64_t now_ns,
		     int (*keep)(void *arg, uint32_t id, const char *name), void *arg)
{
	uint64_t bits[VK_DERIVED_BITS / 64];	/* 8 KiB */
	uint32_t i, live = 0;

	memset(bits, 0, sizeof(bits));
	for (i = 0; i < VK_DERIVED_SLOTS; i++) {
		struct vk_derived_slot *s = &d->slots[i];
		uint32_t h;

		if (!s->id)
			continue;
		if (s->expires_ns <= now_ns || (keep && !keep(arg, s->id, d->names[i]))) {
			__atomic_store_n(&s->id, 0, __ATOMIC_RELEASE);
			continue;
		}
		h = vk_derived_hash(s->addr, s->family);
		bits[(h & (VK_DERIVED_BITS - 1)) / 64] |= 1ull << (h % 64);
		live++;
	}
	for (i = 0; i < VK_DERIVED_BITS / 64; i++)
		if (d->bits[i] != bits[i])
			__atomic_store_n(&d->bits[i], bits[i], __ATOMIC_RELEASE);
	d->live = live;
	__atomic_store_n(&d->cfg->n_derived, live, __ATOMIC_RELEASE);
}
