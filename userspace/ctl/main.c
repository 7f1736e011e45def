// SPDX-License-Identifier: GPL-2.0-only
/*
 * vardkasectl: the local operator's console to vardkased. Human tables by
 * default, --json for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"

#define DEFAULT_SOCKET "/run/vardkase-agent/agent.sock"

static const struct {
	const char *name;
	int (*fn)(struct ctl *, int, char **);
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "dataplane, indicators, last sync, spool, certificate, disk" },
	{ "sightings", cmd_sightings, "what matched, newest first [--since D] [--host IP] "
	  "[--indicator V] [--event UUID] [--limit N] [--follow]" },
	{ "indicator", cmd_indicator, "VALUE: enforced or not, from which event, or why not" },
	{ "sync", cmd_sync, "sync with MISP now and print the result" },
	{ "fp", cmd_fp, "SIGHTING-ID: mark a false positive (stops matching here, tells MISP)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vardkasectl [--json] [--socket PATH] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nThe socket defaults to $VARDKASE_CONSOLE or %s.\n", DEFAULT_SOCKET);
}

int main(int argc, char **argv)
{
	struct ctl c = { .socket = getenv("VARDKASE_CONSOLE"), .fd = -1 };
	int i = 1, rc;
	size_t k;

	if (!c.socket || !*c.socket)
		c.socket = DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			c.json = 1;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			c.socket = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].name))
			continue;
		if (ctl_connect(&c))
			return 1;
		rc = cmds[k].fn(&c, argc - i, argv + i);
		close(c.fd);
		return rc;
	}
	fprintf(stderr, "vardkasectl: unknown command '%s'\n\n", argv[i]);
	usage(stderr);
	return 2;
}
