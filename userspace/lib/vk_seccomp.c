// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "vk_seccomp.h"

int vk_sc_allow_all(scmp_filter_ctx f, const struct vk_sc_allow *v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && !rc; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, v[i].nr, 0);
	return rc;
}

int vk_sc_no_exec(scmp_filter_ctx f, int eperm)
{
	static const int calls[] = { SCMP_SYS(mmap), SCMP_SYS(mprotect) };
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]) && !rc; i++) {
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
		if (!rc && eperm)
			rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), calls[i], 1,
					      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
	}
	return rc;
}

int vk_caps_keep(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int cap;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -1;
	/* EINVAL: a number past the kernel's last capability; EPERM: no
	 * CAP_SETPCAP (not root): nothing left to drop there */
	for (cap = 0; cap <= 63; cap++)
		if (!(keep >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EINVAL && errno != EPERM)
			return -1;
	d[0].effective &= (uint32_t)keep;
	d[0].permitted &= (uint32_t)keep;
	d[1].effective &= (uint32_t)(keep >> 32);
	d[1].permitted &= (uint32_t)(keep >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	return (int)syscall(SYS_capset, &h, d);
}
