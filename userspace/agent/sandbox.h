/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's sandbox: no new privileges, no capabilities, and a seccomp
 * allowlist of the system calls a sync loop needs (sandbox.c says why for
 * each). Anything else kills the process. */
#ifndef VK_SANDBOX_H
#define VK_SANDBOX_H

/* 0, or -1 with the reason logged. */
int vk_sandbox_enter(const char *state_dir);

#endif
