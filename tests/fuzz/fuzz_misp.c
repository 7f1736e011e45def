// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the restSearch JSON reader and the normalisation behind it. */
#include <stdint.h>
#include "lib/vk_misp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vk_misp_stats st;
	const char *err;
	struct vk_set s;

	vk_set_init(&s);
	vk_misp_parse((const char *)data, size, &s, &st, NULL, NULL, &err);
	vk_set_free(&s);
	return 0;
}
