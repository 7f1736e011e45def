// SPDX-License-Identifier: GPL-2.0-only
/* The agent's and the dataplane's seccomp filters, entered for real in a
 * child per case: what they need works (threads, isatty; fork, map calls),
 * what they forbid fails the way the filter says (killed by SIGSYS, or the
 * errno it answers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "agent/sandbox.h"
#include "xdp/dp_sandbox.h"

enum { OK = 0, WRONG = 1, KILLED = -1 };

static void *nothing(void *arg) { return arg; }

/* How child pid ended: OK, WRONG, or KILLED (SIGSYS); exit 3 means the
 * filter did not load, which fails the test. */
static int outcome(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		return KILLED;
	assert_true(WIFEXITED(st));
	assert_int_not_equal(WEXITSTATUS(st), 3);
	return WEXITSTATUS(st) ? WRONG : OK;
}

/* Run case c under the filter in a child: OK, WRONG (the call did not
 * fail as expected) or KILLED (SIGSYS). */
static int run_case(int c)
{
	char dir[] = "/tmp/vk-sandbox-XXXXXX";
	pid_t pid;
	int st;

	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t th;
		void *p;

		if (vk_sandbox_enter(dir))
			_exit(3);
		switch (c) {
		case 0:	/* threads: clone3 -> ENOSYS -> clone with CLONE_THREAD */
			_exit(pthread_create(&th, NULL, nothing, NULL) || pthread_join(th, NULL));
		case 1:	/* a user namespace */
			unshare(CLONE_NEWUSER);
			_exit(WRONG);
		case 2:	/* clone of a process into a new user namespace */
			syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
			_exit(WRONG);
		case 3:	/* writable and executable memory */
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(p == MAP_FAILED && errno == EPERM ? OK : WRONG);
		case 4:	/* made executable later */
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
			_exit(p != MAP_FAILED && mprotect(p, 4096, PROT_READ | PROT_EXEC) &&
			      errno == EPERM ? OK : WRONG);
		case 5:	/* any ioctl but the two it needs */
			_exit(ioctl(0, FIONREAD, &st) < 0 && errno == ENOTTY ? OK : WRONG);
		case 6:	/* isatty on the log works */
			isatty(2);
			_exit(OK);
		case 7:	/* a packet socket */
			socket(AF_PACKET, SOCK_RAW, 0);
			_exit(WRONG);
		}
		_exit(WRONG);
	}
	rmdir(dir);
	return outcome(pid);
}

/* The dataplane's filter (dp_sandbox.c), case c: OK, WRONG or KILLED. */
static int run_dp_case(int c)
{
	union bpf_attr at;
	pid_t pid = fork(), kid;
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (vk_dp_sandbox_enter())
			_exit(3);
		memset(&at, 0, sizeof(at));
		at.map_fd = (__u32)-1;	/* no map: EBADF, if the call is let through */
		switch (c) {
		case 0:	/* the state file's writer, and a map call (on no map) */
			kid = fork();
			if (kid == 0)
				_exit(0);
			_exit(kid > 0 && waitpid(kid, &st, 0) == kid &&
			      syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &at, sizeof(at)) < 0 &&
			      errno == EBADF ? OK : WRONG);
		case 1:	/* loading a program */
			syscall(SYS_bpf, BPF_PROG_LOAD, &at, sizeof(at));
			_exit(WRONG);
		case 2:	/* running anything */
			execl("/bin/true", "true", (char *)NULL);
			_exit(WRONG);
		case 3:	/* executable memory */
			mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(WRONG);
		case 4:	/* a packet socket */
			socket(AF_PACKET, SOCK_RAW, 0);
			_exit(WRONG);
		}
		_exit(WRONG);
	}
	return outcome(pid);
}

static void test_dataplane(void **state)
{
	(void)state;
	if (geteuid()) {
		print_message("SKIP: the dataplane's filter keeps capabilities only root has\n");
		skip();
	}
	assert_int_equal(run_dp_case(0), OK);
	assert_int_equal(run_dp_case(1), KILLED);
	assert_int_equal(run_dp_case(2), KILLED);
	assert_int_equal(run_dp_case(3), KILLED);
	assert_int_equal(run_dp_case(4), KILLED);
}

static void test_allowed(void **state)
{
	(void)state;
	assert_int_equal(run_case(0), OK);
	assert_int_equal(run_case(6), OK);
}

static void test_forbidden(void **state)
{
	(void)state;
	assert_int_equal(run_case(1), KILLED);
	assert_int_equal(run_case(2), KILLED);
	assert_int_equal(run_case(3), OK);	/* EPERM */
	assert_int_equal(run_case(4), OK);	/* EPERM */
	assert_int_equal(run_case(5), OK);	/* ENOTTY */
	assert_int_equal(run_case(7), KILLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_dataplane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
