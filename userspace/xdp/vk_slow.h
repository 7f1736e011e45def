/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The slow path of the XDP dataplane: the segment records XDP hands up
 * (struct vk_seg, the vk_slow ring) are reassembled into the flow's first
 * bytes (or, for a QUIC Initial, decrypted and its CRYPTO frames put
 * together), the ClientHello in them is read, and its SNI is matched by
 * the vardkase_slow program, so counters, rate limits and events are XDP's
 * own. docs/architecture.md, "The slow path", has the picture and
 * docs/performance.md the measurements behind it.
 */
#ifndef VK_SLOW_H
#define VK_SLOW_H

#include <stdint.h>
#include "../lib/vk_hello.h"
#include "../lib/vk_fp.h"
#include "../lib/vk_set.h"
#include "vk_derive.h"
#include "vk_tables.h"
#include "../lib/vk_reasm.h"
#include "../lib/vk_quic.h"
#include "../../kernel/lib/tls.h"

/* Defaults: the memory the slow path may hold. */
#define VK_SLOW_STREAMS		16384
#define VK_SLOW_BYTES		(32u << 20)
#define VK_SLOW_TTL_NS		(5ull * 1000000000ull)
#define VK_SLOW_DONE_SETS	4096	/* streams remembered as read: */
#define VK_SLOW_DONE_WAYS	8	/* 32768, 10 s each */

/* What replay --hellos prints: a ClientHello the slow path read, with
 * its fingerprints ("" when it has none). */
typedef void (*vk_slow_hello_fn)(void *arg, const struct vk_seg *g, const struct vk_hello *h,
				 char transport, const char *ja3, const char *ja4);

struct vk_slow {
	int prog_fd;			/* vardkase_slow */
	const struct vk_config *cfg;	/* vk_config, mmapped: n_ja3, n_ja4 */
	vk_slow_hello_fn on_hello;	/* NULL but in replay --hellos */
	const struct vk_tables *tables;	/* the indicators (a DNS answer's names) */
	struct vk_derive *derive;	/* where its addresses go; NULL: not read */
	void *hello_arg;
	struct vk_flow_slot *flows;	/* vk_flows, mmapped */
	uint64_t *bits;			/* vk_flow_bits */
	uint64_t *ust;			/* vk_ustats */
	struct vk_reasm ra;
	struct vk_reasm_stats seen;	/* ra.st already added to ust */
	/* streams read (or given up) lately: a retransmission of a whole
	 * hello that was already in the ring is not read twice */
	struct { uint64_t h, ns; } done[VK_SLOW_DONE_SETS][VK_SLOW_DONE_WAYS];
	uint8_t msg[VK_HELLO_MAX];	/* a hello; a QUIC packet's plaintext */
	uint32_t cur_slot;		/* the slot of the record at hand */
	struct vk_tls http_buf;		/* a request's first bytes, for http.h */
	struct vk_quic_cache quic_keys;	/* Initial keys of the DCIDs seen last */
};

/* The maps by fd (mapped here) and the matcher. Returns 0 or -errno. */
int vk_slow_open(struct vk_slow *sl, int prog_fd, int flows_fd, int bits_fd, int ustats_fd);
void vk_slow_close(struct vk_slow *sl);
/* Forget every flow and stream (replay: each capture on its own; the
 * same tuples recur across captures). Returns 0 or -ENOMEM. */
int vk_slow_reset(struct vk_slow *sl);

/* The vk_slow ring's callback (ctx: the struct vk_slow). Always 0: a bad
 * record is skipped. */
int vk_slow_on_seg(void *ctx, void *data, size_t size);

/* Give up the streams idle for VK_SLOW_TTL_NS at now (CLOCK_MONOTONIC
 * nanoseconds, the clock of bpf_ktime_get_ns) and free their slots. */
void vk_slow_tick(struct vk_slow *sl, uint64_t now_ns);

extern const char *const vk_ustat_names[];

#endif
