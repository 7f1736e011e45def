/* SPDX-License-Identifier: GPL-2.0-only */
/* One line per event worth knowing, on stderr (journald takes it from
 * there). Levels filter; nothing here allocates. */
#ifndef VK_LOG_H
#define VK_LOG_H

enum vk_log_level { VK_LOG_ERR, VK_LOG_WARN, VK_LOG_INFO, VK_LOG_DEBUG };

void vk_log_set_level(enum vk_log_level lvl);
void vk_log_set_ident(const char *ident);
void vk_log(enum vk_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vk_err(...)	vk_log(VK_LOG_ERR, __VA_ARGS__)
#define vk_warn(...)	vk_log(VK_LOG_WARN, __VA_ARGS__)
#define vk_info(...)	vk_log(VK_LOG_INFO, __VA_ARGS__)
#define vk_debug(...)	vk_log(VK_LOG_DEBUG, __VA_ARGS__)

struct timespec;
/* Seconds since t0 (CLOCK_MONOTONIC), for the durations log lines give. */
double vk_since_s(const struct timespec *t0);

#endif
