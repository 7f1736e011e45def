// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the events/restSearch (metadata) reader. */
#include <stdint.h>
#include <string.h>
#include "agent/sync.h"

static void on_meta(void *arg, const char *uuid, const char *info, int threat_level,
		    const char *date, const char *tags, int published)
{
	/* every string the reader hands over is a string */
	*(size_t *)arg += strlen(uuid) + strlen(info) + strlen(date) + strlen(tags) +
			  (size_t)(threat_level & 1) + (size_t)published;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	size_t sum = 0;

	vk_sync_parse_event_meta((const char *)data, size, on_meta, &sum, err, sizeof(err));
	return 0;
}
