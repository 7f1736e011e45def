// SPDX-License-Identifier: GPL-2.0-only
/*
 * Classic pcap through libpcap; pcapng through the reader below, because
 * libpcap 1.10 refuses pcapng files whose interfaces differ in snap length
 * or link type, and a capture from a multi-interface probe is exactly that.
 * Frames of non-Ethernet interfaces in a pcapng file are skipped.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vk_pcap.h"

#define NG_SHB		0x0a0d0d0au
#define NG_IDB		1u
#define NG_OPB		2u
#define NG_SPB		3u
#define NG_EPB		6u
#define NG_MAGIC	0x1a2b3c4du
#define NG_MAX_BLOCK	(16u << 20)
#define NG_MAX_IFACES	256
#define LINKTYPE_ETHERNET 1

struct vk_pcap {
	pcap_t *p;		/* classic pcap */
	FILE *f;		/* pcapng */
	int swap;
	uint16_t link[NG_MAX_IFACES];
	uint32_t snap[NG_MAX_IFACES];
	unsigned nif;
	uint8_t *blk;
	char err[128];
};

static uint32_t rd32(const struct vk_pcap *v, const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, 4);
	return v->swap ? __builtin_bswap32(x) : x;
}

static uint16_t rd16(const struct vk_pcap *v, const uint8_t *p)
{
	uint16_t x;

	memcpy(&x, p, 2);
	return v->swap ? __builtin_bswap16(x) : x;
}

/* Read one block into v->blk. Returns its type and sets body and blen, 0
 * at a clean end of file, -1 when the file is broken. */
static long ng_block(struct vk_pcap *v, const uint8_t **body, uint32_t *blen)
{
	uint8_t hdr[12];
	uint32_t type, len;
	size_t n = fread(hdr, 1, 8, v->f);

	if (n == 0)
		return 0;
	if (n != 8)
		goto trunc;
	memcpy(&type, hdr, 4);	/* the SHB type reads the same either way */
	if (type == NG_SHB) {
		uint32_t magic;

		if (fread(hdr + 8, 1, 4, v->f) != 4)
			goto trunc;
		memcpy(&magic, hdr + 8, 4);
		if (magic != NG_MAGIC && magic != __builtin_bswap32(NG_MAGIC)) {
			snprintf(v->err, sizeof(v->err), "section header with a bad byte-order magic");
			return -1;
		}
		v->swap = magic != NG_MAGIC;
		v->nif = 0;	/* a new section starts its own interfaces */
		if (fseek(v->f, -4, SEEK_CUR))
			goto trunc;
	}
	type = rd32(v, hdr);
	len = rd32(v, hdr + 4);
	if (len < 12 || len % 4 || len > NG_MAX_BLOCK) {
		snprintf(v->err, sizeof(v->err), "block of type %u with bad length %u", type, len);
		return -1;
	}
	if (fread(v->blk, 1, len - 8, v->f) != len - 8)
		goto trunc;
	if (rd32(v, v->blk + len - 12) != len) {
		snprintf(v->err, sizeof(v->err), "block lengths disagree");
		return -1;
	}
	*body = v->blk;
	*blen = len - 12;
	return type ? (long)type : -1;
trunc:
	snprintf(v->err, sizeof(v->err), "file cut short inside a block");
	return -1;
}

/* As vk_pcap_next(). */
static int ng_next(struct vk_pcap *v, const uint8_t **data, uint32_t *caplen)
{
	const uint8_t *b;
	uint32_t blen, cap, ifc;
	long t;

	while ((t = ng_block(v, &b, &blen)) > 0) {
		switch (t) {
		case NG_IDB:
			if (blen < 8 || v->nif >= NG_MAX_IFACES)
				break;
			v->link[v->nif] = rd16(v, b);
			v->snap[v->nif++] = rd32(v, b + 4);
			break;
		case NG_EPB:
		case NG_OPB:
			if (blen < 20)
				return 2;
			ifc = t == NG_EPB ? rd32(v, b) : rd16(v, b);
			cap = rd32(v, b + 12);
			if (cap > blen - 20 || ifc >= v->nif || v->link[ifc] != LINKTYPE_ETHERNET)
				return 2;	/* a frame all the same: keep the numbering */
			*data = b + 20;
			*caplen = cap;
			return 1;
		case NG_SPB:
			if (blen < 4 || !v->nif || v->link[0] != LINKTYPE_ETHERNET)
				return 2;
			cap = rd32(v, b);
			if (cap > blen - 4)
				cap = blen - 4;
			if (v->snap[0] && cap > v->snap[0])
				cap = v->snap[0];
			*data = b + 4;
			*caplen = cap;
			return 1;
		default:
			break;	/* name resolution, statistics, custom: not frames */
		}
	}
	return t == 0 ? 0 : -1;
}

struct vk_pcap *vk_pcap_open(const char *path, char *err, int errlen)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct vk_pcap *v = calloc(1, sizeof(*v));
	uint32_t magic = 0;
	FILE *f = fopen(path, "rb");

	if (!v || !f) {
		snprintf(err, (size_t)errlen, "%s", f ? "out of memory" : strerror(errno));
		goto fail;
	}
	if (fread(&magic, 1, 4, f) == 4 && magic == NG_SHB) {
		v->blk = malloc(NG_MAX_BLOCK);
		if (!v->blk) {
			snprintf(err, (size_t)errlen, "out of memory");
			goto fail;
		}
		rewind(f);
		v->f = f;
		return v;
	}
	fclose(f);
	f = NULL;
	v->p = pcap_open_offline(path, eb);
	if (!v->p) {
		snprintf(err, (size_t)errlen, "%s", eb);
		goto fail;
	}
	return v;
fail:
	if (f)
		fclose(f);
	free(v);
	return NULL;
}

int vk_pcap_ethernet(struct vk_pcap *v, const char **name)
{
	int dlt;

	if (v->f) {	/* per interface: non-Ethernet frames are skipped */
		*name = "pcapng";
		return 1;
	}
	dlt = pcap_datalink(v->p);
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

	if (v->f)
		return ng_next(v, data, caplen);
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
	return v->f ? v->err : pcap_geterr(v->p);
}

void vk_pcap_close(struct vk_pcap *v)
{
	if (!v)
		return;
	if (v->p)
		pcap_close(v->p);
	if (v->f)
		fclose(v->f);
	free(v->blk);
	free(v);
}
