/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Hashes shared by the XDP program, the userspace table builder and (later)
 * the DPDK path: header-only, no helpers, no libc, so every path computes
 * the same home slot and the same name hash for the same bytes.
 */
#ifndef VK_LIB_HASH_H
#define VK_LIB_HASH_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* murmur3 finaliser: every input bit reaches the low bits we mask with. */
static __always_inline __u32 vk_fmix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static __always_inline __u64 vk_fmix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* addr in network byte order; the hash does not care about byte order as
 * long as every path feeds it the same bytes. */
static __always_inline __u32 vk_hash_v4(__u32 addr)
{
	return vk_fmix32(addr ^ 0x5bd1e995u);
}

static __always_inline __u32 vk_hash_v4port(__u32 addr, __u16 port)
{
	return vk_fmix32(addr ^ ((__u32)port * 0x9e3779b1u) ^ 0x27d4eb2fu);
}

static __always_inline __u32 vk_hash_v4long(__u32 net, __u32 plen)
{
	return vk_fmix32(net ^ (plen * 0x9e3779b1u) ^ 0x165667b1u);
}

static __always_inline __u32 vk_hash_l24(__u32 net24)
{
	return vk_fmix32(net24 ^ 0x3c6ef372u);
}

/* Reads the 16 bytes as four words, the same on every little- or
 * big-endian path because both sides read memory the same way. */
static __always_inline __u32 vk_hash_v6(const __u8 *a, __u32 plen, __u32 port)
{
	const __u32 *w = (const __u32 *)a;
	__u64 x = ((__u64)w[0] << 32 | w[1]) * 0x9e3779b97f4a7c15ull;

	x ^= ((__u64)w[2] << 32 | w[3]) + 0x632be59bd9b4e019ull;
	x ^= ((__u64)plen << 32) | port;
	return (__u32)vk_fmix64(x);
}

/* The IPv6 prefix pre-filter is keyed by the top 32 bits (a /32). */
static __always_inline __u32 vk_hash_v6_32(const __u8 *a)
{
	return vk_fmix32(*(const __u32 *)a ^ 0x7f4a7c15u);
}

/* A derived address's hash (vardkase_abi.h, vk_derived): set and bit. */
static __always_inline __u32 vk_derived_hash(const __u8 *a, __u8 family)
{
	return family == 4 ? vk_hash_v4(*(const __u32 *)a) : vk_hash_v6(a, 128, 0);
}

static __always_inline __u32 vk_rotl32(__u32 x, int r)
{
	return x << r | x >> (32 - r);
}

/* A TCP flow's slot (vk_flows): its client and server address and port.
 * Every data segment pays for it, so it is cheap: the words folded, two
 * multiplications (userspace sets that must not collide hash the whole
 * key with vk_fmix64); the top bits are the slot (VK_FLOW_SLOTS is 2^16). Not
 * keyed: a host that floods slots to push another flow out needs no hash
 * to do it (64k SYNs do), and that is counted. */
static __always_inline __u32 vk_hash_flow(const __u8 *src, const __u8 *dst, __u16 sport,
					  __u16 dport)
{
	const __u32 *a = (const __u32 *)src, *b = (const __u32 *)dst;
	/* words rotated apart, so hosts of one /64 differing in two words
	 * do not cancel out */
	__u32 x = (a[0] ^ vk_rotl32(a[1], 8) ^ vk_rotl32(a[2], 16) ^ vk_rotl32(a[3], 24)) *
		  0x9e3779b1u;

	x ^= b[0] ^ vk_rotl32(b[1], 8) ^ vk_rotl32(b[2], 16) ^ vk_rotl32(b[3], 24) ^
	     ((__u32)sport << 16 | dport);
	x *= 0x85ebca6bu;
	return x ^ (x >> 15);
}

/*
 * Names. A suffix hash is built right to left, one label at a time:
 *   S(n+1) = seed,  S(i) = fmix64(S(i+1) ^ L(label i))
 * where L is FNV-1a over the lowercased label bytes and its length. The
 * XDP program therefore hashes a name once and gets the hash of every
 * suffix on a label boundary, which is what domain matching needs.
 */
#define VK_FNV64_OFFSET	0xcbf29ce484222325ull
#define VK_FNV64_PRIME	0x100000001b3ull

static __always_inline __u64 vk_label_step(__u64 h, __u8 c)
{
	return (h ^ c) * VK_FNV64_PRIME;
}

static __always_inline __u64 vk_suffix_step(__u64 suffix, __u64 label)
{
	return vk_fmix64(suffix ^ label);
}

/* An exact text's hash in the name table (a fingerprint, a URL:
 * vk_kind_is_exact): FNV-1a over its bytes as they are (no case folding:
 * a URL's path has case) and its length, under a seed of its own per
 * kind, so no name and no text of another kind hashes alike. t is the
 * FNV-1a state after the bytes (vk_label_step from VK_FNV64_OFFSET). */
static __always_inline __u64 vk_exact_hash(__u64 name_seed, __u32 kind, __u64 t, __u32 len)
{
	return vk_suffix_step(vk_fmix64(name_seed ^ (0x9e3779b97f4a7c15ull * kind)),
			      vk_label_step(t, (__u8)len));
}

static __always_inline __u8 vk_lower(__u8 c)
{
	return (c >= 'A' && c <= 'Z') ? (__u8)(c + 32) : c;
}

#ifndef __bpf__
/* FNV-1a of a NUL-terminated string, going on from h (userspace only: no
 * loop bound). Uuid indexes take vk_fmix64(vk_fnv64_str(VK_FNV64_OFFSET,
 * uuid)), as vk_uuid_hash() does. */
static inline __u64 vk_fnv64_str(__u64 h, const char *s)
{
	for (; *s; s++)
		h = vk_label_step(h, (__u8)*s);
	return h;
}

static inline __u64 vk_uuid_hash(const char *uuid)
{
	return vk_fmix64(vk_fnv64_str(VK_FNV64_OFFSET, uuid));
}
#endif

#endif /* VK_LIB_HASH_H */
