/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's side of the dataplane contract: table updates in chunks,
 * generations, acks (docs/protocol.md). */
#ifndef VK_DPC_H
#define VK_DPC_H

#include <stddef.h>
#include <stdint.h>
#include "amap.h"
#include "../lib/vk_ipc.h"

/* An update message holds at most VK_DPC_CHUNK indicators and
 * VK_DPC_CHUNK_BYTES of them (vk_dpc_wire_len each): values may be long
 * (a 200-byte URL-like domain), so the count alone passes the cap. */
#define VK_DPC_CHUNK		2000
#define VK_DPC_CHUNK_BYTES	(VK_IPC_MAX_MSG - 2048)

/* Bytes record a takes in a TableUpdate, with its tags and lengths: an
 * upper bound, so a chunk summed by it never passes the cap. */
size_t vk_dpc_wire_len(const struct vk_arec *a);

/* The generation to send next, given the dataplane's and the agent's
 * last: one past the larger. A value past VK_GEN_MAX (a dataplane fed by
 * hand, or state from before the limit) counts as 0, so no generation
 * can lock updates out by wrapping. */
uint64_t vk_dpc_next_gen(uint64_t dataplane, uint64_t ours);

struct vk_dpc_ack {
	uint64_t generation;
	uint32_t indicators, added, removed, refused;
};

/* Generation in force at the dataplane behind path. 0 or -1 + err. */
int vk_dpc_generation(const char *path, uint64_t *gen, char *err, size_t errlen);

/* Send the whole set (full) or a delta (upserted uuids from m, deleted
 * uuids) as generation gen, leaving out the uuids in skip (may be NULL:
 * the false positives marked on this box). 0 with the final ack, or -1 +
 * err (the dataplane keeps what it had). */
int vk_dpc_update(const char *path, int full, const struct vk_amap *m,
		  const struct vk_amap *skip, char **up, size_t nup, char **del, size_t ndel,
		  uint64_t gen, struct vk_dpc_ack *ack, char *err, size_t errlen);

/* The wire form of record a, in x (pointing into a). Returns x. */
Vardkase__Dp__Indicator *vk_dpc_indicator(const struct vk_arec *a, Vardkase__Dp__Indicator *x);

/* Wait for the dataplane's answer to an update chunk sent on fd (buf:
 * VK_IPC_MAX_MSG bytes). 0 when it took it, with the counts of the final
 * answer in *ack (may be NULL for a chunk with more = true); -1 + err when
 * it refused generation gen, did not answer in 120 s or hung up. */
int vk_dpc_update_answer(int fd, uint8_t *buf, uint64_t gen, struct vk_dpc_ack *ack, char *err,
			 size_t errlen);

#endif
