/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane's state file (ids.state): which dataplane id is which
 * indicator, and the generation the pinned maps hold, so that a restarted
 * daemon reuses the maps and keeps matching. It lives on the /run tmpfs
 * (rewritten after every update: a disk would wear), so it is binary and
 * small: 45-60 bytes an indicator (the text format before it took 103).
 *
 * Layout, little-endian, no padding:
 *   header  "VKSTATE2" u64 generation, u64 entries
 *   entry   u32 id, u8 kind, u8 plen, u16 port, u8 flags, u8 addr_len,
 *           u16 name_len, addr[addr_len], name[name_len], u32 nattr
 *   attr    u8 type, u8 uuid_len (16: binary, 36: text as sent),
 *           uuid[uuid_len], u16 value_len, value[value_len]
 * The file is written to .tmp, fsync'd and renamed: it is whole or absent.
 */
#ifndef VK_STATE_H
#define VK_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "../lib/vk_key.h"
#include "../lib/vk_set.h"

#define VK_STATE_MAX_ATTRS	(1u << 20)	/* attributes of one key */

/* Write ents[0..n) with generation gen to path. 0 or -errno (-EIO for a
 * short write, the disk full). */
int vk_state_write(const char *path, uint64_t gen, struct vk_ent *const *ents, size_t n);

/* Called for each entry read; attrs[i].value points into the mapped file
 * and is NUL-terminated only in the copy fn makes (see value_len). A
 * negative return stops the read with that value. */
struct vk_state_ent {
	uint32_t id;
	uint8_t flags;
	struct vk_key key;
	uint32_t nattr;
	struct vk_attr *attrs;	/* value: a NUL-terminated copy, valid in fn */
};
typedef int (*vk_state_fn)(void *arg, const struct vk_state_ent *e);

/* Read path. With want_gen, a file of another generation is -ESTALE and
 * fn is never called. Returns 0, -errno of open/mmap, -EBADMSG for a file
 * that is cut, too long or out of bounds anywhere, -ENOMEM, or fn's
 * negative value. */
int vk_state_read(const char *path, const uint64_t *want_gen, vk_state_fn fn, void *arg);

#endif
