// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <mbedtls/x509_crt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "evloop.h"
#include "../lib/vk_https.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_log.h"

#define POLL_EVERY 5	/* seconds between counter and stats requests */

static int64_t cert_not_after(const char *path)
{
	int64_t from, to;

	return vk_cert_validity(path, &from, &to) ? 0 : to;
}

/* The console socket: the kernel checks write permission on connect(), so
 * mode 0660 with the operator group is the access control. */
static int console_listen(const struct vk_conf *c, char *err, size_t errlen)
{
	char dir[512], *slash;
	struct group *g;
	struct stat st;
	int fd;

	snprintf(dir, sizeof(dir), "%s", c->console_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0750);
	}
	fd = vk_ipc_listen(c->console_socket);
	if (fd < 0) {
		snprintf(err, errlen, "console socket %s: %s", c->console_socket, strerror(-fd));
		return -1;
	}
	g = c->operator_group[0] ? getgrnam(c->operator_group) : NULL;
	if (g && chown(c->console_socket, (uid_t)-1, g->gr_gid))
		vk_warn("console socket: cannot give it to group %s: %s", c->operator_group,
			strerror(errno));
	/* the operators must also enter the socket's directory: when it is
	 * ours (systemd's RuntimeDirectory= for this unit), it goes to their
	 * group, 0750; a directory of someone else's is left as it is */
	if (g && slash && slash != dir && !stat(dir, &st) && st.st_uid == geteuid() &&
	    (chown(dir, (uid_t)-1, g->gr_gid) || chmod(dir, 0750)))
		vk_warn("console directory %s: cannot give it to group %s: %s", dir,
			c->operator_group, strerror(errno));
	else if (c->operator_group[0] && !g)
		vk_warn("console socket: no group '%s': only this user and root may use "
			"vardkasectl", c->operator_group);
	return fd;
}

int vk_evloop_init(struct vk_evloop *e, const struct vk_conf *c, struct vk_shared *sh,
		   char *err, size_t errlen)
{
	struct itimerspec it = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int i;

	memset(e, 0, sizeof(*e));
	e->c = c;
	e->sh = sh;
	e->dp_fd = -1;
	for (i = 0; i < VK_CONSOLE_CLIENTS; i++)
		e->cl[i].fd = -1;
	if (vk_sight_open(&e->s, c, err, errlen))
		return -1;
	e->listen_fd = console_listen(c, err, errlen);
	if (e->listen_fd < 0)
		return -1;
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (e->tfd < 0 || timerfd_settime(e->tfd, 0, &it, NULL)) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		return -1;
	}
	e->cert_expiry = cert_not_after(c->client_cert);
	return 0;
}

void vk_evloop_free(struct vk_evloop *e)
{
	int i;

	for (i = 0; i < VK_CONSOLE_CLIENTS; i++)
		if (e->cl[i].fd >= 0)
			close(e->cl[i].fd);
	if (e->dp_fd >= 0)
		close(e->dp_fd);
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	if (e->tfd >= 0)
		close(e->tfd);
	unlink(e->c->console_socket);
	vk_sight_close(&e->s);
}

/* The wall-clock time of a dataplane event stamped mono_ns (monotonic).
 * A stamp from the future (or past 2^63: a bogus one once overflowed
 * here, fuzz_dpanswer) is now; one older than the epoch is the epoch. */
static int64_t wall_ns(uint64_t mono_ns)
{
	struct timespec w, m;
	uint64_t wall, mono, age;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	wall = (uint64_t)w.tv_sec * 1000000000u + (uint64_t)w.tv_nsec;
	mono = (uint64_t)m.tv_sec * 1000000000u + (uint64_t)m.tv_nsec;
	age = mono_ns < mono ? mono - mono_ns : 0;
	return age < wall ? (int64_t)(wall - age) : 0;
}

static int dp_send(struct vk_evloop *e, Vardkase__Dp__Request *rq)
{
	if (e->dp_fd < 0 || !vk_ipc_send(e->dp_fd, &rq->base, MSG_DONTWAIT))
		return 0;
	vk_warn("dataplane: lost the event subscription; reconnecting");
	close(e->dp_fd);
	e->dp_fd = -1;
	e->dp.attached = 0;
	return -1;
}

static void dp_connect(struct vk_evloop *e, int64_t now)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__Subscribe sub = VARDKASE__DP__SUBSCRIBE__INIT;

	if (e->dp_fd >= 0 || now < e->dp_retry)
		return;
	e->dp_retry = now + 2;
	e->dp_fd = vk_ipc_connect(e->c->dataplane_socket);
	if (e->dp_fd < 0)
		return;
	/* the loop reads until EAGAIN: it must never block on the dataplane */
	{
		int fl = fcntl(e->dp_fd, F_GETFL);

		if (fl < 0 || fcntl(e->dp_fd, F_SETFL, fl | O_NONBLOCK)) {
			vk_warn("dataplane: cannot make the subscription non-blocking: %s;"
				" retrying", strerror(errno));
			close(e->dp_fd);
			e->dp_fd = -1;
			return;
		}
	}
	sub.events = 1;
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_SUBSCRIBE;
	rq.subscribe = &sub;
	if (!dp_send(e, &rq))
		vk_info("dataplane: subscribed to match events");
}

/* One page of counters: every matched attribute after `after`. */
static int dp_counters(struct vk_evloop *e, const char *after)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__CountersRequest cr = VARDKASE__DP__COUNTERS_REQUEST__INIT;

	cr.after = (char *)after;
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_COUNTERS;
	rq.counters = &cr;
	return dp_send(e, &rq);
}

/* Counters (the first page; on_dataplane asks for the rest) and stats,
 * on the subscription connection. */
static void dp_poll(struct vk_evloop *e)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__StatsRequest sr = VARDKASE__DP__STATS_REQUEST__INIT;

	if (dp_counters(e, ""))
		return;
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_STATS;
	rq.stats = &sr;
	dp_send(e, &rq);
}

static void on_stats(struct vk_evloop *e, const Vardkase__Dp__Stats *st, int64_t now)
{
	uint64_t packets = 0, drops = 0;
	size_t i, n = 0;

	for (i = 0; i < st->n_stat; i++) {
		if (!strcmp(st->stat[i]->name, "packets"))
			packets = st->stat[i]->value;
		else if (!strcmp(st->stat[i]->name, "events_dropped") ||
			 !strcmp(st->stat[i]->name, "events_dropped_socket"))
			drops += st->stat[i]->value;
	}
	if (e->dp.at && now > e->dp.at && packets >= e->dp.packets)
		e->dp.pps = (packets - e->dp.packets) / (uint64_t)(now - e->dp.at);
	e->dp.packets = packets;
	e->dp.drops = drops;
	e->dp.at = now;
	e->dp.attached = st->n_interface > 0;
	e->dp.generation = st->generation;
	e->dp.interfaces[0] = 0;
	for (i = 0; i < st->n_interface; i++)
		n += (size_t)snprintf(e->dp.interfaces + n, sizeof(e->dp.interfaces) - n, "%s%s",
				      i ? "," : "", st->interface[i]) ;
}

static void on_dataplane(struct vk_evloop *e, int64_t now)
{
	static uint8_t buf[VK_IPC_MAX_MSG];
	int i;

	for (i = 0; i < 4096; i++) {	/* then let the console have a turn */
		long n = vk_ipc_recv(e->dp_fd, buf);

		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			vk_warn("dataplane: the event subscription ended; reconnecting");
			close(e->dp_fd);
			e->dp_fd = -1;
			e->dp.attached = 0;
			return;
		}
		vk_evloop_dp_message(e, buf, (size_t)n, now);
	}
}

void vk_evloop_dp_message(struct vk_evloop *e, const uint8_t *buf, size_t n, int64_t now)
{
	Vardkase__Dp__Response *r = vardkase__dp__response__unpack(NULL, n, buf);

	if (!r)
		return;
	if (r->msg_case == VARDKASE__DP__RESPONSE__MSG_EVENT) {
		vk_sight_event(&e->s, r->event, wall_ns(r->event->ts_ns));
	} else if (r->msg_case == VARDKASE__DP__RESPONSE__MSG_COUNTERS) {
		const Vardkase__Dp__Counters *c = r->counters;

		if (!vk_sight_counters(&e->s, c, now))
			vk_kick(e->sh->upstream_kick);
		/* the next page from the last uuid; an empty page with "more"
		 * (a row larger than a message) ends the round */
		if (c->more && c->n_counter)
			dp_counters(e, c->counter[c->n_counter - 1]->attribute_uuid);
	} else if (r->msg_case == VARDKASE__DP__RESPONSE__MSG_STATS) {
		on_stats(e, r->stats, now);
	}
	vardkase__dp__response__free_unpacked(r, NULL);
}

static void updated(void *arg, int64_t id)
{
	struct vk_evloop *e = arg;

	if (e->nupdated < (int)(sizeof(e->updated) / sizeof(e->updated[0])))
		e->updated[e->nupdated++] = id;
}

static void on_tick(struct vk_evloop *e, int64_t now)
{
	vk_drain(e->tfd);
	dp_connect(e, now);
	e->nupdated = 0;
	if (vk_sight_flush(&e->s, now, updated, e) > 0)
		vk_kick(e->sh->upstream_kick);
	if (e->nupdated)
		vk_console_follow(e);
	if (now - e->last_poll >= POLL_EVERY) {
		e->last_poll = now;
		dp_poll(e);
	}
	if (now - e->last_prune >= 3600) {
		e->last_prune = now;
		vk_sight_prune(&e->s, now);
	}
}

static void on_accept(struct vk_evloop *e)
{
	int fd = accept4(e->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i;

	if (fd < 0)
		return;
	for (i = 0; i < VK_CONSOLE_CLIENTS; i++)
		if (e->cl[i].fd < 0) {
			memset(&e->cl[i], 0, sizeof(e->cl[i]));
			e->cl[i].fd = fd;
			return;
		}
	vk_warn("console: too many clients, refusing one");
	close(fd);
}

void *vk_evloop_main(void *arg)
{
	struct vk_evloop *e = arg;
	struct pollfd p[4 + VK_CONSOLE_CLIENTS];
	int n, i, map[4 + VK_CONSOLE_CLIENTS];

	dp_connect(e, (int64_t)time(NULL));
	while (!atomic_load(&e->sh->stop)) {
		n = 0;
		p[n++] = (struct pollfd){ .fd = e->tfd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = e->listen_fd, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = e->sh->sync_done, .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = e->dp_fd, .events = POLLIN };
		for (i = 0; i < VK_CONSOLE_CLIENTS; i++)
			if (e->cl[i].fd >= 0) {
				map[n] = i;
				p[n++] = (struct pollfd){ .fd = e->cl[i].fd, .events = POLLIN };
			}
		if (poll(p, (nfds_t)n, 1000) < 0 && errno != EINTR)
			break;
		if (p[3].revents && e->dp_fd >= 0)
			on_dataplane(e, (int64_t)time(NULL));
		if (p[0].revents)
			on_tick(e, (int64_t)time(NULL));
		if (p[1].revents)
			on_accept(e);
		if (p[2].revents) {
			vk_drain(e->sh->sync_done);
			vk_console_sync_done(e);
		}
		for (i = 4; i < n; i++)
			if (p[i].revents && e->cl[map[i]].fd == p[i].fd)
				vk_console_request(e, map[i]);
	}
	vk_sight_flush(&e->s, (int64_t)time(NULL), NULL, NULL);
	return NULL;
}
