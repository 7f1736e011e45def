/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MISP /attributes/restSearch JSON ({"response":{"Attribute":[...]}}) to
 * an indicator set. Only attributes with to_ids true and deleted false of
 * an enforced type become indicators; every other one is counted, and
 * every refused value is reported through the callback with its reason.
 */
#ifndef VK_MISP_H
#define VK_MISP_H

#include <stddef.h>
#include "vk_set.h"

typedef struct json_t json_t;

struct vk_misp_stats {
	size_t attributes;	/* seen in the response */
	size_t accepted;	/* became (part of) an indicator */
	size_t not_ids;		/* to_ids false */
	size_t deleted;
	size_t other_type;	/* a type the dataplane does not enforce */
	size_t refused;		/* enforced type, value refused */
	size_t malformed;	/* attribute object missing uuid/type/value */
};

typedef void (*vk_refuse_fn)(void *arg, const char *uuid, const char *type,
			     const char *value, const char *why);

/* Parse JSON text (len bytes). Returns 0, or -EINVAL with *err set to a
 * static description when the document itself is not a restSearch answer
 * (nothing is added then). */
int vk_misp_parse(const char *text, size_t len, struct vk_set *set,
		  struct vk_misp_stats *st, vk_refuse_fn refuse, void *arg,
		  const char **err);

/* Same, from a file. -errno when it cannot be read. */
int vk_misp_load(const char *path, struct vk_set *set, struct vk_misp_stats *st,
		 vk_refuse_fn refuse, void *arg, const char **err);

/* A MISP boolean: true/false, 1/0 or "1"/"0" (older versions, feeds). */
int vk_json_truthy(const json_t *v);

/* How strict a TLP tag is: tlp:clear/white 0, green 1, amber 2,
 * amber+strict 3, red 4; -1 for any other tag (case-insensitive). Where
 * an event and its attribute carry different ones, the strictest holds. */
int vk_tlp_rank(const char *tag);

/* 1 if u is a canonical 8-4-4-4-12 hex uuid. */
int vk_uuid_ok(const char *u);

#endif
