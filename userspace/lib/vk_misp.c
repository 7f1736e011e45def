// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "vk_misp.h"
#include "vk_mispread.h"

int vk_json_truthy(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) == 1;
	if (json_is_string(v))
		return vk_misp_bool_text(json_string_value(v), json_string_length(v)) == 1;
	return 0;
}

int vk_uuid_ok(const char *u)
{
	size_t i;

	if (strlen(u) != VK_UUID_LEN)
		return 0;
	for (i = 0; i < VK_UUID_LEN; i++) {
		char c = u[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

struct load {
	struct vk_set *set;
	struct vk_misp_stats *st;
	vk_refuse_fn refuse;
	void *arg;
	int nomem;
};

/* One attribute, under the same rules as the agent's pulls (the reader's,
 * vk_mispread.h), into the set. */
static int one_attr(void *arg, const struct vk_mattr *a)
{
	struct load *l = arg;
	const char *uuid = a->f[VK_MF_UUID], *type = a->f[VK_MF_TYPE];
	const char *value = a->f[VK_MF_VALUE];
	struct vk_misp_stats *st = l->st;
	struct vk_key keys[2];
	struct vk_attr at;
	enum vk_misp_type t;
	const char *why = NULL;
	int n, i;

	st->attributes++;
	if (!uuid || !type || !value || !vk_uuid_ok(uuid) || a->bad) {
		st->malformed++;
		if (l->refuse)
			l->refuse(l->arg, uuid ? uuid : "", type ? type : "", value ? value : "",
				  a->bad ? a->bad :
				  "malformed attribute (uuid, type or value missing or invalid)");
		return 0;
	}
	if (a->deleted) {
		st->deleted++;
		return 0;
	}
	if (!a->to_ids) {
		st->not_ids++;
		return 0;
	}
	t = vk_misp_type_of(type, a->f[VK_MF_RELATION]);
	if (t == VK_T_UNKNOWN) {
		st->other_type++;
		return 0;
	}
	n = vk_key_from_misp(t, value, keys, &why);
	if (n < 0) {
		st->refused++;
		if (l->refuse)
			l->refuse(l->arg, uuid, type, value, why);
		return 0;
	}
	memset(&at, 0, sizeof(at));
	memcpy(at.uuid, uuid, VK_UUID_LEN);
	at.type = (uint8_t)t;
	at.value = (char *)value;
	for (i = 0; i < n; i++)
		if (vk_set_add(l->set, &keys[i], &at)) {
			l->nomem = 1;
			return 1;
		}
	st->accepted++;
	return 0;
}

/* The reader's error, as a static description. */
static int finish(struct vk_mispread *r, struct load *l, const char **err)
{
	static __thread char why[256];

	if (vk_mispread_end(r, why, sizeof(why)) < 0) {
		*err = l->nomem ? "out of memory" : why;
		vk_mispread_free(r);
		return l->nomem ? -ENOMEM : -EINVAL;
	}
	vk_mispread_free(r);
	return 0;
}

int vk_misp_parse(const char *text, size_t len, struct vk_set *set,
		  struct vk_misp_stats *st, vk_refuse_fn refuse, void *arg,
		  const char **err)
{
	struct load l = { set, st, refuse, arg, 0 };
	struct vk_mispread *r;

	memset(st, 0, sizeof(*st));
	r = vk_mispread_new(NULL, one_attr, &l);
	if (!r) {
		*err = "out of memory";
		return -ENOMEM;
	}
	vk_mispread_feed(r, text, len);
	return finish(r, &l, err);
}

int vk_misp_load(const char *path, struct vk_set *set, struct vk_misp_stats *st,
		 vk_refuse_fn refuse, void *arg, const char **err)
{
	struct load l = { set, st, refuse, arg, 0 };
	FILE *f = fopen(path, "rb");
	struct vk_mispread *r;
	char *buf;
	size_t n;

	memset(st, 0, sizeof(*st));
	if (!f) {
		*err = "cannot open file";
		return -errno;
	}
	buf = malloc(1 << 20);
	r = buf ? vk_mispread_new(NULL, one_attr, &l) : NULL;
	if (!r) {
		free(buf);
		fclose(f);
		*err = "out of memory";
		return -ENOMEM;
	}
	/* streamed a MiB at a time: a file of millions of attributes needs
	 * no tree (it took 3.4 GB for 2M once) */
	while ((n = fread(buf, 1, 1 << 20, f)) > 0)
		if (vk_mispread_feed(r, buf, n))
			break;
	free(buf);
	if (ferror(f)) {
		fclose(f);
		vk_mispread_free(r);
		*err = "read error";
		return -EIO;
	}
	fclose(f);
	return finish(r, &l, err);
}

int vk_tlp_rank(const char *tag)
{
	static const char *const names[] = { "tlp:clear", "tlp:white", "tlp:green", "tlp:amber",
					     "tlp:amber+strict", "tlp:red" };
	static const int rank[] = { 0, 0, 1, 2, 3, 4 };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(tag, names[i]))
			return rank[i];
	return -1;
}
