// SPDX-License-Identifier: GPL-2.0-only
/* vardkase-xdp: the privileged XDP dataplane. */
#include <stdio.h>
#include <string.h>
#include "cmds.h"
#include "../lib/vk_log.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "attach to interfaces and match until stopped" },
	{ "replay", cmd_replay, "run the XDP program over a capture, print matches as JSON" },
	{ "detach", cmd_detach, "remove the program from an interface (and all state with the last)" },
	{ "stats", cmd_stats, "print the pinned dataplane's statistics and counters as JSON" },
	{ "ctl", cmd_ctl, "talk to a running dataplane over its control socket" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vardkase-xdp <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'vardkase-xdp <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	vk_log_set_ident("vardkase-xdp");
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vardkase-xdp: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
