/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A DNS response's question and the addresses its answers give for it
 * (the slow path's DNS answers: docs/architecture.md, "DNS answers").
 */
#ifndef VK_DNSMSG_H
#define VK_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define VK_DNS_ADDRS_MAX	32	/* addresses taken from one response */

struct vk_dns_addr {
	uint8_t addr[16];		/* IPv4 in the first 4 bytes */
	uint8_t family;			/* 4 or 6 */
	uint32_t ttl;			/* seconds, as the record says */
};

/*
 * Parse the response m (n bytes: the UDP payload): one question, then the
 * answer section. name gets the question's name, lowercased and dotted
 * without the final dot (*nlen bytes); out the A and AAAA records of the
 * answer section whose owner is that name or a name a CNAME of the chain
 * from it points to (in order, at most 8 links), at most max of them.
 * Compression pointers are followed backwards only (a loop cannot be
 * made), at most 32 per name. Returns the number of addresses, or
 * -EBADMSG when the message is no such response or a length lies.
 */
int vk_dns_answers(const uint8_t *m, size_t n, char name[256], size_t *nlen,
		   struct vk_dns_addr *out, int max);

#endif
