/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Derived indicators: the addresses DNS answers gave for names with
 * indicators, matched by XDP as destinations for their TTL (capped) as
 * matches of the name's indicator (vardkase_abi.h, vk_derived;
 * docs/architecture.md, "DNS answers"). This side writes the kernel's
 * slots through mmap and keeps the name each address came from, which
 * events carry.
 */
#ifndef VK_DERIVE_H
#define VK_DERIVE_H

#include <stdint.h>
#include "../../kernel/vardkase_abi.h"

#define VK_DERIVE_TTL_DEFAULT	300	/* seconds, the cap on a record's TTL */
#define VK_DERIVE_TTL_MAX	86400

struct vk_derive {
	struct vk_derived_slot *slots;	/* vk_derived, mmapped */
	uint64_t *bits;			/* vk_derived_bits, mmapped */
	struct vk_config *cfg;		/* n_derived */
	char (*names)[256];		/* per slot: the name it was learned for */
	uint32_t live;
	uint32_t ttl_cap;		/* seconds */
	uint64_t next_sweep_ns;
};

/* Map the two maps (fds) and clear them: an address is derived by this
 * process or not at all (its name is kept here). Returns 0 or -errno. */
int vk_derive_open(struct vk_derive *d, int slots_fd, int bits_fd, struct vk_config *cfg,
		   uint32_t ttl_cap);
void vk_derive_close(struct vk_derive *d);
/* Forget every address (replay: each capture on its own). */
void vk_derive_reset(struct vk_derive *d);

/* addr (family 4 or 6) is id's for ttl seconds (at most the cap) from
 * now_ns, learned for name (n bytes). A live slot of the address for the
 * same id is renewed. Returns 0, 1 when a live slot of another address
 * was pushed out (its set was full), -EINVAL for a TTL of 0. */
int vk_derive_learn(struct vk_derive *d, const uint8_t *addr, uint8_t family, uint32_t id,
		    const char *name, size_t n, uint32_t ttl, uint64_t now_ns);

/* The name addr was derived for, for id, live at ns; NULL when none. */
const char *vk_derive_name(const struct vk_derive *d, const uint8_t *addr, uint8_t family,
			   uint32_t id, uint64_t ns);

/* Empty the slots expired at now_ns and those keep() refuses (the id no
 * longer names an indicator of that name: an update), rebuild the bits,
 * store the live count. keep may be NULL. */
void vk_derive_sweep(struct vk_derive *d, uint64_t now_ns,
		     int (*keep)(void *arg, uint32_t id, const char *name), void *arg);

#endif
