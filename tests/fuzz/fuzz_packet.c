// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the packet parser and the DNS question reader, compiled from
 * the very headers the XDP program uses (kernel/lib/), in userspace under
 * AddressSanitizer: any read past the frame is a crash here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/parse.h"
#include "lib/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees every byte past the end */
	uint8_t *f = malloc(size ? size : 1);
	struct vk_pkt p;
	struct vk_qname q;
	int i;

	memcpy(f, data, size);
	memset(&p, 0, sizeof(p));
	if (!vk_parse(f, f + size, &p, size & 1) && !p.err && p.pay_off && p.pay_len >= 12 &&
	    p.pay_off + 12 <= size) {
		size_t avail = size - p.pay_off - 12;

		if (avail > (size_t)p.pay_len - 12)
			avail = (size_t)p.pay_len - 12;
		if (p.l3_end > size || p.pay_off + p.pay_len > p.l3_end)
			abort();	/* the bounds the program relies on */

		memset(&q, 0, sizeof(q));
		q.buf_len = (uint32_t)(avail > VK_QBUF_LEN ? VK_QBUF_LEN : avail);
		memcpy(q.buf, f + p.pay_off + 12, q.buf_len);
		for (i = 0; i <= VK_MAX_LABELS && !vk_qname_step(&q); i++)
			;
		if (q.done && q.out > VK_NAME_MAX)
			abort();
	}
	free(f);
	return 0;
}
