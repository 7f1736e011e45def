// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the slow path's reader of ring records (vk_slow_on_seg): the
 * input is a run of segments of a few flows, each a 6-byte header (flow,
 * flags, offset, length) and its bytes, through reassembly, the record
 * collector and the hello parser. The maps are plain memory and the
 * matcher is absent (its runs fail and are counted). Memory stays under
 * the caps, streams under their count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xdp/vk_slow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vk_flow_slot flows[VK_FLOW_SLOTS];
	static uint64_t bits[VK_FLOW_SLOTS / 64], ust[VK_USTAT_SLOTS];
	static struct vk_slow sl;
	static struct vk_seg g;
	size_t pos = 0;
	uint64_t ns = 1000;

	memset(&sl, 0, sizeof(sl));
	sl.prog_fd = -1;
	sl.flows = flows;	/* never written: the slot checks read them */
	sl.bits = bits;
	sl.ust = ust;
	/* small caps, so the fuzzer reaches them */
	if (vk_reasm_init(&sl.ra, 4, 2 * VK_REASM_WINDOW, 1000000))
		abort();
	while (pos + 6 <= size) {
		const uint8_t *h = data + pos;
		uint32_t len = ((uint32_t)h[4] << 8 | h[5]) % (VK_SEG_DATA + 1);

		pos += 6;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		memset(&g, 0, sizeof(g));
		g.k.family = 4;
		g.k.src[0] = h[0] & 7;		/* eight flows */
		g.k.sport = 1000;
		g.slot = h[0] & 7;
		g.seq0 = 1;
		g.seq = 1 + ((uint32_t)h[2] << 8 | h[3]) * (h[1] & 0x80 ? 16 : 1);
		g.flags = h[1] & (VK_SEGF_FIRST | VK_SEGF_DONE | VK_SEGF_QUIC);
		g.proto = 6;
		g.len = (uint16_t)len;
		memcpy(g.data, data + pos, len);
		pos += len;
		ns += (h[1] & 0x40) ? 600000 : 10;	/* now and then past a timeout */
		g.ts_ns = ns;
		vk_slow_on_seg(&sl, &g, sizeof(g));
		if (h[1] & 0x20)
			vk_slow_tick(&sl, ns);
		if (sl.ra.n > sl.ra.max_streams || sl.ra.bytes > sl.ra.max_bytes)
			abort();
	}
	vk_reasm_free(&sl.ra);
	return 0;
}
