/* SPDX-License-Identifier: GPL-2.0-only */
/* Capture reading (libpcap: pcap and pcapng), kept apart from the BPF
 * headers because pcap/bpf.h and linux/bpf.h both define struct bpf_insn. */
#ifndef VK_PCAP_H
#define VK_PCAP_H

#include <stdint.h>

struct vk_pcap;

/* NULL with the reason in err (errlen bytes) when it cannot be opened. */
struct vk_pcap *vk_pcap_open(const char *path, char *err, int errlen);
/* 1 if the link type is Ethernet (always for pcapng, whose frames are
 * checked per interface); else 0 and its name in *name. */
int vk_pcap_ethernet(struct vk_pcap *p, const char **name);
/* 1 = a frame (data, caplen), 2 = a frame that cannot be used (not
 * Ethernet, or broken: it still counts in frame numbers), 0 = end,
 * -1 = the file is broken here. */
int vk_pcap_next(struct vk_pcap *p, const uint8_t **data, uint32_t *caplen);
const char *vk_pcap_error(struct vk_pcap *p);
void vk_pcap_close(struct vk_pcap *p);

#endif
