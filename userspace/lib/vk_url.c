// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "vk_url.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int hexval(int c)
{
	c = lower(c);
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3986 2.3 */
static int unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

struct out {
	char *p;
	size_t n, cap;
	int over;
};

static void put(struct out *o, char c)
{
	if (o->n < o->cap)
		o->p[o->n++] = c;
	else
		o->over = 1;
}

/* Path or query bytes [s, e) with escapes normalised (RFC 3986 6.2.2.1,
 * 6.2.2.2): an escaped unreserved character is the character, any other
 * escape in upper case; a '%' that starts no escape is "%25" (left bare,
 * "%%341" would read "%41" next time: normalising must be a fixed point). */
static void put_escaped(struct out *o, const char *s, const char *e)
{
	static const char hex[] = "0123456789ABCDEF";

	while (s < e) {
		int a, b;

		if (*s == '%' && e - s >= 3 && (a = hexval(s[1])) >= 0 && (b = hexval(s[2])) >= 0) {
			int c = a << 4 | b;

			if (unreserved(c)) {
				put(o, (char)c);
			} else {
				put(o, '%');
				put(o, hex[a]);
				put(o, hex[b]);
			}
			s += 3;
			continue;
		}
		if (*s == '%') {
			put(o, '%');
			put(o, '2');
			put(o, '5');
			s++;
			continue;
		}
		put(o, *s++);
	}
}

/* RFC 3986 5.2.4, on the normalised path in p[0, *n) (it starts with
 * '/'): "." and ".." segments go, as a server resolves them. */
static void remove_dots(char *p, size_t *n)
{
	size_t r = 0, w = 0, len = *n;

	while (r < len) {
		size_t seg = r + 1, end;

		while (seg < len && p[seg] != '/')
			seg++;
		end = seg;			/* p[r] == '/', segment (r, end) */
		if (end - r == 2 && p[r + 1] == '.') {
			if (end == len)
				p[w++] = '/';	/* "/a/." is "/a/" */
		} else if (end - r == 3 && p[r + 1] == '.' && p[r + 2] == '.') {
			while (w > 0 && p[--w] != '/')
				;
			if (end == len)
				p[w++] = '/';
		} else {
			memmove(p + w, p + r, end - r);
			w += end - r;
		}
		r = end;
	}
	if (!w)
		p[w++] = '/';
	*n = w;
}

int vk_url_norm(const char *s, size_t n, char out[VK_URL_MAX + 1], const char **why)
{
	const char *e = s + n, *h, *he, *at, *colon = NULL, *p;
	struct out o = { out, 0, VK_URL_MAX, 0 };
	size_t i;
	char pathbuf[VK_URL_MAX + 1];
	struct out po = { pathbuf, 0, VK_URL_MAX, 0 };

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f) {
			*why = "white space, control or non-ASCII characters in the URL";
			return -EINVAL;
		}
	}
	for (p = s; p < e && *p != ':' && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	if (p + 2 < e && p[0] == ':' && p[1] == '/' && p[2] == '/') {
		if (p - s != 4 || lower(s[0]) != 'h' || lower(s[1]) != 't' || lower(s[2]) != 't' ||
		    lower(s[3]) != 'p') {
			*why = "only http URLs are matched (an https path is encrypted: the box "
			       "sees its host, a hostname indicator)";
			return -EINVAL;
		}
		s = p + 3;
	}
	/* authority: [userinfo@]host[:port], up to the path, query or fragment */
	for (he = s; he < e && *he != '/' && *he != '?' && *he != '#'; he++)
		;
	h = s;
	for (at = s; at < he; at++)
		if (*at == '@')
			h = at + 1;		/* userinfo: never sent in a request */
	if (h < he && *h == '[') {		/* an IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(he - h));

		if (!rb) {
			*why = "an IPv6 host without ']'";
			return -EINVAL;
		}
		colon = rb + 1 < he && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 < he && !colon) {
			*why = "bytes after an IPv6 host";
			return -EINVAL;
		}
	} else if (he > h) {
		colon = memchr(h, ':', (size_t)(he - h));
	}
	{
		const char *hend = colon ? colon : he;

		while (hend > h && hend[-1] == '.')
			hend--;			/* a final dot (or more: a fixed point) */
		if (hend == h) {
			*why = "a URL without a host";
			return -EINVAL;
		}
		for (p = h; p < hend; p++) {
			char c = (char)lower(*p);

			if (!unreserved(c) && c != '[' && c != ']' && c != ':') {
				*why = "a host that is no name or address";
				return -EINVAL;
			}
			put(&o, c);
		}
	}
	if (colon) {
		const char *d = colon + 1;
		unsigned long port = 0;

		if (d == he)
			colon = NULL;		/* "host:" is the default port */
		for (p = d; p < he; p++) {
			if (*p < '0' || *p > '9' || (port = port * 10 + (unsigned long)(*p - '0')) > 65535) {
				*why = "a port that is no number";
				return -EINVAL;
			}
		}
		if (colon && port != 80) {
			char num[8];
			int k = 0;

			if (!port) {
				*why = "port 0";
				return -EINVAL;
			}
			while (port) {
				num[k++] = (char)('0' + port % 10);
				port /= 10;
			}
			put(&o, ':');
			while (k)
				put(&o, num[--k]);
		}
	}
	/* the path, its dot segments resolved, then the query */
	p = he;
	{
		const char *pe = p;

		while (pe < e && *pe != '?' && *pe != '#')
			pe++;
		if (p == pe || *p != '/')
			put(&po, '/');
		put_escaped(&po, p, pe);
		if (po.over) {
			*why = "a URL longer than 253 bytes normalised";
			return -EINVAL;
		}
		remove_dots(pathbuf, &po.n);
		for (i = 0; i < po.n; i++)
			put(&o, pathbuf[i]);
		p = pe;
	}
	if (p < e && *p == '?') {
		const char *qe = ++p;

		while (qe < e && *qe != '#')
			qe++;
		if (qe > p) {			/* "path?" has no query */
			put(&o, '?');
			put_escaped(&o, p, qe);
		}
	}
	if (o.over) {
		*why = "a URL longer than 253 bytes normalised";
		return -EINVAL;
	}
	out[o.n] = 0;
	return (int)o.n;
}

int vk_url_of_request(const char *target, size_t tn, const char *host, size_t hn,
		      char out[VK_URL_MAX + 1], const char **why)
{
	char buf[2 * VK_URL_MAX + 2];

	if (tn && target[0] == '/') {
		if (!hn || hn + tn > sizeof(buf)) {
			*why = hn ? "a request URL longer than the box matches" : "no Host";
			return -EINVAL;
		}
		memcpy(buf, host, hn);
		memcpy(buf + hn, target, tn);
		return vk_url_norm(buf, hn + tn, out, why);
	}
	if (tn > 7 && !strncasecmp(target, "http://", 7))
		return vk_url_norm(target, tn, out, why);
	*why = "not a URL a request fetches (an asterisk or authority form)";
	return -EINVAL;
}
