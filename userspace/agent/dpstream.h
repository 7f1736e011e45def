/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A full update streamed to the dataplane while the pull is still running:
 * each page's new records go out as chunks (TableUpdate.more = true) from a
 * thread of their own, so the dataplane stages page n while the agent
 * parses page n + 1. The dataplane applies nothing before the final chunk;
 * an aborted stream (a page failed, a record changed after it was sent)
 * closes the connection and the dataplane drops what it staged.
 */
#ifndef VK_DPSTREAM_H
#define VK_DPSTREAM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "amap.h"
#include "dpc.h"

struct vk_dps_msg;

struct vk_dpstream {
	int fd;
	uint64_t gen;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vk_dps_msg *head, *tail;	/* packed, waiting to be sent */
	size_t queued;			/* bytes in the queue */
	int finished;			/* the final chunk is queued */
	int stop;			/* abort: send nothing more */
	int done;			/* the thread is finished */
	int failed;
	double cpu;			/* the sender thread's CPU seconds */
	struct vk_dpc_ack ack;
	struct vk_ipc_ind *ind;		/* VK_DPC_CHUNK, built in place */
	char err[256];
};

/* Connect to the dataplane at path and start the sender for generation
 * gen. 0, or -1 + err (nothing started). */
int vk_dps_open(struct vk_dpstream *s, const char *path, uint64_t gen, char *err,
		size_t errlen);

/* Queue m->rec[from..to) as chunks, leaving out the uuids in skip (may be
 * NULL). 0, or -1 when the stream already failed or memory ran out. */
int vk_dps_add(struct vk_dpstream *s, const struct vk_amap *m, size_t from, size_t to,
	       const struct vk_amap *skip);

/* Send the final chunk and wait for the dataplane's answer to the whole
 * update. 0 with *ack, or -1 + err. Ends the stream either way. */
int vk_dps_finish(struct vk_dpstream *s, struct vk_dpc_ack *ack, char *err, size_t errlen);

/* Stop sending, close the connection (the dataplane drops the staged
 * update) and end the stream. */
void vk_dps_abort(struct vk_dpstream *s);

#endif
