/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the BPF test files share: the compiled program loaded through the
 * real loader with a set of indicators, a packet builder, and a run that
 * collects the confirmed matches (test_bpf.c, test_tls.c).
 */
#ifndef VK_TEST_BPF_ENV_H
#define VK_TEST_BPF_ENV_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp/vk_dp.h"
#include "xdp/vk_event.h"
#include "xdp/vk_slow.h"
#include "lib/vk_misp.h"

struct env {
	struct vk_dp dp;
	char got[16][64];	/* confirmed indicators of the last run */
	uint8_t src[16];	/* and what each matched on (enum vk_source) */
	char name[16][256];	/* and the name its event carried */
	uint8_t flags[16];	/* and its VK_EVF_* */
	struct vk_outer outer[16];	/* and the tunnel it came in */
	int n;
};

static inline int on_event(void *ctx, void *data, size_t size)
{
	struct env *e = ctx;
	struct vk_event tmp;
	const struct vk_event *ev = vk_event_resolve(&e->dp.t, data, &tmp);
	const struct vk_ent *ent = vk_event_confirm(&e->dp.t, ev);
	struct vk_key k;

	if (ent && e->n < 16) {
		vk_ent_key(ent, &k);
		e->src[e->n] = ev->source;
		e->flags[e->n] = ev->flags;
		e->outer[e->n] = ev->outer;
		snprintf(e->name[e->n], sizeof(e->name[0]), "%.*s",
			 vk_event_named(ev) ? (int)ev->name_len : 0, ev->name);
		vk_key_str(&k, e->got[e->n++], 64);
	}
	return 0;
}

/* ---- packet builder --------------------------------------------------- */

struct pkt { uint8_t b[4096]; size_t n; };

static inline void put(struct pkt *p, const void *d, size_t n) { if (n) memcpy(p->b + p->n, d, n); p->n += n; }
static inline void put16(struct pkt *p, uint16_t v) { v = htons(v); put(p, &v, 2); }

static inline void eth(struct pkt *p, int nvlan, uint16_t type)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	int i;

	p->n = 0;
	put(p, mac, 12);
	for (i = 0; i < nvlan; i++) {
		put16(p, i == 0 && nvlan > 1 ? 0x88a8 : 0x8100);
		put16(p, (uint16_t)(100 + i));
	}
	put16(p, type);
}

static inline size_t ip4(struct pkt *p, const char *s, const char *d, uint8_t proto, uint16_t frag)
{
	uint8_t h[20] = { 0x45, 0 };
	size_t at = p->n;

	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, s, h + 12);
	inet_pton(AF_INET, d, h + 16);
	put(p, h, 20);
	return at;
}

static inline size_t ip6(struct pkt *p, const char *s, const char *d, uint8_t nh)
{
	uint8_t h[40] = { 0x60 };
	size_t at = p->n;

	h[6] = nh;
	h[7] = 64;
	inet_pton(AF_INET6, s, h + 8);
	inet_pton(AF_INET6, d, h + 24);
	put(p, h, 40);
	return at;
}

static inline void udp_dns(struct pkt *p, const char *qname_wire, size_t qlen, size_t ipat, int v6)
{
	uint8_t dns[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1 };
	size_t at = p->n;
	uint16_t len;

	put16(p, 40000);
	put16(p, 53);
	put16(p, 0);
	put16(p, 0);
	put(p, dns, 12);
	put(p, qname_wire, qlen);
	put16(p, 1);
	put16(p, 1);
	len = (uint16_t)(p->n - at);
	p->b[at + 4] = (uint8_t)(len >> 8);
	p->b[at + 5] = (uint8_t)len;
	if (!v6) {
		uint16_t tot = (uint16_t)(p->n - ipat);

		p->b[ipat + 2] = (uint8_t)(tot >> 8);
		p->b[ipat + 3] = (uint8_t)tot;
	} else {
		p->b[ipat + 4] = (uint8_t)(len >> 8);
		p->b[ipat + 5] = (uint8_t)len;
	}
}

static inline void tcp(struct pkt *p, uint16_t sport, uint16_t dport, size_t ipat)
{
	uint8_t t[20] = { 0 };
	uint16_t tot;

	t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	t[12] = 0x50;
	put(p, t, 20);
	tot = (uint16_t)(p->n - ipat);
	p->b[ipat + 2] = (uint8_t)(tot >> 8);
	p->b[ipat + 3] = (uint8_t)tot;
}

/* A TCP header with a sequence number and flags (VK_TCP_*; tcp() sends
 * none, at sequence 0). */
static inline void tcp_sf(struct pkt *p, uint16_t sport, uint16_t dport, size_t ipat,
			  uint32_t seq, uint8_t flags)
{
	size_t at = p->n;

	tcp(p, sport, dport, ipat);
	p->b[at + 4] = (uint8_t)(seq >> 24);
	p->b[at + 5] = (uint8_t)(seq >> 16);
	p->b[at + 6] = (uint8_t)(seq >> 8);
	p->b[at + 7] = (uint8_t)seq;
	p->b[at + 13] = flags;
}

static inline int run(struct env *e, const struct pkt *p, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (uint32_t)len,
		    .repeat = 1);

	e->n = 0;
	if (bpf_prog_test_run_opts(vk_dp_prog_fd(&e->dp), &o))
		return -1;
	ring_buffer__consume(e->dp.rb);
	return (int)o.retval;
}

/* Forget what the slow path holds (as its timeout would), so a test can
 * send a flow's segments again from the start. */
static inline void slow_reset(struct env *e)
{
	vk_slow_tick(e->dp.slow, UINT64_MAX / 2);
}

static inline int has(struct env *e, const char *ind)
{
	int i;

	for (i = 0; i < e->n; i++)
		if (!strcmp(e->got[i], ind))
			return 1;
	return 0;
}

static inline uint64_t stat(struct env *e, int idx)
{
	uint64_t v[VK_STAT_SLOTS];

	vk_dp_read_stats(vk_dp_stats_fd(&e->dp), v);
	return v[idx];
}

static inline void env_open(struct env *e, bool replay, const char *json)
{
	struct vk_dp_opts o = { .replay = replay };
	struct vk_misp_stats ms;
	struct vk_apply_stats as;
	const char *err;
	struct vk_set set;

	memset(e, 0, sizeof(*e));
	vk_set_init(&set);
	assert_int_equal(vk_misp_parse(json, strlen(json), &set, &ms, NULL, NULL, &err), 0);
	vk_sizes_for(&o.sizes, &set);
	o.sizes.ids += 64;	/* room for the replacement test */
	assert_int_equal(vk_dp_open(&e->dp, &o, on_event, e), 0);
	assert_int_equal(vk_dp_apply(&e->dp, &set, 1, NULL, NULL, &as), 0);
	assert_int_equal(as.added, e->dp.t.cur->n);
}

/* A cmocka group's setup: e loaded with the indicators in json. */
static inline int env_setup_json(void **state, struct env *e, const char *json)
{
	env_open(e, true, json);
	*state = e;
	return 0;
}

static inline int env_teardown(void **state)
{
	vk_dp_close(&((struct env *)*state)->dp);
	return 0;
}

/* The TLS tests (test_tls.c) and DNS over TCP (test_dnstcp.c), groups of
 * their own. Each returns its failures. */
int vk_tls_tests(void);
int vk_dnstcp_tests(void);
/* Tunnels (test_encap.c). */
int vk_encap_tests(void);
int vk_answer_tests(void);
int vk_http_tests(void);
/* The slow path: split ClientHellos (test_slow.c). */
int vk_slow_tests(void);
/* Failure paths of table updates (test_faults.c). */
int vk_fault_tests(void);

#endif
