/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ClientHello as the slow path reads it: a whole handshake message,
 * collected from the TLS records of a reassembled TCP stream or (later)
 * from QUIC CRYPTO frames. The same rules as the XDP reader (kernel/lib/
 * tls.h) decide what an SNI is, so a name reads the same whichever path
 * saw its hello; this one also keeps what fingerprints are made of.
 */
#ifndef VK_HELLO_H
#define VK_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Handshake message bytes kept for one hello: a hello with a 1.2 kB
 * post-quantum key share is under 2 kB; one over this is refused
 * (counted), not half read. */
#define VK_HELLO_MAX		16384
/* values kept per list (ciphers, extensions, ...): a hello with more is
 * read for its name but has no fingerprint (vk_fp.h) */
#define VK_HELLO_MAX_LIST	256

struct vk_hello_list {
	uint16_t v[VK_HELLO_MAX_LIST];
	uint16_t n;			/* kept */
	uint16_t total;			/* in the hello */
};

struct vk_hello {
	uint16_t version;		/* legacy_version */
	bool sni_seen;			/* a server_name extension was there */
	bool has_sni;			/* ... with a name of at most 255 bytes */
	bool ech;			/* encrypted_client_hello (0xfe0d) */
	uint16_t sni_len;		/* bytes of sni, as sent (<= 255) */
	char sni[256];			/* not terminated when 255 long; not validated */
	struct vk_hello_list ciphers, exts, groups, point_formats, sig_algs, versions;
	char alpn_first[256];		/* the first ALPN protocol, "" when none */
	uint8_t alpn_first_len;
};

/*
 * The handshake message starting a TLS stream: stream holds n contiguous
 * bytes from the flow's first byte; handshake records (content type 22)
 * are unwrapped into msg (cap bytes) until one whole message is there.
 * Returns 1 with *len set when msg holds the message, 0 when more bytes
 * are needed, -EBADMSG when the stream is no ClientHello in records (a
 * record of another type, a length no record has, a message that is not
 * a ClientHello), -EMSGSIZE when the message is longer than cap.
 */
int vk_tls_collect(const uint8_t *stream, size_t n, uint8_t *msg, size_t cap, size_t *len);

/*
 * Parse a ClientHello handshake message (its 4-byte header first, len
 * bytes). Returns 0 with *h filled, -EBADMSG when a length does not add
 * up: the same hellos the XDP reader calls broken. A server_name whose
 * first entry is not a host_name is broken too; an SNI over 255 bytes is
 * no DNS name (has_sni stays false).
 */
int vk_hello_parse(const uint8_t *m, size_t len, struct vk_hello *h);

#endif
