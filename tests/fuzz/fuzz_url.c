// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: URL normalisation (lib/vk_url.c), which MISP url values and
 * request lines off the wire both go through. What it makes is at most
 * VK_URL_MAX bytes of visible ASCII, a fixed point (normalised again it is
 * itself: a key check relies on that), and a request's URL is the URL of
 * its Host and target joined. Input: target, a NUL, the Host. */
#include <stdlib.h>
#include <string.h>
#include "lib/vk_url.h"

static void check(const char *u, int n)
{
	char again[VK_URL_MAX + 1];
	const char *why;
	int i;

	if (n < 0)
		return;
	if (n > VK_URL_MAX || (int)strlen(u) != n)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || (unsigned char)u[i] >= 0x7f)
			abort();
	if (vk_url_norm(u, (size_t)n, again, &why) != n || memcmp(again, u, (size_t)n))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char out[VK_URL_MAX + 1];
	const char *why, *s = (const char *)data, *nul = memchr(data, 0, size);
	int n;

	n = vk_url_norm(s, size, out, &why);
	check(out, n);
	if (nul) {
		size_t tn = (size_t)(nul - s);

		n = vk_url_of_request(s, tn, nul + 1, size - tn - 1, out, &why);
		check(out, n);
	}
	return 0;
}
