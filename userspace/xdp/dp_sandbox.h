/* SPDX-License-Identifier: GPL-2.0-only */
/* The dataplane's sandbox, entered once the program is loaded and
 * attached: fewer capabilities and a seccomp allowlist (dp_sandbox.c). */
#ifndef VK_DP_SANDBOX_H
#define VK_DP_SANDBOX_H

/* Keep CAP_BPF and CAP_NET_ADMIN (map access, re-attaching an interface
 * that comes back), drop every other capability, load the filter.
 * VK_DP_SECCOMP_LOG=1 in the environment logs what the filter would
 * refuse instead (the kernel log, audit type 1326): how the list is
 * checked against the tests. 0 or -1 (logged). */
int vk_dp_sandbox_enter(void);

#endif
