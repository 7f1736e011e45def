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
#include "fuzz_agent.h"
#include "lib/vk_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sink[VK_IPC_MAX_MSG];
	int sv[2];

	if (!e.c)
		fuzz_agent_setup();
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
