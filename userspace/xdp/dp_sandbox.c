// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dataplane (root) after attach: what it still does is answer the
 * control socket, read the ring buffer and the counters, follow link
 * events, re-attach a returning interface and write the state file from a
 * forked child. It never loads a program again, never executes anything,
 * never creates a namespace: the filter says so, call by call, with why.
 * Anything not listed kills it; the pinned program keeps matching and
 * systemd starts the daemon again (which re-uses the pinned maps).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dp_sandbox.h"
#include "../lib/vk_log.h"
#include "../lib/vk_seccomp.h"

static const struct vk_sc_allow allowed[] = {
	/* the loop */
	{ SCMP_SYS(poll), "the main loop" }, { SCMP_SYS(ppoll), "the main loop" },
	{ SCMP_SYS(read), "the signalfd, files" }, { SCMP_SYS(close), "every descriptor" },
	{ SCMP_SYS(epoll_wait), "libbpf's ring buffer" },
	{ SCMP_SYS(epoll_pwait), "libbpf's ring buffer" },
	{ SCMP_SYS(epoll_ctl), "libbpf's ring buffer (re-attach adds nothing, but cheap)" },
	{ SCMP_SYS(clock_gettime), "timers, rates" }, { SCMP_SYS(gettimeofday), "time" },
	{ SCMP_SYS(time), "time" }, { SCMP_SYS(clock_nanosleep), "libnl retries" },
	{ SCMP_SYS(nanosleep), "libnl retries" },
	/* the control socket and netlink (libnl's link cache) */
	{ SCMP_SYS(accept4), "control-socket connections" },
	{ SCMP_SYS(recvmsg), "control messages, netlink" },
	{ SCMP_SYS(sendmsg), "answers, events, netlink requests" },
	{ SCMP_SYS(recvfrom), "netlink" }, { SCMP_SYS(sendto), "netlink, answers" },
	{ SCMP_SYS(getsockopt), "libnl" }, { SCMP_SYS(setsockopt), "libnl buffer sizes" },
	{ SCMP_SYS(getsockname), "libnl" }, { SCMP_SYS(bind), "libnl's netlink socket" },
	{ SCMP_SYS(write), "the log on stderr, events on stdout, the state file" },
	{ SCMP_SYS(writev), "stdio, glibc's fatal messages" },
	/* memory */
	{ SCMP_SYS(brk), "malloc" }, { SCMP_SYS(munmap), "free" },
	{ SCMP_SYS(mremap), "realloc" }, { SCMP_SYS(madvise), "free" },
	/* the state file, written by a forked child (a copy-on-write
	 * snapshot of the set), and the link pin of a re-attached interface */
	{ SCMP_SYS(wait4), "reaping the state file's writer (fork: below)" },
	{ SCMP_SYS(openat), "the state file; /sys for a re-attach" },
	{ SCMP_SYS(fsync), "the state file is whole or absent" },
	{ SCMP_SYS(rename), "the state file, atomically" },
	{ SCMP_SYS(unlink), "a failed state file; a stale link pin" },
	{ SCMP_SYS(mkdir), "the pin directory, for a re-attached link" },
	{ SCMP_SYS(fstat), "stdio" }, { SCMP_SYS(newfstatat), "glibc" },
	{ SCMP_SYS(lseek), "stdio" }, { SCMP_SYS(statfs), "libbpf checks bpffs" },
	{ SCMP_SYS(fcntl), "non-blocking control connections" },
	{ SCMP_SYS(ioctl), "if_nametoindex (SIOCGIFINDEX) for a re-attach" },
	/* signals, exit, glibc */
	{ SCMP_SYS(rt_sigprocmask), "signal mask" }, { SCMP_SYS(rt_sigreturn), "signals" },
	{ SCMP_SYS(rt_sigaction), "glibc" }, { SCMP_SYS(futex), "glibc locks" },
	{ SCMP_SYS(getpid), "glibc, libnl" }, { SCMP_SYS(gettid), "glibc" },
	{ SCMP_SYS(getrandom), "libnl port ids" },
	{ SCMP_SYS(set_robust_list), "the forked child" },
	{ SCMP_SYS(rseq), "the forked child" },
	{ SCMP_SYS(sysinfo), "glibc's qsort sizes its buffer" },
	{ SCMP_SYS(exit), "exit" }, { SCMP_SYS(exit_group), "exit" },
#ifdef VK_SANITIZER
	{ SCMP_SYS(sigaltstack), "the sanitizers' signal stacks (sanitizer builds only)" },
	{ SCMP_SYS(sched_getparam), "the sanitizer runtime" },
#endif
};

/* The bpf commands of a running dataplane; BPF_PROG_LOAD is not one (a
 * compromised daemon cannot load a program). */
static const int bpf_cmds[] = {
	BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
	BPF_OBJ_PIN, BPF_OBJ_GET, BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH,
	BPF_OBJ_GET_INFO_BY_FD, BPF_MAP_LOOKUP_BATCH,
	BPF_PROG_TEST_RUN,	/* the slow path's names, matched by vardkase_slow */
};

/* Every capability but CAP_BPF and CAP_NET_ADMIN leaves (SYS_ADMIN and
 * PERFMON were for loading and pinning at start). */
#define VK_DP_CAPS	(1ull << CAP_BPF | 1ull << CAP_NET_ADMIN)

int vk_dp_sandbox_enter(void)
{
	const char *log = getenv("VK_DP_SECCOMP_LOG");
	scmp_filter_ctx f;
	size_t i;
	int rc = 0;

	if (vk_caps_keep(VK_DP_CAPS) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		vk_err("sandbox: cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	f = seccomp_init(log && *log == '1' ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!f)
		return -1;
	rc = vk_sc_allow_all(f, allowed, sizeof(allowed) / sizeof(allowed[0]));
	for (i = 0; i < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]) && !rc; i++)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
				      SCMP_A0(SCMP_CMP_EQ, (uint64_t)bpf_cmds[i]));
	/* data memory only: no mapping or page is made executable (one
	 * that asks is killed: the dataplane never loads code) */
	if (!rc)
		rc = vk_sc_no_exec(f, 0);
	/* sockets: netlink for libnl (a re-created cache socket), AF_INET
	 * for if_nametoindex's ioctl; no other family */
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_INET));
	/* fork for the state file's writer (glibc's fork is clone with
	 * SIGCHLD): no namespace, no thread */
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, VK_CLONE_NS | CLONE_THREAD, 0));
	if (!rc)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc) {
		vk_err("sandbox: seccomp: %s", strerror(-rc));
		return -1;
	}
	vk_info("sandbox: capabilities CAP_BPF and CAP_NET_ADMIN only, %zu system calls%s",
		sizeof(allowed) / sizeof(allowed[0]) + 5,
		log && *log == '1' ? " (VK_DP_SECCOMP_LOG: logging, not enforcing)" : "");
	return 0;
}
