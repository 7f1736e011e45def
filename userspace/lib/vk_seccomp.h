/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What both sandboxes (the agent's userspace/agent/sandbox.c, the
 * dataplane's userspace/xdp/dp_sandbox.c) build their filters from: an
 * allowlist table with a reason per call, the no-executable-memory rules,
 * the namespace flags clone must not carry, and the capability drop.
 * Each sandbox keeps its own list and says why for each entry.
 */
#ifndef VK_SECCOMP_H
#define VK_SECCOMP_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <seccomp.h>

/* One system call allowed without conditions, and why. */
struct vk_sc_allow {
	int nr;
	const char *why;
};

/* The clone flags that make a new namespace: a CLONE_NEWUSER would give
 * the process capabilities in a namespace of its own. */
#define VK_CLONE_NS	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

/* Allow each of the n calls of v. Returns 0 or -errno (libseccomp's). */
int vk_sc_allow_all(scmp_filter_ctx f, const struct vk_sc_allow *v, size_t n);

/* mmap and mprotect for data only: allowed without PROT_EXEC; with it,
 * EPERM when eperm (a caller that may meet it, such as glibc's NSS),
 * else the filter's default action. Returns 0 or -errno. */
int vk_sc_no_exec(scmp_filter_ctx f, int eperm);

/* Every capability but those in keep (a mask of 1 << CAP_*) leaves the
 * bounding, effective and permitted sets, and the inheritable set is
 * emptied. Returns 0, or -1 with errno. */
int vk_caps_keep(uint64_t keep);

#endif
