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
 * VK_DPC_CHUNK_BYTES of them (vk_ipc_ind_len each): values may be long
 * (a 200-byte URL-like domain), so the count alone passes the cap. */
#define VK_DPC_CHUNK		2000
#define VK_DPC_CHUNK_BYTES	(VK_IPC_MAX_MSG - 2048)

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

/* The wire form of record a, with its normalised keys, in d (pointing
 * into a and into itself). Returns 0, or -EINVAL when the value does not
 * normalise (records are normalised when they come in, so only a change
 * of rules can do that; it is logged and the record left out). */
int vk_dpc_indicator(const struct vk_arec *a, struct vk_ipc_ind *d);

/* Wait for the dataplane's answer to an update chunk sent on fd (buf:
 * VK_IPC_MAX_MSG bytes). 0 when it took it, with the counts of the final
 * answer in *ack (may be NULL for a chunk with more = true); -1 + err when
 * it refused generation gen, did not answer in 120 s or hung up. */
int vk_dpc_update_answer(int fd, uint8_t *buf, uint64_t gen, struct vk_dpc_ack *ack, char *err,
			 size_t errlen);

#endif
