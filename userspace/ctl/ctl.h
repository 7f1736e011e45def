/* SPDX-License-Identifier: GPL-2.0-only */
/* vardkasectl: the operator's console. One file per subcommand
 * (wireguard-tools style); client.c speaks proto/console.proto. */
#ifndef VK_CTL_H
#define VK_CTL_H

#include <jansson.h>
#include <stdint.h>
#include "console.pb-c.h"

struct ctl {
	const char *socket;
	int json;
	int fd;
};

/* Connect to the agent; on failure print why (not running, not allowed)
 * and return -1. */
int ctl_connect(struct ctl *c);
/* Send a request. 0 or -1 (printed). */
int ctl_send(struct ctl *c, Vardkase__Console__Request *rq);
/* Next response (free with vardkase__console__response__free_unpacked),
 * waiting up to timeout_ms (-1: forever). NULL on error or timeout
 * (printed); an Error response is printed and NULL returned. */
Vardkase__Console__Response *ctl_recv(struct ctl *c, int timeout_ms);

/* Output helpers. */
void ctl_print_json(json_t *j);			/* takes the reference */
const char *ctl_time(int64_t t, char *buf, size_t len);	/* "2026-11-22 17:40:01" or "never" */
const char *ctl_ago(int64_t t, char *buf, size_t len);	/* "12 s ago" */
/* Parse "90s", "15m", "2h", "7d" (or plain seconds). 0 or -1. */
int ctl_duration(const char *s, uint64_t *secs);

int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_sightings(struct ctl *c, int argc, char **argv);
int cmd_indicator(struct ctl *c, int argc, char **argv);
int cmd_sync(struct ctl *c, int argc, char **argv);
int cmd_fp(struct ctl *c, int argc, char **argv);

/* The sighting as JSON / one table line (cmd_sightings.c, shared by
 * --follow). */
json_t *ctl_sighting_json(const Vardkase__Console__Sighting *s);
void ctl_sighting_line(const Vardkase__Console__Sighting *s);

#endif
