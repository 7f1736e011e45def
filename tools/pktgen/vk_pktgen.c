// SPDX-License-Identifier: GPL-2.0-only
/*
 * vk_pktgen: an AF_PACKET sender for live measurements on a veth pair in a
 * network namespace (Debian's xdp-trafficgen does not work on current
 * kernels). It sends prebuilt Ethernet frames with sendmmsg for a fixed
 * time and prints one JSON line: packets sent and seconds.
 *
 *   vk_pktgen --iface IF --seconds S [--mix tcp|dns] [--dst-prefix A.B]
 *
 * Sends only to the interface it is given; meant for lab namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NFRAMES	1024
#define BATCH	64

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static size_t frame(uint8_t *b, int dns)
{
	uint8_t *ip = b + 14, *l4 = ip + 20;
	uint32_t src = htonl(0x0a000000 | (rnd() & 0xffffff));
	uint32_t dst = htonl((uint32_t)(128 + rnd() % 96) << 24 | (rnd() & 0xffffff));
	size_t n;

	memset(b, 0, 128);
	memset(b, 0xff, 6);
	b[6] = 2;
	b[12] = 0x08;
	ip[0] = 0x45; ip[8] = 64;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	if (!dns) {
		ip[9] = 6;
		l4[0] = 0x9c; l4[2] = 0x01; l4[3] = 0xbb; l4[12] = 0x50; l4[13] = 0x02;
		n = 20 + 20;
	} else {
		static const char *tld[] = { "se", "ru", "nu", "org" };
		uint8_t *d = l4 + 8, *q = d + 12;
		int labels = 2 + (int)(rnd() % 3), i, j, ql = 0;
		const char *t = tld[rnd() % 4];

		ip[9] = 17;
		l4[0] = 0x9c; l4[3] = 53;
		d[2] = 1; d[5] = 1;
		for (i = 0; i < labels - 1; i++) {
			int len = 4 + (int)(rnd() % 8);

			q[ql++] = (uint8_t)len;
			for (j = 0; j < len; j++)
				q[ql++] = (uint8_t)('a' + rnd() % 26);
		}
		q[ql++] = (uint8_t)strlen(t);
		memcpy(q + ql, t, strlen(t));
		ql += (int)strlen(t);
		q[ql++] = 0;
		q[ql++] = 0; q[ql++] = 1; q[ql++] = 0; q[ql++] = 1;
		l4[4] = (uint8_t)((8 + 12 + ql) >> 8);
		l4[5] = (uint8_t)(8 + 12 + ql);
		n = 20 + 8 + 12 + (size_t)ql;
	}
	ip[2] = (uint8_t)(n >> 8);
	ip[3] = (uint8_t)n;
	return 14 + n;
}

int main(int argc, char **argv)
{
	static uint8_t frames[NFRAMES][128];
	static size_t lens[NFRAMES];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	const char *ifname = NULL;
	double seconds = 3, el;
	unsigned long long sent = 0;
	struct timespec t0, t;
	int dns = 0, c, fd, i, k = 0;

	while ((c = getopt(argc, argv, "i:s:m:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'm': dns = !strcmp(optarg, "dns"); break;
		default: return 2;
		}
	}
	if (!ifname || seconds <= 0 || seconds > 60) {
		fprintf(stderr, "usage: vk_pktgen -i IF -s SECONDS(<=60) [-m tcp|dns]\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !sll.sll_ifindex) {
		fprintf(stderr, "vk_pktgen: %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	for (i = 0; i < NFRAMES; i++)
		lens[i] = frame(frames[i], dns);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (i = 0; i < BATCH; i++, k = (k + 1) % NFRAMES) {
			iov[i].iov_base = frames[k];
			iov[i].iov_len = lens[k];
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &sll;
			msg[i].msg_hdr.msg_namelen = sizeof(sll);
		}
		c = sendmmsg(fd, msg, BATCH, 0);
		if (c > 0)
			sent += (unsigned)c;
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
	} while (el < seconds);
	printf("{\"sent\": %llu, \"seconds\": %.3f}\n", sent, el);
	close(fd);
	return 0;
}
