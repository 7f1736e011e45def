/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded reassembly of the first bytes of TCP streams (the slow path's
 * ClientHellos): a stream is keyed by its flow and the sequence number of
 * its first byte, holds at most VK_REASM_WINDOW bytes from there, in any
 * order, repeats and overlaps included. Memory is capped twice: a number
 * of streams and a number of bytes held by all; the stream idle longest
 * goes first when either is reached (counted). A receiver keeps the first
 * copy of a byte it already has (Linux does for data it holds), so the
 * first copy wins here too and a differing later one is counted.
 */
#ifndef VK_REASM_H
#define VK_REASM_H

#include <stddef.h>
#include <stdint.h>
#include "../../kernel/vardkase_abi.h"

#define VK_REASM_WINDOW		VK_FLOW_WINDOW
#define VK_REASM_RANGES		32	/* disjoint pieces one stream may hold (Chrome
					 * cuts a QUIC hello into many CRYPTO frames) */

struct vk_stream {
	struct vk_flow_key k;
	uint32_t seq0;
	uint32_t slot;			/* the XDP slot that followed it */
	uint64_t last_ns;		/* when bytes last came */
	uint8_t *buf;
	uint32_t cap;			/* bytes allocated */
	uint32_t contig;		/* bytes held from offset 0 without a gap */
	uint32_t nr;
	uint32_t flags;			/* the owner's; 0 when the stream is made */
	uint32_t r[VK_REASM_RANGES][2];	/* held [start, end), sorted, disjoint */
	struct vk_stream *hnext;	/* hash chain */
	struct vk_stream *prev, *next;	/* idle order, oldest first */
};

struct vk_reasm_stats {
	uint64_t streams, timeouts, evicted, overlap_diff, too_far, pieces;
};

struct vk_reasm {
	struct vk_stream **tab;
	uint32_t mask;
	struct vk_stream *old, *young;	/* idle order */
	size_t n, max_streams;
	size_t bytes, max_bytes;	/* buffer bytes of all streams */
	uint64_t ttl_ns;
	struct vk_reasm_stats st;
};

/* Returns 0 or -ENOMEM. max_streams, max_bytes > 0. */
int vk_reasm_init(struct vk_reasm *r, size_t max_streams, size_t max_bytes, uint64_t ttl_ns);
void vk_reasm_free(struct vk_reasm *r);

/*
 * len bytes at sequence number seq of the stream (k, seq0), at time now.
 * Returns the stream (new or known) with the bytes in it, or NULL with
 * *err: -ERANGE when they lie outside the window (nothing kept),
 * -E2BIG when the stream would need more than VK_REASM_RANGES pieces (it
 * is dropped: a stream cut that fine is an attack, not a network),
 * -ENOMEM. A stream is never evicted to make room for itself.
 */
struct vk_stream *vk_reasm_add(struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0,
			       uint32_t slot, uint32_t seq, const uint8_t *d, size_t len,
			       uint64_t now, int *err);

/* The stream (k, seq0), or NULL. */
struct vk_stream *vk_reasm_find(struct vk_reasm *r, const struct vk_flow_key *k, uint32_t seq0);

void vk_reasm_drop(struct vk_reasm *r, struct vk_stream *s);

/* Drop the streams idle for ttl_ns at now, calling fn on each first (fn
 * may be NULL). Returns how many went. */
size_t vk_reasm_expire(struct vk_reasm *r, uint64_t now,
		       void (*fn)(void *arg, const struct vk_stream *s), void *arg);

#endif
