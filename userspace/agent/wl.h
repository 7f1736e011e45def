/* SPDX-License-Identifier: GPL-2.0-only */
/* Local MISP warninglists (misp-warninglists JSON: string, substring,
 * hostname, cidr, regex). A value on any list is never enforced. */
#ifndef VK_WL_H
#define VK_WL_H

#include "../lib/vk_key.h"

struct vk_wl;

/* Load every *.json list in dir (NULL/empty: none). Lists that do not
 * parse are skipped with a warning. Returns the set (never NULL unless out
 * of memory); *loaded says how many lists. */
struct vk_wl *vk_wl_load(const char *dir, int *loaded);
void vk_wl_free(struct vk_wl *w);

/* The name of the first list the attribute (type, raw value, its keys) is
 * on, or NULL. */
const char *vk_wl_match(const struct vk_wl *w, enum vk_misp_type t, const char *value,
			const struct vk_key *keys, int nkeys);

#endif
