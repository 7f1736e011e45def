// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: one restSearch page through the agent's reader (full and
 * delta), with every type enabled. */
#include <stdint.h>
#include <string.h>
#include "agent/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vk_conf c = { .types = 0xfe, .page_size = 1000 };
	struct vk_sync s = { .conf = &c };
	struct vk_pull p;
	char err[128];
	int full;

	for (full = 0; full < 2; full++) {
		vk_pull_init(&p);
		vk_sync_parse_page(&s, (const char *)data, size, &p, full, err, sizeof(err));
		vk_pull_free(&p);
	}
	return 0;
}
