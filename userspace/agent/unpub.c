// SPDX-License-Identifier: GPL-2.0-only
/* A full sync and the events being edited in MISP (sync.h). */
#include <stdio.h>
#include <stdlib.h>
#include "sync.h"
#include "../lib/vk_log.h"

static void on_unpublished(void *arg, const char *uuid, const char *info, int threat_level,
			   const char *date, const char *tags, int published)
{
	if (!published)
		vk_amap_put(arg, uuid, 0, "", NULL);
}

/*
 * MISP unpublishes an event on any edit until it is republished, and a
 * full pull asks for published attributes only: without this, every event
 * being edited upstream would vanish from the box at the next full sync.
 * The events we hold that the pull did not return are looked up
 * (events/restSearch, metadata): those that still exist, unpublished,
 * keep their last published attributes; those that are gone (deleted, no
 * longer visible) or published without them go. Returns the attributes
 * kept, or -1 with err if MISP could not say (the sync fails then, and
 * the previous set stays: not knowing is no reason to drop indicators).
 */
long vk_sync_keep_unpublished(struct vk_sync *s, const struct vk_amap *held, struct vk_pull *p,
			      char *err, size_t errlen)
{
	struct vk_amap seen, miss, unpub;
	struct vk_arec *r;
	char **uuids = NULL;
	size_t n = 0;
	long kept = 0;

	vk_amap_init(&seen);
	vk_amap_init(&miss);
	vk_amap_init(&unpub);
	vk_amap_foreach(&p->up, r)
		if (r->event_uuid[0] && !vk_amap_get(&seen, r->event_uuid) &&
		    vk_amap_put(&seen, r->event_uuid, 0, "", NULL))
			kept = -1;
	vk_amap_foreach(held, r)
		if (kept >= 0 && r->event_uuid[0] && !vk_amap_get(&seen, r->event_uuid) &&
		    !vk_amap_get(&miss, r->event_uuid) &&
		    vk_amap_put(&miss, r->event_uuid, 0, "", NULL))
			kept = -1;
	if (kept >= 0 && miss.n) {
		uuids = calloc(miss.n, sizeof(*uuids));
		if (!uuids)
			kept = -1;
		vk_amap_foreach(&miss, r)
			if (uuids)
				uuids[n++] = r->uuid;
		if (uuids && vk_sync_event_meta(s, uuids, n, on_unpublished, &unpub, err,
						errlen))
			kept = -1;
	}
	if (kept >= 0 && unpub.n)
		vk_amap_foreach(held, r)
			if (r->event_uuid[0] && vk_amap_get(&unpub, r->event_uuid) &&
			    !vk_amap_get(&p->up, r->uuid)) {
				if (vk_amap_copy(&p->up, r)) {
					kept = -1;
					break;
				}
				kept++;
			}
	if (kept > 0)
		vk_info("sync full: %ld attributes of %zu unpublished events (being edited in"
			" MISP) keep their last published state", kept, unpub.n);
	if (kept < 0 && !err[0])
		snprintf(err, errlen, "out of memory");
	free(uuids);
	vk_amap_free(&seen);
	vk_amap_free(&miss);
	vk_amap_free(&unpub);
	return kept;
}

