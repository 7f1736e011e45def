/* SPDX-License-Identifier: GPL-2.0-only */
/* vardkased's configuration (INI, libinih). The shipped default with every
 * key explained: rootfs/etc/vardkase/vardkase.conf. */
#ifndef VK_CONF_H
#define VK_CONF_H

#include <stdint.h>

#define VK_CONF_PATH	"/etc/vardkase/vardkase.conf"

struct vk_conf {
	/* [upstream] */
	char url[512];
	char address[256];		/* connect here (optional) */
	char ca[512], client_cert[512], client_key[512], api_key_file[512];
	unsigned poll_interval;		/* seconds */
	unsigned full_resync;		/* seconds between full syncs */
	unsigned page_size;
	unsigned connect_timeout, read_timeout, total_timeout;	/* seconds */
	unsigned max_response_mb;
	unsigned jitter_percent;
	unsigned overlap;		/* seconds re-read at each delta */
	/* [indicators] */
	uint32_t types;			/* bit per enum vk_misp_type */
	char warninglists[512];		/* directory of misp-warninglists JSON */
	unsigned decaying_model;	/* MISP decaying model id; 0 = no decay */
	unsigned decay_threshold;	/* 0 = the model's own threshold */
	/* [agent] */
	char state_dir[512];
	char dataplane_socket[512];
};

/* Defaults, then the file. Returns 0, or -1 with a message naming the
 * file, line and key in err. */
int vk_conf_load(struct vk_conf *c, const char *path, char *err, size_t errlen);

/* The API key from api_key_file (first line, trimmed). 0 or -1 + err. */
int vk_conf_api_key(const struct vk_conf *c, char *key, size_t len, char *err, size_t errlen);

#endif
