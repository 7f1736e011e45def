// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the reader of MISP's bulkSaveSightings answer (an HTTP
 * response parsed the way the sender parses it, then its verdict). */
#include <stdint.h>
#include <stdlib.h>
#include "agent/upstream.h"
#include "lib/vk_https.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vk_http_resp r = { 0 };
	char err[256], what[128];

	if (!vk_http_parse_response((const char *)data, size, 1 << 20, &r, err, sizeof(err)))
		vk_upstream_verdict(&r, what, sizeof(what), err, sizeof(err));
	free(r.body);
	return 0;
}
