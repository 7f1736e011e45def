// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the dataplane's state file reader (ids.state). Whatever it
 * accepts is written again and must read back to the same set. */

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_file.h"
#include "xdp/vk_state.h"

static int add(void *arg, const struct vk_state_ent *e)
{
	uint32_t j;

	for (j = 0; j < e->nattr; j++)
		if (vk_set_add(arg, &e->key, &e->attrs[j]))
			return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], again[64];
	struct vk_set a, b;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/vk-fuzz-state.%d", (int)getpid());
		snprintf(again, sizeof(again), "%s.again", path);
	}
	if (fuzz_to_file(path, data, size))
		return 0;
	vk_set_init(&a);
	vk_set_init(&b);
	if (!vk_state_read(path, NULL, add, &a)) {
		assert(!vk_state_write(again, 7, a.ents, a.n));
		assert(!vk_state_read(again, NULL, add, &b));
		assert(a.n == b.n && a.nattr == b.nattr);
		unlink(again);
	}
	vk_set_free(&a);
	vk_set_free(&b);
	unlink(path);
	return 0;
}
