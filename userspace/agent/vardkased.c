// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkased: the box's unprivileged agent. Pulls indicators from MISP over
 * mutual TLS, keeps the last known good set in SQLite, and feeds the
 * dataplane over its socket. It opens no BPF object and holds no
 * capability; sandbox.c confines it before it touches the network.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sqlite3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "dpc.h"
#include "sandbox.h"
#include "wl.h"
#include "../lib/vk_https.h"
#include "../lib/vk_log.h"

static unsigned jitter(unsigned secs, unsigned pct)
{
	uint32_t r = 0;
	long span = (long)secs * pct / 100, d;

	if (!span || getrandom(&r, sizeof(r), 0) != sizeof(r))
		return secs;
	d = (long)(r % (uint32_t)(2 * span + 1)) - span;
	return (unsigned)((long)secs + d > 1 ? (long)secs + d : 1);
}

/* The signals, on a thread of their own: the main thread may be deep in
 * a request when SIGTERM comes, and the stop must reach it there (its
 * HTTPS handle polls stop_fd). SIGHUP asks for a sync. */
struct sigthread {
	struct vk_shared *sh;
	int sfd;
};

static void *sig_main(void *arg)
{
	struct sigthread *t = arg;
	struct signalfd_siginfo si;

	while (read(t->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			vk_kick(t->sh->sync_kick);
			continue;
		}
		vk_info("stopping (signal %u)", si.ssi_signo);
		break;
	}
	vk_shared_stop(t->sh);
	return NULL;
}

static int run(struct agent *a, int once)
{
	struct pollfd pfd[3];

	pfd[0] = (struct pollfd){ .fd = a->sh.stop_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = a->sh.sync_kick, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = a->sh.suppress_kick, .events = POLLIN };
	for (;;) {
		struct timespec until, now;
		unsigned wait;
		long left;

		/* polls start every interval, however long a sync took: a
		 * publish waits at most one interval for the next pull */
		clock_gettime(CLOCK_MONOTONIC, &until);
		wait = vk_agent_sync_once(a);
		if (once || atomic_load(&a->sh.stop))
			break;
		until.tv_sec += jitter(wait, a->c.jitter_percent);
		/* a false positive is applied at once and the wait goes on */
		for (;;) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (until.tv_sec - now.tv_sec) * 1000 +
			       (until.tv_nsec - now.tv_nsec) / 1000000;
			if (left <= 0 || poll(pfd, 3, (int)left) <= 0)
				break;
			if (pfd[2].revents) {
				vk_drain(a->sh.suppress_kick);
				vk_agent_on_suppress(a);
				continue;
			}
			if (pfd[0].revents)
				return 0;
			vk_drain(a->sh.sync_kick);
			if (now.tv_sec < a->rate_until) {
				/* MISP asked for a pause (429): a manual sync waits
				 * like the polls do; 1000 boxes asking anyway would
				 * be the load it asked to stop */
				char msg[200];

				snprintf(msg, sizeof(msg), "not asking MISP now: it answered HTTP 429"
					 " (rate limit) and asked for %ld s more",
					 (long)(a->rate_until - now.tv_sec));
				vk_warn("sync: %s", msg);
				vk_agent_publish(a, 0, NULL, msg);
				continue;
			}
			break;	/* SIGHUP or vardkasectl sync: sync now */
		}
	}
	return 0;
}

static int setup(struct agent *a, const char *conf, int check_only)
{
	struct vk_https_opts o;
	char err[512], key[300];
	int nwl;

	if (vk_conf_load(&a->c, conf, err, sizeof(err)) ||
	    vk_conf_api_key(&a->c, key, sizeof(key), err, sizeof(err))) {
		vk_err("%s", err);
		return -1;
	}
	snprintf(a->s.auth, sizeof(a->s.auth), "Authorization: %s", key);
	memset(key, 0, sizeof(key));
	a->s.conf = &a->c;
	o = (struct vk_https_opts){
		.ca_file = a->c.ca, .cert_file = a->c.client_cert[0] ? a->c.client_cert : NULL,
		.key_file = a->c.client_key[0] ? a->c.client_key : NULL,
		.connect_host = a->c.address[0] ? a->c.address : NULL,
		.connect_ms = a->c.connect_timeout * 1000, .read_ms = a->c.read_timeout * 1000,
		.total_ms = a->c.total_timeout * 1000,
		.max_body = (size_t)a->c.max_response_mb << 20,
		.cancel_fd = a->sh.stop_fd,	/* a stop ends a request under way */
	};
	/* the sender has its own connection: a slow sync never holds it up */
	if (vk_https_open(&a->s.h, a->c.url, &o, err, sizeof(err)) ||
	    (!check_only && vk_https_open(&a->up.h, a->c.url, &o, err, sizeof(err)))) {
		vk_err("%s", err);
		return -1;
	}
	a->s.wl = vk_wl_load(a->c.warninglists, &nwl);
	if (check_only) {
		int64_t from, to, now = (int64_t)time(NULL);

		/* mbedTLS loads a certificate whatever its dates: MISP would
		 * refuse it at the first handshake, so say it now */
		if (a->c.client_cert[0] && !vk_cert_validity(a->c.client_cert, &from, &to)) {
			if (now > to) {
				vk_err("%s: client certificate %s expired %lld days ago: ask the"
				       " national platform for a new one", conf, a->c.client_cert,
				       (long long)((now - to) / 86400));
				return -1;
			}
			if (now < from) {
				vk_err("%s: client certificate %s is not valid before %lld days from"
				       " now (is the clock right?)", conf, a->c.client_cert,
				       (long long)((from - now + 86399) / 86400));
				return -1;
			}
			if (to - now < 30 * 86400)
				vk_warn("%s: client certificate %s expires in %lld days: renew it"
					" soon", conf, a->c.client_cert, (long long)((to - now) / 86400));
		}
		printf("%s: configuration is valid (%d local warninglists)\n", conf, nwl);
		return 0;
	}
	/* root by hand: the user from here on, so that every file it makes
	 * is the user's; keys and warninglists were read above */
	if (vk_sandbox_user(a->c.user, a->c.state_dir, a->c.console_socket, err, sizeof(err)) ||
	    vk_store_open(&a->st, a->c.state_dir, err, sizeof(err))) {
		vk_err("%s", err);
		return -1;
	}
	vk_amap_init(&a->set);
	if (vk_store_load(&a->st, &a->set)) {
		/* nothing half-loaded is pushed: the first sync is full */
		vk_err("%s/agent.db: the stored set cannot be read; starting without it, the"
		       " first sync is full (the dataplane keeps what it holds meanwhile)",
		       a->c.state_dir);
		vk_amap_free(&a->set);
		vk_amap_init(&a->set);
		a->store_behind = 1;
	}
	vk_info("started: %zu indicators from the last sync, %d local warninglists, upstream %s",
		a->set.n, nwl, a->c.url);
	return 0;
}

/* The event loop and the upstream sender, made ready before the sandbox. */
static int setup_sightings(struct agent *a)
{
	char err[512];

	if (vk_evloop_init(&a->ev, &a->c, &a->sh, err, sizeof(err)) ||
	    !(a->sdb = vk_sight_db_open(&a->c, err, sizeof(err))) ||
	    !(a->up.db = vk_sight_db_open(&a->c, err, sizeof(err)))) {
		vk_err("%s", err);
		return -1;
	}
	if (!a->c.source[0])	/* a pseudonym, never the box's name or address */
		snprintf(a->c.source, sizeof(a->c.source), "vardkase-%.8s", a->ev.s.box_id);
	a->up.c = &a->c;
	a->up.sh = &a->sh;
	a->up.auth = a->s.auth;
	a->up.source = a->c.source;
	vk_agent_load_suppressed(a, &a->supp);
	vk_info("sightings: %d local networks, %u s buckets; upstream reporting %s as '%s' "
		"(%u s buckets, at least %u matches, tlp:red %s); console %s",
		a->ev.s.nnets, a->c.bucket, a->c.report ? "on" : "OFF", a->c.source,
		a->c.report_bucket, a->c.min_count, a->c.report_tlp_red ? "reported" : "never",
		a->c.console_socket);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vardkased [--config FILE] [--check-config] [--once] [--no-sandbox]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "once", no_argument, NULL, 'o' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *conf = VK_CONF_PATH;
	struct agent a = { 0 };
	int c, check = 0, once = 0, sandbox = 1, rc;
	pthread_t evt, upt, sgt;
	struct sigthread st;
	sigset_t sigs;

	vk_log_set_ident("vardkased");
	while ((c = getopt_long(argc, argv, "c:Coh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'C': check = 1; break;
		case 'o': once = 1; break;
		case 'S': sandbox = 0; break;
		default:
			usage(c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	/* a full sync allocates and frees much per page (the pull's map, the
	 * dataplane chunks): keep freed memory in the process instead of
	 * trimming and re-faulting it for each page */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	/* blocked before any thread starts, so every thread inherits the
	 * mask and the signals reach the signal thread's signalfd only; one
	 * that comes before it runs waits there */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (vk_shared_init(&a.sh)) {
		vk_err("cannot create eventfds: %s", strerror(errno));
		return 1;
	}
	if (setup(&a, conf, check))
		return check ? 2 : 1;
	if (check)
		return 0;
	vk_amap_init(&a.supp);
	if (!once && setup_sightings(&a))
		return 1;
	/* the last known good set reaches the dataplane before any network,
	 * unless the dataplane already holds exactly our last generation */
	{
		uint64_t dpgen;
		char err[256];

		if (!vk_dpc_generation(a.c.dataplane_socket, &dpgen, err, sizeof(err)) &&
		    dpgen && dpgen == (uint64_t)vk_store_get(&a.st, "generation", 0))
			a.dp_in_sync = 1;
		else if (a.set.n)
			vk_agent_push(&a, 1, NULL, 0, NULL, 0);
	}
	st.sh = &a.sh;
	st.sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (st.sfd < 0) {
		vk_err("signalfd: %s", strerror(errno));
		return 1;
	}
	vk_key_init();	/* the public suffix list is read before the sandbox */
	if (sandbox && vk_sandbox_enter(a.c.state_dir))
		return 1;
	/* threads start inside the sandbox: the filter is every thread's */
	if (pthread_create(&sgt, NULL, sig_main, &st) ||
	    (!once && (pthread_create(&evt, NULL, vk_evloop_main, &a.ev) ||
		       pthread_create(&upt, NULL, vk_upstream_main, &a.up)))) {
		vk_err("cannot start the event loop and the sender");
		return 1;
	}
	rc = run(&a, once);
	/* the signal thread ends with a signal; without one (--once) it is
	 * left blocked in read and goes with the process */
	if (!once) {
		vk_shared_stop(&a.sh);
		pthread_join(evt, NULL);
		pthread_join(upt, NULL);
		vk_evloop_free(&a.ev);
		sqlite3_close(a.sdb);
		sqlite3_close(a.up.db);
		vk_https_close(a.up.h);
	}
	vk_shared_free(&a.sh);
	vk_amap_free(&a.supp);
	vk_https_close(a.s.h);
	vk_wl_free(a.s.wl);
	vk_amap_free(&a.set);
	vk_store_close(&a.st);
	return rc;
}
