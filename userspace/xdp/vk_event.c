// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "vk_event.h"
#include "vk_derive.h"
#include "../../kernel/lib/parse.h"

static int prefix_has(const struct vk_ent *e, const uint8_t *a, int bytes)
{
	int full = e->plen / 8, rem = e->plen % 8;

	if (e->plen > bytes * 8 || memcmp(e->addr, a, full))
		return 0;
	return !rem || ((e->addr[full] ^ a[full]) & (0xff << (8 - rem))) == 0;
}

const struct vk_event *vk_event_resolve(const struct vk_tables *t, const struct vk_event *ev,
					struct vk_event *tmp)
{
	const char *name;
	size_t n;

	if (ev->source != VK_SRC_DNS_ANSWER)
		return ev;
	*tmp = *ev;
	tmp->name_len = 0;
	name = t->derive ? vk_derive_name(t->derive, ev->dst, ev->family, ev->id, ev->ts_ns) : NULL;
	if (name) {
		n = strlen(name);
		memcpy(tmp->name, name, n);
		tmp->name_len = (uint16_t)n;
	}
	return tmp;
}

const struct vk_ent *vk_event_confirm(const struct vk_tables *t, const struct vk_event *ev)
{
	const struct vk_ent *e = vk_tables_entry(t, ev->id);
	const uint8_t *a = ev->source == VK_SRC_SRC_ADDR ? ev->src : ev->dst;
	uint16_t port = ev->source == VK_SRC_SRC_ADDR ? ev->sport : ev->dport;
	struct vk_key k;

	if (!e)
		return NULL;
	switch (e->kind) {
	case VK_KIND_JA3:
	case VK_KIND_JA4:
	case VK_KIND_URL:
		/* exact, and only what was read as that kind */
		if (ev->source != (e->kind == VK_KIND_JA3 ? VK_SRC_JA3 :
				   e->kind == VK_KIND_JA4 ? VK_SRC_JA4 : VK_SRC_HTTP_URL) ||
		    ev->name_len != e->name_len || memcmp(ev->name, e->name, e->name_len))
			return NULL;
		return e;
	case VK_KIND_DOMAIN:
	case VK_KIND_HOST:
		if (!vk_event_named(ev) || ev->source == VK_SRC_JA3 || ev->source == VK_SRC_JA4 ||
		    ev->source == VK_SRC_HTTP_URL || ev->name_len > sizeof(ev->name))
			return NULL;
		vk_ent_key(e, &k);
		return vk_key_name_covers(&k, ev->name, ev->name_len) ? e : NULL;
	case VK_KIND_V4:
		if (ev->family == 6 && vk_nat64(a))	/* the IPv4 side of NAT64 */
			return prefix_has(e, a + 12, 4) ? e : NULL;
		return ev->family == 4 && prefix_has(e, a, 4) ? e : NULL;
	case VK_KIND_V6:
		return ev->family == 6 && prefix_has(e, a, 16) ? e : NULL;
	case VK_KIND_V4PORT:
		if (ev->family == 6 && vk_nat64(a))
			a += 12;
		else if (ev->family != 4)
			return NULL;
		return !memcmp(e->addr, a, 4) && e->port == port ? e : NULL;
	case VK_KIND_V6PORT:
		return ev->family == 6 && !memcmp(e->addr, a, 16) && e->port == port ? e : NULL;
	}
	return NULL;
}

const char *vk_event_source(const struct vk_event *ev)
{
	switch (ev->source) {
	case VK_SRC_SRC_ADDR: return "src";
	case VK_SRC_DST_ADDR: return "dst";
	case VK_SRC_DNS_QNAME: return "dns_qname";
	case VK_SRC_TLS_SNI: return "tls_sni";
	case VK_SRC_HTTP_HOST: return "http_host";
	case VK_SRC_DNS_TCP: return "dns_tcp";
	case VK_SRC_QUIC_SNI: return "quic_sni";
	case VK_SRC_JA3: return "ja3";
	case VK_SRC_JA4: return "ja4";
	case VK_SRC_HTTP_URL: return "http_url";
	case VK_SRC_DNS_ANSWER: return "dns_answer";
	default: return "unknown";
	}
}

const char *vk_encap_name(unsigned int encap)
{
	static const char *const names[VK_ENCAP_MAX] = {
		[VK_ENCAP_NONE] = "", [VK_ENCAP_GRE] = "gre", [VK_ENCAP_ERSPAN] = "erspan",
		[VK_ENCAP_VXLAN] = "vxlan", [VK_ENCAP_GENEVE] = "geneve",
		[VK_ENCAP_VXLAN_GPE] = "vxlan-gpe", [VK_ENCAP_IPIP] = "ipip",
		[VK_ENCAP_PPPOE] = "pppoe", [VK_ENCAP_MPLS] = "mpls",
	};

	return encap < VK_ENCAP_MAX ? names[encap] : "unknown";
}

const char *vk_event_outer(const struct vk_event *ev, char *src, char *dst)
{
	const struct vk_outer *o = &ev->outer;

	src[0] = dst[0] = 0;
	if (!o->encap)
		return "";
	if (o->family == 4 || o->family == 6) {
		inet_ntop(o->family == 4 ? AF_INET : AF_INET6, o->src, src, INET6_ADDRSTRLEN);
		inet_ntop(o->family == 4 ? AF_INET : AF_INET6, o->dst, dst, INET6_ADDRSTRLEN);
	}
	return vk_encap_name(o->encap);
}

int vk_event_print(FILE *out, const struct vk_event *ev, const struct vk_ent *e,
		   unsigned long frame, const char *pcap)
{
	int fam = ev->family == 4 ? AF_INET : AF_INET6;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ind[300];
	struct vk_key k;
	uint32_t i;
	int n = 0;

	inet_ntop(fam, ev->src, src, sizeof(src));
	inet_ntop(fam, ev->dst, dst, sizeof(dst));
	vk_ent_key(e, &k);
	vk_key_str(&k, ind, sizeof(ind));
	for (i = 0; i < e->nattr; i++) {
		json_t *o = json_object(), *vl = json_array();
		char *s;
		int j;

		if (pcap)
			json_object_set_new(o, "pcap", json_string(pcap));
		if (frame)
			json_object_set_new(o, "frame", json_integer((json_int_t)frame));
		json_object_set_new(o, "attribute_uuid", json_string(e->attrs[i].uuid));
		json_object_set_new(o, "type", json_string(vk_misp_type_name(e->attrs[i].type)));
		json_object_set_new(o, "value", json_string(e->attrs[i].value));
		json_object_set_new(o, "indicator", json_string(ind));
		json_object_set_new(o, "matched_on", json_string(vk_event_source(ev)));
		json_object_set_new(o, "src", json_string(src));
		json_object_set_new(o, "dst", json_string(dst));
		json_object_set_new(o, "proto", json_integer(ev->proto));
		if (ev->sport || ev->dport) {
			json_object_set_new(o, "sport", json_integer(ev->sport));
			json_object_set_new(o, "dport", json_integer(ev->dport));
		}
		if (vk_event_named(ev) && ev->name_len <= sizeof(ev->name))
			json_object_set_new(o, "name", json_stringn(ev->name, ev->name_len));
		for (j = 0; j < VK_MAX_VLAN && ev->vlan[j]; j++)
			json_array_append_new(vl, json_integer(ev->vlan[j]));
		if (json_array_size(vl))
			json_object_set(o, "vlan", vl);
		json_decref(vl);
		if (ev->outer.encap) {	/* the tunnel it came in */
			char os[INET6_ADDRSTRLEN], od[INET6_ADDRSTRLEN];
			json_t *t = json_object();

			json_object_set_new(t, "encap", json_string(vk_event_outer(ev, os, od)));
			if (os[0]) {
				json_object_set_new(t, "src", json_string(os));
				json_object_set_new(t, "dst", json_string(od));
			}
			json_object_set_new(t, "tunnel_id", json_integer(ev->outer.tunnel_id));
			json_object_set_new(t, "depth", json_integer(ev->outer.depth));
			json_object_set_new(o, "outer", t);
		}
		if (ev->flags & VK_EVF_FRAGMENT)
			json_object_set_new(o, "fragment", json_true());
		if (ev->flags & VK_EVF_SLOW)	/* read from several segments */
			json_object_set_new(o, "reassembled", json_true());
		json_object_set_new(o, "ifindex", json_integer(ev->ifindex));
		json_object_set_new(o, "ts_ns", json_integer((json_int_t)ev->ts_ns));
		s = json_dumps(o, JSON_COMPACT);
		if (s) {
			fprintf(out, "%s\n", s);
			free(s);
			n++;
		}
		json_decref(o);
	}
	return n;
}
