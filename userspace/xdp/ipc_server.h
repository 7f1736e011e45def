/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane's control socket: table updates (validated whole, staged
 * across chunks, applied at once), stats, counters and match events. */
#ifndef VK_IPC_SERVER_H
#define VK_IPC_SERVER_H

#include "vk_dp.h"

#define VK_IPC_MAX_CLIENTS	16
#define VK_IPC_MAX_SUBSCRIBERS	4	/* event subscriptions at once */
#define VK_IPC_IDLE_DEFAULT_S	60	/* a connection that sends nothing */
#define VK_IPC_STAGE_MB_DEFAULT	768	/* staged updates, all connections */

struct vk_ipc_client;

struct vk_ipc_server {
	int listen_fd;
	struct vk_dp *dp;
	const char **ifnames;
	int nif;
	struct vk_ipc_client *cl[VK_IPC_MAX_CLIENTS];
	unsigned long events_dropped;	/* a subscriber too slow to take them */
	/* limits: a client may stage at most twice the id capacity in
	 * attributes, and all together stage_max bytes (estimated); a
	 * connection silent for idle_s is closed (one staging: 10 * idle_s),
	 * subscribers excepted; with every slot taken the longest-idle
	 * connection gives way to a new one (the agent must always get in) */
	size_t stage_max, staged;
	unsigned idle_s;
};

/* stage_mb and idle_s: 0 for the defaults. Returns 0 or -errno. */
int vk_ipc_server_open(struct vk_ipc_server *s, const char *path, struct vk_dp *dp,
		       const char **ifnames, int nif, unsigned stage_mb, unsigned idle_s);
/* A message through the checks an update passes before the maps (decode,
 * validate, stage with its bounds, the set it would commit), nothing
 * applied: for the fuzzer. s needs dp->t.cur and dp->t.cfg only. 0, or a
 * negative errno (-EBADMSG undecodable, -EINVAL refused, -E2BIG, -ENOMEM). */
int vk_ipc_server_parse(struct vk_ipc_server *s, const uint8_t *buf, size_t n);

/* Close connections past their idle time; call about once a second. */
void vk_ipc_server_tick(struct vk_ipc_server *s);
void vk_ipc_server_close(struct vk_ipc_server *s);

/* poll(2) set: fills up to max fds (listen first), returns the count. */
int vk_ipc_server_fds(const struct vk_ipc_server *s, int *fds, int max);
/* Handle readiness of fd (from vk_ipc_server_fds). */
void vk_ipc_server_ready(struct vk_ipc_server *s, int fd);
/* Send a confirmed match to every subscriber (never blocks). */
void vk_ipc_server_event(struct vk_ipc_server *s, const struct vk_event *ev,
			 const struct vk_ent *e);

#endif
