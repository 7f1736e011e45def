// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "../lib/vk_key.h"
#include "../lib/vk_ipc.h"

struct parse {
	struct vk_conf *c;
	char why[200];
};

static int set_str(char *dst, size_t len, const char *v, char *why, size_t wl)
{
	if (strlen(v) >= len) {
		snprintf(why, wl, "value too long");
		return 0;
	}
	strcpy(dst, v);
	return 1;
}

static int set_uint(unsigned *dst, const char *v, unsigned min, unsigned max, char *why, size_t wl)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (!*v || *end || errno || x < min || x > max) {
		snprintf(why, wl, "expected a whole number from %u to %u, got '%s'", min, max, v);
		return 0;
	}
	*dst = (unsigned)x;
	return 1;
}

static int set_types(uint32_t *dst, const char *v, char *why, size_t wl)
{
	char buf[512], *tok, *save = NULL;

	*dst = 0;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		enum vk_misp_type t = vk_misp_type_parse(tok);

		if (t == VK_T_UNKNOWN) {
			snprintf(why, wl, "unknown or unsupported type '%s'", tok);
			return 0;
		}
		*dst |= 1u << t;
	}
	if (!*dst) {
		snprintf(why, wl, "no type given");
		return 0;
	}
	return 1;
}

static int set_bool(int *dst, const char *v, const char *t, const char *f, char *why, size_t wl)
{
	if (!strcmp(v, t) || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*dst = 1;
		return 1;
	}
	if (!strcmp(v, f) || !strcmp(v, "no") || !strcmp(v, "false")) {
		*dst = 0;
		return 1;
	}
	snprintf(why, wl, "expected %s or %s, got '%s'", t, f, v);
	return 0;
}

static int handle(struct parse *p, const char *sec, const char *key, const char *v,
		  char *w, size_t wl)
{
	struct vk_conf *c = p->c;

#define IS(s, k) (!strcmp(sec, s) && !strcmp(key, k))
#define STR(f) set_str(c->f, sizeof(c->f), v, w, wl)
	if (IS("upstream", "url")) return STR(url);
	if (IS("upstream", "address")) return STR(address);
	if (IS("upstream", "ca")) return STR(ca);
	if (IS("upstream", "client_cert")) return STR(client_cert);
	if (IS("upstream", "client_key")) return STR(client_key);
	if (IS("upstream", "api_key_file")) return STR(api_key_file);
	if (IS("upstream", "poll_interval")) return set_uint(&c->poll_interval, v, 5, 86400, w, wl);
	if (IS("upstream", "full_resync")) return set_uint(&c->full_resync, v, 60, 30 * 86400, w, wl);
	if (IS("upstream", "page_size")) return set_uint(&c->page_size, v, 1, 100000, w, wl);
	if (IS("upstream", "connect_timeout")) return set_uint(&c->connect_timeout, v, 1, 300, w, wl);
	if (IS("upstream", "read_timeout")) return set_uint(&c->read_timeout, v, 1, 600, w, wl);
	if (IS("upstream", "total_timeout")) return set_uint(&c->total_timeout, v, 1, 3600, w, wl);
	if (IS("upstream", "max_response_mb")) return set_uint(&c->max_response_mb, v, 1, 4096, w, wl);
	if (IS("upstream", "max_pull_attributes"))
		return set_uint(&c->max_pull_attributes, v, 1000, 100000000, w, wl);
	if (IS("upstream", "max_pull_mb")) return set_uint(&c->max_pull_mb, v, 1, 1048576, w, wl);
	if (IS("upstream", "jitter_percent")) return set_uint(&c->jitter_percent, v, 0, 50, w, wl);
	if (IS("upstream", "overlap")) return set_uint(&c->overlap, v, 0, 3600, w, wl);
	if (IS("upstream", "removal_warn_percent"))
		return set_uint(&c->removal_warn_percent, v, 0, 100, w, wl);
	if (IS("indicators", "types")) return set_types(&c->types, v, w, wl);
	if (IS("indicators", "warninglists")) return STR(warninglists);
	if (IS("indicators", "decaying_model")) return set_uint(&c->decaying_model, v, 0, 1000000, w, wl);
	if (IS("indicators", "decay_threshold")) return set_uint(&c->decay_threshold, v, 0, 100, w, wl);
	if (IS("agent", "state_dir")) return STR(state_dir);
	if (IS("agent", "dataplane_socket")) return STR(dataplane_socket);
	if (IS("agent", "console_socket")) return STR(console_socket);
	if (IS("agent", "operator_group")) return STR(operator_group);
	if (IS("agent", "user")) return STR(user);
	if (IS("sightings", "local_networks")) return STR(local_networks);
	if (IS("sightings", "bucket")) return set_uint(&c->bucket, v, 1, 86400, w, wl);
	if (IS("sightings", "retention_days")) return set_uint(&c->retention_days, v, 1, 3650, w, wl);
	if (IS("sightings", "max_db_mb")) return set_uint(&c->max_db_mb, v, 0, 1 << 20, w, wl);
	if (IS("report", "mode")) return set_bool(&c->report, v, "aggregate", "off", w, wl);
	if (IS("report", "source")) return STR(source);
	if (IS("report", "box_id")) return STR(box_id);
	if (IS("report", "bucket")) return set_uint(&c->report_bucket, v, 1, 86400, w, wl);
	if (IS("report", "min_count")) return set_uint(&c->min_count, v, 1, 1000000, w, wl);
	if (IS("report", "tlp_red")) return set_bool(&c->report_tlp_red, v, "report", "never", w, wl);
	if (IS("report", "dns_answers"))
		return set_bool(&c->report_dns_answers, v, "report", "local", w, wl);
	if (IS("report", "batch")) return set_uint(&c->batch, v, 1, 1000, w, wl);
#undef IS
#undef STR
	snprintf(w, wl, "unknown key");
	return 0;
}

/* inih goes on after an error and reports the first error's line: keep
 * the first reason too. */
static int handler(void *user, const char *sec, const char *key, const char *v)
{
	struct parse *p = user;
	char why[160];

	if (handle(p, sec, key, v, why, sizeof(why)))
		return 1;
	if (!p->why[0])
		snprintf(p->why, sizeof(p->why), "[%s] %s: %s", sec, key, why);
	return 0;
}

int vk_conf_load(struct vk_conf *c, const char *path, char *err, size_t errlen)
{
	struct parse p = { .c = c };
	int line;

	memset(c, 0, sizeof(*c));
	c->poll_interval = 300;
	c->full_resync = 86400;
	c->page_size = 5000;
	c->connect_timeout = 10;
	c->read_timeout = 30;
	c->total_timeout = 300;
	c->max_response_mb = 256;
	c->max_pull_attributes = 4000000;
	c->max_pull_mb = 16384;
	c->jitter_percent = 10;
	c->overlap = 60;
	c->removal_warn_percent = 50;
	c->types = 1u << VK_T_IP_SRC | 1u << VK_T_IP_DST | 1u << VK_T_IP_SRC_PORT |
		   1u << VK_T_IP_DST_PORT | 1u << VK_T_DOMAIN | 1u << VK_T_HOSTNAME |
		   1u << VK_T_DOMAIN_IP | 1u << VK_T_JA3 | 1u << VK_T_JA4 | 1u << VK_T_URL;
	strcpy(c->state_dir, "/var/lib/vardkase");
	strcpy(c->dataplane_socket, VK_SOCKET_DEFAULT);
	strcpy(c->console_socket, VK_CONSOLE_DEFAULT);
	strcpy(c->operator_group, "vardkase-op");
	strcpy(c->user, "vardkase");
	c->bucket = 60;
	c->retention_days = 90;
	c->report = 1;
	c->report_bucket = 300;
	c->min_count = 1;
	c->batch = 100;
	line = ini_parse(path, handler, &p);
	if (line < 0) {
		snprintf(err, errlen, "%s: %s", path, line == -1 ? "cannot open" : "out of memory");
		return -1;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 p.why[0] ? p.why : "not a key = value line or [section]");
		return -1;
	}
	if (!c->url[0] || !c->ca[0] || !c->api_key_file[0]) {
		snprintf(err, errlen, "%s: [upstream] url, ca and api_key_file are required", path);
		return -1;
	}
	if (vk_conf_local_nets(c, NULL, 0, err, errlen) < 0)
		return -1;
	if (!c->client_cert[0] != !c->client_key[0]) {
		snprintf(err, errlen, "%s: [upstream] client_cert and client_key go together", path);
		return -1;
	}
	return 0;
}

int vk_conf_api_key(const struct vk_conf *c, char *key, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(c->api_key_file, "r");
	size_t n;

	if (!f || !fgets(key, (int)len, f)) {
		snprintf(err, errlen, "%s: cannot read the API key: %s", c->api_key_file,
			 f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strcspn(key, "\r\n \t");
	key[n] = 0;
	if (!n) {
		snprintf(err, errlen, "%s: the API key is empty", c->api_key_file);
		return -1;
	}
	return 0;
}

int vk_conf_local_nets(const struct vk_conf *c, struct vk_net *out, int max, char *err,
		       size_t errlen)
{
	static const char *const dflt[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
					    "fc00::/7" };
	char buf[sizeof(c->local_networks)], *tok, *save = NULL;
	int n = 0, i;

	for (i = 0; i < 4; i++, n++)
		if (out && n < max)
			vk_net_parse(dflt[i], &out[n]);
	snprintf(buf, sizeof(buf), "%s", c->local_networks);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save), n++) {
		struct vk_net x;

		if (vk_net_parse(tok, &x)) {
			snprintf(err, errlen, "[sightings] local_networks: '%s' is not an address "
				 "or CIDR", tok);
			return -1;
		}
		if (out && n < max)
			out[n] = x;
	}
	return n;
}

int vk_net_parse(const char *s, struct vk_net *n)
{
	char a[INET6_ADDRSTRLEN + 4], *slash;
	long p;

	snprintf(a, sizeof(a), "%s", s);
	slash = strchr(a, '/');
	if (slash)
		*slash++ = 0;
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, a, n->addr) == 1)
		n->family = 4;
	else if (inet_pton(AF_INET6, a, n->addr) == 1)
		n->family = 6;
	else
		return -1;
	p = slash ? strtol(slash, &slash, 10) : (n->family == 4 ? 32 : 128);
	if ((slash && *slash) || p < 0 || p > (n->family == 4 ? 32 : 128))
		return -1;
	n->plen = (uint8_t)p;
	return 0;
}

int vk_net_has(const struct vk_net *n, int family, const uint8_t *addr)
{
	int full = n->plen / 8, rem = n->plen % 8;

	if (n->family != family || memcmp(n->addr, addr, (size_t)full))
		return 0;
	return !rem || ((n->addr[full] ^ addr[full]) & (0xff << (8 - rem))) == 0;
}
