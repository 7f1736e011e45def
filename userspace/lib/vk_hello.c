// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include "vk_hello.h"

#define TLS_REC_HANDSHAKE	22
#define TLS_REC_MAX		(16384 + 2048)	/* a record's length, at most */
#define HS_CLIENT_HELLO		1

#define EXT_SERVER_NAME		0
#define EXT_GROUPS		10
#define EXT_POINT_FORMATS	11
#define EXT_SIG_ALGS		13
#define EXT_ALPN		16
#define EXT_VERSIONS		43
#define EXT_ECH			0xfe0d

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

int vk_tls_collect(const uint8_t *s, size_t n, uint8_t *msg, size_t cap, size_t *len)
{
	size_t pos = 0, have = 0, total = 0;

	while (pos + 5 <= n) {
		size_t rlen = be16(s + pos + 3), take;

		if (s[pos] != TLS_REC_HANDSHAKE || s[pos + 1] != 3 || s[pos + 2] > 4 ||
		    rlen == 0 || rlen > TLS_REC_MAX)
			return -EBADMSG;
		take = n - pos - 5 < rlen ? n - pos - 5 : rlen;
		if (total && have + take > total)
			take = total - have;	/* what follows the message is not ours */
		if (have + take > cap)
			take = cap - have;
		memcpy(msg + have, s + pos + 5, take);
		have += take;
		if (!total && have >= 4) {
			if (msg[0] != HS_CLIENT_HELLO)
				return -EBADMSG;
			total = 4 + be24(msg + 1);
			if (total > cap)
				return -EMSGSIZE;
		}
		if (total && have >= total) {
			*len = total;
			return 1;
		}
		if (n - pos - 5 < rlen)
			return 0;		/* the record goes on past the bytes here */
		pos += 5 + rlen;
	}
	return 0;
}

static void list_add(struct vk_hello_list *l, uint16_t v)
{
	if (l->n < VK_HELLO_MAX_LIST)
		l->v[l->n++] = v;
	l->total++;
}

/* A list of 16-bit values behind a length of lbytes bytes, filling the
 * extension (at, len) exactly. */
static int u16_list(const uint8_t *at, uint32_t len, uint32_t lbytes, struct vk_hello_list *l)
{
	uint32_t n, i;

	if (len < lbytes)
		return -EBADMSG;
	n = lbytes == 2 ? be16(at) : at[0];
	if (n + lbytes != len || (n & 1))
		return -EBADMSG;
	for (i = 0; i < n; i += 2)
		list_add(l, (uint16_t)be16(at + lbytes + i));
	return 0;
}

/* server_name (RFC 6066): the list fills the extension; the first entry
 * is a host_name with a name in the list. As kernel/lib/tls.h reads it. */
static int server_name(const uint8_t *at, uint32_t len, struct vk_hello *h)
{
	uint32_t list, n;

	list = len >= 2 ? be16(at) : 0;
	n = len >= 5 ? be16(at + 3) : 0;
	if (list + 2 != len || list < 3 || at[2] != 0 || n < 1 || n + 3 > list)
		return -EBADMSG;
	if (n > 255)
		return 0;	/* no DNS name: nothing to match */
	memcpy(h->sni, at + 5, n);
	h->sni_len = (uint16_t)n;
	h->has_sni = true;
	return 0;
}

static int alpn(const uint8_t *at, uint32_t len, struct vk_hello *h)
{
	uint32_t list = len >= 2 ? be16(at) : 0, n;

	if (list + 2 != len || list < 2)
		return -EBADMSG;
	n = at[2];
	if (n < 1 || n + 1 > list)
		return -EBADMSG;
	memcpy(h->alpn_first, at + 3, n);
	h->alpn_first[n] = 0;	/* n <= 255 */
	h->alpn_first_len = (uint8_t)n;
	return 0;
}

static int extension(uint32_t type, const uint8_t *at, uint32_t len, struct vk_hello *h)
{
	switch (type) {
	case EXT_SERVER_NAME:
		/* the first one counts, as in XDP and in servers */
		if (h->sni_seen)
			return 0;
		h->sni_seen = true;
		return server_name(at, len, h);
	case EXT_GROUPS:
		return u16_list(at, len, 2, &h->groups);
	case EXT_POINT_FORMATS:
		if (len < 1 || (uint32_t)at[0] + 1 != len)
			return -EBADMSG;
		for (uint32_t i = 0; i < at[0]; i++)
			list_add(&h->point_formats, at[1 + i]);
		return 0;
	case EXT_SIG_ALGS:
		return u16_list(at, len, 2, &h->sig_algs);
	case EXT_ALPN:
		return h->alpn_first_len ? 0 : alpn(at, len, h);
	case EXT_VERSIONS:
		return u16_list(at, len, 1, &h->versions);
	case EXT_ECH:
		h->ech = true;
		return 0;
	}
	return 0;
}

int vk_hello_parse(const uint8_t *m, size_t mlen, struct vk_hello *h)
{
	uint32_t end, pos, n;

	memset(h, 0, sizeof(*h));
	if (mlen < 4 || m[0] != HS_CLIENT_HELLO)
		return -EBADMSG;
	end = 4 + be24(m + 1);
	if (end > mlen || end < 4 + 2 + 32 + 1 + 2 + 2 + 1 + 1)
		return -EBADMSG;
	h->version = (uint16_t)be16(m + 4);
	pos = 4 + 2 + 32;
	n = m[pos];				/* session id */
	if (n > 32)
		return -EBADMSG;
	pos += 1 + n;
	if (pos + 2 > end)
		return -EBADMSG;
	n = be16(m + pos);			/* cipher suites */
	if (n < 2 || (n & 1) || pos + 2 + n > end)
		return -EBADMSG;
	for (uint32_t i = 0; i < n; i += 2)
		list_add(&h->ciphers, (uint16_t)be16(m + pos + 2 + i));
	pos += 2 + n;
	if (pos + 1 > end)
		return -EBADMSG;
	n = m[pos];				/* compression methods */
	if (n < 1 || pos + 1 + n > end)
		return -EBADMSG;
	pos += 1 + n;
	if (pos == end)
		return 0;			/* no extensions */
	if (pos + 2 > end || pos + 2 + be16(m + pos) != end)
		return -EBADMSG;		/* the extensions end the hello */
	pos += 2;
	while (pos < end) {
		uint32_t type, len;

		if (pos + 4 > end)
			return -EBADMSG;
		type = be16(m + pos);
		len = be16(m + pos + 2);
		if (pos + 4 + len > end)
			return -EBADMSG;
		list_add(&h->exts, (uint16_t)type);
		/* a broken list of another extension leaves a fingerprint
		 * short, not the name unread: XDP does not look at them */
		if (extension(type, m + pos + 4, len, h) && type == EXT_SERVER_NAME)
			return -EBADMSG;
		pos += 4 + len;
	}
	return 0;
}
