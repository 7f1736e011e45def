/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The agent's process state and the sync that vardkased.c's main thread
 * runs (apply.c): pull, apply to the set, push to the dataplane, store.
 */
#ifndef VK_AGENT_H
#define VK_AGENT_H

#include <stddef.h>
#include <time.h>
#include "conf.h"
#include "evloop.h"
#include "shared.h"
#include "store.h"
#include "sync.h"
#include "upstream.h"

struct agent {
	struct vk_conf c;
	struct vk_store st;
	struct vk_sync s;
	struct vk_amap set;	/* what MISP says to enforce (as stored) */
	struct vk_amap supp;	/* marked false positives: never pushed */
	struct sqlite3 *sdb;	/* the sync thread's view of sightings.db */
	int dp_in_sync;		/* the dataplane holds our last generation */
	unsigned failures;	/* consecutive, for the back-off */
	time_t rate_until;	/* MISP said 429: no request before (monotonic s) */
	int store_behind;	/* agent.db refused a delta: the next sync is full */
	double cpu0;		/* CPU time when the current sync began */
	double cpu_helpers;	/* and that of the threads it started */
	char result[512];	/* the last sync's summary */
	struct vk_shared sh;
	struct vk_evloop ev;
	struct vk_upstream up;
};

/* One sync (full or delta, as due), applied and published. Returns the
 * seconds until the next one (the poll interval, or a back-off). */
unsigned vk_agent_sync_once(struct agent *a);

/* Push the set (full) or a delta to the dataplane. 0 or -1 (logged). */
int vk_agent_push(struct agent *a, int full, char **up, size_t nup, char **del, size_t ndel);

/* What status shows of the last sync: ok, the pull's numbers (or NULL),
 * the error (or NULL). */
void vk_agent_publish(struct agent *a, int ok, const struct vk_pull *p, const char *err);

/* The marked false positives: load them (out), or apply new marks. */
void vk_agent_load_suppressed(struct agent *a, struct vk_amap *out);
void vk_agent_on_suppress(struct agent *a);

#endif
