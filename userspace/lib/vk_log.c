// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "vk_log.h"

static enum vk_log_level vk_level = VK_LOG_INFO;
static const char *vk_ident = "vardkase";

void vk_log_set_level(enum vk_log_level lvl)
{
	vk_level = lvl;
}

void vk_log_set_ident(const char *ident)
{
	vk_ident = ident;
}

void vk_log(enum vk_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;

	if (lvl > vk_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line so concurrent writers do not interleave */
	fprintf(stderr, "%s: %s: %s\n", vk_ident, names[lvl], line);
}

double vk_since_s(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}
