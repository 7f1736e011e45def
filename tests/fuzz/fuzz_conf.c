// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the agent's INI configuration (libinih and the key rules). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include "fuzz_file.h"
#include "agent/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct vk_conf c;
	char err[512];

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vk-fuzz-conf.%d", (int)getpid());
	if (fuzz_to_file(path, data, size))
		return 0;
	vk_conf_load(&c, path, err, sizeof(err));
	unlink(path);
	return 0;
}
