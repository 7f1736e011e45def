// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: a misp-warninglists list file, loaded and matched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz_file.h"
#include "agent/wl.h"
#include "lib/vk_key.h"

static char dir[64], path[96];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vk_key k[2];
	const char *why;
	struct vk_wl *w;
	int n, loaded;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/vk-fuzz-wl.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/list.json", dir);
		atexit(cleanup);
	}
	if (fuzz_to_file(path, data, size))
		return 0;
	w = vk_wl_load(dir, &loaded);
	n = vk_key_from_misp(VK_T_DOMAIN, "www.evil.example", k, &why);
	if (w && n > 0)
		vk_wl_match(w, VK_T_DOMAIN, "www.evil.example", k, n);
	n = vk_key_from_misp(VK_T_IP_DST, "192.0.2.7", k, &why);
	if (w && n > 0)
		vk_wl_match(w, VK_T_IP_DST, "192.0.2.7", k, n);
	vk_wl_free(w);
	unlink(path);
	return 0;
}
