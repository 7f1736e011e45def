/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unix-socket transport of the dataplane contract (proto/dataplane.proto).
 * SOCK_SEQPACKET: one protobuf message per datagram, so the kernel keeps
 * message boundaries and a message arrives whole or not at all; the size
 * of every message is checked before it is unpacked.
 */
#ifndef VK_IPC_H
#define VK_IPC_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>
#include "dataplane.pb-c.h"
#include "vk_key.h"

/* Fits the default unix socket buffers, so no sysctl is needed; larger
 * updates are sent in chunks (TableUpdate.more). */
#define VK_IPC_MAX_MSG		(160 * 1024)
#define VK_IPC_MAX_ITEMS	20000	/* indicators or removals per message */
#define VK_SOCKET_DEFAULT	"/run/vardkase/dataplane.sock"
/* The largest generation a dataplane takes (one update a second would
 * need 285 million years to reach it); larger ones are refused, so that
 * one past the largest never wraps to a stale 0. */
#define VK_GEN_MAX		(1ULL << 53)

/* Listening socket at path (an old socket file is replaced), mode 0660.
 * Returns the fd or -errno. */
int vk_ipc_listen(const char *path);
/* Connected socket, or -errno. */
int vk_ipc_connect(const char *path);

/* Pack and send one message; flags as for send(2) (MSG_DONTWAIT).
 * Returns 0, -EMSGSIZE if it exceeds VK_IPC_MAX_MSG, or -errno. */
int vk_ipc_send(int fd, const ProtobufCMessage *m, int flags);

/*
 * Receive one datagram into buf (VK_IPC_MAX_MSG bytes). Returns its
 * length, 0 on end of file, -EMSGSIZE when it was larger than the limit
 * (it is discarded), or -errno.
 */
long vk_ipc_recv(int fd, void *buf);
/* vk_ipc_recv() of the next datagram within timeout_ms; -ETIMEDOUT when
 * none came. */
long vk_ipc_recv_wait(int fd, void *buf, int timeout_ms);

/* ---- indicators on the wire (vk_ipc_key.c) ------------------------- */

/* An Indicator and its keys, built in place for sending: x points into
 * the rest of the struct, and at the uuid and value it was made from. */
struct vk_ipc_ind {
	Vardkase__Dp__Indicator x;
	Vardkase__Dp__Key kx[2], *pk[2];
	struct vk_key k[2];
};

/* Build d for the attribute (uuid, t, value), normalising value with
 * vk_key_from_misp; keep uuid and value alive while d is sent, and d
 * where it is (it points into itself). Returns 0 or -EINVAL with a
 * static reason in *why. */
int vk_ipc_ind_make(struct vk_ipc_ind *d, const char *uuid, enum vk_misp_type t,
		    const char *value, const char **why);

/* Bytes d takes in a TableUpdate, its tag and length included. */
size_t vk_ipc_ind_len(const struct vk_ipc_ind *d);

/* The keys of a received Indicator, for the dataplane, which parses no
 * value: each key within its wire bounds and vk_key_check, their count and
 * kinds fitting the type, the value at most VK_VALUE_MAX bytes. Returns
 * the count (1 or 2), or -EINVAL with a static reason in *why. */
int vk_ipc_ind_keys(const Vardkase__Dp__Indicator *x, struct vk_key k[2], const char **why);

#endif
