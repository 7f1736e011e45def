/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The upstream sender: spooled sightings to MISP with
 * POST /sightings/bulkSaveSightings/{event_uuid}, oldest first, one event
 * per request, a batch at a time. A row leaves the spool (sent = 1) only
 * after the platform answered with its "saved" verdict; the uuids are
 * deterministic, and MISP skips a uuid it holds, so a resend after a crash
 * adds nothing. Errors back off from 5 s to 5 min, a 429 for as long as
 * MISP says, and no kick cuts either short. A batch whose event MISP no
 * longer has (HTTP 405) is set aside (sent = 2), so the rest can flow.
 */
#ifndef VK_UPSTREAM_H
#define VK_UPSTREAM_H

#include <stdint.h>
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
	long retry_after;		/* the last answer's 429 X-Rate-Limit-Reset */
	int set_aside;			/* the last batch was set aside (405) */
};

/* Thread body (arg: struct vk_upstream *). Returns NULL at sh->stop. */
void *vk_upstream_main(void *arg);

/* Send one batch now. Returns the number of sightings confirmed, 0 when
 * the spool is empty or the batch was set aside (HTTP 405), or -1 with
 * err (u->retry_after set for a 429). */
int vk_upstream_send(struct vk_upstream *u, char *err, size_t errlen);

/* MISP's answer to a bulkSaveSightings batch: 0 (it holds them; what it
 * said in what), or -1 with err. */
struct vk_http_resp;
int vk_upstream_verdict(const struct vk_http_resp *r, char *what, size_t len, char *err,
			size_t errlen);

#endif
