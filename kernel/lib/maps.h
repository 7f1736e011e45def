/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP program's maps and per-CPU scratch area, in one place for the
 * entry programs (vardkase_xdp, vardkase_slow) and the libraries that
 * touch maps (flow.h). Included once, by vardkase.bpf.c.
 */
#ifndef VK_LIB_MAPS_H
#define VK_LIB_MAPS_H

/* 1 in `replay`: every match becomes an event (no rate limit). */
const volatile __u32 vk_replay = 0;

#define MMAP_ARRAY(name, vtype, n)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(map_flags, BPF_F_MMAPABLE);			\
		__uint(max_entries, n);					\
		__type(key, __u32);					\
		__type(value, vtype);					\
		__uint(pinning, LIBBPF_PIN_BY_NAME);			\
	} name SEC(".maps")

/* Sizes marked 1 are set by the loader from the configured capacities. */
MMAP_ARRAY(vk_config, struct vk_config, 1);
MMAP_ARRAY(vk_meta, struct vk_meta, 1);
MMAP_ARRAY(vk_v4_filter, __u64, VK_V4_FILTER_WORDS);
/* two /20 entries per element: array elements are 8-byte aligned, so a
 * lone __u32 would waste half the map; userspace sees a flat __u32[] */
struct vk_l20_pair { __u32 id[2]; };
MMAP_ARRAY(vk_v4_l20, struct vk_l20_pair, VK_V4_L20_ENTRIES / 2);
MMAP_ARRAY(vk_v4l24, struct vk_v4l24_slot, 1);
MMAP_ARRAY(vk_v4, struct vk_v4_slot, 1);
MMAP_ARRAY(vk_v4port, struct vk_v4port_slot, 1);
MMAP_ARRAY(vk_v4long, struct vk_v4long_slot, 1);
MMAP_ARRAY(vk_v6_filter, __u64, VK_V6_FILTER_WORDS);
MMAP_ARRAY(vk_v6_pfilter, __u64, VK_V6_PFILTER_WORDS);
MMAP_ARRAY(vk_v6, struct vk_v6_slot, 1);
MMAP_ARRAY(vk_v6port, struct vk_v6port_slot, 1);
MMAP_ARRAY(vk_v6pfx, struct vk_v6_slot, 1);
MMAP_ARRAY(vk_name_filter, __u64, VK_NAME_FILTER_WORDS);
MMAP_ARRAY(vk_names, struct vk_name_slot, 1);
/* One bit per id that ever matched: userspace reads only those counters,
 * not a per-CPU array of 1M ids (a second per read in batches). */
MMAP_ARRAY(vk_hits, __u64, 1);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vk_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vk_stats SEC(".maps");

/* Exact per-indicator match counters, indexed by id. Per-CPU: never
 * sampled, never contended. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vk_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VK_RL_ENTRIES);
	__type(key, struct vk_rl_key);
	__type(value, struct vk_rl_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vk_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VK_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vk_events SEC(".maps");

#define VK_MAX_MATCH	16
#define VK_MAX_CHAIN	32

/* Derived indicators (vardkase_abi.h), written by userspace. */
MMAP_ARRAY(vk_derived, struct vk_derived_slot, VK_DERIVED_SLOTS);
MMAP_ARRAY(vk_derived_bits, __u64, VK_DERIVED_BITS / 64);

/* The slow path: followed flows and the segments handed up. */
MMAP_ARRAY(vk_flows, struct vk_flow_slot, VK_FLOW_SLOTS);
MMAP_ARRAY(vk_flow_bits, __u64, VK_FLOW_SLOTS / 64);
/* Its statistics, written by userspace only (enum vk_ustat). */
MMAP_ARRAY(vk_ustats, __u64, VK_USTAT_SLOTS);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VK_SLOW_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vk_slow SEC(".maps");

struct vk_scratch {
	struct vk_qname q;
	struct vk_pkt pkt;
	__u32 nmatch;
	__u32 mid[VK_MAX_MATCH];
	__u8 msrc[VK_MAX_MATCH];
	__u32 ifindex;		/* what events report: the packet's, or */
	__u32 pkt_len;		/* the slow path's segment's */
	__u32 evflags;		/* VK_EVF_SLOW from the slow path */
	__u32 quiet;		/* names matched, not reported (a DNS response's) */
	__u32 flow;		/* the packet's vk_flows slot */
	struct vk_tls tls;	/* last: the fields every match touches stay together;
				 * its buf holds the segment for HTTP too */
	struct vk_http http;
	struct vk_outer outer;	/* the tunnel of a packet with pkt.encap set */
	struct vk_pkt inner;	/* vk_decap: the layer being opened */
	struct vk_event slow_in;	/* vardkase_slow's input */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vk_scratch);
} vk_scratch SEC(".maps");

static __always_inline struct vk_config *cfg_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vk_config, &zero);
}

static __always_inline struct vk_scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vk_scratch, &zero);
}

static __always_inline struct vk_stats *stats_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vk_stats, &zero);
}

static __always_inline int bit_test(void *map, __u32 bit)
{
	__u32 w = bit >> 6;
	__u64 *word = bpf_map_lookup_elem(map, &w);

	return word && ((*word >> (bit & 63)) & 1);
}

#endif /* VK_LIB_MAPS_H */
