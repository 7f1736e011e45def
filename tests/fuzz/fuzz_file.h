/* SPDX-License-Identifier: GPL-2.0-only */
/* For harnesses of readers that take a path: the input as a file. */
#ifndef VK_FUZZ_FILE_H
#define VK_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>

/* Write data to path. 0, or -1 (the input is skipped). */
static inline int fuzz_to_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

#endif
