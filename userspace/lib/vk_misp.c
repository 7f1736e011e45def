// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "vk_misp.h"

int vk_json_truthy(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_string(v))
		return !strcmp(json_string_value(v), "1") ||
		       !strcmp(json_string_value(v), "true");
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

static void one_attr(const json_t *a, struct vk_set *set, struct vk_misp_stats *st,
		     vk_refuse_fn refuse, void *arg)
{
	const char *uuid = json_string_value(json_object_get(a, "uuid"));
	const char *type = json_string_value(json_object_get(a, "type"));
	const char *value = json_string_value(json_object_get(a, "value"));
	struct vk_key keys[2];
	struct vk_attr at;
	enum vk_misp_type t;
	const char *why = NULL;
	int n, i;

	st->attributes++;
	if (!json_is_object(a) || !uuid || !type || !value || !vk_uuid_ok(uuid)) {
		st->malformed++;
		if (refuse)
			refuse(arg, uuid ? uuid : "", type ? type : "", value ? value : "",
			       "malformed attribute (uuid, type or value missing or invalid)");
		return;
	}
	if (vk_json_truthy(json_object_get(a, "deleted"))) {
		st->deleted++;
		return;
	}
	if (!vk_json_truthy(json_object_get(a, "to_ids"))) {
		st->not_ids++;
		return;
	}
	t = vk_misp_type_parse(type);
	if (t == VK_T_UNKNOWN) {
		st->other_type++;
		return;
	}
	n = vk_key_from_misp(t, value, keys, &why);
	if (n < 0) {
		st->refused++;
		if (refuse)
			refuse(arg, uuid, type, value, why);
		return;
	}
	memset(&at, 0, sizeof(at));
	memcpy(at.uuid, uuid, VK_UUID_LEN);
	at.type = (uint8_t)t;
	at.value = (char *)value;
	for (i = 0; i < n; i++)
		if (vk_set_add(set, &keys[i], &at)) {
			st->refused++;
			if (refuse)
				refuse(arg, uuid, type, value, "out of memory");
			return;
		}
	st->accepted++;
}

static int parse_root(json_t *root, struct vk_set *set, struct vk_misp_stats *st,
		      vk_refuse_fn refuse, void *arg, const char **err)
{
	json_t *resp, *attrs, *a;
	size_t i;

	if (!json_is_object(root)) {
		*err = "top level is not a JSON object";
		return -EINVAL;
	}
	resp = json_object_get(root, "response");
	if (!resp) {
		/* MISP answers some errors with HTTP 200 and {"message": ...} */
		*err = json_object_get(root, "message") ?
		       "MISP returned a message instead of a response" :
		       "no \"response\" member";
		return -EINVAL;
	}
	if (json_is_array(resp) && json_array_size(resp) == 0)
		return 0;	/* MISP's empty result */
	attrs = json_object_get(resp, "Attribute");
	if (!json_is_array(attrs)) {
		*err = "\"response\" has no \"Attribute\" array";
		return -EINVAL;
	}
	json_array_foreach(attrs, i, a)
		one_attr(a, set, st, refuse, arg);
	return 0;
}

int vk_misp_parse(const char *text, size_t len, struct vk_set *set,
		  struct vk_misp_stats *st, vk_refuse_fn refuse, void *arg,
		  const char **err)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(st, 0, sizeof(*st));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		*err = "not valid JSON";
		return -EINVAL;
	}
	rc = parse_root(root, set, st, refuse, arg, err);
	json_decref(root);
	return rc;
}

int vk_misp_load(const char *path, struct vk_set *set, struct vk_misp_stats *st,
		 vk_refuse_fn refuse, void *arg, const char **err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	if (!f) {
		*err = "cannot open file";
		return -errno;
	}
	for (;;) {
		if (len + 65536 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);

			if (!nb) {
				free(buf);
				fclose(f);
				*err = "out of memory";
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		*err = "read error";
	} else {
		rc = vk_misp_parse(buf, len, set, st, refuse, arg, err);
	}
	fclose(f);
	free(buf);
	return rc;
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
