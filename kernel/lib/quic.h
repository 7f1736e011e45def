/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * QUIC client Initials, known by their bytes on any UDP port: a long
 * header (form and fixed bits set) of version 1 (or its drafts 29-32)
 * with packet type 0 or of version 2 (RFC 9369) with type 1, in a datagram of at least 1200 bytes
 * (RFC 9000 14.1: a client pads its Initial datagrams so; a server's need
 * not be). XDP reads nothing of them (they are encrypted): they go to
 * the slow path whole (userspace/lib/vk_quic.c). Shared by the XDP
 * program and userspace.
 */
#ifndef VK_LIB_QUIC_H
#define VK_LIB_QUIC_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define VK_QUIC_MIN_DATAGRAM	1200

/* b holds at least 5 bytes of a UDP payload of n bytes. */
static __always_inline int vk_quic_candidate(const __u8 *b, __u32 n)
{
	__u32 v;

	if (n < VK_QUIC_MIN_DATAGRAM || (b[0] & 0xc0) != 0xc0)
		return 0;
	v = (__u32)b[1] << 24 | (__u32)b[2] << 16 | (__u32)b[3] << 8 | b[4];
	/* version 1, and drafts 29 to 32 (0xff00001d..20): Chrome's until
	 * 2021, still in captures and old QUIC stacks, the same format */
	return ((v == 0x00000001 || (v >= 0xff00001d && v <= 0xff000020)) &&
		(b[0] & 0x30) == 0x00) ||
	       (v == 0x6b3343cf && (b[0] & 0x30) == 0x10);
}

#endif /* VK_LIB_QUIC_H */
