// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the ClientHello reader, the HTTP request reader and the name
 * reader they share, compiled from the very headers the XDP program uses
 * (kernel/lib/tls.h, http.h), on a TCP payload, and checked against the
 * slow path's reader (vk_hello.c), whose fingerprints (vk_fp.c) are made of
 * every hello it takes. The bytes of the buffers past the valid ones are poisoned, so
 * ASan catches a read there as it would one past a frame. */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/tls.h"
#include "lib/http.h"
#include "lib/vk_hello.h"
#include "lib/vk_fp.h"
#include <errno.h>

/* The slow path's reader (userspace/lib/vk_hello.c) on the same bytes
 * must agree with the XDP reader wherever both see the whole hello: the
 * same name, and no name where XDP finds the hello broken. */
static void differential(const uint8_t *d, uint32_t len, const struct vk_tls *t)
{
	static uint8_t msg[VK_HELLO_MAX];
	struct vk_hello h;
	size_t mlen;

	if (vk_tls_collect(d, len, msg, sizeof(msg), &mlen) != 1 ||
	    vk_hello_parse(msg, mlen, &h))
		return;
	if (t->found && t->sni_len <= 255 &&
	    (!h.has_sni || h.sni_len != t->sni_len || memcmp(h.sni, t->buf + t->sni_off, t->sni_len)))
		abort();
	if (t->err == VK_STAT_ERR_TLS_HELLO && h.has_sni)
		abort();
	/* the fingerprints of every hello the reader takes: whole and of
	 * their length, or none at all */
	{
		char ja3[VK_JA3_LEN + 1], ja4[VK_JA4_LEN + 1];
		int r3 = vk_ja3(&h, ja3, NULL, 0), r4 = vk_ja4(&h, 't', ja4);

		if ((!r3 && strlen(ja3) != VK_JA3_LEN) || (!r4 && strlen(ja4) != VK_JA4_LEN) ||
		    (r3 && r3 != -E2BIG) || (r4 && r4 != -E2BIG))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vk_tls *t = calloc(1, sizeof(*t));
	struct vk_qname *q = calloc(1, sizeof(*q));
	uint32_t len = (uint32_t)(size > VK_TLS_BUF_LEN ? VK_TLS_BUF_LEN : size);
	int i;

	memcpy(t->buf, data, len);
	t->len = len;
	ASAN_POISON_MEMORY_REGION(t->buf + len, VK_TLS_BUF_LEN - len);
	ASAN_POISON_MEMORY_REGION(q->buf, sizeof(q->buf));	/* never used for SNI */
	if (vk_tls_candidate(t->buf, len) && !vk_tls_hello(t)) {
		for (i = 0; i < VK_TLS_MAX_EXT && !vk_tls_ext_step(t); i++)
			;
		if (!t->err && !t->found && t->pos + 4 <= t->end && t->pos + 4 <= t->lim)
			abort();	/* every extension the bytes hold is walked */
	}
	if (vk_tls_candidate(t->buf, len))
		differential(data, len, t);
	if (!vk_tls_candidate(t->buf, len) && len >= 8 && vk_http_candidate(t->buf, len)) {
		struct vk_http h;
		uint32_t j;

		vk_http_start(&h);
		for (i = 0; i < VK_TLS_BUF_LEN + 1 && !vk_http_step(&h, t); i++)
			;
		if (!h.found && !h.err && i == VK_TLS_BUF_LEN + 1)
			abort();	/* every byte is one step: it always ends */
		if (h.found) {
			if (!h.len || h.off + h.len > len)
				abort();
			for (j = h.off; j < h.off + h.len; j++)
				if (t->buf[j] == '\r' || t->buf[j] == '\n' || t->buf[j] == ':')
					abort();
			t->sni_off = h.off;	/* read as the XDP program reads it */
			t->sni_len = h.len;
			t->lim = len;
			t->found = 1;
		}
	}
	if (t->found) {
		/* the name the program reads is inside the hello's bytes */
		if (t->sni_off + t->sni_len > t->lim || t->lim > t->len || !t->sni_len)
			abort();
		vk_sni_start(q, t);
		for (i = 0; i < VK_SNI_STEPS && !vk_sni_step(q, t); i++)
			;
		if (q->done && (q->out > VK_NAME_MAX - 2 || q->nlabels < 1 ||
				q->name[0] == '.' || q->name[(q->out - 1) & (VK_QNAME_LEN - 1)] == '.'))
			abort();
		if (!q->done && !q->err)
			abort();	/* VK_SNI_STEPS always finishes a name */
	}
	ASAN_UNPOISON_MEMORY_REGION(q->buf, sizeof(q->buf));
	ASAN_UNPOISON_MEMORY_REGION(t->buf + len, VK_TLS_BUF_LEN - len);
	free(q);
	free(t);
	return 0;
}
