// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkase-xdp run: attach, keep matching, hand confirmed match events to
 * the agent over the control socket (on stdout as JSON lines only with
 * --print-matches: stdout goes to the journal, which must not hold internal
 * addresses, docs/privacy.md), follow link events (an interface that
 * disappears and comes back is re-attached). Stopping the daemon leaves the pinned
 * program attached: matching and counting go on without it, and the next
 * start picks the pinned state up.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <bpf/libbpf.h>
#include "vk_dp.h"
#include "vk_event.h"
#include "ipc_server.h"
#include "dp_sandbox.h"
#include "../lib/vk_ipc.h"
#include "cmds.h"
#include "../lib/vk_log.h"

#define MAX_IFACES 16

struct run {
	struct vk_dp dp;
	const char *ifname[MAX_IFACES];
	int ifindex[MAX_IFACES];
	int nif;
	struct nl_sock *nl;
	struct nl_cache_mngr *mngr;
	struct nl_cache *links;
	struct vk_ipc_server ipc;
	unsigned long events;
	int print_matches;
	int sandbox;		/* enter dp_sandbox.c once attached (--no-sandbox: not) */
	unsigned long minute_matches;	/* confirmed since the last summary */
	time_t minute_at;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	const struct vk_event *ev = data;
	const struct vk_ent *e;
	struct vk_event tmp;

	if (size < sizeof(*ev))
		return 0;
	ev = vk_event_resolve(&r->dp.t, ev, &tmp);
	e = vk_event_confirm(&r->dp.t, ev);
	if (e) {
		if (r->print_matches) {
			r->events += (unsigned long)vk_event_print(stdout, ev, e, 0, NULL);
			fflush(stdout);
		}
		r->minute_matches++;
		vk_ipc_server_event(&r->ipc, ev, e);
	}
	return 0;
}

/* Once a minute with matches: how many, and no address. */
static void summary(struct run *r)
{
	time_t now = time(NULL);

	if (now - r->minute_at < 60)
		return;
	if (r->minute_matches)
		vk_info("%lu confirmed match events in the last %lld s (the agent has them;"
			" --print-matches prints each)", r->minute_matches,
			(long long)(now - r->minute_at));
	r->minute_matches = 0;
	r->minute_at = now;
}

static void on_tbl_refuse(void *arg, const struct vk_ent *e, const char *why)
{
	vk_warn("not loaded: %s: %s", e && e->name ? e->name : "indicator", why);
}

static int resolve(struct run *r, const char *name)
{
	struct rtnl_link *l = rtnl_link_get_by_name(r->links, name);
	int idx = 0;

	if (l) {
		idx = rtnl_link_get_ifindex(l);
		rtnl_link_put(l);
	}
	return idx;
}

/* libnl calls this for every link change it sees in the cache. */
static void on_link(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct run *r = arg;
	struct rtnl_link *l = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(l);
	int i, idx = rtnl_link_get_ifindex(l);
	bool generic;

	for (i = 0; i < r->nif; i++) {
		if (!name || strcmp(name, r->ifname[i]))
			continue;
		if (action == NL_ACT_DEL) {
			vk_warn("%s: interface disappeared; will re-attach when it returns",
				r->ifname[i]);
			r->ifindex[i] = 0;
		} else if (r->ifindex[i] != idx) {	/* DEL zeroed it: a new link */
			vk_info("%s: interface (re)appeared as ifindex %d, re-attaching",
				r->ifname[i], idx);
			if (!vk_dp_attach(&r->dp, r->ifname[i], idx, &generic))
				r->ifindex[i] = idx;
		}
	}
}

static int nl_setup(struct run *r)
{
	int rc;

	rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE, &r->mngr);
	if (rc < 0)
		return rc;
	rc = nl_cache_mngr_add(r->mngr, "route/link", on_link, r, &r->links);
	return rc;
}

enum { FD_SIGNAL, FD_RING, FD_NETLINK, FD_IPC, FD_MAX = FD_IPC + VK_IPC_MAX_CLIENTS + 1 };

static int loop(struct run *r)
{
	int ipcfd[VK_IPC_MAX_CLIENTS + 1], nipc, i, sfd;
	struct pollfd pfd[FD_MAX];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	pfd[FD_SIGNAL] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[FD_RING] = (struct pollfd){ .fd = ring_buffer__epoll_fd(r->dp.rb), .events = POLLIN };
	pfd[FD_NETLINK] = (struct pollfd){ .fd = nl_cache_mngr_get_fd(r->mngr), .events = POLLIN };
	r->minute_at = time(NULL);
	if (r->sandbox && vk_dp_sandbox_enter())
		return -1;
	vk_info("running; SIGTERM stops the daemon, the XDP program stays attached");
	for (;;) {
		nipc = vk_ipc_server_fds(&r->ipc, ipcfd, VK_IPC_MAX_CLIENTS + 1);
		for (i = 0; i < nipc; i++)
			pfd[FD_IPC + i] = (struct pollfd){ .fd = ipcfd[i], .events = POLLIN };
		if (poll(pfd, (nfds_t)(FD_IPC + nipc), 1000) < 0 && errno != EINTR)
			break;
		if (pfd[FD_SIGNAL].revents)
			break;
		if (pfd[FD_RING].revents)
			ring_buffer__consume(r->dp.rb);
		if (pfd[FD_NETLINK].revents)
			nl_cache_mngr_data_ready(r->mngr);
		for (i = 0; i < nipc; i++)
			if (pfd[FD_IPC + i].revents)
				vk_ipc_server_ready(&r->ipc, pfd[FD_IPC + i].fd);
		vk_dp_save_reap(&r->dp, false);
		vk_dp_tick(&r->dp);
		vk_ipc_server_tick(&r->ipc);
		summary(r);
	}
	vk_dp_save_reap(&r->dp, true);	/* the state file is whole before we go */
	ring_buffer__consume(r->dp.rb);
	close(sfd);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vardkase-xdp run --iface IF [--iface IF2 ...] [--mode monitor|span]\n"
		   "         [--indicators FILE] [--socket PATH] [--pin-dir DIR]\n"
		   "         [--state-dir DIR] [--sizes ids=N,v4=N,...]\n"
		   "         [--max-staged-mb N] [--idle-timeout SECONDS] [--print-matches]\n"
		   "         [--no-sandbox] " VK_DP_DNS_USAGE "\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "indicators", required_argument, NULL, 'f' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "socket", required_argument, NULL, 's' },
		{ "max-staged-mb", required_argument, NULL, 'M' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "print-matches", no_argument, NULL, 'p' },
		{ "no-sandbox", no_argument, NULL, 'N' },
		{ "dns-answers", required_argument, NULL, 'D' },
		{ "dns-answer-ttl", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vk_dp_opts o = { .pin_dir = VK_PIN_DIR_DEFAULT, .state_dir = VK_STATE_DIR_DEFAULT };
	const char *ind = NULL, *mode = "monitor", *sock = VK_SOCKET_DEFAULT;
	struct run r = { .ipc.listen_fd = -1, .sandbox = 1 };
	unsigned stage_mb = 0, idle_s = 0;
	int c, i, rc = 1;

	vk_sizes_default(&o.sizes);
	while ((c = getopt_long(argc, argv, "i:m:f:P:S:z:s:M:I:pNhD:T:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (r.nif == MAX_IFACES) {
				vk_err("at most %d interfaces", MAX_IFACES);
				return 2;
			}
			r.ifname[r.nif++] = optarg;
			break;
		case 'm': mode = optarg; break;
		case 'f': ind = optarg; break;
		case 'P': o.pin_dir = optarg; break;
		case 'S': o.state_dir = optarg; break;
		case 's': sock = optarg; break;
		case 'p': r.print_matches = 1; break;
		case 'N': r.sandbox = 0; break;
		case 'D':
		case 'T':
			if (vk_dp_dns_opt(&o, c == 'T', optarg))
				return 2;
			break;
		case 'M':
		case 'I': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || !v || v > 1u << 20) {
				vk_err("--%s: expected a number from 1 to 1048576",
				       c == 'M' ? "max-staged-mb" : "idle-timeout");
				return 2;
			}
			*(c == 'M' ? &stage_mb : &idle_s) = (unsigned)v;
			break;
		}
		case 'z':
			if (vk_sizes_parse(&o.sizes, optarg)) {
				vk_err("--sizes: expected kind=N[,kind=N], kinds: ids v4 v4port "
				       "v4l24 v4long v6 v6port v6pfx names");
				return 2;
			}
			break;
		default:
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (!r.nif || (strcmp(mode, "monitor") && strcmp(mode, "span"))) {
		usage(stderr);
		return 2;
	}
	if (nl_setup(&r) < 0) {
		vk_err("netlink: cannot follow link events");
		goto out;
	}
	for (i = 0; i < r.nif; i++) {
		r.ifindex[i] = resolve(&r, r.ifname[i]);
		if (!r.ifindex[i]) {
			vk_err("%s: no such interface", r.ifname[i]);
			goto out;
		}
	}
	if (vk_dp_open(&r.dp, &o, on_event, &r))
		goto out;
	r.dp.t.cfg->mode = strcmp(mode, "span") ? VK_MODE_MONITOR : VK_MODE_SPAN;
	if (ind) {
		struct vk_apply_stats st;
		struct vk_set set;

		if (vk_load_indicators(ind, &set))
			goto out;
		if (vk_dp_apply(&r.dp, &set, r.dp.t.cfg->generation + 1, on_tbl_refuse, NULL, &st))
			goto out;
		vk_info("indicators: %zu added, %zu removed, %zu kept, %zu refused in %.3f s",
			st.added, st.removed, st.kept, st.refused, st.seconds);
	}
	for (i = 0; i < r.nif; i++) {
		bool generic;

		if (vk_dp_attach(&r.dp, r.ifname[i], r.ifindex[i], &generic))
			goto out;
	}
	c = vk_ipc_server_open(&r.ipc, sock, &r.dp, r.ifname, r.nif, stage_mb, idle_s);
	if (c) {
		vk_err("%s: cannot listen: %s", sock, strerror(-c));
		goto out;
	}
	vk_info("mode %s on %d interface(s)", mode, r.nif);
	rc = loop(&r) ? 1 : 0;
out:
	vk_ipc_server_close(&r.ipc);
	if (r.dp.skel)
		vk_dp_close(&r.dp);
	if (r.mngr)
		nl_cache_mngr_free(r.mngr);
	return rc;
}
