// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/md.h>
#include "vk_fp.h"

static const char hexd[] = "0123456789abcdef";

static int whole(const struct vk_hello_list *l)
{
	return l->total == l->n;
}

/* v in decimal at p; returns the digits written (at most 5). */
static size_t put_dec(char *p, unsigned v)
{
	char t[5];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		p[i] = t[n - 1 - i];
	return n;
}

/* The list's values but GREASE, each as decimal, joined by '-'. (By
 * hand: snprintf per value was 4 of a hello's 5 microseconds.) */
static size_t ja3_list(char *p, const struct vk_hello_list *l)
{
	size_t n = 0;
	uint16_t i;

	for (i = 0; i < l->n; i++) {
		if (vk_grease(l->v[i]))
			continue;
		if (n)
			p[n++] = '-';
		n += put_dec(p + n, l->v[i]);
	}
	return n;
}

static int hash_hex(mbedtls_md_type_t type, const char *in, size_t n, char *out, size_t digits)
{
	unsigned char d[32];
	size_t i;

	if (mbedtls_md(mbedtls_md_info_from_type(type), (const unsigned char *)in, n, d))
		return -EIO;
	for (i = 0; i < digits; i++)
		out[i] = hexd[(d[i / 2] >> (i & 1 ? 0 : 4)) & 15];
	out[digits] = 0;
	return 0;
}

/* "65535-65535-..." is 6 bytes a value: the version, four whole lists,
 * the commas */
#define JA3_STR_MAX	(4 * VK_HELLO_MAX_LIST * 6 + 16)

int vk_ja3(const struct vk_hello *h, char out[VK_JA3_LEN + 1], char *str, size_t slen)
{
	char buf[JA3_STR_MAX];
	size_t n;

	if (!whole(&h->ciphers) || !whole(&h->exts) || !whole(&h->groups) ||
	    !whole(&h->point_formats))
		return -E2BIG;
	n = put_dec(buf, h->version);
	buf[n++] = ',';
	n += ja3_list(buf + n, &h->ciphers);
	buf[n++] = ',';
	n += ja3_list(buf + n, &h->exts);
	buf[n++] = ',';
	n += ja3_list(buf + n, &h->groups);
	buf[n++] = ',';
	n += ja3_list(buf + n, &h->point_formats);
	buf[n] = 0;
	if (str && slen)
		snprintf(str, slen, "%s", buf);
	return hash_hex(MBEDTLS_MD_MD5, buf, n, out, VK_JA3_LEN);
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The values but GREASE (and but skip0, skip1), sorted when asked, as
 * 4-digit hex joined by ','. Returns the bytes written; *count the values. */
static size_t ja4_list(char *p, const struct vk_hello_list *l, int sorted, int skip_sni_alpn,
		       unsigned *count)
{
	uint16_t v[VK_HELLO_MAX_LIST];
	size_t n = 0, k = 0, i;

	for (i = 0; i < l->n; i++) {
		if (vk_grease(l->v[i]) || (skip_sni_alpn && (l->v[i] == 0 || l->v[i] == 16)))
			continue;
		v[k++] = l->v[i];
	}
	if (sorted)
		qsort(v, k, sizeof(v[0]), cmp_u16);
	for (i = 0; i < k; i++) {
		if (i)
			p[n++] = ',';
		p[n++] = hexd[v[i] >> 12];
		p[n++] = hexd[(v[i] >> 8) & 15];
		p[n++] = hexd[(v[i] >> 4) & 15];
		p[n++] = hexd[v[i] & 15];
	}
	if (count)
		*count = (unsigned)k;
	return n;
}

static unsigned count_non_grease(const struct vk_hello_list *l)
{
	unsigned c = 0;
	uint16_t i;

	for (i = 0; i < l->n; i++)
		c += !vk_grease(l->v[i]);
	return c;
}

static const char *ja4_version(const struct vk_hello *h)
{
	unsigned v = h->version;
	uint16_t i;

	/* supported_versions, when sent, says what the client speaks: its
	 * highest value (GREASE aside) */
	if (h->versions.n) {
		v = 0;
		for (i = 0; i < h->versions.n; i++)
			if (!vk_grease(h->versions.v[i]) && h->versions.v[i] > v)
				v = h->versions.v[i];
	}
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	case 0xfeff: return "d1";
	case 0xfefd: return "d2";
	case 0xfefc: return "d3";
	}
	return "00";
}

static int alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 4 hex digits and a comma a value, two lists and the '_' */
#define JA4_STR_MAX	(2 * VK_HELLO_MAX_LIST * 5 + 8)

int vk_ja4(const struct vk_hello *h, char transport, char out[VK_JA4_LEN + 1])
{
	char buf[JA4_STR_MAX];
	unsigned nc = count_non_grease(&h->ciphers), ne = count_non_grease(&h->exts), k;
	const unsigned char *a = (const unsigned char *)h->alpn_first;
	unsigned char first = '0', last = '0';
	size_t n;
	int rc;

	if (!whole(&h->ciphers) || !whole(&h->exts) || !whole(&h->sig_algs) ||
	    !whole(&h->versions))
		return -E2BIG;
	if (h->alpn_first_len) {
		first = a[0];
		last = a[h->alpn_first_len - 1];
		/* not letters or digits: "99", as FoxIO's implementations
		 * (Rust, Python, Wireshark) give at the commit the tests
		 * check against (docs/architecture.md, "Fingerprints") */
		if (!alnum(first) || !alnum(last))
			first = last = '9';
	}
	snprintf(out, VK_JA4_LEN + 1, "%c%s%c%02u%02u%c%c_", transport, ja4_version(h),
		 h->sni_seen ? 'd' : 'i', nc > 99 ? 99 : nc, ne > 99 ? 99 : ne, first, last);
	n = ja4_list(buf, &h->ciphers, 1, 0, &k);
	if (!k)
		memcpy(out + 11, "000000000000", 12);
	else if ((rc = hash_hex(MBEDTLS_MD_SHA256, buf, n, out + 11, 12)))
		return rc;
	out[23] = '_';
	n = ja4_list(buf, &h->exts, 1, 1, &k);
	if (!k) {
		memcpy(out + 24, "000000000000", 13);
		return 0;
	}
	if (h->sig_algs.n) {
		buf[n++] = '_';
		n += ja4_list(buf + n, &h->sig_algs, 0, 0, NULL);
	}
	return hash_hex(MBEDTLS_MD_SHA256, buf, n, out + 24, 12);
}
