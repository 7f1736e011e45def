/* SPDX-License-Identifier: GPL-2.0-only */
/* From a ring-buffer event to reported matches: confirm the hash match on
 * the exact value, then one JSON object per (event, attribute). */
#ifndef VK_EVENT_H
#define VK_EVENT_H

#include <stdio.h>
#include "vk_tables.h"

/* Returns the entry the event matched, or NULL when the event does not
 * confirm (unknown id, or a name that is not under the indicator: a hash
 * collision, which must never be reported). */
const struct vk_ent *vk_event_confirm(const struct vk_tables *t, const struct vk_event *ev);

/* What the event matched on, as the contract names it (MatchEvent.
 * matched_on): "src", "dst", "dns_qname", "dns_tcp", "tls_sni",
 * "quic_sni" or "http_host". */
const char *vk_event_source(const struct vk_event *ev);

/* The tunnel an event came in, as the contract names it (MatchEvent.
 * encap): "gre", "erspan", "vxlan", "geneve", "vxlan-gpe", "ipip",
 * "pppoe", "mpls"; "" for none, "unknown" for a value this build does not
 * know. */
const char *vk_encap_name(unsigned int encap);

/* The outer tunnel's addresses as text into src and dst (each
 * INET6_ADDRSTRLEN bytes), "" when the event came in none or in one that
 * is not IP. Returns the encap name. */
const char *vk_event_outer(const struct vk_event *ev, char *src, char *dst);

/* Does the event carry the name it matched (ev->name)? */
static inline int vk_event_named(const struct vk_event *ev)
{
	return ev->source >= VK_SRC_DNS_QNAME && ev->source < VK_SRC_MAX;
}

/* The event as it is reported: a match of a derived address (DNS
 * answers) gets the name the address was learned for, from t's derived
 * addresses (none when the address is no longer that id's: the event
 * does not confirm). Returns ev, or tmp filled. */
const struct vk_event *vk_event_resolve(const struct vk_tables *t, const struct vk_event *ev,
					struct vk_event *tmp);

/* Print one JSON line per attribute of e; frame > 0 adds "frame", a
 * non-NULL pcap adds "pcap". Returns the number of lines. */
int vk_event_print(FILE *out, const struct vk_event *ev, const struct vk_ent *e,
		   unsigned long frame, const char *pcap);

#endif
