// SPDX-License-Identifier: GPL-2.0-only
/*
 * Indicators on the dataplane socket carry normalised binary keys: the
 * agent runs the parsers (IDN, address syntax, the public suffix list),
 * and the privileged dataplane only checks that a key is one the parsers
 * could have made. Both sides use this file, so the two ends cannot
 * disagree on the encoding.
 */
#include <errno.h>
#include <string.h>
#include "vk_ipc.h"

/* the wire enum and the library's share their numbers */
_Static_assert(VARDKASE__DP__INDICATOR_TYPE__IP_SRC == (int)VK_T_IP_SRC &&
	       VARDKASE__DP__INDICATOR_TYPE__IP_DST == (int)VK_T_IP_DST &&
	       VARDKASE__DP__INDICATOR_TYPE__IP_SRC_PORT == (int)VK_T_IP_SRC_PORT &&
	       VARDKASE__DP__INDICATOR_TYPE__IP_DST_PORT == (int)VK_T_IP_DST_PORT &&
	       VARDKASE__DP__INDICATOR_TYPE__DOMAIN == (int)VK_T_DOMAIN &&
	       VARDKASE__DP__INDICATOR_TYPE__HOSTNAME == (int)VK_T_HOSTNAME &&
	       VARDKASE__DP__INDICATOR_TYPE__DOMAIN_IP == (int)VK_T_DOMAIN_IP &&
	       VARDKASE__DP__INDICATOR_TYPE__JA3 == (int)VK_T_JA3 &&
	       VARDKASE__DP__INDICATOR_TYPE__JA4 == (int)VK_T_JA4 &&
	       VARDKASE__DP__INDICATOR_TYPE__URL == (int)VK_T_URL &&
	       VK_T_MAX == VK_T_URL + 1, "IndicatorType and enum vk_misp_type differ");

static unsigned addr_len(uint8_t kind)
{
	return kind == VK_KIND_V4 || kind == VK_KIND_V4PORT ? 4 : 16;
}

int vk_ipc_ind_make(struct vk_ipc_ind *d, const char *uuid, enum vk_misp_type t,
		    const char *value, const char **why)
{
	int n = vk_key_from_misp(t, value, d->k, why), i;

	if (n < 0)
		return n;
	vardkase__dp__indicator__init(&d->x);
	d->x.attribute_uuid = (char *)uuid;
	d->x.type = (Vardkase__Dp__IndicatorType)t;
	d->x.value = (char *)value;
	for (i = 0; i < n; i++) {
		Vardkase__Dp__Key *x = &d->kx[i];
		struct vk_key *k = &d->k[i];

		vardkase__dp__key__init(x);
		x->kind = k->kind;
		if (vk_kind_is_text(k->kind)) {
			x->name = k->name;
		} else {
			x->plen = k->plen;
			x->port = k->port;
			x->addr.data = k->addr;
			x->addr.len = addr_len(k->kind);
		}
		d->pk[i] = x;
	}
	d->x.n_key = (size_t)n;
	d->x.key = d->pk;
	return 0;
}

size_t vk_ipc_ind_len(const struct vk_ipc_ind *d)
{
	/* the field's tag and a length of up to 3 bytes */
	return protobuf_c_message_get_packed_size(&d->x.base) + 4;
}

static int key_of(const Vardkase__Dp__Key *x, struct vk_key *k, const char **why)
{
	size_t n;

	memset(k, 0, sizeof(*k));
	if (x->kind <= VK_KIND_NONE || x->kind >= VK_KIND_MAX) {
		*why = "key of an unknown kind";
		return -EINVAL;
	}
	k->kind = (uint8_t)x->kind;
	if (vk_kind_is_text(k->kind)) {
		n = x->name ? strlen(x->name) : 0;
		if (n > VK_NAME_TEXT_MAX || x->addr.len || x->plen || x->port) {
			*why = "name key out of bounds (a name, fingerprint or URL)";
			return -EINVAL;
		}
		memcpy(k->name, x->name ? x->name : "", n + 1);
		k->name_len = (uint16_t)n;
	} else {
		if (x->addr.len != addr_len(k->kind) || x->plen > 128 || x->port > 65535 ||
		    (x->name && *x->name)) {
			*why = "address key out of bounds";
			return -EINVAL;
		}
		memcpy(k->addr, x->addr.data, x->addr.len);
		k->plen = (uint8_t)x->plen;
		k->port = (uint16_t)x->port;
	}
	if (vk_key_check(k)) {
		*why = "key is not normalised (prefix, host bits, port or name syntax)";
		return -EINVAL;
	}
	return 0;
}

int vk_ipc_ind_keys(const Vardkase__Dp__Indicator *x, struct vk_key k[2], const char **why)
{
	size_t i;

	if (!x->value || strlen(x->value) > VK_VALUE_MAX) {
		*why = "value longer than 1023 bytes";
		return -EINVAL;
	}
	if (x->n_key < 1 || x->n_key > 2) {
		*why = "an indicator has one key, or two for domain|ip";
		return -EINVAL;
	}
	for (i = 0; i < x->n_key; i++)
		if (key_of(x->key[i], &k[i], why))
			return -EINVAL;
	if (vk_key_fits_type((enum vk_misp_type)x->type, k, (int)x->n_key)) {
		*why = "keys do not fit the type";
		return -EINVAL;
	}
	return (int)x->n_key;
}
