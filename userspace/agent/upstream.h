/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The upstream sender: spooled sightings to MISP with
 * POST /sightings/bulkSaveSightings/{event_uuid}, oldest first, one event
 * per request, a batch at a time. A row leaves the spool (sent = 1) only
 * after the platform answered with its "saved" verdict; the uuids are
 * deterministic, and MISP skips a uuid it holds, so a resend after a crash
 * adds nothing. Errors back off from 5 s to 5 min.
 */
#ifndef VK_UPSTREAM_H
#define VK_UPSTREAM_H

#include "conf.h"
#include "shared.h"

struct vk_https;
struct sqlite3;

struct vk_upstream {
	const struct vk_conf *c;
	struct vk_shared *sh;
	struct vk_https *h;		/* its own connection */
	const char *auth;		/* "Authorization: <key>" */
	const char *source;		/* the box's pseudonym */
	struct sqlite3 *db;		/* its own connection to sightings.db */
};

/* Thread body (arg: struct vk_upstream *). Returns NULL at sh->stop. */
void *vk_upstream_main(void *arg);

/* Send one batch now. Returns the number of sightings confirmed, 0 when
 * the spool is empty, or -1 with err. */
int vk_upstream_send(struct vk_upstream *u, char *err, size_t errlen);

#endif
