// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkased: the box's unprivileged agent. Pulls indicators from MISP over
 * mutual TLS, keeps the last known good set in SQLite, and feeds the
 * dataplane over its socket. It opens no BPF object and holds no
 * capability; sandbox.c confines it before it touches the network.
 */
#include <errno.h>
#include <getopt.h>
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
#include "conf.h"
#include "dpc.h"
#include "sandbox.h"
#include "store.h"
#include "sync.h"
#include "wl.h"
#include "../lib/vk_https.h"
#include "../lib/vk_log.h"

struct agent {
	struct vk_conf c;
	struct vk_store st;
	struct vk_sync s;
	struct vk_amap set;
	int dp_in_sync;		/* the dataplane holds our last generation */
	unsigned failures;	/* consecutive, for the back-off */
	double cpu0;		/* CPU time when the current sync began */
};

static int push(struct agent *a, int full, char **up, size_t nup, char **del, size_t ndel)
{
	uint64_t dpgen = 0, gen = (uint64_t)vk_store_get(&a->st, "generation", 0);
	struct vk_dpc_ack ack;
	char err[256];

	if (vk_dpc_generation(a->c.dataplane_socket, &dpgen, err, sizeof(err))) {
		vk_warn("%s; the set is kept and pushed when the dataplane is back", err);
		a->dp_in_sync = 0;
		return -1;
	}
	if (dpgen != gen)	/* the dataplane restarted or was fed by someone else */
		full = 0, a->dp_in_sync = 0;
	if (!a->dp_in_sync)
		full = 1;
	gen = (dpgen > gen ? dpgen : gen) + 1;
	if (vk_dpc_update(a->c.dataplane_socket, full, &a->set, up, nup, del, ndel, gen, &ack,
			  err, sizeof(err))) {
		vk_err("%s", err);
		a->dp_in_sync = 0;
		return -1;
	}
	vk_store_set(&a->st, "generation", (int64_t)ack.generation);
	a->dp_in_sync = 1;
	vk_info("dataplane acknowledged generation %llu (%s): %u indicators, %u refused",
		(unsigned long long)ack.generation, full ? "full" : "delta", ack.indicators,
		ack.refused);
	return 0;
}

static double cpu_s(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static long peak_rss_mib(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_maxrss / 1024;
}

static void log_sync(struct agent *a, const char *kind, const struct vk_pull *p, size_t added,
		     size_t removed, double secs)
{
	char reasons[600] = "";
	size_t i, n = 0, refused = 0;

	for (i = 0; i < p->nreasons; i++) {
		refused += p->reason_n[i];
		n += (size_t)snprintf(reasons + n, sizeof(reasons) - n, "%s%zu %s",
				      i ? ", " : "", p->reason_n[i], p->reason[i]);
		if (n >= sizeof(reasons))
			break;
	}
	vk_info("sync %s: %zu added, %zu removed, %zu refused%s%s%s, %zu attributes in %zu "
		"pages, %.2f s (cpu %.3f s, peak RSS %ld MiB); %zu enforced", kind, added, removed,
		refused, refused ? " (" : "", reasons, refused ? ")" : "", p->seen, p->pages, secs,
		cpu_s() - a->cpu0, peak_rss_mib(), a->set.n);
}

static double since_s(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A full pull replaces the set; what vanished (hard deletes, lost access,
 * decayed) stops matching. */
static int apply_full(struct agent *a, struct vk_pull *p, time_t start, const struct timespec *t0)
{
	size_t added = 0, removed = 0;
	struct vk_arec *r;

	vk_amap_foreach(&p->up, r)
		added += !vk_amap_get(&a->set, r->uuid);
	vk_amap_foreach(&a->set, r)
		removed += !vk_amap_get(&p->up, r->uuid);
	if (vk_store_replace(&a->st, &p->up)) {
		vk_err("sync full: the state database refused the new set; keeping the old one");
		return -1;
	}
	vk_amap_free(&a->set);
	a->set = p->up;
	vk_amap_init(&p->up);
	vk_store_set(&a->st, "cursor", (int64_t)start - a->c.overlap);
	vk_store_set(&a->st, "last_full", (int64_t)start);
	log_sync(a, "full", p, added, removed, since_s(t0));
	a->dp_in_sync = 0;	/* a full pull is pushed whole */
	return push(a, 1, NULL, 0, NULL, 0);
}

static int apply_delta(struct agent *a, struct vk_pull *p, time_t start, const struct timespec *t0)
{
	char **up = calloc(p->up.n + 1, sizeof(*up)), **del = calloc(p->ndel + 1, sizeof(*del));
	size_t nup = 0, ndel = 0, added = 0, removed = 0, i;
	struct vk_arec *r;
	int rc = -1;

	if (!up || !del) {
		free(up);
		free(del);
		return -1;
	}
	/* the overlap re-reads what we already hold: only changes go on */
	vk_amap_foreach(&p->up, r) {
		struct vk_arec *cur = vk_amap_get(&a->set, r->uuid);

		if (!cur || cur->type != r->type || strcmp(cur->value, r->value))
			up[nup++] = r->uuid;
	}
	/* removals of what we do not hold (never enforced) are no change */
	for (i = 0; i < p->ndel; i++)
		if (vk_amap_get(&a->set, p->del[i]))
			del[ndel++] = p->del[i];
	if (vk_store_delta(&a->st, &p->up, up, nup, del, ndel)) {
		vk_err("sync delta: the state database refused the change; keeping the old set");
		goto out;
	}
	for (i = 0; i < ndel; i++)
		removed += (size_t)vk_amap_del(&a->set, del[i]);
	for (i = 0; i < nup; i++) {
		r = vk_amap_get(&p->up, up[i]);
		added += !vk_amap_get(&a->set, r->uuid);
		vk_amap_put(&a->set, r->uuid, r->type, r->value, r->event_uuid);
	}
	vk_store_set(&a->st, "cursor", (int64_t)start - a->c.overlap);
	log_sync(a, "delta", p, added, removed, since_s(t0));
	/* the uuids in up[] point into p->up, which outlives the push */
	rc = (nup || ndel || !a->dp_in_sync) ? push(a, 0, up, nup, del, ndel) : 0;
out:
	free(up);
	free(del);
	return rc;
}

/* One sync. Returns seconds until the next one. */
static unsigned sync_once(struct agent *a)
{
	time_t start = time(NULL);
	int64_t last_full = vk_store_get(&a->st, "last_full", 0);
	int full = !last_full || start - last_full >= (time_t)a->c.full_resync;
	int64_t since = full ? -1 : vk_store_get(&a->st, "cursor", 0);
	struct timespec t0;
	struct vk_pull p;
	char err[512];
	unsigned wait = a->c.poll_interval, back;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	a->cpu0 = cpu_s();
	vk_pull_init(&p);
	rc = vk_sync_pull(&a->s, since, &p, err, sizeof(err));
	if (rc == VK_SYNC_OK) {
		rc = full ? apply_full(a, &p, start, &t0) : apply_delta(a, &p, start, &t0);
		a->failures = rc ? a->failures : 0;
	} else {
		a->failures++;
		back = a->c.poll_interval << (a->failures < 5 ? a->failures : 5);
		wait = back > 3600 ? 3600 : back;
		if (rc == VK_SYNC_E_AUTH)
			wait = a->c.full_resync < 3600 ? a->c.full_resync : 3600;
		if (rc == VK_SYNC_E_RATE && p.retry_after > 0)
			wait = (unsigned)p.retry_after + 1;
		vk_err("sync %s failed after %.2f s: %s; the previous set stays in force, "
		       "next try in %u s", full ? "full" : "delta", since_s(&t0), err, wait);
	}
	vk_pull_free(&p);
	if (rc == VK_SYNC_OK && !a->dp_in_sync)
		push(a, 1, NULL, 0, NULL, 0);
	return wait;
}

static unsigned jitter(unsigned secs, unsigned pct)
{
	uint32_t r = 0;
	long span = (long)secs * pct / 100, d;

	if (!span || getrandom(&r, sizeof(r), 0) != sizeof(r))
		return secs;
	d = (long)(r % (uint32_t)(2 * span + 1)) - span;
	return (unsigned)((long)secs + d > 1 ? (long)secs + d : 1);
}

static int run(struct agent *a, int once)
{
	struct pollfd pfd;
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;
	pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		unsigned wait = sync_once(a);
		struct signalfd_siginfo si;

		if (once)
			break;
		wait = jitter(wait, a->c.jitter_percent);
		if (poll(&pfd, 1, (int)(wait * 1000u)) > 0 &&
		    read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP)
			break;	/* SIGHUP: sync now */
	}
	close(sfd);
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
	};
	if (vk_https_open(&a->s.h, a->c.url, &o, err, sizeof(err))) {
		vk_err("%s", err);
		return -1;
	}
	a->s.wl = vk_wl_load(a->c.warninglists, &nwl);
	if (check_only) {
		printf("%s: configuration is valid (%d local warninglists)\n", conf, nwl);
		return 0;
	}
	if (vk_store_open(&a->st, a->c.state_dir, err, sizeof(err))) {
		vk_err("%s", err);
		return -1;
	}
	vk_amap_init(&a->set);
	vk_store_load(&a->st, &a->set);
	vk_info("started: %zu indicators from the last sync, %d local warninglists, upstream %s",
		a->set.n, nwl, a->c.url);
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
	/* every page builds and frees a large JSON tree: keep freed memory in
	 * the process instead of trimming and re-faulting it for each page */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	if (setup(&a, conf, check))
		return check ? 2 : 1;
	if (check)
		return 0;
	/* the last known good set reaches the dataplane before any network,
	 * unless the dataplane already holds exactly our last generation */
	{
		uint64_t dpgen;
		char err[256];

		if (!vk_dpc_generation(a.c.dataplane_socket, &dpgen, err, sizeof(err)) &&
		    dpgen && dpgen == (uint64_t)vk_store_get(&a.st, "generation", 0))
			a.dp_in_sync = 1;
		else if (a.set.n)
			push(&a, 1, NULL, 0, NULL, 0);
	}
	if (sandbox && vk_sandbox_enter(a.c.state_dir))
		return 1;
	rc = run(&a, once);
	vk_https_close(a.s.h);
	vk_wl_free(a.s.wl);
	vk_amap_free(&a.set);
	vk_store_close(&a.st);
	return rc;
}
