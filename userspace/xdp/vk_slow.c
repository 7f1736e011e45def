// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "vk_slow.h"

/* vk_stream.flags */
#define VK_STREAM_NAMED		1u
#include "../../kernel/lib/hash.h"
#include "../lib/vk_quic.h"
#include "../../kernel/lib/http.h"
#include "../lib/vk_url.h"
#include "../lib/vk_dnsmsg.h"

const char *const vk_ustat_names[] = {
	"slow_segs", "slow_hellos", "slow_sni", "slow_ech", "slow_err_hello",
	"slow_too_big", "slow_timeouts", "slow_evicted", "slow_overlap", "slow_not_hello",
	"slow_match_fail", "quic_packets", "quic_bad", "quic_hellos", "slow_http", "slow_http_no_host",
	"slow_done_full", "slow_fingerprints", "slow_fp_long", "slow_http_no_url",
	"dns_answers", "derived", "derived_full", "dns_bad",
};
_Static_assert(sizeof(vk_ustat_names) / sizeof(vk_ustat_names[0]) == VK_USTAT_MAX,
	       "a name per slow-path stat");

static void *map_mmap(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

#define FLOWS_LEN	((size_t)VK_FLOW_SLOTS * sizeof(struct vk_flow_slot))
#define BITS_LEN	((size_t)VK_FLOW_SLOTS / 8)
#define UST_LEN		((size_t)VK_USTAT_SLOTS * 8)

/* mmap lengths are whole pages */
static size_t pages(size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (len + pg - 1) / pg * pg;
}

int vk_slow_open(struct vk_slow *sl, int prog_fd, int flows_fd, int bits_fd, int ustats_fd)
{
	int rc;

	memset(sl, 0, sizeof(*sl));
	sl->prog_fd = prog_fd;
	sl->flows = map_mmap(flows_fd, pages(FLOWS_LEN));
	sl->bits = map_mmap(bits_fd, pages(BITS_LEN));
	sl->ust = map_mmap(ustats_fd, pages(UST_LEN));
	if (!sl->flows || !sl->bits || !sl->ust) {
		rc = -errno;
		vk_slow_close(sl);
		return rc;
	}
	rc = vk_reasm_init(&sl->ra, VK_SLOW_STREAMS, VK_SLOW_BYTES, VK_SLOW_TTL_NS);
	if (rc)
		vk_slow_close(sl);
	return rc;
}

int vk_slow_reset(struct vk_slow *sl)
{
	vk_reasm_free(&sl->ra);
	memset(sl->done, 0, sizeof(sl->done));
	memset(sl->flows, 0, FLOWS_LEN);
	memset(sl->bits, 0, BITS_LEN);
	memset(&sl->seen, 0, sizeof(sl->seen));
	return vk_reasm_init(&sl->ra, VK_SLOW_STREAMS, VK_SLOW_BYTES, VK_SLOW_TTL_NS);
}

void vk_slow_close(struct vk_slow *sl)
{
	if (sl->flows)
		munmap(sl->flows, pages(FLOWS_LEN));
	if (sl->bits)
		munmap(sl->bits, pages(BITS_LEN));
	if (sl->ust)
		munmap(sl->ust, pages(UST_LEN));
	if (sl->ra.tab)
		vk_reasm_free(&sl->ra);
	sl->flows = NULL;
	sl->bits = sl->ust = NULL;
}

/* One writer (this process): a plain add, seen whole by readers. */
static void ust_add(struct vk_slow *sl, enum vk_ustat i, uint64_t n)
{
	__atomic_store_n(&sl->ust[i], sl->ust[i] + n, __ATOMIC_RELAXED);
}

static void sync_stats(struct vk_slow *sl)
{
	const struct vk_reasm_stats *st = &sl->ra.st;

	ust_add(sl, VK_USTAT_TIMEOUTS, st->timeouts - sl->seen.timeouts);
	ust_add(sl, VK_USTAT_EVICTED, st->evicted - sl->seen.evicted);
	ust_add(sl, VK_USTAT_OVERLAP, st->overlap_diff - sl->seen.overlap_diff);
	sl->seen = *st;
}

/* XDP follows the flow no more. Only the slot of this very stream: it
 * may hold another flow by now. (A slot XDP takes for another flow
 * between the check and the store is freed too; that flow's later
 * segments are then not handed up: a race of nanoseconds per slot.) */
static void slot_free(struct vk_slow *sl, uint32_t slot, const struct vk_flow_key *k,
		      uint32_t seq0)
{
	struct vk_flow_slot *f;

	if (slot >= VK_FLOW_SLOTS)
		return;
	f = &sl->flows[slot];
	/* the key without its padding (a QUIC stream marks it) */
	if (!__atomic_load_n(&f->window, __ATOMIC_ACQUIRE) || f->seq0 != seq0 ||
	    memcmp(f->k.src, k->src, 32) || f->k.sport != k->sport || f->k.dport != k->dport ||
	    f->k.family != k->family)
		return;
	__atomic_store_n(&f->window, 0, __ATOMIC_RELEASE);
	__atomic_fetch_and(&sl->bits[slot / 64], ~(1ull << (slot % 64)), __ATOMIC_RELEASE);
}

/* The done set keeps hashes only, so this one takes every byte of the
 * key (its padding marks QUIC streams) and the first sequence number. */
static uint64_t stream_hash(const struct vk_flow_key *k, uint32_t seq0)
{
	uint64_t w[sizeof(*k) / 8], h = seq0 ^ 0x9e3779b97f4a7c15ull;
	size_t i;

	_Static_assert(sizeof(*k) % 8 == 0, "the key in words");
	memcpy(w, k, sizeof(w));
	for (i = 0; i < sizeof(w) / 8; i++)
		h = vk_fmix64(h ^ w[i]) + i;
	return h | 1;
}

/* The done set: VK_SLOW_DONE_WAYS entries per set, an entry reused only
 * when it is older than VK_FLOW_TTL_NS (or, all of them live, the oldest:
 * counted, since that one could then be read twice). Indexed by the high
 * bits, checked on all 64. */
static int was_done(struct vk_slow *sl, const struct vk_flow_key *k, uint32_t seq0, uint64_t now)
{
	uint64_t h = stream_hash(k, seq0);
	uint32_t set = (uint32_t)(h >> 40) % VK_SLOW_DONE_SETS, w;

	for (w = 0; w < VK_SLOW_DONE_WAYS; w++)
		if (sl->done[set][w].h == h && now - sl->done[set][w].ns < VK_FLOW_TTL_NS)
			return 1;
	return 0;
}

static void finish(struct vk_slow *sl, struct vk_stream *s, uint64_t now)
{
	uint64_t h = stream_hash(&s->k, s->seq0);
	uint32_t set = (uint32_t)(h >> 40) % VK_SLOW_DONE_SETS, w, old = 0;

	for (w = 0; w < VK_SLOW_DONE_WAYS; w++) {
		if (now - sl->done[set][w].ns >= VK_FLOW_TTL_NS || !sl->done[set][w].h)
			break;			/* free, or expired */
		if (sl->done[set][w].ns < sl->done[set][old].ns)
			old = w;
	}
	if (w == VK_SLOW_DONE_WAYS) {
		w = old;
		ust_add(sl, VK_USTAT_DONE_FULL, 1);
	}
	sl->done[set][w].h = h;
	sl->done[set][w].ns = now;
	slot_free(sl, s->slot, &s->k, s->seq0);
	vk_reasm_drop(&sl->ra, s);
}

/* A text the hello had (its SNI, a fingerprint) to vardkase_slow as
 * source, with the tuple of the segment that completed the hello. */
static void match(struct vk_slow *sl, const struct vk_seg *g, const char *text, size_t n,
		  uint8_t source)
{
	struct vk_event in;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &in, .data_size_in = sizeof(in),
		    .repeat = 1);

	if (!n || n > sizeof(in.name))
		return;
	memset(&in, 0, sizeof(in));
	in.ts_ns = g->ts_ns;
	in.ifindex = g->ifindex;
	memcpy(in.src, g->k.src, 16);
	memcpy(in.dst, g->k.dst, 16);
	in.sport = g->k.sport;
	in.dport = g->k.dport;
	memcpy(in.vlan, g->vlan, sizeof(in.vlan));
	in.outer = g->outer;
	in.family = g->k.family;
	in.proto = g->proto;
	in.source = source;
	in.pkt_len = g->pkt_len;
	in.name_len = (uint16_t)n;
	memcpy(in.name, text, n);
	if (bpf_prog_test_run_opts(sl->prog_fd, &o) || o.retval != XDP_PASS)
		ust_add(sl, VK_USTAT_MATCH_FAIL, 1);
}

/* The hello's JA3 and JA4, made and matched when indicators of the kind
 * are loaded (a JA4 costs two SHA-256: 4 us), both made when replay
 * shows them. */
static void fingerprints(struct vk_slow *sl, const struct vk_seg *g, const struct vk_hello *h,
			 char transport)
{
	char ja3[VK_JA3_LEN + 1] = "", ja4[VK_JA4_LEN + 1] = "";
	int w3 = sl->cfg && __atomic_load_n(&sl->cfg->n_ja3, __ATOMIC_RELAXED);
	int w4 = sl->cfg && __atomic_load_n(&sl->cfg->n_ja4, __ATOMIC_RELAXED);
	int show = sl->on_hello != NULL, bad = 0;

	if ((w3 || show) && vk_ja3(h, ja3, NULL, 0))
		bad = 1;
	if (!bad && (w4 || show) && vk_ja4(h, transport, ja4))
		bad = 1;
	if (bad) {
		ja3[0] = ja4[0] = 0;
		ust_add(sl, VK_USTAT_FP_LONG, 1);
	} else if (w3 || w4 || show) {
		ust_add(sl, VK_USTAT_FP, 1);
		if (w3)
			match(sl, g, ja3, VK_JA3_LEN, VK_SRC_JA3);
		if (w4)
			match(sl, g, ja4, VK_JA4_LEN, VK_SRC_JA4);
	}
	if (show)
		sl->on_hello(sl->hello_arg, g, h, transport, ja3, ja4);
}

/* A whole ClientHello message: parsed, counted (as which: a TLS or a
 * QUIC hello), its SNI matched as source unless XDP did (named), its
 * fingerprints made. */
static void read_hello(struct vk_slow *sl, const struct vk_seg *g, const uint8_t *m, size_t len,
		       enum vk_ustat which, uint8_t source, int named)
{
	struct vk_hello h;

	if (vk_hello_parse(m, len, &h)) {
		ust_add(sl, VK_USTAT_ERR_HELLO, 1);
		return;
	}
	ust_add(sl, which, 1);
	if (h.ech)
		ust_add(sl, VK_USTAT_ECH, 1);
	if (h.has_sni) {
		ust_add(sl, VK_USTAT_SNI, 1);
		if (!named)
			match(sl, g, h.sni, h.sni_len, source);
	}
	fingerprints(sl, g, &h, source == VK_SRC_QUIC_SNI ? 'q' : 't');
}

/* What the stream's first bytes say now: wait, or read and finish. */
static void try_hello(struct vk_slow *sl, struct vk_stream *s, const struct vk_seg *g)
{
	size_t len;
	int rc;

	if (s->contig < 5 + 4)
		return;
	rc = vk_tls_collect(s->buf, s->contig, sl->msg, sizeof(sl->msg), &len);
	if (rc == 0 && s->contig < VK_REASM_WINDOW)
		return;			/* more to come */
	if (rc == 1)
		read_hello(sl, g, sl->msg, len, VK_USTAT_HELLOS, VK_SRC_TLS_SNI,
			   s->flags & VK_STREAM_NAMED);
	else
		ust_add(sl, rc == -EMSGSIZE || rc == 0 ? VK_USTAT_TOO_BIG : VK_USTAT_ERR_HELLO, 1);
	finish(sl, s, g->ts_ns);
}

/* ---- QUIC --------------------------------------------------------------- */

struct crypto_arg {
	struct vk_slow *sl;
	struct vk_flow_key k;
	uint64_t ns;
	struct vk_stream *s;
	int err;
};

/* A CRYPTO frame's bytes into the flow's stream (offsets from 0). */
static void on_crypto(void *arg, uint64_t off, const uint8_t *d, size_t n)
{
	struct crypto_arg *a = arg;
	struct vk_stream *s;
	int err;

	if (off >= VK_REASM_WINDOW || !n)
		return;
	s = vk_reasm_add(&a->sl->ra, &a->k, 0, a->sl->cur_slot, (uint32_t)off, d, n, a->ns, &err);
	if (s)
		a->s = s;
	else if (err != -ERANGE)
		a->err = err;
}

/* The CRYPTO stream's first message, once it is all there. */
static void try_quic_hello(struct vk_slow *sl, struct vk_stream *s, const struct vk_seg *g)
{
	size_t len;

	if (s->contig < 4)
		return;
	len = 4 + ((size_t)s->buf[1] << 16 | (size_t)s->buf[2] << 8 | s->buf[3]);
	if (s->buf[0] != 1 || len > VK_HELLO_MAX) {
		ust_add(sl, s->buf[0] != 1 ? VK_USTAT_ERR_HELLO : VK_USTAT_TOO_BIG, 1);
		finish(sl, s, g->ts_ns);
		return;
	}
	if (s->contig < len)
		return;
	read_hello(sl, g, s->buf, len, VK_USTAT_QUIC_HELLOS, VK_SRC_QUIC_SNI, 0);
	finish(sl, s, g->ts_ns);
}

/* A client Initial datagram: every Initial packet coalesced in it opened,
 * its CRYPTO frames put in the flow's stream. A stream is keyed by the
 * flow and (in k._pad) the protocol, so a TCP flow on the same ports is
 * another. */
static void on_quic(struct vk_slow *sl, const struct vk_seg *g)
{
	struct crypto_arg a = { .sl = sl, .k = g->k, .ns = g->ts_ns };
	struct vk_quic_pkt p;
	size_t pos = 0;

	a.k._pad[0] = 17;
	if (was_done(sl, &a.k, 0, g->ts_ns))
		return;
	sl->cur_slot = g->slot;
	while (pos < g->len) {
		int rc = vk_quic_open(g->data + pos, g->len - pos, sl->msg, &p, &sl->quic_keys);

		if (rc == -ENOMSG && p.len) {
			pos += p.len;		/* a 0-RTT or Handshake packet */
			continue;
		}
		if (rc) {
			if (rc != -ENOMSG)	/* what follows a short header is its */
				ust_add(sl, VK_USTAT_QUIC_BAD, 1);
			break;
		}
		ust_add(sl, VK_USTAT_QUIC_PACKETS, 1);
		if (vk_quic_crypto_frames(sl->msg, p.plain_len, on_crypto, &a))
			ust_add(sl, VK_USTAT_QUIC_BAD, 1);
		pos += p.len;
	}
	if (a.err == -E2BIG)
		slot_free(sl, g->slot, &g->k, 0);
	if (a.s && vk_reasm_find(&sl->ra, &a.k, 0) == a.s)
		try_quic_hello(sl, a.s, g);
	sync_stats(sl);
}

/* ---- HTTP --------------------------------------------------------------- */

/* The request target of the request line in b (n bytes): "GET /p HTTP/1.1".
 * Returns its length with *at set, 0 when the line is not one. The target
 * ends at the first space; the line must end in " HTTP/1.x". Words between
 * them are taken as the servers that botnets aim at take them ("GET
 * /shell?cd+/tmp;wget+ http://... HTTP/1.1": the target is the first). */
static size_t request_target(const uint8_t *b, size_t n, size_t *at)
{
	size_t i = 0, t, e;

	while (i < n && i < 32 && b[i] > ' ' && b[i] < 0x7f)
		i++;				/* the method: kernel/lib/http.h knew it */
	if (!i || i >= n || b[i] != ' ')
		return 0;
	t = ++i;
	while (i < n && b[i] != ' ' && b[i] != '\r' && b[i] != '\n')
		i++;
	for (e = i; e < n && b[e] != '\r' && b[e] != '\n'; e++)
		;
	if (i == t || e == n || e - i < 9 || memcmp(b + e - 9, " HTTP/1.", 8) ||
	    (b[e - 1] != '0' && b[e - 1] != '1'))
		return 0;
	*at = t;
	return i - t;
}

/* The request's URL matched (and, with a query, the URL without it: an
 * indicator without a query names the resource whatever it is asked). */
static void match_url(struct vk_slow *sl, const struct vk_seg *g, const struct vk_tls *t,
		      const struct vk_http *h)
{
	char url[VK_URL_MAX + 1], *q;
	size_t at, hn, n = request_target(t->buf, t->len, &at);
	const char *why;
	int len;

	if (!n || !__atomic_load_n(&sl->cfg->n_url, __ATOMIC_RELAXED))
		return;
	/* the Host reader stops at a port (a name has none); a URL keeps it */
	hn = h->found ? h->len : 0;
	if (hn && h->off + hn < t->len && t->buf[h->off + hn] == ':')
		for (hn++; h->off + hn < t->len && t->buf[h->off + hn] >= '0' &&
			   t->buf[h->off + hn] <= '9'; hn++)
			;
	len = vk_url_of_request((const char *)t->buf + at, n,
				h->found ? (const char *)t->buf + h->off : NULL, hn, url, &why);
	if (len < 0) {
		ust_add(sl, VK_USTAT_HTTP_NO_URL, 1);
		return;
	}
	match(sl, g, url, (size_t)len, VK_SRC_HTTP_URL);
	q = strchr(url, '?');
	if (q)
		match(sl, g, url, (size_t)(q - url), VK_SRC_HTTP_URL);
}

/* An HTTP request put together: its Host read by the XDP program's own
 * reader (kernel/lib/http.h) over the first VK_TLS_BUF_LEN bytes, as XDP
 * reads a request in one segment; matched unless XDP did (named); its
 * URL when URL indicators are loaded. */
static void try_http(struct vk_slow *sl, struct vk_stream *s, const struct vk_seg *g)
{
	struct vk_tls *t = &sl->http_buf;
	struct vk_http h;
	uint32_t i;

	t->len = s->contig < VK_TLS_BUF_LEN ? s->contig : VK_TLS_BUF_LEN;
	memcpy(t->buf, s->buf, t->len);
	vk_http_start(&h);
	for (i = 0; i <= VK_TLS_BUF_LEN && !vk_http_step(&h, t); i++)
		;
	if (!h.found && h.err == VK_STAT_HTTP_HOST_LATER && t->len < VK_TLS_BUF_LEN &&
	    s->contig < VK_REASM_WINDOW)
		return;			/* more to come */
	ust_add(sl, VK_USTAT_HTTP_REQUESTS, 1);
	if (h.found && h.len <= 255) {
		if (!(s->flags & VK_STREAM_NAMED))
			match(sl, g, (const char *)t->buf + h.off, h.len, VK_SRC_HTTP_HOST);
	} else {
		ust_add(sl, VK_USTAT_HTTP_NO_HOST, 1);
	}
	if (sl->cfg)
		match_url(sl, g, t, &h);
	finish(sl, s, g->ts_ns);
}

/* ---- DNS answers --------------------------------------------------------- */

/* The ids of the name indicators the dotted name n (len bytes) falls
 * under, as XDP found them: the name itself as a hostname, it and every
 * suffix of two labels or more as a domain. Returns how many (<= max). */
static int name_ids(const struct vk_set *set, const char *n, size_t len, uint32_t *ids, int max)
{
	struct vk_key k;
	struct vk_ent *e;
	size_t at = 0;
	int got = 0;

	memset(&k, 0, sizeof(k));
	k.kind = VK_KIND_HOST;
	memcpy(k.name, n, len + 1);
	k.name_len = (uint16_t)len;
	if ((e = vk_set_find(set, &k)) && e->id && got < max)
		ids[got++] = e->id;
	while (at < len && memchr(n + at, '.', len - at)) {
		k.kind = VK_KIND_DOMAIN;
		k.name_len = (uint16_t)(len - at);
		memcpy(k.name, n + at, k.name_len + 1u);
		if ((e = vk_set_find(set, &k)) && e->id && got < max)
			ids[got++] = e->id;
		at = (size_t)((const char *)memchr(n + at, '.', len - at) - n) + 1;
	}
	return got;
}

/* A response whose question has an indicator (VK_SEGF_DNS): the addresses
 * of its answers become that indicator's, for their TTL (capped). */
static void on_dns(struct vk_slow *sl, const struct vk_seg *g)
{
	struct vk_dns_addr a[VK_DNS_ADDRS_MAX];
	uint32_t ids[8];
	char name[256];
	size_t nlen;
	int n, m, i, j;

	if (!sl->derive || !sl->tables || !sl->tables->cur)
		return;
	n = vk_dns_answers(g->data, g->len, name, &nlen, a, VK_DNS_ADDRS_MAX);
	if (n < 0) {
		ust_add(sl, VK_USTAT_DNS_BAD, 1);
		return;
	}
	ust_add(sl, VK_USTAT_DNS_ANSWERS, 1);
	m = nlen ? name_ids(sl->tables->cur, name, nlen, ids, 8) : 0;
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++) {
			int rc = vk_derive_learn(sl->derive, a[i].addr, a[i].family, ids[j], name,
						 nlen, a[i].ttl, g->ts_ns);

			if (rc >= 0)
				ust_add(sl, VK_USTAT_DERIVED, 1);
			if (rc == 1)
				ust_add(sl, VK_USTAT_DERIVED_FULL, 1);
		}
}

int vk_slow_on_seg(void *ctx, void *data, size_t size)
{
	struct vk_slow *sl = ctx;
	const struct vk_seg *g = data;
	struct vk_stream *s;
	int err;

	if (size < sizeof(*g) || g->len > VK_SEG_DATA)
		return 0;
	ust_add(sl, VK_USTAT_SEGS, 1);
	if (g->flags & VK_SEGF_DNS) {
		on_dns(sl, g);
		return 0;
	}
	if (g->flags & VK_SEGF_QUIC) {
		on_quic(sl, g);
		return 0;
	}
	if (was_done(sl, &g->k, g->seq0, g->ts_ns)) {
		/* a repeat of what was read: not read again, not followed */
		slot_free(sl, g->slot, &g->k, g->seq0);
		return 0;
	}
	if (g->flags & VK_SEGF_DONE) {
		/* XDP read the first segment: what was held goes */
		s = vk_reasm_find(&sl->ra, &g->k, g->seq0);
		if (s) {
			ust_add(sl, VK_USTAT_NOT_HELLO, 1);
			vk_reasm_drop(&sl->ra, s);
		}
		return 0;
	}
	s = vk_reasm_add(&sl->ra, &g->k, g->seq0, g->slot, g->seq, g->data, g->len, g->ts_ns,
			 &err);
	if (s && (g->flags & (VK_SEGF_FIRST | VK_SEGF_NAMED)) == (VK_SEGF_FIRST | VK_SEGF_NAMED))
		s->flags |= VK_STREAM_NAMED;	/* XDP matched its name */
	/* the flow's first byte says what it is: XDP handed it up as the
	 * start of a hello (0x16) or of a request (a method) */
	if (s && s->contig && s->buf[0] != 0x16)
		try_http(sl, s, g);
	else if (s)
		try_hello(sl, s, g);
	else if (err == -E2BIG)
		slot_free(sl, g->slot, &g->k, g->seq0);
	sync_stats(sl);
	return 0;
}

static void on_expire(void *arg, const struct vk_stream *s)
{
	struct vk_slow *sl = arg;

	slot_free(sl, s->slot, &s->k, s->seq0);
}

void vk_slow_tick(struct vk_slow *sl, uint64_t now_ns)
{
	if (sl->derive && now_ns >= sl->derive->next_sweep_ns) {
		vk_derive_sweep(sl->derive, now_ns, NULL, NULL);
		sl->derive->next_sweep_ns = now_ns + 1000000000ull;
	}
	vk_reasm_expire(&sl->ra, now_ns, on_expire, sl);
	sync_stats(sl);
}
