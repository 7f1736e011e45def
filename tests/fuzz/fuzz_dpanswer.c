// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: one answer of the dataplane (a match event, counters, stats)
 * through the agent's reader into a real sightings.db: the protobuf, the
 * addresses and names of an event, counters against stored ones. */
#include <stdint.h>
#include "fuzz_agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int64_t now = 1795359900;

	if (!e.c)
		fuzz_agent_setup();
	vk_evloop_dp_message(&e, data, size, now);
	now += 7;	/* counters polls move on, buckets close */
	if (now % 60 < 7)
		vk_sight_flush(&e.s, now, NULL, NULL);
	return 0;
}
