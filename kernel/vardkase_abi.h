/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one ABI shared by the XDP program and every userspace reader and
 * writer of its maps. Every struct here crosses the kernel/user boundary,
 * so: fixed-width fields only, explicit padding, no bitfields, and a
 * _Static_assert on every size so a change on one side cannot silently
 * disagree with the other.
 *
 * Table layout (docs/architecture.md has the picture):
 *  - every indicator "key" (an address, prefix, address+port, name) owns an
 *    id in [1, id_capacity); counters and meta are arrays indexed by id;
 *  - the address and name tables are open-addressing arrays (linear probing,
 *    at most VK_MAX_PROBE slots from the home slot) mmapped by userspace,
 *    so a whole indicator set loads with memory writes, not syscalls;
 *  - a bitmap filter in front of each table answers most misses with one
 *    load from a cache-friendly array.
 */
#ifndef VARDKASE_ABI_H
#define VARDKASE_ABI_H

#include <linux/types.h>

#define VK_ABI_VERSION		2

/* Slot id values: 0 = never used (ends a probe), TOMB = deleted (probe on). */
#define VK_ID_EMPTY		0u
#define VK_ID_TOMB		0xffffffffu
#define VK_MAX_PROBE		64

/* DNS names: RFC 1035 limits, enforced by the parser. */
#define VK_NAME_MAX		255	/* wire-format bytes incl. length octets */
#define VK_LABEL_MAX		63
#define VK_MAX_LABELS		128

/* Prefix rules (docs/architecture.md: "too broad to be safe"). */
#define VK_V4_MIN_PREFIX	8
#define VK_V6_MIN_PREFIX	16

/* Fixed-size filters and the /20 table (bits / entries). */
#define VK_V4_FILTER_WORDS	(1u << 18)	/* 16M bits: one per IPv4 /24 */
#define VK_V4_L20_ENTRIES	(1u << 20)	/* best prefix <= /20 per /20 */
#define VK_V6_FILTER_WORDS	(1u << 16)	/* 4M bits, hashed full address */
#define VK_V6_PFILTER_WORDS	(1u << 14)	/* 1M bits, hashed /32 */
#define VK_NAME_FILTER_WORDS	(1u << 18)	/* 16M bits, hashed suffix */
#define VK_RL_ENTRIES		65536
#define VK_RINGBUF_BYTES	(4u << 20)

/* Indicator key kinds; also the meta.kind of an id. */
enum vk_kind {
	VK_KIND_NONE = 0,
	VK_KIND_V4 = 1,		/* address or prefix */
	VK_KIND_V6 = 2,
	VK_KIND_V4PORT = 3,	/* exact address + port */
	VK_KIND_V6PORT = 4,
	VK_KIND_DOMAIN = 5,	/* name and every subdomain */
	VK_KIND_HOST = 6,	/* exact name */
	VK_KIND_JA3 = 7,	/* a ClientHello's JA3 (32 hex digits), exact */
	VK_KIND_JA4 = 8,	/* a ClientHello's JA4 (36 characters), exact */
	VK_KIND_URL = 9,	/* an HTTP request's URL, normalised (vk_url.h), exact */
	VK_KIND_MAX
};

/* Dataplane modes (vk_config.mode). */
enum vk_mode {
	VK_MODE_MONITOR = 0,	/* XDP_PASS everything */
	VK_MODE_SPAN = 1,	/* inspect, then XDP_DROP (SPAN/TAP copies) */
};

/* Per-CPU statistics, indexes into the vk_stats map. */
enum vk_stat {
	VK_STAT_PACKETS = 0,
	VK_STAT_BYTES,
	VK_STAT_IPV4,
	VK_STAT_IPV6,
	VK_STAT_NON_IP,
	VK_STAT_FRAGMENTS,
	VK_STAT_DNS_QUERIES,
	VK_STAT_MATCHES,		/* (packet, id) matches */
	VK_STAT_EVENTS,			/* events written to the ring */
	VK_STAT_EVENTS_RATELIMITED,	/* suppressed by the per-host limit */
	VK_STAT_EVENTS_DROPPED,		/* ring buffer full */
	/* parse failures, by kind */
	VK_STAT_ERR_ETH_TRUNC,
	VK_STAT_ERR_VLAN_DEPTH,		/* more than VK_MAX_VLAN tags */
	VK_STAT_ERR_VLAN_TRUNC,
	VK_STAT_ERR_IPV4_TRUNC,
	VK_STAT_ERR_IPV4_HDR,		/* bad version, IHL or total length */
	VK_STAT_ERR_IPV6_TRUNC,
	VK_STAT_ERR_IPV6_EXT,		/* extension chain too long or broken */
	VK_STAT_ERR_L4_TRUNC,		/* TCP/UDP header cut short */
	VK_STAT_ERR_UDP_LEN,		/* UDP length field lies */
	VK_STAT_ERR_DNS_TRUNC,
	VK_STAT_ERR_DNS_LABEL,		/* label length > 63 */
	VK_STAT_ERR_DNS_NAME_LEN,	/* name > 255 bytes or > 128 labels */
	VK_STAT_ERR_DNS_POINTER,	/* compression pointer in a question */
	VK_STAT_ERR_DNS_HDR,		/* no question, or malformed header */
	/* TLS ClientHellos (any TCP port, by content) */
	VK_STAT_TLS_HELLOS,		/* a segment starting a ClientHello */
	VK_STAT_TLS_SNI_LATER,		/* its SNI lies past this segment */
	VK_STAT_ERR_TLS_HELLO,		/* lengths that do not add up */
	VK_STAT_ERR_TLS_NAME,		/* an SNI (or Host) that is not a DNS name */
	/* HTTP/1.x requests (any TCP port, by content) */
	VK_STAT_HTTP_REQUESTS,		/* a segment starting a request */
	VK_STAT_HTTP_HOST_LATER,	/* its Host lies past this segment */
	VK_STAT_ERR_HTTP,		/* a method, but no HTTP/1.x request line */
	/* TCP flows followed until their first bytes are read (vk_flows) */
	VK_STAT_FLOWS,			/* slots taken (a SYN, an unfinished hello) */
	VK_STAT_FLOWS_EVICTED,		/* a live slot taken by another flow */
	VK_STAT_SEGS_UP,		/* segment records handed to the slow path */
	VK_STAT_SEGS_DROPPED,		/* the slow ring was full */
	VK_STAT_SLOW_NAMES,		/* names the slow path had matched here */
	/* QUIC client Initials (UDP, any port, by content) */
	VK_STAT_QUIC_INITIALS,		/* handed to the slow path */
	VK_STAT_QUIC_LIMITED,		/* not: the flow had VK_QUIC_PER_FLOW */
	VK_STAT_QUIC_TOO_BIG,		/* not: over VK_SEG_DATA bytes */
	/* encapsulations opened (GRE, ERSPAN, VXLAN, Geneve, IP in IP, PPPoE, MPLS) */
	VK_STAT_DECAP,			/* packets read inside at least one tunnel */
	VK_STAT_ERR_ENCAP,		/* a tunnel header, or what it carries, broken */
	VK_STAT_ENCAP_DEPTH,		/* more than VK_MAX_ENCAP layers: the rest unread */
	/* DNS answers (vk_config.dns_answers) */
	VK_STAT_DNS_ANSWERS_UP,		/* responses to an indicator's name handed up */
	VK_STAT_MAX
};

/* vk_stats[0] on every CPU; 64 slots so an index masked with 63 is in
 * bounds for the verifier. (Pinned maps of another size are not reused:
 * a firmware update reboots, and `detach` drops them.) */
#define VK_STAT_SLOTS		64
#define VK_STAT_MASK		(VK_STAT_SLOTS - 1)
_Static_assert(VK_STAT_MAX <= VK_STAT_SLOTS, "stat slots");
struct vk_stats {
	__u64 v[VK_STAT_SLOTS];
};

#define VK_MAX_VLAN		3

/* vk_config[0]: the knobs userspace may change while the program runs. */
struct vk_config {
	__u32 abi_version;
	__u32 mode;			/* enum vk_mode */
	/* read for every packet: in the first cache line, beside mode (at
	 * the end of the struct they cost a data segment measurably) */
	/* DNS answers: 1 reads the responses to names with indicators (their
	 * addresses become derived indicators, vk_derived), 0 not */
	__u32 dns_answers;
	__u32 n_derived;		/* live vk_derived entries; 0 skips the probe */
	__u64 name_seed;		/* keys the name hash; fixed per pinned set */
	__u64 generation;		/* last indicator generation applied */
	__u32 id_capacity;
	__u32 v4_mask;			/* capacity - 1 of each table */
	__u32 v4port_mask;
	__u32 v4l24_mask;
	__u32 v4long_mask;
	__u32 v6_mask;
	__u32 v6port_mask;
	__u32 v6pfx_mask;
	__u32 name_mask;
	__u32 n_v4port;			/* entries loaded; 0 skips the probe */
	__u32 n_v6port;
	__u32 n_v6pfx;
	__u64 v6_pfx_lens[2];		/* bit (len - 64*i) for each /len loaded */
	__u32 rl_burst;			/* events per (id, local host) burst */
	__u32 rl_per_sec;		/* sustained events per second */
	/* fingerprint indicators loaded, by kind: with any, every ClientHello
	 * goes to the slow path, which makes the kinds that are loaded */
	__u32 n_ja3;
	__u32 n_ja4;
	__u32 hellos_up;		/* replay --hellos: every ClientHello goes up */
	__u32 n_url;			/* URL indicators: every HTTP request goes up */
};
_Static_assert(sizeof(struct vk_config) == 120, "vk_config ABI");

/* Kinds matched on a text the box reads (a name, a fingerprint): their
 * key is the text, in the name table. */
static inline int vk_kind_is_name(unsigned kind)
{
	return kind == VK_KIND_DOMAIN || kind == VK_KIND_HOST;
}

/* ... and those matched on their exact text (a fingerprint, a URL),
 * hashed under a seed of their own (lib/hash.h, vk_exact_hash) */
static inline int vk_kind_is_exact(unsigned kind)
{
	return kind == VK_KIND_JA3 || kind == VK_KIND_JA4 || kind == VK_KIND_URL;
}

static inline int vk_kind_is_text(unsigned kind)
{
	return vk_kind_is_name(kind) || vk_kind_is_exact(kind);
}

/* Per id. parent chains a prefix or address to the next shorter covering
 * prefix of the same family, so one longest match yields every match. */
struct vk_meta {
	__u32 parent;
	__u16 kind;			/* enum vk_kind; 0 = unused id */
	__u16 plen;			/* prefix length for address kinds */
};
_Static_assert(sizeof(struct vk_meta) == 8, "vk_meta ABI");

struct vk_v4_slot {			/* vk_v4: exact /32 */
	__u32 addr;			/* network byte order */
	__u32 id;
};
_Static_assert(sizeof(struct vk_v4_slot) == 8, "vk_v4_slot ABI");

struct vk_v4port_slot {			/* vk_v4port: address + port */
	__u32 addr;			/* network byte order */
	__u16 port;			/* host byte order */
	__u16 _pad;
	__u32 id;
	__u32 _pad2;
};
_Static_assert(sizeof(struct vk_v4port_slot) == 16, "vk_v4port_slot ABI");

/* vk_v4l24: one slot per /24 that holds a prefix of length 21..31. best
 * is the longest prefix <= /24 covering the whole /24. */
#define VK_L24_LONG_SHIFT	8	/* bit 8 + (len - 25) for len 25..31 */
struct vk_v4l24_slot {
	__u32 net24;			/* host byte order, addr >> 8 */
	__u32 best;
	__u32 flags;
	__u32 id;			/* slot liveness: 0 empty, TOMB, else 1 */
};
_Static_assert(sizeof(struct vk_v4l24_slot) == 16, "vk_v4l24_slot ABI");

struct vk_v4long_slot {			/* vk_v4long: prefixes /25../31 */
	__u32 net;			/* network byte order, host bits zero */
	__u32 plen;
	__u32 id;
	__u32 _pad;
};
_Static_assert(sizeof(struct vk_v4long_slot) == 16, "vk_v4long_slot ABI");

struct vk_v6_slot {			/* vk_v6 exact /128, vk_v6pfx */
	__u8 addr[16];
	__u32 plen;			/* 128 in vk_v6 */
	__u32 id;
};
_Static_assert(sizeof(struct vk_v6_slot) == 24, "vk_v6_slot ABI");

struct vk_v6port_slot {
	__u8 addr[16];
	__u16 port;
	__u16 _pad;
	__u32 id;
};
_Static_assert(sizeof(struct vk_v6port_slot) == 24, "vk_v6port_slot ABI");

/* vk_names: one slot per distinct name; a name may be both a domain and a
 * hostname indicator, each with its own id. */
struct vk_name_slot {
	__u64 hash;
	__u32 domain_id;
	__u32 host_id;
};
_Static_assert(sizeof(struct vk_name_slot) == 16, "vk_name_slot ABI");

/* Rate limiter key: (id, local host). */
struct vk_rl_key {
	__u32 id;
	__u32 family;
	__u8 host[16];
};
_Static_assert(sizeof(struct vk_rl_key) == 24, "vk_rl_key ABI");

struct vk_rl_state {
	__u64 last_ns;
	__u64 tokens_milli;		/* tokens x 1000, for sub-token refill */
};
_Static_assert(sizeof(struct vk_rl_state) == 16, "vk_rl_state ABI");

/* Where the match came from (vk_event.source). */
enum vk_source {
	VK_SRC_SRC_ADDR = 1,	/* the packet's source address */
	VK_SRC_DST_ADDR = 2,
	VK_SRC_DNS_QNAME = 3,
	VK_SRC_TLS_SNI = 4,	/* the server_name of a TLS ClientHello */
	VK_SRC_HTTP_HOST = 5,	/* the Host header of an HTTP/1.x request */
	VK_SRC_DNS_TCP = 6,	/* a DNS query name over TCP */
	VK_SRC_QUIC_SNI = 7,	/* the server_name of a QUIC Initial's ClientHello */
	VK_SRC_JA3 = 8,		/* the JA3 of a ClientHello (TLS or QUIC) */
	VK_SRC_JA4 = 9,		/* its JA4 */
	VK_SRC_HTTP_URL = 10,	/* the URL of an HTTP/1.x request (Host + target) */
	VK_SRC_DNS_ANSWER = 11,	/* the destination, an address a DNS answer gave
				 * for the indicator's name (vk_derived) */
	VK_SRC_MAX
};

/* Encapsulations the parser opens (docs/architecture.md, "Tunnels"). */
enum vk_encap {
	VK_ENCAP_NONE = 0,
	VK_ENCAP_GRE = 1,	/* GRE v0 (RFC 2784/2890): IPv4, IPv6, Ethernet, MPLS */
	VK_ENCAP_ERSPAN = 2,	/* GRE 0x88be (type I, II) or 0x22eb (type III) */
	VK_ENCAP_VXLAN = 3,	/* UDP 4789 and Linux's 8472 (RFC 7348) */
	VK_ENCAP_GENEVE = 4,	/* UDP 6081 (RFC 8926) */
	VK_ENCAP_VXLAN_GPE = 5,	/* UDP 4790 */
	VK_ENCAP_IPIP = 6,	/* IPv4 or IPv6 in IPv4 or IPv6 (protocols 4, 41) */
	VK_ENCAP_PPPOE = 7,	/* a PPPoE session (0x8864) */
	VK_ENCAP_MPLS = 8,	/* an MPLS label stack, a pseudowire's Ethernet too */
	VK_ENCAP_MAX
};
/* Layers opened, at most; a packet in more is read as the last one. */
#define VK_MAX_ENCAP		4

/* What the packet was carried in: the outermost tunnel's own addresses
 * (family 0 when that layer is not IP: PPPoE, MPLS), its kind and the
 * id it gives the tunnel (VXLAN/Geneve VNI, GRE key, ERSPAN session,
 * PPPoE session, MPLS bottom label; 0 when none), and the layers taken
 * off. All zero for a packet not in a tunnel. */
struct vk_outer {
	__u8 src[16];
	__u8 dst[16];
	__u32 tunnel_id;
	__u8 family;
	__u8 encap;			/* enum vk_encap */
	__u8 depth;			/* 1..VK_MAX_ENCAP */
	__u8 _pad;
};
_Static_assert(sizeof(struct vk_outer) == 40, "vk_outer ABI");

/* A match event in the ring buffer. Addresses are network byte order;
 * IPv4 sits in the first 4 bytes. name is the name matched (the query
 * name, the SNI), lowercased and dotted without the trailing dot
 * (name_len bytes, not terminated), so userspace can confirm the hash
 * match on the exact value. */
struct vk_event {
	__u64 ts_ns;			/* bpf_ktime_get_ns() */
	__u32 id;
	__u32 ifindex;
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;			/* host byte order, 0 when none */
	__u16 dport;
	__u16 vlan[VK_MAX_VLAN];	/* outer first; 0 = absent */
	__u8 family;			/* 4 or 6 */
	__u8 proto;			/* IPPROTO_* */
	__u8 source;			/* enum vk_source */
	__u8 flags;			/* VK_EVF_* */
	__u16 name_len;
	__u32 pkt_len;
	__u32 _pad;
	struct vk_outer outer;		/* the tunnel it came in, if any */
	char name[256];
};
#define VK_EVF_FRAGMENT		(1u << 0)
#define VK_EVF_SLOW		(1u << 1)	/* read by the slow path (reassembled) */
_Static_assert(sizeof(struct vk_event) == 368, "vk_event ABI");

/*
 * The slow path (docs/architecture.md, "The slow path"). A TCP flow whose
 * first client bytes XDP cannot read whole (a ClientHello whose SNI is in
 * a later segment) is followed in vk_flows, a direct-mapped table of
 * VK_FLOW_SLOTS, with one bit per slot in vk_flow_bits in front so a data
 * packet of any other flow costs one load. A SYN takes a slot too: data
 * that arrives before the first segment (out of order) is then handed up
 * and kept until the first segment says what the flow is. Segments in
 * [seq0, seq0 + window) of a followed flow go to userspace through the
 * vk_slow ring as struct vk_seg records; userspace reassembles and parses
 * them and frees the slot (window = 0, then the bit) when it is done.
 * Every slot also ends VK_FLOW_TTL_NS after it was taken.
 *
 * What userspace reads it matches through the vardkase_slow program: a
 * struct vk_event (id 0, the name dotted in name, the tuple of the
 * segment that completed it) is its BPF_PROG_TEST_RUN input, and the
 * name is matched, counted, rate-limited and reported exactly as XDP
 * does, with VK_EVF_SLOW set.
 */
#define VK_FLOW_SLOTS		(1u << 16)
#define VK_FLOW_TTL_NS		(10ull * 1000000000ull)
/* bytes of a flow handed up: a ClientHello of 65535 bytes in 5-byte
 * record headers each holding one byte would need more; userspace stops
 * at VK_HELLO_MAX anyway */
#define VK_FLOW_WINDOW		(24u * 1024)
#define VK_SEG_DATA		2048	/* payload bytes per record */
#define VK_SEG_RECORDS		8	/* records per segment, at most */
_Static_assert((VK_SEG_DATA & (VK_SEG_DATA - 1)) == 0, "VK_SEG_DATA masks lengths");
#define VK_SLOW_RINGBUF_BYTES	(4u << 20)

enum vk_flow_state {
	VK_FLOW_FREE = 0,
	VK_FLOW_SYN = 1,	/* a SYN seen; the first data not yet */
	VK_FLOW_HELLO = 2,	/* the first data is an unfinished ClientHello
				 * (or HTTP request: userspace tells them apart) */
	VK_FLOW_QUIC = 3,	/* QUIC Initials went up (held counts them) */
};
/* Initial datagrams a QUIC flow hands up per slot (its TTL): a client
 * sends one or two (a post-quantum hello spans two), more on loss. */
#define VK_QUIC_PER_FLOW	8

/* A flow's client side: the client's address and port are src. */
struct vk_flow_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport;			/* host byte order */
	__u16 dport;
	__u8 family;
	__u8 _pad[3];
};
_Static_assert(sizeof(struct vk_flow_key) == 40, "vk_flow_key ABI");

struct vk_flow_slot {
	struct vk_flow_key k;
	__u32 seq0;			/* sequence number of the first data byte */
	__u32 window;			/* bytes from seq0 handed up; 0 = free */
	__u64 expires_ns;		/* bpf_ktime_get_ns() */
	__u32 state;			/* enum vk_flow_state */
	__u32 held;			/* segments went up before the first one */
};
_Static_assert(sizeof(struct vk_flow_slot) == 64, "vk_flow_slot ABI");

#define VK_SEGF_FIRST		(1u << 0)	/* the flow's first data segment */
#define VK_SEGF_DONE		(1u << 1)	/* XDP read the name: drop the flow */
#define VK_SEGF_QUIC		(1u << 2)	/* a whole UDP datagram: a QUIC Initial */
#define VK_SEGF_DNS		(1u << 4)	/* a DNS response whose question has an
						 * indicator: its answers are read */
#define VK_SEGF_NAMED		(1u << 3)	/* first segment of a hello or request XDP
						 * read (its name matched): fingerprints,
						 * the URL only */

/* One record of the vk_slow ring: len bytes of a TCP segment's payload
 * at sequence number seq, of the flow in slot `slot` whose first data
 * byte is seq0. */
struct vk_seg {
	__u64 ts_ns;
	struct vk_flow_key k;
	__u32 ifindex;
	__u32 slot;
	__u32 seq0;
	__u32 seq;
	__u32 pkt_len;			/* the frame's length */
	__u16 vlan[VK_MAX_VLAN];
	__u16 len;			/* bytes in data */
	__u8 proto;
	__u8 flags;			/* VK_SEGF_* */
	__u8 _pad[2];
	struct vk_outer outer;		/* the tunnel it came in, if any */
	__u8 data[VK_SEG_DATA];
};
_Static_assert(sizeof(struct vk_seg) == 120 + VK_SEG_DATA, "vk_seg ABI");

/* Statistics of the slow path, kept by userspace in vk_ustats (one
 * writer: the dataplane process) so `stats` reads them from the pins. */
enum vk_ustat {
	VK_USTAT_SEGS = 0,		/* records read from the ring */
	VK_USTAT_HELLOS,		/* ClientHellos reassembled and read */
	VK_USTAT_SNI,			/* ... with a server_name */
	VK_USTAT_ECH,			/* ... with encrypted_client_hello */
	VK_USTAT_ERR_HELLO,		/* lengths that do not add up */
	VK_USTAT_TOO_BIG,		/* a hello over VK_HELLO_MAX */
	VK_USTAT_TIMEOUTS,		/* flows given up: no more bytes came */
	VK_USTAT_EVICTED,		/* flows dropped for the memory cap */
	VK_USTAT_OVERLAP,		/* retransmitted bytes that differ */
	VK_USTAT_NOT_HELLO,		/* held data of a flow that was not TLS */
	VK_USTAT_MATCH_FAIL,		/* vardkase_slow could not run */
	VK_USTAT_QUIC_PACKETS,		/* Initial packets decrypted */
	VK_USTAT_QUIC_BAD,		/* ... that did not: tag, length, frames */
	VK_USTAT_QUIC_HELLOS,		/* ClientHellos read from CRYPTO frames */
	VK_USTAT_HTTP_REQUESTS,		/* HTTP requests put together and read */
	VK_USTAT_HTTP_NO_HOST,		/* ... without a Host in their first 2 KiB */
	VK_USTAT_DONE_FULL,		/* a stream read 10 s ago or less forgotten */
	VK_USTAT_FP,			/* hellos fingerprinted (JA3 and JA4) */
	VK_USTAT_FP_LONG,		/* ... not: a list longer than the reader keeps */
	VK_USTAT_HTTP_NO_URL,		/* requests whose URL does not normalise */
	VK_USTAT_DNS_ANSWERS,		/* responses read for derived addresses */
	VK_USTAT_DERIVED,		/* addresses learned (or renewed) from them */
	VK_USTAT_DERIVED_FULL,		/* ... that pushed a live one out */
	VK_USTAT_DNS_BAD,		/* responses that did not parse */
	VK_USTAT_MAX
};
#define VK_USTAT_SLOTS		32
_Static_assert(VK_USTAT_MAX <= VK_USTAT_SLOTS, "ustat slots");

/*
 * Derived indicators (docs/architecture.md, "DNS answers"): an address a
 * DNS response gave for a name with an indicator, matched as a packet's
 * destination until expires_ns, as a match of that indicator's id. Sets of
 * VK_DERIVED_WAYS slots from vk_derived_hash; an empty slot has id 0
 * (no tombstones: a probe looks at every slot of its set). Userspace
 * writes them (addr, family, expires first, id last) and keeps the names
 * beside; vk_derived_bits, one bit per hash, is the filter in front.
 */
#define VK_DERIVED_SLOTS	16384
#define VK_DERIVED_WAYS		4
#define VK_DERIVED_BITS		65536
struct vk_derived_slot {
	__u8 addr[16];			/* network order; IPv4 in the first 4 */
	__u64 expires_ns;		/* bpf_ktime_get_ns() */
	__u32 id;			/* the name indicator's; 0 = empty */
	__u8 family;
	__u8 _pad[3];
};
_Static_assert(sizeof(struct vk_derived_slot) == 32, "vk_derived_slot ABI");
_Static_assert((VK_DERIVED_SLOTS & (VK_DERIVED_SLOTS - 1)) == 0, "slots mask");

#endif /* VARDKASE_ABI_H */
