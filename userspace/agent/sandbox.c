// SPDX-License-Identifier: GPL-2.0-only
/*
 * Entered after the configuration, keys and state database are open and
 * before the first byte goes to the network (OpenSSH's Linux sandbox is the
 * model). systemd adds the filesystem view (rootfs/.../vardkased.service).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/f2fs.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <unistd.h>
#include "sandbox.h"
#include "../lib/vk_log.h"
#include "../lib/vk_seccomp.h"

static const struct vk_sc_allow allowed[] = {
	/* memory: malloc, SQLite's page cache, jansson */
	/* mmap and mprotect: below, without PROT_EXEC */
	{ SCMP_SYS(brk), "malloc" },
	{ SCMP_SYS(munmap), "free" }, { SCMP_SYS(mremap), "realloc" },
	{ SCMP_SYS(madvise), "free" },
	/* files: the state database (WAL, shm, journal), resolver config */
	{ SCMP_SYS(openat), "SQLite WAL/shm files, /etc/hosts and resolv.conf for DNS" },
	{ SCMP_SYS(close), "every descriptor" }, { SCMP_SYS(read), "files, sockets" },
	{ SCMP_SYS(write), "files, sockets, the log on stderr" },
	{ SCMP_SYS(writev), "glibc's fatal error messages (heap checks) reach the log" },
	{ SCMP_SYS(pread64), "SQLite pages" }, { SCMP_SYS(pwrite64), "SQLite pages" },
	{ SCMP_SYS(lseek), "SQLite" }, { SCMP_SYS(fstat), "SQLite, stdio" },
	{ SCMP_SYS(newfstatat), "SQLite, glibc" }, { SCMP_SYS(statx), "glibc stat" },
	{ SCMP_SYS(fsync), "SQLite durability" }, { SCMP_SYS(fdatasync), "SQLite durability" },
	{ SCMP_SYS(ftruncate), "SQLite WAL reset" }, { SCMP_SYS(unlink), "SQLite journal" },
	{ SCMP_SYS(fcntl), "SQLite locks, non-blocking connect" },
	{ SCMP_SYS(access), "SQLite checks for the journal" },
	{ SCMP_SYS(getcwd), "SQLite resolves relative paths" },
	{ SCMP_SYS(readlink), "SQLite resolves symlinked paths" },
	/* ioctl: below, two requests only */
	/* network: MISP (TCP), DNS (UDP), the dataplane (unix) */
	{ SCMP_SYS(connect), "MISP, DNS, dataplane" }, { SCMP_SYS(sendto), "DNS, TLS" },
	{ SCMP_SYS(recvfrom), "DNS, TLS" }, { SCMP_SYS(sendmsg), "dataplane messages" },
	{ SCMP_SYS(recvmsg), "dataplane answers, DNS" }, { SCMP_SYS(sendmmsg), "glibc DNS" },
	{ SCMP_SYS(getsockopt), "non-blocking connect result" },
	{ SCMP_SYS(setsockopt), "glibc DNS" }, { SCMP_SYS(getsockname), "glibc DNS" },
	{ SCMP_SYS(getpeername), "mbedTLS" }, { SCMP_SYS(bind), "glibc DNS source port" },
	{ SCMP_SYS(poll), "timeouts" }, { SCMP_SYS(ppoll), "timeouts" },
	{ SCMP_SYS(select), "mbedTLS recv timeout" }, { SCMP_SYS(pselect6), "mbedTLS" },
	/* time, randomness, signals, exit */
	{ SCMP_SYS(clock_gettime), "deadlines" }, { SCMP_SYS(gettimeofday), "mbedTLS" },
	{ SCMP_SYS(time), "time()" }, { SCMP_SYS(clock_nanosleep), "back-off" },
	{ SCMP_SYS(nanosleep), "back-off" }, { SCMP_SYS(getrandom), "TLS, jitter" },
	{ SCMP_SYS(rt_sigprocmask), "signal mask" }, { SCMP_SYS(rt_sigreturn), "signals" },
	{ SCMP_SYS(rt_sigaction), "glibc" }, { SCMP_SYS(futex), "glibc locks" },
	{ SCMP_SYS(getpid), "SQLite, glibc" }, { SCMP_SYS(gettid), "glibc" },
	{ SCMP_SYS(uname), "glibc resolver" }, { SCMP_SYS(sched_yield), "SQLite busy wait" },
	{ SCMP_SYS(signalfd4), "the main loop's signals" },
	{ SCMP_SYS(shutdown), "mbedtls_net_free ends a TCP connection" },
	{ SCMP_SYS(getrusage), "CPU time and peak RSS in the sync log" },
	/* threads: started after the filter is loaded, so it is theirs too;
	 * clone (flags checked) below, clone3 answered ENOSYS */
	{ SCMP_SYS(set_robust_list), "new threads" }, { SCMP_SYS(rseq), "new threads" },
	{ SCMP_SYS(sched_getaffinity), "glibc thread stacks" },
	/* the console socket and the event loop's timers and wake-ups */
	{ SCMP_SYS(accept4), "vardkasectl connections" },
	{ SCMP_SYS(timerfd_settime), "the event loop's tick" },
	{ SCMP_SYS(statfs), "free disk space in vardkasectl status" },
	{ SCMP_SYS(sysinfo), "glibc's qsort sizes its merge buffer by physical memory" },
	{ SCMP_SYS(exit), "exit" }, { SCMP_SYS(exit_group), "exit" },
#ifdef VK_SANITIZER
	{ SCMP_SYS(sigaltstack), "the sanitizers' signal stacks (sanitizer builds only)" },
	{ SCMP_SYS(sched_getparam), "the sanitizer runtime" },
#endif
};

/* Calls allowed with some arguments only; each commented with why. */
static int add_conditional(scmp_filter_ctx f)
{
	int rc = 0;

	/* clone for a thread and nothing else: CLONE_THREAD set, no new
	 * namespace */
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, VK_CLONE_NS | CLONE_THREAD,
				       CLONE_THREAD));
	/* clone3 passes its flags in memory, where seccomp cannot look:
	 * ENOSYS makes glibc's pthread_create fall back to clone, above */
	rc |= seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* memory for data only: no executable mapping (W^X and more: the
	 * agent loads no code after the filter; NSS modules, glibc 2.36
	 * builds files and dns in, would fail with EPERM, not kill) */
	rc |= vk_sc_no_exec(f, 1);
	/* ioctl: stdio's isatty on the log (TCGETS) and SQLite's probe for
	 * F2FS atomic writes; any other request fails with ENOTTY, as on a
	 * descriptor that does not know it */
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, TCGETS));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffff, F2FS_IOC_GET_FEATURES));
	rc |= seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0);
	return rc ? -1 : 0;
}

/* dir and what is directly in it (no symlink followed) to uid:gid. */
static int chown_dir(const char *dir, uid_t uid, gid_t gid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0 || fchown(fd, uid, gid) || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    fchownat(fd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW))
			rc = -1;
	closedir(d);
	return rc;
}

int vk_sandbox_user(const char *user, const char *state_dir, const char *console_socket,
		    char *err, size_t errlen)
{
	const struct passwd *pw;
	char dir[512], *slash;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user);
	if (!strcmp(user, "root") || (pw && pw->pw_uid == 0)) {
		vk_warn("running as root ([agent] user = %s): the files it writes are root's;"
			" a box runs the agent as its own user", user);
		return 0;
	}
	if (!pw) {
		snprintf(err, errlen, "started as root, and [agent] user '%s' does not exist:"
			 " create it (useradd --system --no-create-home %s) or name another",
			 user, user);
		return -1;
	}
	/* the state directory: created, or taken over if root's; a directory
	 * anyone may write to (/tmp) or someone else's is refused */
	if (mkdir(state_dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "state_dir %s: %s", state_dir, strerror(errno));
		return -1;
	}
	if (lstat(state_dir, &st) || !S_ISDIR(st.st_mode) || (st.st_mode & S_IWOTH) ||
	    (st.st_uid != 0 && st.st_uid != pw->pw_uid)) {
		snprintf(err, errlen, "state_dir %s: not a directory of root's or %s's that only"
			 " they may write to: it is not given to %s", state_dir, user, user);
		return -1;
	}
	if (chown_dir(state_dir, pw->pw_uid, pw->pw_gid)) {
		snprintf(err, errlen, "state_dir %s: cannot give it to %s: %s", state_dir, user,
			 strerror(errno));
		return -1;
	}
	/* the console socket's directory, when missing (as RuntimeDirectory=);
	 * an existing one is left as it is */
	snprintf(dir, sizeof(dir), "%s", console_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (!mkdir(dir, 0750) && chown(dir, pw->pw_uid, pw->pw_gid)) {
			snprintf(err, errlen, "console directory %s: cannot give it to %s: %s",
				 dir, user, strerror(errno));
			return -1;
		}
	}
	/* groups first: after setuid there is no permission left to change
	 * them; then check that root cannot be had back */
	if (initgroups(pw->pw_name, pw->pw_gid) || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid)) {
		snprintf(err, errlen, "cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	if (!setuid(0) || !seteuid(0)) {
		snprintf(err, errlen, "became %s, but root could be had back: refusing to run", user);
		return -1;
	}
	vk_info("started as root: running as %s (uid %u, gid %u)", user, (unsigned)pw->pw_uid,
		(unsigned)pw->pw_gid);
	return 0;
}

int vk_sandbox_enter(const char *state_dir)
{
	scmp_filter_ctx f;
	int rc = 0;

	/* every capability goes, also when started as root by hand */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || vk_caps_keep(0)) {
		vk_err("sandbox: cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!f)
		return -1;
	rc = vk_sc_allow_all(f, allowed, sizeof(allowed) / sizeof(allowed[0]));
	if (!rc && add_conditional(f))
		rc = -EINVAL;
	/* sockets only of the families the agent speaks */
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_INET));
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	/* glibc's getaddrinfo, when a name has more than one address (Debian's
	 * "localhost" is 127.0.0.1 and ::1; MISP-SE's name has A and AAAA),
	 * sorts them by RFC 3484 and first asks the kernel for this host's
	 * addresses: an RTM_GETADDR dump on a NETLINK_ROUTE socket. Exactly
	 * that socket: raw (the low type bits; SOCK_CLOEXEC may be or'ed in),
	 * routing protocol. Without CAP_NET_ADMIN (dropped above) it can only
	 * read, never change, routes and addresses. */
	if (!rc)
		rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
				      SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW),
				      SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE));
	if (!rc)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc) {
		vk_err("sandbox: seccomp: %s", strerror(-rc));
		return -1;
	}
	vk_info("sandbox: no capabilities, no new privileges, %zu system calls allowed "
		"(state in %s)", sizeof(allowed) / sizeof(allowed[0]) + 1, state_dir);	/* + socket */
	return 0;
}
