/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QUIC Initial packets (RFC 9000, 9001; version 2, RFC 9369; drafts
 * 29-32, which old stacks and captures still have): their
 * protection removed with the keys every observer can derive from the
 * client's Destination Connection ID (HKDF-SHA256, AES-128-GCM, AES-ECB
 * header protection, all mbedTLS), their CRYPTO frames listed. The slow
 * path puts the frames' bytes together into the ClientHello. vk_quic_seal
 * is the other direction, for the tests and the lab's QUIC client.
 */
#ifndef VK_QUIC_H
#define VK_QUIC_H

#include <stddef.h>
#include <stdint.h>

#define VK_QUIC_V1		0x00000001u
#define VK_QUIC_V2		0x6b3343cfu
/* drafts 29 to 32: version 1's format and labels, their own salt */
#define VK_QUIC_DRAFT29		0xff00001du
#define VK_QUIC_DRAFT32		0xff000020u
#define VK_QUIC_CID_MAX		20
#define VK_QUIC_MIN_INITIAL	1200	/* a client's Initial datagram, at least */

struct vk_quic_keys {
	uint8_t key[16], iv[12], hp[16];
};

/* The client's Initial keys for version (VK_QUIC_V1, V2, a draft 29-32) from the
 * Destination Connection ID. Returns 0, -EPROTONOSUPPORT for another
 * version, -EINVAL for a CID over 20 bytes, -EIO when mbedTLS fails. */
int vk_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct vk_quic_keys *k);

/* The keys of the connection IDs seen last, the caller's (a connection's
 * Initials share their DCID: a post-quantum hello spans two, and a key
 * derivation costs more than a decryption). */
#define VK_QUIC_CACHE		16
struct vk_quic_cache {
	struct {
		uint32_t version;
		uint8_t dcid_len, dcid[VK_QUIC_CID_MAX];
		struct vk_quic_keys k;
	} e[VK_QUIC_CACHE];
	unsigned int next;
};

struct vk_quic_pkt {
	uint32_t version;
	uint8_t dcid[VK_QUIC_CID_MAX], dcid_len;
	uint64_t pn;			/* packet number (truncated, as sent) */
	size_t len;			/* bytes of the datagram this packet took */
	size_t plain_len;		/* decrypted payload bytes (frames) */
};

/*
 * The long-header packet at d (n bytes to the datagram's end): when it
 * is a client Initial of version 1 or 2, its protection is removed into
 * plain (room for n bytes) and *p filled. cache (may be NULL) keeps the
 * keys derived. Returns 0; -ENOMSG when it is
 * not an Initial (another type, a short header: p->len says how far it
 * goes when known, else 0); -EPROTONOSUPPORT for another version;
 * -EBADMSG when a length lies; -EACCES when the tag does not verify (the
 * keys are not this packet's, or it was changed).
 */
int vk_quic_open(const uint8_t *d, size_t n, uint8_t *plain, struct vk_quic_pkt *p,
		 struct vk_quic_cache *cache);

/*
 * Call fn for every CRYPTO frame of an Initial's plaintext (offset,
 * data, len). Frames an Initial may carry are walked (PADDING, PING,
 * ACK, CRYPTO, CONNECTION_CLOSE); Returns 0, or -EBADMSG for another
 * frame type or a length that lies (what came before stands).
 */
int vk_quic_crypto_frames(const uint8_t *plain, size_t len,
			  void (*fn)(void *arg, uint64_t off, const uint8_t *d, size_t n),
			  void *arg);

/*
 * Build a client Initial of version into out (room for cap bytes):
 * dcid/scid, one CRYPTO frame of len bytes at offset off, padded so the
 * packet is at least pad bytes, packet number pn (4 bytes). Returns the
 * packet's length, or -ENOSPC / -EIO.
 */
int vk_quic_seal(uint32_t version, const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
		 size_t scid_len, uint32_t pn, uint64_t off, const uint8_t *crypto, size_t len,
		 size_t pad, uint8_t *out, size_t cap);

#endif
