// SPDX-License-Identifier: GPL-2.0-only
/* vardkase-xdp detach --iface IF: remove the program from IF; with the
 * last interface gone, the pinned maps and the state file go too. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "vk_dp.h"
#include "cmds.h"
#include "../lib/vk_log.h"

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *ifname = NULL, *pin = VK_PIN_DIR_DEFAULT, *state = VK_STATE_DIR_DEFAULT;
	int c, rc;

	while ((c = getopt_long(argc, argv, "i:P:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'P': pin = optarg; break;
		case 'S': state = optarg; break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"usage: vardkase-xdp detach --iface IF [--pin-dir DIR] [--state-dir DIR]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!ifname) {
		fprintf(stderr, "usage: vardkase-xdp detach --iface IF\n");
		return 2;
	}
	rc = vk_dp_detach(pin, state, ifname);
	if (rc) {
		vk_err("%s: nothing attached by vardkase (%s)", ifname, strerror(-rc));
		return 1;
	}
	vk_info("%s: detached", ifname);
	return 0;
}
