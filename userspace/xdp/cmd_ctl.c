// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkase-xdp ctl: a client of the control socket, for operators and
 * tests (the agent speaks the same protocol). Replies print as JSON.
 *
 *   ctl [--socket P] stats | counters [--after UUID] [UUID...] | events [--count N]
 *   ctl [--socket P] update --generation N [--full] [--chunk K]
 *                           [--remove UUID]... [FILE.json]
 *   ctl [--socket P] send-raw FILE      (the file's bytes as one message)
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmds.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_key.h"
#include "../lib/vk_log.h"
#include "../lib/vk_mispread.h"

static Vardkase__Dp__Response *recv_resp(int fd, int timeout_ms)
{
	static uint8_t buf[VK_IPC_MAX_MSG];
	long n = vk_ipc_recv_wait(fd, buf, timeout_ms);

	if (n == -ETIMEDOUT) {
		vk_err("no reply from the dataplane");
		return NULL;
	}
	if (n <= 0) {
		vk_err("reading the reply failed: %s", n ? strerror((int)-n) : "closed");
		return NULL;
	}
	return vardkase__dp__response__unpack(NULL, (size_t)n, buf);
}

static void print_ack(const Vardkase__Dp__Ack *a)
{
	json_t *o = json_pack("{s:b,s:I,s:i,s:i,s:i,s:i,s:b}", "ok", a->ok,
			      "generation", (json_int_t)a->generation, "indicators", a->indicators,
			      "added", a->added, "removed", a->removed, "refused", a->refused,
			      "pending", a->pending);

	if (!a->ok)
		json_object_set_new(o, "error", json_string(a->error));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static void print_resp(const Vardkase__Dp__Response *r)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	switch (r->msg_case) {
	case VARDKASE__DP__RESPONSE__MSG_ACK:
		json_decref(o);
		json_decref(a);
		print_ack(r->ack);
		return;
	case VARDKASE__DP__RESPONSE__MSG_STATS:
		json_object_set_new(o, "generation", json_integer((json_int_t)r->stats->generation));
		json_object_set_new(o, "indicators", json_integer(r->stats->indicators));
		for (i = 0; i < r->stats->n_stat; i++)
			json_object_set_new(o, r->stats->stat[i]->name,
					    json_integer((json_int_t)r->stats->stat[i]->value));
		for (i = 0; i < r->stats->n_interface; i++)
			json_array_append_new(a, json_string(r->stats->interface[i]));
		json_object_set(o, "interfaces", a);
		json_object_set_new(o, "instance", json_string(r->stats->instance));
		break;
	case VARDKASE__DP__RESPONSE__MSG_COUNTERS:
		for (i = 0; i < r->counters->n_counter; i++)
			json_array_append_new(a, json_pack("{s:s,s:s,s:I}",
				"attribute_uuid", r->counters->counter[i]->attribute_uuid,
				"value", r->counters->counter[i]->value,
				"matches", (json_int_t)r->counters->counter[i]->matches));
		json_object_set(o, "counters", a);
		json_object_set_new(o, "instance", json_string(r->counters->instance));
		if (r->counters->more)	/* ask again with --after the last uuid */
			json_object_set_new(o, "more", json_true());
		break;
	case VARDKASE__DP__RESPONSE__MSG_EVENT: {
		const Vardkase__Dp__MatchEvent *e = r->event;

		for (i = 0; i < e->n_attribute_uuid; i++)
			json_array_append_new(a, json_string(e->attribute_uuid[i]));
		json_object_set(o, "attribute_uuid", a);
		json_object_set_new(o, "indicator", json_string(e->indicator));
		json_object_set_new(o, "matched_on", json_string(e->matched_on));
		json_object_set_new(o, "src", json_string(e->src));
		json_object_set_new(o, "dst", json_string(e->dst));
		json_object_set_new(o, "proto", json_integer(e->proto));
		json_object_set_new(o, "sport", json_integer(e->sport));
		json_object_set_new(o, "dport", json_integer(e->dport));
		if (e->name[0])
			json_object_set_new(o, "name", json_string(e->name));
		break;
	}
	default:
		break;
	}
	json_decref(a);
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
}

static int request(int fd, Vardkase__Dp__Request *rq)
{
	Vardkase__Dp__Response *r;
	int rc = vk_ipc_send(fd, &rq->base, 0), ok;

	if (rc) {
		vk_err("sending failed: %s", strerror(-rc));
		return 1;
	}
	r = recv_resp(fd, 30000);
	if (!r)
		return 1;
	print_resp(r);
	ok = r->msg_case != VARDKASE__DP__RESPONSE__MSG_ACK || r->ack->ok;
	vardkase__dp__response__free_unpacked(r, NULL);
	return ok ? 0 : 1;
}

/* Enforced attributes of a restSearch file, values as MISP sent them;
 * their keys are made as the agent makes them, chunk by chunk. */
struct attrs {
	Vardkase__Dp__Indicator **out;
	size_t n, max;
	int nomem;
	char bad[256];		/* the first value that does not normalise */
};

/* The attributes the dataplane would take, by the rules every reader
 * shares (lib/vk_mispread.h); a value that does not normalise stops the
 * update, as a refusal by the dataplane would. */
static int take(void *arg, const struct vk_mattr *a)
{
	struct attrs *l = arg;
	enum vk_misp_type t = a->f[VK_MF_TYPE] ?
			      vk_misp_type_of(a->f[VK_MF_TYPE], a->f[VK_MF_RELATION]) : VK_T_UNKNOWN;
	Vardkase__Dp__Indicator *x;
	struct vk_ipc_ind d;
	const char *why;

	if (l->n == l->max || a->bad || t == VK_T_UNKNOWN || !a->to_ids || a->deleted ||
	    !a->f[VK_MF_UUID] || !a->f[VK_MF_VALUE])
		return 0;
	if (vk_ipc_ind_make(&d, a->f[VK_MF_UUID], t, a->f[VK_MF_VALUE], &why)) {
		snprintf(l->bad, sizeof(l->bad), "attribute %s '%.80s': %s", a->f[VK_MF_UUID],
			 a->f[VK_MF_VALUE], why);
		return 1;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		l->nomem = 1;
		return 1;
	}
	vardkase__dp__indicator__init(x);
	x->attribute_uuid = strdup(a->f[VK_MF_UUID]);
	x->value = strdup(a->f[VK_MF_VALUE]);
	x->type = (Vardkase__Dp__IndicatorType)t;
	l->out[l->n++] = x;
	if (!x->attribute_uuid || !x->value) {
		l->nomem = 1;
		return 1;
	}
	return 0;
}

/* A restSearch answer in a file, streamed. The count, or -1 (said why). */
static long read_attrs(const char *path, Vardkase__Dp__Indicator **out, size_t max)
{
	struct attrs l = { out, 0, max, 0, "" };
	struct vk_mispread *r = vk_mispread_new(NULL, take, &l);
	FILE *f = fopen(path, "rb");
	char buf[65536], err[256];
	size_t k;
	long rc;

	if (!f || !r) {
		fprintf(stderr, "ctl update: %s: %s\n", path, f ? "out of memory" : strerror(errno));
		if (f)
			fclose(f);
		vk_mispread_free(r);
		return -1;
	}
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0 && !vk_mispread_feed(r, buf, k))
		;
	fclose(f);
	rc = vk_mispread_end(r, err, sizeof(err));
	vk_mispread_free(r);
	if (rc < 0)
		fprintf(stderr, "ctl update: %s: %s\n", path, l.nomem ? "out of memory" :
			*l.bad ? l.bad : err);
	return rc < 0 ? -1 : (long)l.n;
}

static int do_update(int fd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "generation", required_argument, NULL, 'g' }, { "full", no_argument, NULL, 'f' },
		{ "chunk", required_argument, NULL, 'c' }, { "remove", required_argument, NULL, 'r' },
		{ 0 }
	};
	Vardkase__Dp__Indicator **ind = calloc(1u << 22, sizeof(*ind)), **pd = NULL;
	struct vk_ipc_ind *d = NULL;
	char **rm = calloc((size_t)argc + 1, sizeof(*rm));
	size_t n = 0, nrm = 0, chunk = 2000, off = 0;
	unsigned long long gen = 0;
	int c, full = 0, rc = 0;

	if (!ind || !rm) {
		fprintf(stderr, "ctl update: out of memory\n");
		free(ind);
		free(rm);
		return 1;
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "g:fc:r:", opts, NULL)) != -1) {
		switch (c) {
		case 'g': gen = strtoull(optarg, NULL, 0); break;
		case 'f': full = 1; break;
		case 'c': chunk = strtoul(optarg, NULL, 0); break;
		case 'r': rm[nrm++] = optarg; break;
		default: return 2;
		}
	}
	if (!gen || !chunk) {
		fprintf(stderr, "ctl update: --generation N (> 0) is required\n");
		return 2;
	}
	if (optind < argc) {
		long got = read_attrs(argv[optind], ind, 1u << 22);

		if (got < 0)
			return 1;
		n = (size_t)got;
	}
	if (chunk > VK_IPC_MAX_ITEMS)
		chunk = VK_IPC_MAX_ITEMS;
	d = calloc(chunk, sizeof(*d));
	pd = calloc(chunk, sizeof(*pd));
	if (!d || !pd) {
		fprintf(stderr, "ctl update: out of memory\n");
		return 1;
	}
	do {	/* chunks of the same generation; the last one applies */
		Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
		Vardkase__Dp__TableUpdate u = VARDKASE__DP__TABLE_UPDATE__INIT;
		size_t k = 0, bytes = 0;
		const char *why;

		/* at most chunk indicators, and as many as fit a message; take()
		 * made each once already, so this cannot fail */
		while (off + k < n && k < chunk) {
			Vardkase__Dp__Indicator *x = ind[off + k];

			vk_ipc_ind_make(&d[k], x->attribute_uuid, (enum vk_misp_type)x->type,
					x->value, &why);
			bytes += vk_ipc_ind_len(&d[k]);
			if (k && bytes > VK_IPC_MAX_MSG - 2048)
				break;
			pd[k] = &d[k].x;
			k++;
		}
		u.generation = gen;
		u.full = full;
		u.n_add = k;
		u.add = pd;
		off += k;
		u.more = off < n;
		if (!u.more) {
			u.n_remove_uuid = nrm;
			u.remove_uuid = rm;
		}
		rq.msg_case = VARDKASE__DP__REQUEST__MSG_UPDATE;
		rq.update = &u;
		rc = request(fd, &rq);
	} while (!rc && off < n);
	free(d);
	free(pd);
	return rc;
}

static int do_events(int fd, int argc, char **argv)
{
	Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
	Vardkase__Dp__Subscribe sub = VARDKASE__DP__SUBSCRIBE__INIT;
	long count = argc > 2 && !strcmp(argv[1], "--count") ? atol(argv[2]) : -1;
	Vardkase__Dp__Response *r;

	sub.events = 1;
	rq.msg_case = VARDKASE__DP__REQUEST__MSG_SUBSCRIBE;
	rq.subscribe = &sub;
	if (request(fd, &rq))
		return 1;
	fflush(stdout);
	while (count-- != 0 && (r = recv_resp(fd, -1))) {
		print_resp(r);
		fflush(stdout);
		vardkase__dp__response__free_unpacked(r, NULL);
	}
	return 0;
}

static int do_raw(int fd, const char *path)
{
	static uint8_t buf[VK_IPC_MAX_MSG + 4096];
	FILE *f = fopen(path, "rb");
	Vardkase__Dp__Response *r;
	size_t n;

	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (send(fd, buf, n, 0) < 0) {
		vk_err("send: %s", strerror(errno));
		return 1;
	}
	r = recv_resp(fd, 5000);
	if (!r)
		return 1;
	print_resp(r);
	vardkase__dp__response__free_unpacked(r, NULL);
	return 0;
}

int cmd_ctl(int argc, char **argv)
{
	const char *sock = VK_SOCKET_DEFAULT;
	int fd, rc, i = 1;

	if (argc > 2 && !strcmp(argv[1], "--socket")) {
		sock = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: vardkase-xdp ctl [--socket PATH] stats|counters|events|"
				"update|send-raw ...\n");
		return 2;
	}
	fd = vk_ipc_connect(sock);
	if (fd < 0) {
		vk_err("%s: %s (is 'vardkase-xdp run' running?)", sock, strerror(-fd));
		return 1;
	}
	if (!strcmp(argv[i], "stats")) {
		Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
		Vardkase__Dp__StatsRequest s = VARDKASE__DP__STATS_REQUEST__INIT;

		rq.msg_case = VARDKASE__DP__REQUEST__MSG_STATS;
		rq.stats = &s;
		rc = request(fd, &rq);
	} else if (!strcmp(argv[i], "counters")) {
		Vardkase__Dp__Request rq = VARDKASE__DP__REQUEST__INIT;
		Vardkase__Dp__CountersRequest q = VARDKASE__DP__COUNTERS_REQUEST__INIT;

		if (i + 2 < argc && !strcmp(argv[i + 1], "--after")) {
			q.after = argv[i + 2];
			i += 2;
		}
		q.n_attribute_uuid = (size_t)(argc - i - 1);
		q.attribute_uuid = argv + i + 1;
		rq.msg_case = VARDKASE__DP__REQUEST__MSG_COUNTERS;
		rq.counters = &q;
		rc = request(fd, &rq);
	} else if (!strcmp(argv[i], "events")) {
		rc = do_events(fd, argc - i, argv + i);
	} else if (!strcmp(argv[i], "update")) {
		rc = do_update(fd, argc - i, argv + i);
	} else if (!strcmp(argv[i], "send-raw") && i + 1 < argc) {
		rc = do_raw(fd, argv[i + 1]);
	} else {
		fprintf(stderr, "ctl: unknown request '%s'\n", argv[i]);
		rc = 2;
	}
	close(fd);
	return rc;
}
