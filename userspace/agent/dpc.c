// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dpc.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_log.h"

#define CHUNK VK_DPC_CHUNK

/* The dataplane's next answer on fd, unpacked, or NULL + err. */
static Vardkase__Dp__Response *answer(int fd, uint8_t *buf, char *err, size_t errlen)
{
	long n = vk_ipc_recv_wait(fd, buf, 120000);
	Vardkase__Dp__Response *r;

	if (n <= 0) {
		snprintf(err, errlen, "dataplane: %s", n == -ETIMEDOUT ? "no answer" :
			 n ? strerror((int)-n) : "closed");
		return NULL;
	}
	r = vardkase__dp__response__unpack(NULL, (size_t)n, buf);
	if (!r)
		snprintf(err, errlen, "dataplane: an answer that does not decode");
	return r;
}

static Vardkase__Dp__Response *roundtrip(int fd, Vardkase__Dp__Request *rq, char *err,
					 size_t errlen)
{
	static uint8_t buf[VK_IPC_MAX_MSG];
	int rc = vk_ipc_send(fd, &rq->base, 0);

	if (rc) {
		snprintf(err, errlen, "dataplane: send: %s", strerror(-rc));
		return NULL;
	}
	return answer(fd, buf, err, errlen);
}

int vk_dpc_update_answer(int fd, uint8_t *buf, uint64_t gen, struct vk_dpc_ack *ack, char *err,
			 size_t errlen)
{
	Vardkase__Dp__Response *r = answer(fd, buf, err, errlen);
	int ok;

	if (!r)
		return -1;
	ok = r->msg_case == VARDKASE__DP__RESPONSE__MSG_ACK && r->ack->ok;
	if (!ok) {
		snprintf(err, errlen, "dataplane refused generation %llu: %s",
			 (unsigned long long)gen,
			 r->msg_case == VARDKASE__DP__RESPONSE__MSG_ACK ? r->ack->error : "?");
	} else if (ack) {
		ack->generation = r->ack->generation;
		ack->indicators = r->ack->indicators;
		ack->added = r->ack->added;
		ack->removed = r->ack->removed;
		ack->refused = r->ack->refused;
	}
	vardkase__dp__response__free_unpacked(r, NULL);
	return ok ? 0 : -1;
}

int vk_dpc_generation(const char *path, uint64_t *gen, char *err, size_t errlen)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__StatsRequest s = VARDKASE__DP__STATS_REQUEST__INIT;
	Vardkase__Dp__Response *r;
	int fd = vk_ipc_connect(path);

	if (fd < 0) {
		snprintf(err, errlen, "dataplane %s: %s", path, strerror(-fd));
		return -1;
	}
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_STATS;
	rq.stats = &s;
	r = roundtrip(fd, &rq, err, errlen);
	close(fd);
	if (!r || r->msg_case != VARDKASE__DP__RESPONSE__MSG_STATS) {
		if (r)
			snprintf(err, errlen, "dataplane: unexpected answer to stats");
		vardkase__dp__response__free_unpacked(r, NULL);
		return -1;
	}
	*gen = r->stats->generation;
	vardkase__dp__response__free_unpacked(r, NULL);
	return 0;
}

uint64_t vk_dpc_next_gen(uint64_t dataplane, uint64_t ours)
{
	if (dataplane > VK_GEN_MAX)
		dataplane = 0;
	if (ours > VK_GEN_MAX)
		ours = 0;
	return (dataplane > ours ? dataplane : ours) + 1;
}

int vk_dpc_indicator(const struct vk_arec *a, struct vk_ipc_ind *d)
{
	const char *why;
	int rc = vk_ipc_ind_make(d, a->uuid, (enum vk_misp_type)a->type, a->value, &why);

	if (rc)
		vk_warn("attribute %s '%.80s' left out of the update: %s", a->uuid, a->value, why);
	return rc;
}

/* The records to send, as pointers (full: all; delta: the upserted). */
static size_t collect(const struct vk_amap *m, const struct vk_amap *skip, int full,
		      char **up, size_t nup, const struct vk_arec **out)
{
	const struct vk_arec *r;
	size_t n = 0, i;

	if (full) {
		vk_amap_foreach(m, r)
			if (!skip || !skip->n || !vk_amap_get(skip, r->uuid))
				out[n++] = r;
		return n;
	}
	for (i = 0; i < nup; i++) {
		r = vk_amap_get(m, up[i]);
		if (r && (!skip || !skip->n || !vk_amap_get(skip, r->uuid)))
			out[n++] = r;
	}
	return n;
}

int vk_dpc_update(const char *path, int full, const struct vk_amap *m,
		  const struct vk_amap *skip, char **up, size_t nup, char **del, size_t ndel,
		  uint64_t gen, struct vk_dpc_ack *ack, char *err, size_t errlen)
{
	const struct vk_arec **recs = calloc((full ? m->n : nup) + 1, sizeof(*recs));
	struct vk_ipc_ind *ind = calloc(CHUNK, sizeof(*ind));
	Vardkase__Dp__Indicator **pind = calloc(CHUNK, sizeof(*pind));
	uint8_t *buf = malloc(VK_IPC_MAX_MSG);
	size_t n, off = 0, doff = 0;
	int fd = -1, rc = -1;

	if (!recs || !ind || !pind || !buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	n = collect(m, skip, full, up, nup, recs);
	fd = vk_ipc_connect(path);
	if (fd < 0) {
		snprintf(err, errlen, "dataplane %s: %s", path, strerror(-fd));
		goto out;
	}
	do {
		Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
		Vardkase__Dp__TableUpdate u = VARDKASE__DP__TABLE_UPDATE__INIT;
		size_t k = 0, kd = 0, bytes = 0;

		/* by count and by bytes, adds first, removals in what is left;
		 * a record that does not fit is built again in the next chunk */
		while (off < n && k < CHUNK) {
			if (vk_dpc_indicator(recs[off], &ind[k])) {
				off++;
				continue;
			}
			if (k && bytes + vk_ipc_ind_len(&ind[k]) > VK_DPC_CHUNK_BYTES)
				break;
			bytes += vk_ipc_ind_len(&ind[k]);
			pind[k] = &ind[k].x;
			k++;
			off++;
		}
		while (!full && doff + kd < ndel && kd < CHUNK &&
		       bytes + VK_UUID_LEN + 4 <= VK_DPC_CHUNK_BYTES) {
			bytes += VK_UUID_LEN + 4;
			kd++;
		}
		u.generation = gen;
		u.full = full;
		u.n_add = k;
		u.add = pind;
		u.n_remove_uuid = kd;
		u.remove_uuid = del + doff;
		doff += kd;
		u.more = off < n || (!full && doff < ndel);
		rq.msg_case = VARDKASE__DP__REQUEST__MSG_UPDATE;
		rq.update = &u;
		rc = vk_ipc_send(fd, &rq.base, 0);
		if (rc) {
			snprintf(err, errlen, "dataplane: send: %s", strerror(-rc));
			rc = -1;
			goto out;
		}
		rc = vk_dpc_update_answer(fd, buf, gen, u.more ? NULL : ack, err, errlen);
		if (rc || !u.more)
			break;
	} while (1);
out:
	if (fd >= 0)
		close(fd);
	free(recs);
	free(ind);
	free(pind);
	free(buf);
	return rc;
}
