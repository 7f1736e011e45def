// SPDX-License-Identifier: GPL-2.0-only
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include "vk_pcap.h"

struct vk_pcap {
	pcap_t *p;
};

struct vk_pcap *vk_pcap_open(const char *path, char *err, int errlen)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct vk_pcap *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, (size_t)errlen, "out of memory");
		return NULL;
	}
	v->p = pcap_open_offline(path, eb);
	if (!v->p) {
		snprintf(err, (size_t)errlen, "%s", eb);
		free(v);
		return NULL;
	}
	return v;
}

int vk_pcap_ethernet(struct vk_pcap *v, const char **name)
{
	int dlt = pcap_datalink(v->p);

	*name = pcap_datalink_val_to_name(dlt);
	if (!*name)
		*name = "unknown";
	return dlt == DLT_EN10MB;
}

int vk_pcap_next(struct vk_pcap *v, const uint8_t **data, uint32_t *caplen)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	do {
		rc = pcap_next_ex(v->p, &h, &d);
	} while (rc == 0);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc < 0)
		return -1;
	*data = d;
	*caplen = h->caplen;
	return 1;
}

const char *vk_pcap_error(struct vk_pcap *v)
{
	return pcap_geterr(v->p);
}

void vk_pcap_close(struct vk_pcap *v)
{
	if (v) {
		pcap_close(v->p);
		free(v);
	}
}
