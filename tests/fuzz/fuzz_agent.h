/* SPDX-License-Identifier: GPL-2.0-only */
/* For harnesses of the agent's event loop: one evloop over a real
 * sightings.db and agent.db (one attribute, evil.se) in a temporary state
 * directory, removed at exit. */
#ifndef VK_FUZZ_AGENT_H
#define VK_FUZZ_AGENT_H

#include <stdio.h>
#include <stdlib.h>
#include "agent/evloop.h"
#include "agent/store.h"

static struct vk_evloop e;
static struct vk_shared sh;
static struct vk_conf c;

static char dir[] = "/tmp/vk-fuzz-console.XXXXXX";

static void cleanup(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return;
}

static void fuzz_agent_setup(void)
{
	struct vk_store st;
	struct vk_amap m;
	char err[512];

	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", dir);
	snprintf(c.console_socket, sizeof(c.console_socket), "%s/agent.sock", dir);
	snprintf(c.operator_group, sizeof(c.operator_group), "root");
	snprintf(c.local_networks, sizeof(c.local_networks), "10.0.0.0/8");
	snprintf(c.dataplane_socket, sizeof(c.dataplane_socket), "%s/none.sock", dir);
	c.bucket = 60;
	c.report_bucket = 300;
	c.min_count = 1;
	c.retention_days = 90;
	if (vk_store_open(&st, dir, err, sizeof(err)))
		abort();
	vk_amap_init(&m);
	vk_amap_put(&m, "aaaaaaaa-0000-4000-8000-000000000001", VK_T_DOMAIN, "evil.se",
		    "bbbbbbbb-0000-4000-8000-000000000001");
	vk_store_replace(&st, &m);
	vk_amap_free(&m);
	vk_store_close(&st);
	if (vk_shared_init(&sh) || vk_evloop_init(&e, &c, &sh, err, sizeof(err))) {
		fprintf(stderr, "fuzz_console: %s\n", err);
		abort();
	}
}

#endif
