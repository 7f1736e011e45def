/* SPDX-License-Identifier: GPL-2.0-only */
/* vardkased's configuration (INI, libinih). The shipped default with every
 * key explained: rootfs/etc/vardkase/vardkase.conf. */
#ifndef VK_CONF_H
#define VK_CONF_H

#include <stdint.h>

#define VK_CONF_PATH	"/etc/vardkase/vardkase.conf"
#define VK_CONSOLE_DEFAULT "/run/vardkase-agent/agent.sock"

/* An address range (local networks). */
struct vk_net {
	uint8_t family;		/* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];
};

struct vk_conf {
	/* [upstream] */
	char url[512];
	char address[256];		/* connect here (optional) */
	char ca[512], client_cert[512], client_key[512], api_key_file[512];
	unsigned poll_interval;		/* seconds */
	unsigned full_resync;		/* seconds between full syncs */
	unsigned page_size;
	unsigned connect_timeout, read_timeout, total_timeout;	/* seconds */
	unsigned max_response_mb;	/* one answer, decoded */
	unsigned max_pull_attributes;	/* rows of one pull, all its pages */
	unsigned max_pull_mb;		/* bytes of one pull, decoded */
	unsigned jitter_percent;
	unsigned overlap;		/* seconds re-read at each delta */
	unsigned removal_warn_percent;	/* a full sync removing more of the set
					 * than this says so loudly; 0: never */
	/* [indicators] */
	uint32_t types;			/* bit per enum vk_misp_type */
	char warninglists[512];		/* directory of misp-warninglists JSON */
	unsigned decaying_model;	/* MISP decaying model id; 0 = no decay */
	unsigned decay_threshold;	/* 0 = the model's own threshold */
	/* [agent] */
	char state_dir[512];
	char dataplane_socket[512];
	char console_socket[512];	/* vardkasectl talks here */
	char operator_group[64];	/* may use vardkasectl; "" = the service user only */
	char user[64];			/* started as root: the user it becomes */
	/* [sightings] */
	char local_networks[1024];	/* added to RFC 1918 and RFC 4193 */
	unsigned bucket;		/* seconds per local aggregate */
	unsigned retention_days;
	unsigned max_db_mb;		/* 0: as much as the disk holds */
	/* [report] */
	int report;			/* 0 off, 1 aggregate */
	char source[128];		/* the box's pseudonym on the platform */
	char box_id[64];		/* derives the sighting uuids; "" = generated once */
	unsigned report_bucket;		/* seconds per upstream sighting */
	unsigned min_count;		/* matches in a bucket before it is reported */
	int report_tlp_red;
	int report_dns_answers;		/* [report] dns_answers = report | local */
	unsigned batch;			/* sightings per request */
};

/* Defaults, then the file. Returns 0, or -1 with a message naming the
 * file, line and key in err. */
int vk_conf_load(struct vk_conf *c, const char *path, char *err, size_t errlen);

/* The local networks: the RFC 1918 and RFC 4193 defaults, then
 * [sightings] local_networks, at most max into out (out may be NULL).
 * Returns how many there are, or -1 with err naming a bad entry. */
int vk_conf_local_nets(const struct vk_conf *c, struct vk_net *out, int max, char *err,
		       size_t errlen);
/* "192.0.2.0/24", "2001:db8::1": 0 or -1. */
int vk_net_parse(const char *s, struct vk_net *n);
/* 1 if addr (4 or 16 bytes of family 4 or 6) is inside n. */
int vk_net_has(const struct vk_net *n, int family, const uint8_t *addr);

/* The API key from api_key_file (first line, trimmed). 0 or -1 + err. */
int vk_conf_api_key(const struct vk_conf *c, char *key, size_t len, char *err, size_t errlen);

#endif
