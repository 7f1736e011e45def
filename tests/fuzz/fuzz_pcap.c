// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer: the capture reader (pcap through libpcap, pcapng our own). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include "lib/vk_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	const uint8_t *d;
	uint32_t len;
	struct vk_pcap *p;
	int fd = memfd_create("fuzz", 0), n = 0;
	volatile uint8_t sink = 0;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	p = vk_pcap_open(path, err, sizeof(err));
	if (p) {
		int rc;

		while ((rc = vk_pcap_next(p, &d, &len)) > 0 && n++ < 10000)
			if (rc == 1 && len)
				sink ^= d[len - 1];	/* the frame is readable to its end */
		vk_pcap_close(p);
	}
out:
	if (fd >= 0)
		close(fd);
	(void)sink;
	return 0;
}
