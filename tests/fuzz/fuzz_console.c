// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: one console request (vardkasectl's protobuf) through the
 * agent's handlers, against a real sightings.db and agent.db in a
 * temporary state directory: decoding, the size checks, every query. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "agent/evloop.h"
#include "agent/store.h"
#include "lib/vk_ipc.h"

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

static void setup(void)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sink[VK_IPC_MAX_MSG];
	int sv[2];

	if (!e.c)
		setup();
	if (!size || size > VK_IPC_MAX_MSG ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		return 0;
	memset(&e.cl[0], 0, sizeof(e.cl[0]));
	e.cl[0].fd = sv[0];
	if (send(sv[1], data, size, 0) == (ssize_t)size)
		vk_console_request(&e, 0);
	if (e.cl[0].fd >= 0)
		vk_console_close(&e, 0);
	while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;	/* the answers: read and dropped */
	close(sv[1]);
	return 0;
}
