/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * URLs as the box matches them: MISP `url` attributes and the URL of an
 * HTTP/1.x request, both brought to one text by the same function, so an
 * indicator and a request that a server takes for the same resource give
 * the same text. docs/architecture.md, "URLs", has the rules.
 */
#ifndef VK_URL_H
#define VK_URL_H

#include <stddef.h>

/* Bytes of a normalised URL, at most: the key's text (vk_key.h). */
#define VK_URL_MAX	253

/*
 * Normalise the URL s (n bytes: "http://Evil.example:80/a/../b?x",
 * "evil.example/b", a request's absolute form) into out ("evil.example/b?x":
 * no scheme, the host lowercased without a final dot, no default port,
 * "/" for an empty path, dot segments removed, unreserved characters
 * percent-decoded and other escapes in upper case, no fragment, no empty
 * query). Returns the length, or -EINVAL with a static reason in *why: a
 * scheme other than http (an https path is encrypted: the box sees only
 * its host), no host, white space or control characters, a host that is
 * no name or address, a port that is no number, or a result over
 * VK_URL_MAX bytes.
 */
int vk_url_norm(const char *s, size_t n, char out[VK_URL_MAX + 1], const char **why);

/*
 * The URL of an HTTP request: its request target (origin form "/p?q"
 * joined to the Host header's value, or absolute form "http://h/p"),
 * normalised as above. Returns the length, or -EINVAL (an asterisk or
 * authority form, a target or Host that does not normalise).
 */
int vk_url_of_request(const char *target, size_t tn, const char *host, size_t hn,
		      char out[VK_URL_MAX + 1], const char **why);

#endif
