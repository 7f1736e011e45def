/* SPDX-License-Identifier: GPL-2.0-only */
/* One file per vardkase-xdp subcommand (wireguard-tools style). Each
 * returns the process exit status: 0 ok, 1 failure, 2 usage. */
#ifndef VK_CMDS_H
#define VK_CMDS_H

#include "../lib/vk_set.h"

int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_ctl(int argc, char **argv);

/* Shared: load a restSearch file into set (logs the summary). 0 or -errno. */
int vk_load_indicators(const char *path, struct vk_set *set);

#endif
