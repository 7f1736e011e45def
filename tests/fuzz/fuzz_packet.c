// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the packet parser, the tunnel opener and the DNS question
 * reader, compiled from the very headers the XDP program uses
 * (kernel/lib/), in userspace under AddressSanitizer: any read past the
 * frame is a crash here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/parse.h"
#include "lib/dns.h"
#include "lib/encap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees every byte past the end */
	uint8_t *f = malloc(size ? size : 1);
	struct vk_pkt p;
	struct vk_qname q;
	struct vk_cur c = { 0 };
	int i, rc;

	memcpy(f, data, size);
	memset(&p, 0, sizeof(p));
	rc = vk_parse(f, f + size, &p, size & 1);
	/* every tunnel opened as the XDP program's vk_decap does */
	for (i = 0; rc >= 0 && i < VK_MAX_ENCAP; i++) {
		struct vk_pkt in;

		if (rc == 0 && !vk_tunnel_candidate(&p))
			break;
		memset(&in, 0, sizeof(in));
		c.kind = 0;
		if (vk_decap_step(f, f + size, &p, &in, &c, size & 1) <= 0)
			break;
		if (!in.family || in.l3_end > size || c.off >= VK_MAX_TUN_OFF)
			abort();	/* an IP packet inside the frame */
		p = in;
		rc = 0;
	}
	if (!rc && !p.err && p.pay_off && p.pay_len > 12 &&
	    p.pay_off + 12 < size) {
		size_t avail = size - p.pay_off, pos = 12;
		int k;

		if (avail > p.pay_len)
			avail = p.pay_len;
		if (p.l3_end > size || p.pay_off + p.pay_len > p.l3_end)
			abort();	/* the bounds the program relies on */
		memset(&q, 0, sizeof(q));
		q.buf_len = (uint32_t)(avail > VK_QBUF_LEN ? VK_QBUF_LEN : avail);
		memcpy(q.buf, f + p.pay_off, q.buf_len);
		for (k = 0; k < VK_DNS_MAX_QUESTIONS && pos < q.buf_len; k++) {
			vk_qname_start(&q, (uint32_t)pos);
			for (i = 0; i < VK_QNAME_STEPS && !vk_qname_step(&q); i++)
				;
			if (q.done && (q.out > VK_NAME_MAX || q.nptr > VK_DNS_MAX_PTR))
				abort();
			if (!q.done)
				break;
			pos = q.next + 4;
		}
	}
	free(f);
	return 0;
}
