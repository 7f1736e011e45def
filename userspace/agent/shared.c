// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "shared.h"
#include "../lib/vk_log.h"

int vk_shared_init(struct vk_shared *sh)
{
	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->mu, NULL);
	sh->sync_kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sh->suppress_kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sh->sync_done = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sh->upstream_kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sh->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sh->sync_kick < 0 || sh->suppress_kick < 0 || sh->sync_done < 0 ||
	    sh->upstream_kick < 0 || sh->stop_fd < 0)
		return -errno;
	return 0;
}

void vk_shared_free(struct vk_shared *sh)
{
	close(sh->sync_kick);
	close(sh->suppress_kick);
	close(sh->sync_done);
	close(sh->upstream_kick);
	close(sh->stop_fd);
	pthread_mutex_destroy(&sh->mu);
}

void vk_shared_stop(struct vk_shared *sh)
{
	atomic_store(&sh->stop, 1);
	vk_kick(sh->stop_fd);
	vk_kick(sh->upstream_kick);
}

void vk_kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vk_warn("eventfd: %s", strerror(errno));
}

uint64_t vk_drain(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}
