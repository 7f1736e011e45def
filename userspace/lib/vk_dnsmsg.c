// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include "vk_dnsmsg.h"

#define T_A	1
#define T_CNAME	5
#define T_AAAA	28
#define C_IN	1

/* The name at *pos into out (dotted, lowercased, no final dot; at most
 * 253 bytes), *pos past it. Returns its length or -1. */
static int read_name(const uint8_t *m, size_t n, size_t *pos, char *out)
{
	size_t p = *pos, o = 0, end = 0;
	int jumps = 0;

	for (;;) {
		unsigned len;

		if (p >= n)
			return -1;
		len = m[p];
		if ((len & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= n || ++jumps > 32)
				return -1;
			to = (size_t)(len & 0x3f) << 8 | m[p + 1];
			if (!end)
				end = p + 2;
			if (to >= p)
				return -1;	/* only backwards: no loop */
			p = to;
			continue;
		}
		if (len & 0xc0)
			return -1;
		if (!len) {
			if (!end)
				end = p + 1;
			break;
		}
		if (p + 1 + len > n || o + len + 1 > 254)
			return -1;
		if (o)
			out[o++] = '.';
		for (unsigned i = 0; i < len; i++) {
			char c = (char)m[p + 1 + i];

			out[o++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
		}
		p += 1 + len;
	}
	out[o] = 0;
	*pos = end;
	return (int)o;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int vk_dns_answers(const uint8_t *m, size_t n, char name[256], size_t *nlen,
		   struct vk_dns_addr *out, int max)
{
	char chain[9][256], owner[256];
	size_t pos = 12;
	unsigned an, i, links = 1, k;
	int len, got = 0;

	if (n < 12 || !(m[2] & 0x80) || be16(m + 4) != 1)
		return -EBADMSG;
	an = be16(m + 6);
	len = read_name(m, n, &pos, name);
	if (len < 0 || pos + 4 > n)
		return -EBADMSG;
	*nlen = (size_t)len;
	pos += 4;				/* QTYPE, QCLASS */
	memcpy(chain[0], name, (size_t)len + 1);
	for (i = 0; i < an; i++) {
		unsigned type, cls, rdlen;
		uint32_t ttl;
		int on = 0;

		if (read_name(m, n, &pos, owner) < 0 || pos + 10 > n)
			return -EBADMSG;
		type = be16(m + pos);
		cls = be16(m + pos + 2);
		ttl = (uint32_t)be16(m + pos + 4) << 16 | be16(m + pos + 6);
		rdlen = be16(m + pos + 8);
		pos += 10;
		if (pos + rdlen > n)
			return -EBADMSG;
		for (k = 0; k < links; k++)
			on |= !strcmp(owner, chain[k]);
		if (on && cls == C_IN) {
			if (type == T_CNAME && links < 9) {
				size_t p = pos;

				if (read_name(m, n, &p, chain[links]) < 0)
					return -EBADMSG;
				links++;
			} else if ((type == T_A && rdlen == 4) || (type == T_AAAA && rdlen == 16)) {
				if (got < max) {
					memset(out[got].addr, 0, 16);
					memcpy(out[got].addr, m + pos, rdlen);
					out[got].family = type == T_A ? 4 : 6;
					/* RFC 2181 8: a TTL with its top bit set is 0 */
					out[got].ttl = ttl > 0x7fffffff ? 0 : ttl;
					got++;
				}
			}
		}
		pos += rdlen;
	}
	return got;
}
