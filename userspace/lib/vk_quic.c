// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include "vk_quic.h"

/* RFC 9001 5.2 and RFC 9369 3.3.1 */
static const uint8_t SALT_V1[20] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};
static const uint8_t SALT_V2[20] = {
	0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9,
};

/* draft-ietf-quic-tls-29 5.2 (drafts 29 to 32) */
static const uint8_t SALT_D29[20] = {
	0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
	0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99,
};

static int draft(uint32_t v)
{
	return v >= VK_QUIC_DRAFT29 && v <= VK_QUIC_DRAFT32;
}

static int known(uint32_t v)
{
	return v == VK_QUIC_V1 || v == VK_QUIC_V2 || draft(v);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A variable-length integer (RFC 9000 16) at *pos; -1 past n. */
static int varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v)
{
	size_t len, i;

	if (*pos >= n)
		return -1;
	len = (size_t)1 << (d[*pos] >> 6);
	if (*pos + len > n)
		return -1;
	*v = d[*pos] & 0x3f;
	for (i = 1; i < len; i++)
		*v = *v << 8 | d[*pos + i];
	*pos += len;
	return 0;
}

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for outputs
 * of one hash block (<= 32 bytes): HMAC(secret, info | 0x01) on a
 * context set up once per key derivation (mbedtls_hkdf_* sets one up per
 * call: most of the time of a derivation went there). */
static int expand_label(mbedtls_md_context_t *md, const uint8_t *secret, const char *label,
			uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[32];
	size_t ll = strlen(label), n = 0;

	if (ll > 32 || len > 32)
		return -EINVAL;
	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;			/* no context */
	info[n++] = 1;			/* T(1) */
	if (mbedtls_md_hmac_starts(md, secret, 32) || mbedtls_md_hmac_update(md, info, n) ||
	    mbedtls_md_hmac_finish(md, t))
		return -EIO;
	memcpy(out, t, len);
	return 0;
}

int vk_quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
			struct vk_quic_keys *k)
{
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t initial[32], client[32];
	int v2 = version == VK_QUIC_V2, rc;
	mbedtls_md_context_t md;

	if (!known(version))
		return -EPROTONOSUPPORT;
	if (dcid_len > VK_QUIC_CID_MAX)
		return -EINVAL;
	mbedtls_md_init(&md);
	/* HKDF-Extract is HMAC(salt, DCID) */
	rc = !info || mbedtls_md_setup(&md, info, 1) ||
	     mbedtls_md_hmac_starts(&md, v2 ? SALT_V2 : draft(version) ? SALT_D29 : SALT_V1, 20) ||
	     mbedtls_md_hmac_update(&md, dcid, dcid_len) || mbedtls_md_hmac_finish(&md, initial) ?
	     -EIO : 0;
	if (!rc)
		rc = expand_label(&md, initial, "client in", client, 32);
	if (!rc)
		rc = expand_label(&md, client, v2 ? "quicv2 key" : "quic key", k->key, 16);
	if (!rc)
		rc = expand_label(&md, client, v2 ? "quicv2 iv" : "quic iv", k->iv, 12);
	if (!rc)
		rc = expand_label(&md, client, v2 ? "quicv2 hp" : "quic hp", k->hp, 16);
	mbedtls_md_free(&md);
	return rc;
}

/* The header protection mask from the 16 bytes of sample. */
static int hp_mask(const struct vk_quic_keys *k, const uint8_t *sample, uint8_t mask[16])
{
	mbedtls_aes_context aes;
	int rc;

	mbedtls_aes_init(&aes);
	rc = mbedtls_aes_setkey_enc(&aes, k->hp, 128) ||
	     mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, sample, mask);
	mbedtls_aes_free(&aes);
	return rc ? -EIO : 0;
}

static void nonce_of(const struct vk_quic_keys *k, uint64_t pn, uint8_t nonce[12])
{
	int i;

	memcpy(nonce, k->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
}

/* The Initial's long-header packet type: 0 in v1, 1 in v2 (RFC 9369 3.2). */
static int initial_type(uint32_t version)
{
	return version == VK_QUIC_V2 ? 1 : 0;
}

static int keys_of(const struct vk_quic_pkt *p, struct vk_quic_cache *c, struct vk_quic_keys *k)
{
	unsigned int i;
	int rc;

	for (i = 0; c && i < VK_QUIC_CACHE; i++)
		if (c->e[i].version == p->version && c->e[i].dcid_len == p->dcid_len &&
		    !memcmp(c->e[i].dcid, p->dcid, p->dcid_len)) {
			*k = c->e[i].k;
			return 0;
		}
	rc = vk_quic_client_keys(p->version, p->dcid, p->dcid_len, k);
	if (!rc && c) {
		i = c->next++ % VK_QUIC_CACHE;
		c->e[i].version = p->version;
		c->e[i].dcid_len = p->dcid_len;
		memcpy(c->e[i].dcid, p->dcid, p->dcid_len);
		c->e[i].k = *k;
	}
	return rc;
}

int vk_quic_open(const uint8_t *d, size_t n, uint8_t *plain, struct vk_quic_pkt *p,
		 struct vk_quic_cache *cache)
{
	size_t pos = 5, pn_off, pn_len, plen, i;
	uint64_t tok, length;
	struct vk_quic_keys k;
	uint8_t mask[16], nonce[12], hdr_stack[256], *hdr;
	mbedtls_gcm_context gcm;
	int type, rc;

	memset(p, 0, sizeof(*p));
	if (n < 7 || !(d[0] & 0x80))
		return -ENOMSG;			/* a short header */
	p->version = be32(d + 1);
	if (!known(p->version))
		return p->version ? -EPROTONOSUPPORT : -ENOMSG;	/* 0: negotiation */
	p->dcid_len = d[pos++];
	if (p->dcid_len > VK_QUIC_CID_MAX || pos + p->dcid_len + 1 > n)
		return -EBADMSG;
	memcpy(p->dcid, d + pos, p->dcid_len);
	pos += p->dcid_len;
	i = d[pos++];				/* source CID */
	if (i > VK_QUIC_CID_MAX || pos + i > n)
		return -EBADMSG;
	pos += i;
	type = (d[0] >> 4) & 3;
	if (type == (initial_type(p->version) + 3) % 4)
		return -ENOMSG;			/* Retry: no length, the datagram's end */
	if (type == initial_type(p->version) &&
	    (varint(d, n, &pos, &tok) || tok > n - pos))
		return -EBADMSG;
	if (type == initial_type(p->version))
		pos += (size_t)tok;
	if (varint(d, n, &pos, &length) || length > n - pos)
		return -EBADMSG;
	pn_off = pos;
	p->len = pn_off + (size_t)length;
	if (type != initial_type(p->version))
		return -ENOMSG;			/* 0-RTT, Handshake: skipped whole */
	if (length < 4 + 16)			/* room for the sample */
		return -EBADMSG;
	rc = keys_of(p, cache, &k);
	if (!rc)
		rc = hp_mask(&k, d + pn_off + 4, mask);
	if (rc)
		return rc;
	pn_len = (size_t)((d[0] ^ mask[0]) & 0x03) + 1;
	plen = (size_t)length - pn_len;
	if (plen < 16)
		return -EBADMSG;
	/* the header as it was before protection: the additional data */
	hdr = pn_off + pn_len <= sizeof(hdr_stack) ? hdr_stack : malloc(pn_off + pn_len);
	if (!hdr)
		return -ENOMEM;
	memcpy(hdr, d, pn_off + pn_len);
	hdr[0] ^= mask[0] & 0x0f;
	for (i = 0; i < pn_len; i++) {
		hdr[pn_off + i] ^= mask[1 + i];
		p->pn = p->pn << 8 | hdr[pn_off + i];
	}
	nonce_of(&k, p->pn, nonce);
	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k.key, 128);
	if (!rc)
		rc = mbedtls_gcm_auth_decrypt(&gcm, plen - 16, nonce, 12, hdr, pn_off + pn_len,
					      d + pn_off + pn_len + plen - 16, 16,
					      d + pn_off + pn_len, plain) ? -EACCES : 0;
	else
		rc = -EIO;
	mbedtls_gcm_free(&gcm);
	if (hdr != hdr_stack)
		free(hdr);
	if (rc)
		return rc;
	p->plain_len = plen - 16;
	return 0;
}

int vk_quic_crypto_frames(const uint8_t *f, size_t n,
			  void (*fn)(void *arg, uint64_t off, const uint8_t *d, size_t len),
			  void *arg)
{
	size_t pos = 0;

	while (pos < n) {
		uint64_t type, a, b, c, i;

		if (f[pos] == 0x00) {		/* PADDING */
			pos++;
			continue;
		}
		if (varint(f, n, &pos, &type))
			return -EBADMSG;
		switch (type) {
		case 0x01:			/* PING */
			break;
		case 0x02: case 0x03:		/* ACK: largest, delay, count, first */
			if (varint(f, n, &pos, &a) || varint(f, n, &pos, &a) ||
			    varint(f, n, &pos, &c) || varint(f, n, &pos, &a))
				return -EBADMSG;
			for (i = 0; i < c; i++)	/* gap, length; each at least a byte */
				if (varint(f, n, &pos, &a) || varint(f, n, &pos, &b))
					return -EBADMSG;
			if (type == 0x03 && (varint(f, n, &pos, &a) || varint(f, n, &pos, &a) ||
					     varint(f, n, &pos, &a)))
				return -EBADMSG;
			break;
		case 0x06:			/* CRYPTO */
			if (varint(f, n, &pos, &a) || varint(f, n, &pos, &b) || b > n - pos)
				return -EBADMSG;
			fn(arg, a, f + pos, (size_t)b);
			pos += (size_t)b;
			break;
		case 0x1c:			/* CONNECTION_CLOSE */
			if (varint(f, n, &pos, &a) || varint(f, n, &pos, &a) ||
			    varint(f, n, &pos, &b) || b > n - pos)
				return -EBADMSG;
			pos += (size_t)b;
			break;
		default:			/* not allowed in an Initial */
			return -EBADMSG;
		}
	}
	return 0;
}

static size_t put_varint(uint8_t *o, uint64_t v)
{
	if (v < 64) {
		o[0] = (uint8_t)v;
		return 1;
	}
	if (v < 16384) {
		o[0] = (uint8_t)(0x40 | v >> 8);
		o[1] = (uint8_t)v;
		return 2;
	}
	o[0] = (uint8_t)(0x80 | v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
	return 4;
}

int vk_quic_seal(uint32_t version, const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
		 size_t scid_len, uint32_t pn, uint64_t off, const uint8_t *crypto, size_t len,
		 size_t pad, uint8_t *out, size_t cap)
{
	struct vk_quic_keys k;
	mbedtls_gcm_context gcm;
	uint8_t mask[16], nonce[12], frame[16], *pay;
	size_t pos = 0, fl, plen, pn_off, i;
	int rc;

	if (vk_quic_client_keys(version, dcid, dcid_len, &k) || scid_len > VK_QUIC_CID_MAX)
		return -EIO;
	fl = 1 + put_varint(frame + 1, off);
	fl += put_varint(frame + fl, len);
	frame[0] = 0x06;
	plen = fl + len;
	if (1 + 4 + 1 + dcid_len + 1 + scid_len + 1 + 2 + 4 + plen + 16 < pad)
		plen = pad - (1 + 4 + 1 + dcid_len + 1 + scid_len + 1 + 2 + 4 + 16);
	if (plen + 4 + 16 >= 16384 || 1 + 4 + 1 + dcid_len + 1 + scid_len + 1 + 2 + 4 + plen + 16 > cap)
		return -ENOSPC;
	out[pos++] = (uint8_t)(0xc0 | initial_type(version) << 4 | 0x03);	/* 4-byte pn */
	out[pos++] = (uint8_t)(version >> 24);
	out[pos++] = (uint8_t)(version >> 16);
	out[pos++] = (uint8_t)(version >> 8);
	out[pos++] = (uint8_t)version;
	out[pos++] = (uint8_t)dcid_len;
	memcpy(out + pos, dcid, dcid_len);
	pos += dcid_len;
	out[pos++] = (uint8_t)scid_len;
	memcpy(out + pos, scid, scid_len);
	pos += scid_len;
	out[pos++] = 0;				/* no token */
	out[pos++] = (uint8_t)(0x40 | (4 + plen + 16) >> 8);
	out[pos++] = (uint8_t)(4 + plen + 16);
	pn_off = pos;
	for (i = 0; i < 4; i++)
		out[pos++] = (uint8_t)(pn >> (24 - 8 * i));
	pay = out + pos;
	memcpy(pay, frame, fl);
	memcpy(pay + fl, crypto, len);
	memset(pay + fl + len, 0, plen - fl - len);	/* PADDING */
	nonce_of(&k, pn, nonce);
	mbedtls_gcm_init(&gcm);
	rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, k.key, 128) ||
	     mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, plen, nonce, 12, out, pos,
				       pay, pay, 16, pay + plen);
	mbedtls_gcm_free(&gcm);
	if (rc || hp_mask(&k, out + pn_off + 4, mask))
		return -EIO;
	out[0] ^= mask[0] & 0x0f;
	for (i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return (int)(pos + plen + 16);
}
