/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sightings on the box: match events from the dataplane aggregated per
 * (attribute, local host, remote, bucket) in memory and written to SQLite
 * (sightings.db, WAL) once a second; the dataplane's exact counters make
 * the totals; upstream buckets become spooled MISP sightings with
 * deterministic uuids (docs/privacy.md says what leaves the box).
 *
 * One thread owns a vk_sight (the event loop); the upstream sender opens
 * its own connection to the same file.
 */
#ifndef VK_SIGHT_H
#define VK_SIGHT_H

#include <stdint.h>
#include <time.h>
#include "conf.h"
#include "dataplane.pb-c.h"

struct sqlite3;
struct vk_agg;

#define VK_MAX_NETS 64

struct vk_sight {
	const struct vk_conf *c;
	struct sqlite3 *db;		/* sightings.db; agent.db attached as "ind" */
	struct vk_net nets[VK_MAX_NETS];
	int nnets;
	char box_id[64];
	struct vk_agg *agg;		/* open aggregates, open addressing */
	uint32_t agg_cap, agg_n;
	int paused;			/* storage full: counting only */
	int64_t paused_since;
	uint64_t events, events_unstored;	/* seen; lost while paused */
	uint64_t counted;		/* the dataplane's counters, summed */
	int64_t last_poll;
};

/* Open (create) sightings.db under the state directory. 0 or -1 + err. */
int vk_sight_open(struct vk_sight *s, const struct vk_conf *c, char *err, size_t errlen);
void vk_sight_close(struct vk_sight *s);

/* Open the same database for another thread (agent.db attached). NULL +
 * err on failure. */
struct sqlite3 *vk_sight_db_open(const struct vk_conf *c, char *err, size_t errlen);

/* One match event; wall_ns is its wall-clock time. */
void vk_sight_event(struct vk_sight *s, const Vardkase__Dp__MatchEvent *m, int64_t wall_ns);

/* Called with the row id of each aggregate a flush wrote. */
typedef void (*vk_sight_updated_fn)(void *arg, int64_t id);

/* Write the open aggregates, then spool what is due upstream. Returns the
 * number of aggregates written, or -1 (storage full: the detail is
 * dropped, the box keeps counting, s->paused says so). */
int vk_sight_flush(struct vk_sight *s, int64_t now, vk_sight_updated_fn fn, void *arg);

/* One answer of the dataplane's counters (cumulative per attribute; an
 * answer with an empty `after` starts a round, the next pages follow it).
 * Matches the events did not show (rate limit, ring full, agent down)
 * still make upstream sightings. 0 or -1. */
int vk_sight_counters(struct vk_sight *s, const Vardkase__Dp__Counters *c, int64_t now);

/* Drop what is older than the retention. 0 or -1. */
int vk_sight_prune(struct vk_sight *s, int64_t now);

/* Mark the attribute of sighting id a false positive: suppressed locally,
 * a type-1 sighting spooled (unless reporting is off). 0, -ENOENT, -EIO.
 * attr and value (at least 37 and 256 bytes) say what was suppressed. */
int vk_sight_fp(struct vk_sight *s, int64_t id, int64_t now, char *attr, char *value,
		int *reported);

/* The deterministic uuid of an upstream sighting: a name-based (version 5)
 * uuid of box id, attribute uuid and bucket. out: 37 bytes. */
void vk_sight_uuid(const char *box_id, const char *attr, int64_t bucket, char *out);

/* 1 if the address (text) is inside the local networks. */
int vk_sight_is_local(const struct vk_sight *s, const char *addr);

#endif
