/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vardkased's event loop (its own thread): match events and counters from
 * the dataplane into the sightings store, a flush a second, the console
 * socket for vardkasectl, retention pruning.
 */
#ifndef VK_EVLOOP_H
#define VK_EVLOOP_H

#include <stdint.h>
#include "conf.h"
#include "shared.h"
#include "sight.h"

#define VK_CONSOLE_CLIENTS 16

struct vk_console_client {
	int fd;
	int follow;			/* --follow: updates are pushed */
	char host[64], indicator[256], event[40];
	uint64_t sync_seq;		/* waiting for a sync newer than this; 0 none */
};

struct vk_dpstat {
	int attached;			/* the dataplane answered lately */
	uint64_t generation, packets, drops;
	uint64_t pps;
	int64_t at;			/* when packets was read */
	char interfaces[256];		/* comma-separated */
};

struct vk_evloop {
	const struct vk_conf *c;
	struct vk_shared *sh;
	struct vk_sight s;
	int dp_fd;			/* the dataplane subscription; -1 down */
	int64_t dp_retry;
	int listen_fd;			/* the console socket */
	int tfd;			/* 1 s ticks */
	struct vk_console_client cl[VK_CONSOLE_CLIENTS];
	int64_t last_poll, last_prune;
	struct vk_dpstat dp;
	int64_t cert_expiry;		/* client certificate's notAfter; 0 unknown */
	int64_t updated[256];		/* aggregates written by the last flush */
	int nupdated;
};

/* Open the sightings store and the console socket (mode 0660, group
 * operator_group). Before the sandbox. 0 or -1 + err. */
int vk_evloop_init(struct vk_evloop *e, const struct vk_conf *c, struct vk_shared *sh,
		   char *err, size_t errlen);
void vk_evloop_free(struct vk_evloop *e);

/* Thread body (arg: struct vk_evloop *). Returns at sh->stop. */
void *vk_evloop_main(void *arg);

/* One message from the dataplane (an event, counters, stats) into the
 * sightings store and the status; one that does not decode is dropped. */
void vk_evloop_dp_message(struct vk_evloop *e, const uint8_t *buf, size_t n, int64_t now);

/* console.c: one request from client i. */
void vk_console_request(struct vk_evloop *e, int i);
/* console.c: push the last flush's aggregates to --follow clients. */
void vk_console_follow(struct vk_evloop *e);
/* console.c: answer clients waiting for a sync. */
void vk_console_sync_done(struct vk_evloop *e);
void vk_console_close(struct vk_evloop *e, int i);
/* The oldest last_seen a "since the last since_s seconds" query wants:
 * now - since_s, never below 0 (since_s comes from a client: 2^63 and
 * more must not overflow). */
int64_t vk_console_cutoff(int64_t now, uint64_t since_s);

#endif
