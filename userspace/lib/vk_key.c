// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vk_key.h"
#include "vk_url.h"
#include "../../kernel/lib/hash.h"

static const char *const vk_type_names[VK_T_MAX] = {
	[VK_T_UNKNOWN] = "unknown",
	[VK_T_IP_SRC] = "ip-src",
	[VK_T_IP_DST] = "ip-dst",
	[VK_T_IP_SRC_PORT] = "ip-src|port",
	[VK_T_IP_DST_PORT] = "ip-dst|port",
	[VK_T_DOMAIN] = "domain",
	[VK_T_HOSTNAME] = "hostname",
	[VK_T_DOMAIN_IP] = "domain|ip",
	[VK_T_JA3] = "ja3-fingerprint-md5",
	[VK_T_JA4] = "ja4-fingerprint",
	[VK_T_URL] = "url",
};

enum vk_misp_type vk_misp_type_parse(const char *s)
{
	int t;

	for (t = VK_T_IP_SRC; t < VK_T_MAX; t++)
		if (!strcmp(s, vk_type_names[t]))
			return (enum vk_misp_type)t;
	return VK_T_UNKNOWN;
}

enum vk_misp_type vk_misp_type_of(const char *type, const char *relation)
{
	enum vk_misp_type t;

	if (!strcmp(type, "text"))
		return relation && !strcmp(relation, "ja4-fingerprint") ? VK_T_JA4 : VK_T_UNKNOWN;
	t = vk_misp_type_parse(type);
	return t == VK_T_JA4 ? VK_T_UNKNOWN : t;	/* not a MISP type */
}

const char *vk_misp_type_name(enum vk_misp_type t)
{
	return t < VK_T_MAX ? vk_type_names[t] : "unknown";
}

const char *vk_misp_type_wire(enum vk_misp_type t)
{
	return t == VK_T_JA4 ? "text" : vk_misp_type_name(t);
}

/* A JA3 (32 hex digits) or JA4 (FoxIO's shape: t13d1516h2_ + 12 + _ + 12
 * hex digits; a JA4S, JA4H, ... has another) into k, lowercased. */
static int key_fp(const char *s, int kind, struct vk_key *k, const char **why)
{
	size_t n = strlen(s), i;

	memset(k, 0, sizeof(*k));
	if (n != (kind == VK_KIND_JA3 ? 32u : 36u)) {
		*why = kind == VK_KIND_JA3 ? "a JA3 is 32 hex digits" :
		       "a JA4 is 36 characters (t13d1516h2_8daaf6152771_e5627efa2ab1)";
		return -EINVAL;
	}
	for (i = 0; i < n; i++)
		k->name[i] = (char)tolower((unsigned char)s[i]);
	k->name[n] = 0;
	k->name_len = (uint16_t)n;
	k->kind = (uint8_t)kind;
	if (vk_key_check(k)) {
		*why = kind == VK_KIND_JA3 ? "a JA3 is 32 hex digits" :
		       "not a JA4 TLS client fingerprint (JA4S, JA4H and the others are not matched)";
		return -EINVAL;
	}
	return 0;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The shape of a normalised fingerprint key's text. */
static int fp_ok(const struct vk_key *k)
{
	const char *s = k->name;
	size_t i;

	if (k->kind == VK_KIND_JA3) {
		if (k->name_len != 32)
			return 0;
		for (i = 0; i < 32; i++)
			if (!is_hex((unsigned char)s[i]))
				return 0;
		return 1;
	}
	if (k->name_len != 36 || !strchr("tqd", s[0]) || !strchr("di", s[3]) || s[10] != '_' ||
	    s[23] != '_')
		return 0;
	for (i = 1; i < 3; i++)		/* 13, 12, ..., s3, d1, 00 */
		if (!isalnum((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	for (i = 4; i < 8; i++)		/* cipher and extension counts */
		if (!isdigit((unsigned char)s[i]))
			return 0;
	for (i = 8; i < 10; i++)	/* ALPN's first and last character */
		if (!isalnum((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	for (i = 11; i < 36; i++)
		if (i != 23 && !is_hex((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The value without surrounding white space, into out. -1 when it does
 * not fit: a value is never cut (the cut once hid what followed it,
 * "1.2.3.4" + 200 spaces + "junk" was enforced as 1.2.3.4). */
static int trim(const char *s, char *out, size_t len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

/* The public suffix list (libpsl with Debian's publicsuffix list, the
 * built-in copy if that is missing), loaded once. */
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void psl_load(void)
{
	psl = psl_latest(NULL);
	if (!psl)
		psl = psl_builtin();
}

void vk_key_init(void)
{
	pthread_once(&psl_once, psl_load);
}

static void mask_bits(uint8_t *a, int bytes, int plen)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int keep = plen - i * 8;

		if (keep >= 8)
			continue;
		a[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

int vk_key_ip(const char *s, struct vk_key *k, const char **why)
{
	char buf[128], *slash, *end;
	long plen = -1;
	int bytes;

	memset(k, 0, sizeof(*k));
	if (trim(s, buf, sizeof(buf))) {
		*why = "value too long for an address";
		return -EINVAL;
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		errno = 0;
		plen = strtol(slash, &end, 10);
		if (!*slash || *end || errno) {
			*why = "unparsable prefix length";
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, buf, k->addr) == 1) {
		k->kind = VK_KIND_V4;
		bytes = 4;
		if (plen < 0)
			plen = 32;
		if (plen > 32) {
			*why = "IPv4 prefix longer than /32";
			return -EINVAL;
		}
		if (plen < VK_V4_MIN_PREFIX) {
			*why = "IPv4 prefix shorter than /8 is too broad";
			return -EINVAL;
		}
	} else if (inet_pton(AF_INET6, buf, k->addr) == 1) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		k->kind = VK_KIND_V6;
		bytes = 16;
		if (plen < 0)
			plen = 128;
		if (plen > 128) {
			*why = "IPv6 prefix longer than /128";
			return -EINVAL;
		}
		/* ::ffff:a.b.c.d is how some tools write the IPv4 address
		 * a.b.c.d: it is one, and is matched as one */
		if (!memcmp(k->addr, mapped, 12) && plen >= 96) {
			memmove(k->addr, k->addr + 12, 4);
			memset(k->addr + 4, 0, 12);
			k->kind = VK_KIND_V4;
			bytes = 4;
			plen -= 96;
			if (plen < VK_V4_MIN_PREFIX) {
				*why = "IPv4 prefix shorter than /8 is too broad";
				return -EINVAL;
			}
		}
		if (plen < VK_V6_MIN_PREFIX) {
			*why = "IPv6 prefix shorter than /16 is too broad";
			return -EINVAL;
		}
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	k->plen = (uint8_t)plen;
	mask_bits(k->addr, bytes, (int)plen);
	{
		static const uint8_t zero[16];

		static const uint8_t lo6[16] = { [15] = 1 };

		if (!memcmp(k->addr, zero, bytes)) {
			*why = "unspecified address";
			return -EINVAL;
		}
		/* the host itself: never on the wire, and every box has it */
		if ((bytes == 4 && k->addr[0] == 127) ||
		    (bytes == 16 && k->plen == 128 && !memcmp(k->addr, lo6, 16))) {
			*why = "loopback address";
			return -EINVAL;
		}
	}
	return 0;
}

int vk_key_ip_port(const char *s, struct vk_key *k, const char **why)
{
	char buf[160], *bar, *end;
	long port;
	int rc;

	if (trim(s, buf, sizeof(buf))) {
		*why = "value too long for an address and port";
		return -EINVAL;
	}
	bar = strrchr(buf, '|');
	if (!bar) {
		*why = "missing '|port'";
		return -EINVAL;
	}
	*bar++ = 0;
	errno = 0;
	port = strtol(bar, &end, 10);
	if (!*bar || *end || errno || port < 1 || port > 65535) {
		*why = "port is not a number in 1..65535";
		return -EINVAL;
	}
	rc = vk_key_ip(buf, k, why);
	if (rc)
		return rc;
	if ((k->kind == VK_KIND_V4 && k->plen != 32) ||
	    (k->kind == VK_KIND_V6 && k->plen != 128)) {
		*why = "a prefix with a port is not supported";
		return -EINVAL;
	}
	k->kind = k->kind == VK_KIND_V4 ? VK_KIND_V4PORT : VK_KIND_V6PORT;
	k->port = (uint16_t)port;
	return 0;
}

static int label_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int vk_key_name(const char *s, int kind, struct vk_key *k, const char **why)
{
	char buf[1024], *ascii = NULL;
	const char *src = buf;
	size_t n, i, label = 0, labels = 1;
	int rc;

	memset(k, 0, sizeof(*k));
	if (trim(s, buf, sizeof(buf))) {
		*why = "name longer than 253 characters";
		return -EINVAL;
	}
	for (i = 0; buf[i]; i++) {
		if ((unsigned char)buf[i] >= 0x80)
			break;
		buf[i] = (char)tolower((unsigned char)buf[i]);
	}
	if (buf[i]) {	/* non-ASCII: IDNA2008 / TR46 to punycode */
		rc = idn2_to_ascii_8z(buf, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK) {
			*why = "internationalised name does not convert to punycode";
			return -EINVAL;
		}
		src = ascii;
	}
	n = strlen(src);
	if (n && src[n - 1] == '.')
		n--;
	if (n == 0 || n > VK_NAME_TEXT_MAX) {
		free(ascii);
		*why = n ? "name longer than 253 characters" : "empty name";
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)src[i]);

		if (c == '.') {
			if (label == 0)
				goto bad_label;
			label = 0;
			labels++;
		} else if (!label_char_ok(c)) {
			free(ascii);
			*why = "name has a character outside [a-z0-9-_.]";
			return -EINVAL;
		} else if (++label > VK_LABEL_MAX) {
			goto bad_label;
		}
		k->name[i] = (char)c;
	}
	free(ascii);
	if (label == 0)
		goto bad_label_nofree;
	if (labels < 2) {
		*why = "a bare top-level domain is too broad";
		return -EINVAL;
	}
	k->name[n] = 0;
	k->name_len = (uint16_t)n;
	k->kind = (uint8_t)kind;
	/* a domain that is a public suffix (co.uk, gov.se, github.io) would
	 * match every name its registry hands out */
	vk_key_init();
	if (kind == VK_KIND_DOMAIN && psl &&
	    psl_is_public_suffix2(psl, k->name, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
		*why = "a public suffix is too broad (every domain under it)";
		return -EINVAL;
	}
	return 0;
bad_label:
	free(ascii);
bad_label_nofree:
	*why = "empty label or label longer than 63 characters";
	return -EINVAL;
}

int vk_key_from_misp(enum vk_misp_type t, const char *value,
		     struct vk_key out[2], const char **why)
{
	char buf[1024], *bar;
	int rc;

	switch (t) {
	case VK_T_IP_SRC:
	case VK_T_IP_DST:
		rc = vk_key_ip(value, &out[0], why);
		return rc ? rc : 1;
	case VK_T_IP_SRC_PORT:
	case VK_T_IP_DST_PORT:
		rc = vk_key_ip_port(value, &out[0], why);
		return rc ? rc : 1;
	case VK_T_DOMAIN:
		rc = vk_key_name(value, VK_KIND_DOMAIN, &out[0], why);
		return rc ? rc : 1;
	case VK_T_HOSTNAME:
		rc = vk_key_name(value, VK_KIND_HOST, &out[0], why);
		return rc ? rc : 1;
	case VK_T_JA3:
	case VK_T_JA4:
		if (trim(value, buf, sizeof(buf))) {
			*why = "value too long";
			return -EINVAL;
		}
		rc = key_fp(buf, t == VK_T_JA3 ? VK_KIND_JA3 : VK_KIND_JA4, &out[0], why);
		return rc ? rc : 1;
	case VK_T_URL:
		if (trim(value, buf, sizeof(buf))) {
			*why = "value too long";
			return -EINVAL;
		}
		memset(&out[0], 0, sizeof(out[0]));
		rc = vk_url_norm(buf, strlen(buf), out[0].name, why);
		if (rc < 0)
			return rc;
		out[0].kind = VK_KIND_URL;
		out[0].name_len = (uint16_t)rc;
		return 1;
	case VK_T_DOMAIN_IP:
		snprintf(buf, sizeof(buf), "%s", value);
		bar = strchr(buf, '|');
		if (!bar) {
			*why = "domain|ip without '|'";
			return -EINVAL;
		}
		*bar++ = 0;
		rc = vk_key_name(buf, VK_KIND_DOMAIN, &out[0], why);
		if (!rc)
			rc = vk_key_ip(bar, &out[1], why);
		return rc ? rc : 2;
	default:
		*why = "type not enforced";
		return -EINVAL;
	}
}

char *vk_key_str(const struct vk_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int fam = (k->kind == VK_KIND_V4 || k->kind == VK_KIND_V4PORT) ? AF_INET : AF_INET6;

	switch (k->kind) {
	case VK_KIND_V4:
	case VK_KIND_V6:
		inet_ntop(fam, k->addr, a, sizeof(a));
		if (k->plen == (fam == AF_INET ? 32 : 128))
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "%s/%u", a, k->plen);
		break;
	case VK_KIND_V4PORT:
	case VK_KIND_V6PORT:
		inet_ntop(fam, k->addr, a, sizeof(a));
		snprintf(buf, len, "%s|%u", a, k->port);
		break;
	case VK_KIND_DOMAIN:
	case VK_KIND_HOST:
	case VK_KIND_JA3:
	case VK_KIND_JA4:
		snprintf(buf, len, "%s", k->name);
		break;
	case VK_KIND_URL:
		snprintf(buf, len, "http://%s", k->name);
		break;
	default:
		snprintf(buf, len, "?");
	}
	return buf;
}

int vk_key_check(const struct vk_key *k)
{
	unsigned alen = k->kind == VK_KIND_V4 || k->kind == VK_KIND_V4PORT ? 4 : 16;
	size_t i, label = 0, labels = 1;

	switch (k->kind) {
	case VK_KIND_V4PORT:
	case VK_KIND_V6PORT:
		if (!k->port || k->plen != alen * 8)
			return -EINVAL;
		/* fall through */
	case VK_KIND_V4:
	case VK_KIND_V6:
		if (k->name_len || k->plen > alen * 8 || (k->kind <= VK_KIND_V6 && k->port) ||
		    k->plen < (alen == 4 ? VK_V4_MIN_PREFIX : VK_V6_MIN_PREFIX))
			return -EINVAL;
		for (i = 0; i < 16; i++) {	/* nothing past the prefix */
			unsigned bits = k->plen > i * 8 ? k->plen - i * 8 : 0;
			uint8_t keep = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

			if (k->addr[i] & ~keep)
				return -EINVAL;
		}
		return 0;
	case VK_KIND_DOMAIN:
	case VK_KIND_HOST:
		if (k->plen || k->port || !k->name_len || k->name_len > VK_NAME_TEXT_MAX)
			return -EINVAL;
		for (i = 0; i < 16; i++)
			if (k->addr[i])
				return -EINVAL;
		for (i = 0; i < k->name_len; i++) {
			unsigned char c = (unsigned char)k->name[i];

			if (c == '.') {
				if (!label)
					return -EINVAL;
				label = 0;
				labels++;
			} else if (!label_char_ok(c) || ++label > VK_LABEL_MAX) {
				return -EINVAL;
			}
		}
		return label && labels >= 2 ? 0 : -EINVAL;
	case VK_KIND_JA3:
	case VK_KIND_JA4:
		if (k->plen || k->port)
			return -EINVAL;
		for (i = 0; i < 16; i++)
			if (k->addr[i])
				return -EINVAL;
		return fp_ok(k) ? 0 : -EINVAL;
	case VK_KIND_URL: {
		/* what vk_url_norm makes, it makes again unchanged */
		char again[VK_URL_MAX + 1];
		const char *why;

		if (k->plen || k->port || !k->name_len || k->name_len > VK_URL_MAX ||
		    memchr(k->name, 0, k->name_len))
			return -EINVAL;
		for (i = 0; i < 16; i++)
			if (k->addr[i])
				return -EINVAL;
		return vk_url_norm(k->name, k->name_len, again, &why) == (int)k->name_len &&
		       !memcmp(again, k->name, k->name_len) ? 0 : -EINVAL;
	}
	default:
		return -EINVAL;
	}
}

int vk_key_fits_type(enum vk_misp_type t, const struct vk_key *k, int n)
{
	int addr0 = n >= 1 && (k[0].kind == VK_KIND_V4 || k[0].kind == VK_KIND_V6);

	switch (t) {
	case VK_T_IP_SRC:
	case VK_T_IP_DST:
		return n == 1 && addr0 ? 0 : -EINVAL;
	case VK_T_IP_SRC_PORT:
	case VK_T_IP_DST_PORT:
		return n == 1 && (k[0].kind == VK_KIND_V4PORT || k[0].kind == VK_KIND_V6PORT) ?
		       0 : -EINVAL;
	case VK_T_DOMAIN:
		return n == 1 && k[0].kind == VK_KIND_DOMAIN ? 0 : -EINVAL;
	case VK_T_HOSTNAME:
		return n == 1 && k[0].kind == VK_KIND_HOST ? 0 : -EINVAL;
	case VK_T_DOMAIN_IP:
		return n == 2 && k[0].kind == VK_KIND_DOMAIN &&
		       (k[1].kind == VK_KIND_V4 || k[1].kind == VK_KIND_V6) ? 0 : -EINVAL;
	case VK_T_JA3:
		return n == 1 && k[0].kind == VK_KIND_JA3 ? 0 : -EINVAL;
	case VK_T_JA4:
		return n == 1 && k[0].kind == VK_KIND_JA4 ? 0 : -EINVAL;
	case VK_T_URL:
		return n == 1 && k[0].kind == VK_KIND_URL ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

uint64_t vk_key_hash(const struct vk_key *k)
{
	uint64_t h = VK_FNV64_OFFSET ^ k->kind;
	const uint8_t *p;
	size_t n, i;

	if (vk_kind_is_text(k->kind)) {
		p = (const uint8_t *)k->name;
		n = k->name_len;
	} else {
		h = vk_fmix64(h ^ ((uint64_t)k->plen << 16 | k->port));
		p = k->addr;
		n = 16;
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * VK_FNV64_PRIME;
	return vk_fmix64(h);
}

int vk_key_name_covers(const struct vk_key *k, const char *name, size_t n)
{
	if (n == k->name_len)
		return !memcmp(name, k->name, n);
	if (k->kind != VK_KIND_DOMAIN || n <= k->name_len)
		return 0;
	return name[n - k->name_len - 1] == '.' &&
	       !memcmp(name + n - k->name_len, k->name, k->name_len);
}
