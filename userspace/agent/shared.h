/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vardkased's three threads share: the sync loop (main thread), the
 * event loop (dataplane events, counters, the console) and the upstream
 * sender. Each owns its own SQLite connection and HTTPS handle; this is
 * the only memory they share, under mu (stop alone is atomic). Wake-ups are
 * eventfds.
 */
#ifndef VK_SHARED_H
#define VK_SHARED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "../lib/vk_key.h"

#define VK_SH_REASONS 16

struct vk_shared {
	pthread_mutex_t mu;
	/* written by the sync thread */
	int64_t last_sync;		/* unix time of the last attempt; 0 never */
	int last_ok;
	char last_result[512];
	uint64_t generation;		/* acknowledged by the dataplane */
	uint64_t sync_seq;		/* bumped after every attempt */
	uint64_t by_type[VK_T_MAX];	/* enforced, by MISP type */
	char reason[VK_SH_REASONS][64];	/* refused in the last sync, by reason */
	uint64_t reason_n[VK_SH_REASONS];
	int nreasons;
	/* written by the upstream sender */
	int64_t last_upload;
	char upstream_error[512];
	/* eventfds */
	int sync_kick;			/* to the sync thread: sync now */
	int suppress_kick;		/* to the sync thread: a false positive was marked */
	int sync_done;			/* to the event loop: an attempt finished */
	int upstream_kick;		/* to the sender: something was spooled */
	/* the stop (SIGTERM, SIGINT): read without the lock, so atomic;
	 * stop_fd is written once and never drained, so it stays readable
	 * for every poll that includes it (an HTTPS request under way) */
	atomic_int stop;
	int stop_fd;
};

/* Create the eventfds. 0 or -errno. */
int vk_shared_init(struct vk_shared *sh);
void vk_shared_free(struct vk_shared *sh);
/* Stop every thread: the flag, then stop_fd. */
void vk_shared_stop(struct vk_shared *sh);
/* Wake whoever polls fd. */
void vk_kick(int fd);
/* Read an eventfd empty. Returns what it held. */
uint64_t vk_drain(int fd);

#endif
