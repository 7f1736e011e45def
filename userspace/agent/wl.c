// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "wl.h"
#include "../lib/vk_log.h"

enum { WL_STRING, WL_SUBSTRING, WL_HOSTNAME, WL_CIDR, WL_REGEX };

struct wl_list {
	char name[128];
	int type;
	uint32_t types;		/* matching_attributes as vk_misp_type bits */
	int any_type;		/* no matching_attributes: the list applies to all */
	char **entries;
	size_t n;
	struct vk_key *cidr;	/* WL_CIDR: parsed entries */
	regex_t *re;		/* WL_REGEX: compiled entries (NULL if it failed) */
};

struct vk_wl {
	struct wl_list *l;
	size_t n;
};

static int re_bounded(const char *p);

static int wl_type(const char *t)
{
	static const char *const names[] = { "string", "substring", "hostname", "cidr", "regex" };
	int i;

	for (i = 0; i < 5; i++)
		if (t && !strcmp(t, names[i]))
			return i;
	return -1;
}

static int load_one(struct wl_list *l, const char *path)
{
	json_t *root = json_load_file(path, 0, NULL), *list, *v, *ma;
	size_t i, skipped = 0;

	memset(l, 0, sizeof(*l));
	if (!root)
		return -1;
	snprintf(l->name, sizeof(l->name), "%.127s",
		 json_string_value(json_object_get(root, "name")) ?: path);
	l->type = wl_type(json_string_value(json_object_get(root, "type")));
	list = json_object_get(root, "list");
	if (l->type < 0 || !json_is_array(list)) {
		json_decref(root);
		return -1;
	}
	ma = json_object_get(root, "matching_attributes");
	l->any_type = !json_is_array(ma);
	json_array_foreach(ma, i, v)
		if (json_is_string(v))
			l->types |= 1u << vk_misp_type_parse(json_string_value(v));
	l->types &= ~1u;	/* types we do not enforce (bit 0) never match */
	if (!l->any_type && !l->types) {	/* nothing here concerns us */
		json_decref(root);
		return 0;
	}
	l->entries = calloc(json_array_size(list) + 1, sizeof(*l->entries));
	l->cidr = l->type == WL_CIDR ? calloc(json_array_size(list) + 1, sizeof(*l->cidr)) : NULL;
	l->re = l->type == WL_REGEX ? calloc(json_array_size(list) + 1, sizeof(*l->re)) : NULL;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);

		if (!s)
			continue;
		if (l->type == WL_CIDR) {
			/* parsed here, not by vk_key_ip: lists hold /0../7 too */
			char buf[128], *sl;
			struct vk_key k = { 0 };
			int fam;

			snprintf(buf, sizeof(buf), "%s", s);
			sl = strchr(buf, '/');
			if (sl)
				*sl++ = 0;
			fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
			if (inet_pton(fam, buf, k.addr) != 1)
				continue;
			k.kind = fam == AF_INET ? VK_KIND_V4 : VK_KIND_V6;
			k.plen = (uint8_t)(sl ? atoi(sl) : fam == AF_INET ? 32 : 128);
			l->cidr[l->n] = k;
		} else if (l->type == WL_REGEX) {
			char pat[512];
			size_t n = strlen(s);

			/* the lists write /pattern/flags, as PCRE does */
			char *nc;

			if (n > 2 && s[0] == '/' && strrchr(s, '/') != s) {
				snprintf(pat, sizeof(pat), "%.*s", (int)(strrchr(s, '/') - s - 1), s + 1);
			} else {
				snprintf(pat, sizeof(pat), "%s", s);
			}
			/* PCRE's non-capturing group means the same as a group here */
			while ((nc = strstr(pat, "(?:")))
				memmove(nc + 1, nc + 3, strlen(nc + 3) + 1);
			if (!re_bounded(pat) ||
			    regcomp(&l->re[l->n], pat, REG_EXTENDED | REG_ICASE | REG_NOSUB)) {
				skipped++;
				continue;
			}
		}
		l->entries[l->n++] = strdup(s);
	}
	if (skipped)
		vk_warn("warninglist %s: %zu regular expressions are not POSIX ERE (or would"
			" take too much memory to compile), skipped",
			l->name, skipped);
	json_decref(root);
	return 0;
}

/* Regular expressions the box compiles: glibc's regcomp copies a bounded
 * repetition's subexpression once per count and nests stacked
 * quantifiers, so "x{255}" inside "(...){255}", or "5++++...", takes
 * gigabytes (a fuzzer's list did). A pattern is taken when no quantifier
 * follows another and its expansion (every atom counted once per
 * enclosing repetition bound) stays under VK_WL_RE_COST. */
#define VK_WL_RE_COST		4096
#define VK_WL_RE_DEPTH		16

static int re_bounded(const char *p)
{
	unsigned long size[VK_WL_RE_DEPTH + 1] = { 0 }, last[VK_WL_RE_DEPTH + 1] = { 0 };
	int d = 0, quant = 0;

	for (; *p; p++) {
		unsigned long item = 1, n, m;
		char *end;

		switch (*p) {
		case '(':
			if (d == VK_WL_RE_DEPTH)
				return 0;
			d++;
			size[d] = last[d] = 0;
			quant = 0;
			continue;
		case ')':
			if (!d)
				return 0;
			item = size[d--];
			break;
		case '*': case '+': case '?':
			if (quant)
				return 0;	/* a quantifier of a quantifier */
			quant = 1;
			continue;
		case '{':
			if (quant)
				return 0;
			n = strtoul(p + 1, &end, 10);
			m = *end == ',' ? (end[1] == '}' ? n : strtoul(end + 1, &end, 10)) : n;
			if (*end == ',')
				end++;
			if (*end != '}' || m > 255)
				return 0;
			size[d] += last[d] * (m ? m - 1 : 0);
			last[d] *= m ? m : 1;
			if (size[d] > VK_WL_RE_COST)
				return 0;
			p = end;
			quant = 1;
			continue;
		case '\\':
			if (p[1])
				p++;
			break;
		case '[':	/* a bracket expression is one atom */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (!*p)
				return 0;
			break;
		default:
			break;
		}
		quant = 0;
		last[d] = item;
		size[d] += item;
		if (size[d] > VK_WL_RE_COST)
			return 0;
	}
	return d == 0;
}

struct vk_wl *vk_wl_load(const char *dir, int *loaded)
{
	struct vk_wl *w = calloc(1, sizeof(*w));
	struct dirent *de;
	DIR *d;

	*loaded = 0;
	if (!w || !dir || !dir[0] || !(d = opendir(dir)))
		return w;
	while ((de = readdir(d))) {
		char path[1024];
		struct wl_list *nl;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		nl = realloc(w->l, (w->n + 1) * sizeof(*nl));
		if (!nl)
			break;
		w->l = nl;
		if (load_one(&w->l[w->n], path)) {
			vk_warn("warninglist %s: not a misp-warninglists list, skipped", path);
			continue;
		}
		w->n++;
	}
	closedir(d);
	*loaded = (int)w->n;
	return w;
}

void vk_wl_free(struct vk_wl *w)
{
	size_t i, j;

	if (!w)
		return;
	for (i = 0; i < w->n; i++) {
		for (j = 0; j < w->l[i].n; j++) {
			free(w->l[i].entries[j]);
			if (w->l[i].re)
				regfree(&w->l[i].re[j]);
		}
		free(w->l[i].entries);
		free(w->l[i].cidr);
		free(w->l[i].re);
	}
	free(w->l);
	free(w);
}

static int in_prefix(const struct vk_key *net, const struct vk_key *k)
{
	int bytes = net->kind == VK_KIND_V4 ? 4 : 16, full, rem;
	int same = (k->kind == VK_KIND_V4 || k->kind == VK_KIND_V4PORT) == (bytes == 4);

	if (!same || k->plen < net->plen)
		return 0;
	full = net->plen / 8;
	rem = net->plen % 8;
	if (memcmp(net->addr, k->addr, (size_t)full))
		return 0;
	return !rem || !((net->addr[full] ^ k->addr[full]) & (0xff << (8 - rem)));
}

static int list_has(const struct wl_list *l, const char *value, const struct vk_key *k)
{
	char ks[300];
	size_t i, n;

	vk_key_str(k, ks, sizeof(ks));
	for (i = 0; i < l->n; i++) {
		const char *e = l->entries[i];

		switch (l->type) {
		case WL_STRING:
			if (!strcasecmp(e, value) || !strcasecmp(e, ks))
				return 1;
			break;
		case WL_SUBSTRING:
			if (strcasestr(value, e))
				return 1;
			break;
		case WL_HOSTNAME:
			if (k->kind != VK_KIND_DOMAIN && k->kind != VK_KIND_HOST)
				break;
			n = strlen(e);
			if (!strcasecmp(ks, e) || (k->name_len > n && ks[k->name_len - n - 1] == '.' &&
						   !strcasecmp(ks + k->name_len - n, e)))
				return 1;
			break;
		case WL_CIDR:
			if (in_prefix(&l->cidr[i], k))
				return 1;
			break;
		case WL_REGEX:
			if (!regexec(&l->re[i], value, 0, NULL, 0))
				return 1;
			break;
		}
	}
	return 0;
}

const char *vk_wl_match(const struct vk_wl *w, enum vk_misp_type t, const char *value,
			const struct vk_key *keys, int nkeys)
{
	size_t i;
	int j;

	for (i = 0; w && i < w->n; i++) {
		if (!w->l[i].any_type && !(w->l[i].types & (1u << t)))
			continue;
		for (j = 0; j < nkeys; j++)
			if (list_has(&w->l[i], value, &keys[j]))
				return w->l[i].name;
	}
	return NULL;
}
