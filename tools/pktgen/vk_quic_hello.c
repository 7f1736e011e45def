// SPDX-License-Identifier: GPL-2.0-only
/*
 * vk-quic-hello: send a QUIC client's first flight, as a browser does:
 * a ClientHello with the given SNI and a post-quantum-sized key share
 * (1216 bytes), in CRYPTO frames over two Initial datagrams of version 1
 * (or 2 with -2), encrypted with the keys of a random Destination
 * Connection ID (userspace/lib/vk_quic.c, mbedTLS). Nothing is read
 * back. For the lab (make demo) and the netns tests.
 *
 * usage: vk-quic-hello [-2] [-s SOURCE] ADDRESS PORT SNI
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lib/vk_quic.h"
#include "../../tests/bpf/tls_hello.h"

static int usage(void)
{
	fprintf(stderr, "usage: vk-quic-hello [-2] [-s SOURCE] ADDRESS PORT SNI\n");
	return 2;
}

static int resolve(const char *host, const char *port, struct addrinfo **ai)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST };

	return getaddrinfo(host, port, &hints, ai);
}

int main(int argc, char **argv)
{
	struct hello_opts o = { .sid = 0, .pre = 1216 };
	uint32_t version = VK_QUIC_V1;
	const char *src = NULL;
	struct addrinfo *dst, *sa;
	uint8_t rec[4096], dcid[8], scid[8], dg[1500];
	size_t n = 0, half;
	int c, fd, i;

	while ((c = getopt(argc, argv, "2s:")) != -1) {
		if (c == '2')
			version = VK_QUIC_V2;
		else if (c == 's')
			src = optarg;
		else
			return usage();
	}
	if (argc - optind != 3)
		return usage();
	o.sni = argv[optind + 2];
	if (resolve(argv[optind], argv[optind + 1], &dst)) {
		fprintf(stderr, "vk-quic-hello: %s: not a numeric address\n", argv[optind]);
		return 1;
	}
	fd = socket(dst->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || (src && (resolve(src, "0", &sa) || bind(fd, sa->ai_addr, sa->ai_addrlen)))) {
		perror("vk-quic-hello: socket");
		return 1;
	}
	if (getrandom(dcid, sizeof(dcid), 0) != sizeof(dcid) ||
	    getrandom(scid, sizeof(scid), 0) != sizeof(scid))
		return 1;
	vk_test_hello(rec, &n, &o);
	n -= 5;				/* QUIC carries the message, not the record */
	half = n / 2;
	for (i = 0; i < 2; i++) {
		size_t off = i ? half : 0, len = i ? n - half : half;
		int m = vk_quic_seal(version, dcid, sizeof(dcid), scid, sizeof(scid), (uint32_t)i,
				     off, rec + 5 + off, len, 1200, dg, sizeof(dg));

		if (m < 0 || sendto(fd, dg, (size_t)m, 0, dst->ai_addr, dst->ai_addrlen) != m) {
			perror("vk-quic-hello: send");
			return 1;
		}
	}
	close(fd);
	return 0;
}
