// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the HTTP response path (http-parser, chunked, gzip, the body
 * cap) as the agent runs it on what the platform sends. */
#include <stdint.h>
#include <stdlib.h>
#include "lib/vk_https.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vk_http_resp r;
	char err[128];

	if (!vk_http_parse_response((const char *)data, size, 1 << 20, &r, err, sizeof(err)))
		free(r.body);
	return 0;
}
