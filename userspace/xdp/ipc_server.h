/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane's control socket: table updates (validated whole, staged
 * across chunks, applied at once), stats, counters and match events. */
#ifndef VK_IPC_SERVER_H
#define VK_IPC_SERVER_H

#include "vk_dp.h"

#define VK_IPC_MAX_CLIENTS	16

struct vk_ipc_client;

struct vk_ipc_server {
	int listen_fd;
	struct vk_dp *dp;
	const char **ifnames;
	int nif;
	struct vk_ipc_client *cl[VK_IPC_MAX_CLIENTS];
	unsigned long events_dropped;	/* a subscriber too slow to take them */
};

/* Returns 0 or -errno. */
int vk_ipc_server_open(struct vk_ipc_server *s, const char *path, struct vk_dp *dp,
		       const char **ifnames, int nif);
void vk_ipc_server_close(struct vk_ipc_server *s);

/* poll(2) set: fills up to max fds (listen first), returns the count. */
int vk_ipc_server_fds(const struct vk_ipc_server *s, int *fds, int max);
/* Handle readiness of fd (from vk_ipc_server_fds). */
void vk_ipc_server_ready(struct vk_ipc_server *s, int fd);
/* Send a confirmed match to every subscriber (never blocks). */
void vk_ipc_server_event(struct vk_ipc_server *s, const struct vk_event *ev,
			 const struct vk_ent *e);

#endif
