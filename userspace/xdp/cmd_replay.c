// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkase-xdp replay: the compiled XDP program over every frame of one or
 * more captures, through BPF_PROG_TEST_RUN; one JSON line per (frame,
 * attribute) match. The program and the indicators load once for all the
 * captures. No capture, however broken, makes it fail: what cannot be read
 * is reported on stderr and the frames read so far stand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vk_dp.h"
#include "vk_event.h"
#include "vk_slow.h"
#include "cmds.h"
#include "../lib/vk_log.h"
#include "../lib/vk_misp.h"
#include "../lib/vk_pcap.h"

/* XDP test runs take one page minus head- and tailroom. */
#define VK_REPLAY_MAX_FRAME	3500

struct replay {
	struct vk_dp dp;
	const char *pcap;	/* named in the output when several are given */
	unsigned long frame, matches, unconfirmed;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct replay *r = ctx;
	const struct vk_event *ev = data;
	const struct vk_ent *e;
	struct vk_event tmp;

	if (size < sizeof(*ev))
		return 0;
	ev = vk_event_resolve(&r->dp.t, ev, &tmp);
	e = vk_event_confirm(&r->dp.t, ev);
	if (!e) {
		r->unconfirmed++;
		return 0;
	}
	r->matches += (unsigned long)vk_event_print(stdout, ev, e, r->frame, r->pcap);
	return 0;
}

/* replay --hellos: a line per ClientHello the slow path read. */
static void on_hello(void *arg, const struct vk_seg *g, const struct vk_hello *h, char transport,
		     const char *ja3, const char *ja4)
{
	struct replay *r = arg;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = g->k.family == 4 ? AF_INET : AF_INET6;
	json_t *o = json_object(), *line = json_object();
	char *text;

	inet_ntop(af, g->k.src, src, sizeof(src));
	inet_ntop(af, g->k.dst, dst, sizeof(dst));
	json_object_set_new(o, "frame", json_integer((json_int_t)r->frame));
	if (r->pcap)
		json_object_set_new(o, "pcap", json_string(r->pcap));
	json_object_set_new(o, "transport", json_string(transport == 'q' ? "quic" : "tcp"));
	json_object_set_new(o, "src", json_string(src));
	json_object_set_new(o, "sport", json_integer(g->k.sport));
	json_object_set_new(o, "dst", json_string(dst));
	json_object_set_new(o, "dport", json_integer(g->k.dport));
	if (h->has_sni)
		json_object_set_new(o, "sni", json_stringn(h->sni, h->sni_len));
	json_object_set_new(o, "ech", json_boolean(h->ech));
	json_object_set_new(o, "ja3", json_string(ja3));
	json_object_set_new(o, "ja4", json_string(ja4));
	json_object_set_new(line, "hello", o);
	text = json_dumps(line, JSON_COMPACT);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(line);
}

static void on_refuse(void *arg, const char *uuid, const char *type,
		      const char *value, const char *why)
{
	vk_warn("refused %s %s '%s': %s", uuid, type, value, why);
}

static void on_tbl_refuse(void *arg, const struct vk_ent *e, const char *why)
{
	vk_warn("not loaded: %s: %s", e && e->name ? e->name : "indicator", why);
}

int vk_load_indicators(const char *path, struct vk_set *set)
{
	struct vk_misp_stats ms;
	const char *err = NULL;
	int rc;

	vk_set_init(set);
	rc = vk_misp_load(path, set, &ms, on_refuse, NULL, &err);
	if (rc) {
		vk_err("%s: %s%s%s", path, err, rc == -EINVAL ? "" : ": ",
		       rc == -EINVAL ? "" : strerror(-rc));
		vk_set_free(set);
		return rc;
	}
	vk_info("%s: %zu attributes: %zu enforced, %zu refused, %zu not to_ids, "
		"%zu deleted, %zu other types, %zu malformed -> %zu indicators",
		path, ms.attributes, ms.accepted, ms.refused, ms.not_ids, ms.deleted,
		ms.other_type, ms.malformed, set->n);
	return 0;
}

static void replay_frames(struct replay *r, struct vk_pcap *p, const char *path)
{
	unsigned long truncated = 0, short_frames = 0, failed = 0, other = 0;
	const uint8_t *data;
	uint32_t len;
	int rc;

	while ((rc = vk_pcap_next(p, &data, &len)) > 0) {
		LIBBPF_OPTS(bpf_test_run_opts, o);

		r->frame++;
		if (rc == 2) {
			other++;
			continue;
		}
		if (len < 14) {	/* the kernel runs no XDP on less than Ethernet */
			short_frames++;
			continue;
		}
		if (len > VK_REPLAY_MAX_FRAME) {
			len = VK_REPLAY_MAX_FRAME;
			truncated++;
		}
		o.data_in = data;
		o.data_size_in = len;
		o.repeat = 1;
		if (bpf_prog_test_run_opts(vk_dp_prog_fd(&r->dp), &o)) {
			failed++;
			continue;
		}
		ring_buffer__consume(r->dp.rb);
	}
	if (rc < 0)
		vk_warn("%s: stopped after frame %lu: %s", path, r->frame, vk_pcap_error(p));
	if (truncated)
		vk_info("%s: %lu frames longer than %d bytes were cut to that length",
			path, truncated, VK_REPLAY_MAX_FRAME);
	if (other)
		vk_info("%s: %lu frames not Ethernet or unreadable, skipped", path, other);
	if (short_frames || failed)
		vk_info("%s: %lu frames shorter than Ethernet, %lu test runs failed",
			path, short_frames, failed);
}

static void replay_file(struct replay *r, const char *path, int named)
{
	char errbuf[512];
	const char *link;
	struct vk_pcap *p;

	r->frame = 0;
	r->matches = 0;
	r->pcap = named ? path : NULL;
	p = vk_pcap_open(path, errbuf, sizeof(errbuf));
	if (!p) {
		vk_warn("%s: cannot read capture: %s", path, errbuf);
		return;
	}
	if (!vk_pcap_ethernet(p, &link)) {
		vk_warn("%s: link type %s is not Ethernet; XDP only sees Ethernet, skipped",
			path, link);
	} else {
		/* no flow goes on from one capture into the next, no
		 * address one learned */
		if (vk_slow_reset(r->dp.slow))
			vk_warn("%s: the slow path could not start afresh", path);
		if (r->dp.derive)
			vk_derive_reset(r->dp.derive);
		uint64_t u0[VK_USTAT_SLOTS], u1[VK_USTAT_SLOTS], s0[VK_STAT_SLOTS], s1[VK_STAT_SLOTS];
		int have = !vk_dp_read_ustats(vk_dp_ustats_fd(&r->dp), u0) &&
			   !vk_dp_read_stats(vk_dp_stats_fd(&r->dp), s0);

		replay_frames(r, p, path);
		vk_info("%s: %lu frames, %lu matches", path, r->frame, r->matches);
		if (have && !vk_dp_read_ustats(vk_dp_ustats_fd(&r->dp), u1) &&
		    !vk_dp_read_stats(vk_dp_stats_fd(&r->dp), s1) &&
		    u1[VK_USTAT_SEGS] != u0[VK_USTAT_SEGS])
			vk_info("%s: slow path: %llu segment records, %llu hellos and %llu requests"
				" put together, %llu QUIC Initials opened (%llu not), %llu limited",
				path, (unsigned long long)(u1[VK_USTAT_SEGS] - u0[VK_USTAT_SEGS]),
				(unsigned long long)(u1[VK_USTAT_HELLOS] - u0[VK_USTAT_HELLOS]),
				(unsigned long long)(u1[VK_USTAT_HTTP_REQUESTS] - u0[VK_USTAT_HTTP_REQUESTS]),
				(unsigned long long)(u1[VK_USTAT_QUIC_PACKETS] - u0[VK_USTAT_QUIC_PACKETS]),
				(unsigned long long)(u1[VK_USTAT_QUIC_BAD] - u0[VK_USTAT_QUIC_BAD]),
				(unsigned long long)(s1[VK_STAT_QUIC_LIMITED] - s0[VK_STAT_QUIC_LIMITED]));
	}
	vk_pcap_close(p);
	fflush(stdout);
}

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: vardkase-xdp replay --indicators FILE [--hellos] " VK_DP_DNS_USAGE "\n"
		"       --pcap FILE [--pcap FILE ...]\n"
		"       (with several captures each line names its \"pcap\"; --hellos adds a\n"
		"       \"hello\" line per ClientHello read: SNI, JA3, JA4)\n");
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "indicators", required_argument, NULL, 'i' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "hellos", no_argument, NULL, 'H' },
		{ "dns-answers", required_argument, NULL, 'D' },
		{ "dns-answer-ttl", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *ind = NULL, **pcaps;
	struct vk_dp_opts o = { .replay = true };
	struct vk_apply_stats st;
	struct replay r = { 0 };
	struct vk_set set;
	int c, i, n = 0, rc, hellos = 0;

	pcaps = calloc((size_t)argc, sizeof(*pcaps));
	if (!pcaps)
		return 1;
	while ((c = getopt_long(argc, argv, "i:p:hD:T:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ind = optarg; break;
		case 'p': pcaps[n++] = optarg; break;
		case 'H': hellos = 1; break;
		case 'D':
		case 'T':
			if (vk_dp_dns_opt(&o, c == 'T', optarg)) {
				free(pcaps);
				return 2;
			}
			break;
		default:
			free(pcaps);
			return usage(c == 'h' ? 0 : 2);
		}
	}
	if (!ind || !n) {
		free(pcaps);
		return usage(2);
	}
	if (vk_load_indicators(ind, &set)) {
		free(pcaps);
		return 1;
	}
	vk_sizes_for(&o.sizes, &set);
	rc = vk_dp_open(&r.dp, &o, on_event, &r);
	if (rc) {
		vk_set_free(&set);
		free(pcaps);
		return 1;
	}
	if (hellos) {
		/* every ClientHello to the slow path, which shows it */
		r.dp.t.cfg->hellos_up = 1;
		r.dp.slow->on_hello = on_hello;
		r.dp.slow->hello_arg = &r;
	}
	rc = vk_dp_apply(&r.dp, &set, 1, on_tbl_refuse, NULL, &st);
	if (rc)
		vk_err("loading indicators failed: %s", strerror(-rc));
	for (i = 0; !rc && i < n; i++)
		replay_file(&r, pcaps[i], n > 1);
	if (r.unconfirmed)
		vk_info("%lu hash matches did not confirm on the exact value and were dropped",
			r.unconfirmed);
	vk_dp_close(&r.dp);
	free(pcaps);
	return rc ? 1 : 0;
}
