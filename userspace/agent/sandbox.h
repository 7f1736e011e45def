/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's sandbox: no new privileges, no capabilities, and a seccomp
 * allowlist of the system calls a sync loop needs (sandbox.c says why for
 * each). Anything else kills the process. */
#ifndef VK_SANDBOX_H
#define VK_SANDBOX_H

/* 0, or -1 with the reason logged. */
int vk_sandbox_enter(const char *state_dir);

/*
 * Started as root (by hand: the unit starts the agent as its user), become
 * user, as systemd's User=, StateDirectory= and RuntimeDirectory= would
 * make it: state_dir (created if missing; root's or the user's, never
 * world-writable) and the entries directly in it go to the user, a
 * missing directory of console_socket is created as the user's, then the
 * user's groups, gid and uid replace root's for good. Files read as root
 * before (the configuration, keys, warninglists) stay read. "root" keeps
 * root, with a warning. Not root: nothing to do. Returns 0, or -1 with
 * the reason in err (a user that does not exist, a state directory of
 * someone else's, a failed set*id).
 */
int vk_sandbox_user(const char *user, const char *state_dir, const char *console_socket,
		    char *err, size_t errlen);

#endif
