// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctl.h"
#include "../lib/vk_ipc.h"

int ctl_connect(struct ctl *c)
{
	c->fd = vk_ipc_connect(c->socket);
	if (c->fd >= 0)
		return 0;
	if (c->fd == -EACCES || c->fd == -EPERM) {
		/* say which step refused: the directory or the socket, and
		 * which group would open it */
		char dir[512], *slash;
		struct stat st;
		struct group *g;
		int in_dir;

		snprintf(dir, sizeof(dir), "%s", c->socket);
		slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = 0;
		in_dir = slash && access(dir, X_OK) != 0;
		g = !stat(in_dir ? dir : c->socket, &st) ? getgrgid(st.st_gid) : NULL;
		fprintf(stderr, "vardkasectl: permission denied on %s (%s, group %s, mode %03o):"
			" the console is open to the service user and members of group %s;"
			" check with: id\n", in_dir ? dir : c->socket,
			in_dir ? "its directory" : "the socket", g ? g->gr_name : "?",
			(unsigned)(st.st_mode & 0777), g ? g->gr_name : "?");
	}
	else if (c->fd == -ENOENT || c->fd == -ECONNREFUSED)
		fprintf(stderr, "vardkasectl: the agent is not running (nothing listens on %s); "
			"try: systemctl status vardkased\n", c->socket);
	else
		fprintf(stderr, "vardkasectl: %s: %s\n", c->socket, strerror(-c->fd));
	return -1;
}

int ctl_send(struct ctl *c, Vardkase__Console__Request *rq)
{
	int rc = vk_ipc_send(c->fd, &rq->base, 0);

	if (rc)
		fprintf(stderr, "vardkasectl: send: %s\n", strerror(-rc));
	return rc ? -1 : 0;
}

Vardkase__Console__Response *ctl_recv(struct ctl *c, int timeout_ms)
{
	static uint8_t buf[VK_IPC_MAX_MSG];
	Vardkase__Console__Response *r;
	long n = vk_ipc_recv_wait(c->fd, buf, timeout_ms);

	if (n == -ETIMEDOUT) {
		fprintf(stderr, "vardkasectl: the agent did not answer in time\n");
		return NULL;
	}
	if (n <= 0) {
		fprintf(stderr, "vardkasectl: %s\n", n ? strerror((int)-n) : "the agent closed the "
			"connection");
		return NULL;
	}
	r = vardkase__console__response__unpack(NULL, (size_t)n, buf);
	if (!r) {
		fprintf(stderr, "vardkasectl: not a valid answer from the agent\n");
		return NULL;
	}
	if (r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_ERROR) {
		fprintf(stderr, "vardkasectl: %s\n", r->error->message);
		vardkase__console__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

void ctl_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
}

const char *ctl_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "never");
		return buf;
	}
	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

const char *ctl_ago(int64_t t, char *buf, size_t len)
{
	int64_t d = (int64_t)time(NULL) - t;

	if (!t)
		snprintf(buf, len, "never");
	else if (d < 120)
		snprintf(buf, len, "%lld s ago", (long long)d);
	else if (d < 7200)
		snprintf(buf, len, "%lld min ago", (long long)d / 60);
	else if (d < 172800)
		snprintf(buf, len, "%lld h ago", (long long)d / 3600);
	else
		snprintf(buf, len, "%lld days ago", (long long)d / 86400);
	return buf;
}

int ctl_duration(const char *s, uint64_t *secs)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned m = 1;

	if (end == s)
		return -1;
	switch (*end) {
	case 0: case 's': break;
	case 'm': m = 60; break;
	case 'h': m = 3600; break;
	case 'd': m = 86400; break;
	default: return -1;
	}
	if ((*end && end[1]) || v > 100ULL * 366 * 86400 / m)
		return -1;	/* a century at most: nothing older exists */
	*secs = v * m;
	return 0;
}
