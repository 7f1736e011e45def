// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "dpstream.h"
#include "../lib/vk_ipc.h"

#define CHUNK VK_DPC_CHUNK

struct vk_dps_msg {
	struct vk_dps_msg *next;
	size_t len;
	int last;
	uint8_t buf[];
};

static void fail(struct vk_dpstream *s, const char *fmt, const char *what)
{
	pthread_mutex_lock(&s->mu);
	if (!s->failed)
		snprintf(s->err, sizeof(s->err), fmt, what);
	s->failed = 1;
	pthread_mutex_unlock(&s->mu);
}

/* Send one packed chunk and read the dataplane's answer to it. */
static int send_one(struct vk_dpstream *s, const struct vk_dps_msg *m, uint8_t *rbuf)
{
	char err[sizeof(s->err)];
	ssize_t n;

	do
		n = send(s->fd, m->buf, m->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)m->len) {
		fail(s, "dataplane: send: %s", n < 0 ? strerror(errno) : "short");
		return -1;
	}
	if (vk_dpc_update_answer(s->fd, rbuf, s->gen, m->last ? &s->ack : NULL, err,
				 sizeof(err))) {
		fail(s, "%s", err);
		return -1;
	}
	return 0;
}

static void *sender(void *arg)
{
	struct vk_dpstream *s = arg;
	uint8_t *rbuf = malloc(VK_IPC_MAX_MSG);
	struct vk_dps_msg *m;
	struct rusage u;
	int last = 0;

	if (!rbuf)
		fail(s, "dataplane stream: %s", "out of memory");
	while (rbuf && !last) {
		pthread_mutex_lock(&s->mu);
		while (!s->head && !s->stop && !s->failed)
			pthread_cond_wait(&s->cv, &s->mu);
		m = s->stop || s->failed ? NULL : s->head;
		if (m) {
			s->head = m->next;
			if (!s->head)
				s->tail = NULL;
			s->queued -= m->len;
		}
		pthread_mutex_unlock(&s->mu);
		if (!m)
			break;
		last = m->last;
		if (send_one(s, m, rbuf))
			last = 1;
		free(m);
	}
	free(rbuf);
	getrusage(RUSAGE_THREAD, &u);
	pthread_mutex_lock(&s->mu);
	s->cpu = (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
		 (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
	s->done = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int vk_dps_open(struct vk_dpstream *s, const char *path, uint64_t gen, char *err,
		size_t errlen)
{
	struct timeval tmo = { .tv_sec = 120 };

	memset(s, 0, sizeof(*s));
	s->gen = gen;
	s->ind = calloc(CHUNK, sizeof(*s->ind));
	if (!s->ind) {
		snprintf(err, errlen, "dataplane stream: out of memory");
		return -1;
	}
	s->fd = vk_ipc_connect(path);
	if (s->fd < 0) {
		snprintf(err, errlen, "dataplane %s: %s", path, strerror(-s->fd));
		goto fail;
	}
	/* a dataplane that stops reading fails the stream instead of
	 * holding the sync forever (answers wait as long, in poll) */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo))) {
		snprintf(err, errlen, "dataplane stream: send timeout: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->th, NULL, sender, s)) {
		snprintf(err, errlen, "dataplane stream: cannot start its thread");
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		goto fail;
	}
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s->ind);
	s->ind = NULL;
	return -1;
}

static int enqueue(struct vk_dpstream *s, Vardkase__Dp__Indicator **pind, size_t k, int last)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__TableUpdate u = VARDKASE__DP__TABLE_UPDATE__INIT;
	struct vk_dps_msg *m;
	size_t len;
	int failed;

	u.generation = s->gen;
	u.full = 1;
	u.n_add = k;
	u.add = pind;
	u.more = !last;
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_UPDATE;
	rq.update = &u;
	len = protobuf_c_message_get_packed_size(&rq.base);
	if (len > VK_IPC_MAX_MSG || !(m = malloc(sizeof(*m) + len)))
		return -1;
	m->next = NULL;
	m->len = protobuf_c_message_pack(&rq.base, m->buf);
	m->last = last;
	pthread_mutex_lock(&s->mu);
	failed = s->failed;
	if (!failed) {
		if (s->tail)
			s->tail->next = m;
		else
			s->head = m;
		s->tail = m;
		s->queued += m->len;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (failed)
		free(m);
	return failed ? -1 : 0;
}

int vk_dps_add(struct vk_dpstream *s, const struct vk_amap *m, size_t from, size_t to,
	       const struct vk_amap *skip)
{
	Vardkase__Dp__Indicator *pind[CHUNK];
	size_t k = 0, bytes = 0, len;

	while (from < to) {
		const struct vk_arec *r = &m->rec[from];

		if ((skip && skip->n && vk_amap_get(skip, r->uuid)) ||
		    vk_dpc_indicator(r, &s->ind[k])) {
			from++;
			continue;
		}
		len = vk_ipc_ind_len(&s->ind[k]);
		if (k && bytes + len > VK_DPC_CHUNK_BYTES) {
			if (enqueue(s, pind, k, 0))
				return -1;
			k = 0;		/* r is built again into the first slot */
			bytes = 0;
			continue;
		}
		pind[k] = &s->ind[k].x;
		bytes += len;
		k++;
		from++;
		if (k == CHUNK) {
			if (enqueue(s, pind, k, 0))
				return -1;
			k = 0;
			bytes = 0;
		}
	}
	return k ? enqueue(s, pind, k, 0) : 0;
}

static void end(struct vk_dpstream *s)
{
	struct vk_dps_msg *m;

	pthread_join(s->th, NULL);
	close(s->fd);
	while ((m = s->head)) {
		s->head = m->next;
		free(m);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->ind);
	s->ind = NULL;
}

int vk_dps_finish(struct vk_dpstream *s, struct vk_dpc_ack *ack, char *err, size_t errlen)
{
	int rc = enqueue(s, NULL, 0, 1);

	pthread_mutex_lock(&s->mu);
	if (rc && !s->failed) {
		snprintf(s->err, sizeof(s->err), "dataplane stream: out of memory");
		s->failed = 1;
	}
	s->finished = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	end(s);
	if (s->failed) {
		snprintf(err, errlen, "%s", s->err);
		return -1;
	}
	*ack = s->ack;
	return 0;
}

void vk_dps_abort(struct vk_dpstream *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	/* the sender may sit in send() or poll(): closing is not enough to
	 * wake it portably, shutting the socket down is */
	shutdown(s->fd, SHUT_RDWR);
	end(s);
}
