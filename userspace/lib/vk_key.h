/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Indicator keys: what the dataplane matches on, normalised.
 *
 * A MISP attribute (type + value) becomes one key, or two for domain|ip.
 * Normalisation is the contract in docs/architecture.md: lowercase, no
 * trailing dot, IDN as punycode, canonical IPv6, CIDR host bits cleared;
 * values too broad to be safe are refused with a reason.
 */
#ifndef VK_KEY_H
#define VK_KEY_H

#include <stdint.h>
#include <stddef.h>
#include "../../kernel/vardkase_abi.h"

#define VK_NAME_TEXT_MAX	253	/* dotted, without the final dot */
/* The longest MISP value the parsers take (white space included): longer
 * ones are refused, never cut */
#define VK_VALUE_MAX		1023

/* MISP attribute types the dataplane enforces. */
enum vk_misp_type {
	VK_T_UNKNOWN = 0,
	VK_T_IP_SRC,
	VK_T_IP_DST,
	VK_T_IP_SRC_PORT,
	VK_T_IP_DST_PORT,
	VK_T_DOMAIN,
	VK_T_HOSTNAME,
	VK_T_DOMAIN_IP,
	VK_T_JA3,		/* ja3-fingerprint-md5 */
	VK_T_JA4,		/* a ja4-plus object's ja4-fingerprint (MISP type text) */
	VK_T_URL,		/* url: http only (vk_url.h) */
	VK_T_MAX
};

struct vk_key {
	uint8_t kind;		/* enum vk_kind */
	uint8_t plen;		/* address kinds: prefix length */
	uint16_t port;		/* *PORT kinds */
	/* network order; IPv4 in the first 4 bytes; aligned for the
	 * hashes' word loads (kernel/lib/hash.h) */
	uint8_t addr[16] __attribute__((aligned(8)));
	uint16_t name_len;	/* name and fingerprint kinds (vk_kind_is_text) */
	char name[VK_NAME_TEXT_MAX + 1];
};

/* Load what the rules need from the system (the public suffix list, at
 * /usr/share/publicsuffix): before a sandbox that may not open it. Called
 * by the parsers on first use too. */
void vk_key_init(void);

/* Returns the type for a type's name (MISP's, or "ja4-fingerprint"),
 * VK_T_UNKNOWN if not enforced. For the configuration's types list. */
enum vk_misp_type vk_misp_type_parse(const char *s);
/* The type of a MISP attribute: its type and (NULL when none) the
 * object_relation it has in its object. MISP has no JA4 type: a JA4 is
 * a text attribute of relation ja4-fingerprint in a ja4-plus object. */
enum vk_misp_type vk_misp_type_of(const char *type, const char *relation);
/* The type's name as the box shows it ("ja4-fingerprint" for JA4), and
 * the MISP type its attributes have (what restSearch filters on: "text"). */
const char *vk_misp_type_name(enum vk_misp_type t);
const char *vk_misp_type_wire(enum vk_misp_type t);

/*
 * Turn one MISP value of type t into keys (out[0], and out[1] for
 * domain|ip). Returns the number of keys (1 or 2), or -EINVAL with a
 * static, human-readable reason in *why.
 */
int vk_key_from_misp(enum vk_misp_type t, const char *value,
		     struct vk_key out[2], const char **why);

/* Single normalisers, same return convention (0 or -EINVAL + *why). */
int vk_key_ip(const char *s, struct vk_key *k, const char **why);
int vk_key_ip_port(const char *s, struct vk_key *k, const char **why);
int vk_key_name(const char *s, int kind, struct vk_key *k, const char **why);

/* Canonical text of a key ("10.0.0.0/8", "2001:db8::1", "1.2.3.4|80",
 * "evil.se"). Returns buf. */
char *vk_key_str(const struct vk_key *k, char *buf, size_t len);

/* Is k a key the parsers above could have made (kind, prefix length
 * within the bounds, no bits past the prefix, port, a name of [a-z0-9-_]
 * labels)? For binary keys that arrive from elsewhere (the agent's
 * updates, the state file). Returns 0 or -EINVAL. */
int vk_key_check(const struct vk_key *k);

/* Are the n keys what vk_key_from_misp makes for type t (their count and
 * kinds)? Returns 0 or -EINVAL. */
int vk_key_fits_type(enum vk_misp_type t, const struct vk_key *k, int n);

/* A 64-bit hash over the normalised key. */
uint64_t vk_key_hash(const struct vk_key *k);

/* Does the dotted lowercase name (n bytes) fall under key k: equal for a
 * hostname, equal or a subdomain on a label boundary for a domain. */
int vk_key_name_covers(const struct vk_key *k, const char *name, size_t n);

#endif
