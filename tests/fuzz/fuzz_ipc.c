// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: a control message to the dataplane (the root process)
 * through everything it checks before the maps: protobuf decoding, the
 * validation of every item, staging with its bounds, the set it would
 * commit. No BPF: the tables are an empty set and a config. */
#include <stdint.h>
#include <string.h>
#include "xdp/ipc_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vk_config cfg = { .id_capacity = 4096 };
	static struct vk_set cur;
	static struct vk_dp dp;
	static struct vk_ipc_server s;

	if (!s.dp) {
		vk_set_init(&cur);
		dp.t.cfg = &cfg;
		dp.t.cur = &cur;
		s.dp = &dp;
		s.stage_max = 64u << 20;
	}
	vk_ipc_server_parse(&s, data, size);
	return 0;
}
