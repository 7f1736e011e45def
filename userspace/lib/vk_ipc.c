// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "vk_ipc.h"

static int addr_of(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

int vk_ipc_listen(const char *path)
{
	struct sockaddr_un a;
	int fd, rc = addr_of(path, &a);

	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	/* the agent's group reaches it; nobody else (docs/protocol.md) */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(path, 0660) ||
	    listen(fd, 8)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int vk_ipc_connect(const char *path)
{
	struct sockaddr_un a;
	int fd, rc = addr_of(path, &a);

	if (rc)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int vk_ipc_send(int fd, const ProtobufCMessage *m, int flags)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf;
	ssize_t n;

	if (len > VK_IPC_MAX_MSG)
		return -EMSGSIZE;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(m, buf);
	do
		n = send(fd, buf, len, flags | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(buf);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

long vk_ipc_recv(int fd, void *buf)
{
	ssize_t n;

	do
		n = recv(fd, buf, VK_IPC_MAX_MSG, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n > VK_IPC_MAX_MSG)
		return -EMSGSIZE;	/* the rest of the datagram is gone */
	return n;
}

long vk_ipc_recv_wait(int fd, void *buf, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc ? vk_ipc_recv(fd, buf) : -ETIMEDOUT;
}
