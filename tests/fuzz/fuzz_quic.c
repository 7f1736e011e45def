// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: QUIC Initials (userspace/lib/vk_quic.c). The first byte
 * chooses: even, the rest is a datagram, every packet coalesced in it
 * opened and its frames walked, as the slow path does; odd, the rest is
 * sealed as an Initial's CRYPTO data (version by the next bit) and must
 * open again to the same bytes, with one flipped byte it must not. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/vk_quic.h"

struct seen { size_t n; uint64_t off; };

static void on_crypto(void *arg, uint64_t off, const uint8_t *d, size_t n)
{
	struct seen *s = arg;

	volatile uint8_t x = 0;
	size_t i;

	s->n += n;
	s->off = off;
	for (i = 0; i < n; i++)		/* touch the bytes: ASan checks them */
		x ^= d[i];
}

static const uint8_t DCID[8] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t plain[65536], dg[2048];
	struct vk_quic_pkt p;
	struct seen s = { 0 };
	size_t pos = 0;
	int n;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		data++;
		size--;
		while (pos < size && size - pos <= sizeof(plain)) {
			int rc = vk_quic_open(data + pos, size - pos, plain, &p, NULL);

			if (p.len > size - pos)
				abort();	/* a packet never reaches past the datagram */
			if (!rc)
				vk_quic_crypto_frames(plain, p.plain_len, on_crypto, &s);
			if (rc && !(rc == -ENOMSG && p.len))
				break;
			pos += p.len;
		}
		return 0;
	}
	if (size > 1 + 900)
		size = 1 + 900;
	n = vk_quic_seal(data[0] & 2 ? VK_QUIC_V2 : VK_QUIC_V1, DCID, 8, DCID, 4, 1, 7,
			 data + 1, size - 1, 1200, dg, sizeof(dg));
	if (n < 0)
		abort();
	if (vk_quic_open(dg, (size_t)n, plain, &p, NULL) || p.len != (size_t)n ||
	    vk_quic_crypto_frames(plain, p.plain_len, on_crypto, &s) || s.n != size - 1 || s.off != 7)
		abort();	/* what is sealed opens to the same */
	dg[(size - 1) % (size_t)n] ^= 0x01;
	if (!vk_quic_open(dg, (size_t)n, plain, &p, NULL) && (size - 1) % (size_t)n != 0)
		abort();	/* a changed byte does not open (but the first's low bits
			 * are protected header bits: flipping bit 0 changes the
			 * packet number length, a header change the tag sees too) */
	return 0;
}
