/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP dataplane object: the skeleton, its maps (pinned or private),
 * the mmapped tables, and the ring buffer of match events.
 * open -> (configure) -> load -> attach -> poll, one cleanup: vk_dp_close.
 */
#ifndef VK_DP_H
#define VK_DP_H

#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>
#include "vk_tables.h"

#define VK_PIN_DIR_DEFAULT	"/sys/fs/bpf/vardkase"
#define VK_STATE_DIR_DEFAULT	"/run/vardkase"

struct vardkase;
struct ring_buffer;
struct vk_slow;

struct vk_dp_opts {
	const char *pin_dir;		/* NULL: private maps (replay, tests) */
	const char *state_dir;		/* where the id assignment is kept */
	struct vk_sizes sizes;
	bool replay;			/* no rate limit on events */
	bool no_dns_answers;		/* DNS answers are not read (--dns-answers off) */
	uint32_t dns_answer_ttl;	/* cap on a derived address's TTL; 0: default */
	bool no_fallback;		/* internal: reused maps that do not match
					 * the state file fail instead of being
					 * replaced by empty ones */
};

struct vk_dp {
	struct vardkase *skel;
	struct vk_tables t;
	struct ring_buffer *rb;		/* the slow path's ring, then the events' */
	struct vk_slow *slow;		/* with rb */
	struct vk_derive *derive;	/* with slow: DNS answers' addresses */
	char pin_dir[256];
	char state_path[300];
	bool pinned, reused;		/* reused: pinned maps were there */
	pid_t saver;			/* a child writing the state file, or 0 */
	bool save_pending;		/* a newer set arrived meanwhile */
	char instance[80];		/* the counters' identity: boot id/map id */
};

typedef int (*vk_event_fn)(void *ctx, void *data, size_t size);

/* Open, size, load (re-using pinned maps when present) and map the
 * tables. With fn, rb reads the slow path's ring (whose names end as
 * events, so consuming rb calls fn for them in the same call) and the
 * events' ring, calling fn(ctx, event, size) for each event. With reused maps the id assignment is restored from the state
 * file; when that fails (the file lags the maps), the maps are replaced by
 * empty ones, with one warning. Returns 0 or -errno; on error dp is
 * closed. */
int vk_dp_open(struct vk_dp *dp, const struct vk_dp_opts *o, vk_event_fn fn, void *ctx);

/* The DNS answer options of run and replay: dns_answers ("on" or "off")
 * when ttl is 0, else the TTL cap (seconds, 1 to VK_DERIVE_TTL_MAX) in
 * arg. Returns 0, or -EINVAL with the error logged. */
int vk_dp_dns_opt(struct vk_dp_opts *o, int ttl, const char *arg);
#define VK_DP_DNS_USAGE "[--dns-answers on|off] [--dns-answer-ttl SECONDS]"
void vk_dp_close(struct vk_dp *dp);

/* Attach to ifindex (pinned link <pin_dir>/link_<ifname>); an existing
 * pinned link is switched to this program atomically. *generic is set
 * when the kernel fell back to generic (skb) XDP. Returns 0 or -errno. */
int vk_dp_attach(struct vk_dp *dp, const char *ifname, int ifindex, bool *generic);

/* Remove the link of ifname; with no links left, the maps and state too.
 * Works without an open dp. Returns 0, or -ENOENT if nothing was there. */
int vk_dp_detach(const char *pin_dir, const char *state_dir, const char *ifname);

/* Apply a set (ownership passes, also on error) and persist the id
 * assignment (the state file). Returns 0 or -errno. */
int vk_dp_apply(struct vk_dp *dp, struct vk_set *set, uint64_t gen,
		vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st);
/* The same in two steps, for a caller that answers in between: the state
 * file lags the maps until vk_dp_save(). A crash in between restores the
 * previous generation, which the agent sees and answers with a full push.
 * Both return 0 or -errno. */
int vk_dp_apply_unsaved(struct vk_dp *dp, struct vk_set *set, uint64_t gen,
			vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st);
int vk_dp_save(struct vk_dp *dp);
/* vk_dp_save() in a child process (fork: a copy-on-write snapshot of the
 * set), so the daemon answers on while 1M entries are written; one child
 * at a time, a newer set is written when it is done. vk_dp_save_reap()
 * collects a finished child (call it from the main loop); with wait = true
 * it waits for it and writes what is pending (at exit). */
void vk_dp_save_async(struct vk_dp *dp);
void vk_dp_save_reap(struct vk_dp *dp, bool wait);

/* Housekeeping of the slow path (streams that went idle); call about
 * once a second. */
void vk_dp_tick(struct vk_dp *dp);

int vk_dp_prog_fd(const struct vk_dp *dp);
int vk_dp_stats_fd(const struct vk_dp *dp);

/* Sum per-CPU stats into out[VK_STAT_SLOTS]. Returns 0 or -errno. */
int vk_dp_read_stats(int stats_fd, uint64_t *out);
/* The slow path's stats (vk_ustats) into out[VK_USTAT_SLOTS]. Returns 0
 * or -errno. */
int vk_dp_read_ustats(int ustats_fd, uint64_t *out);
int vk_dp_ustats_fd(const struct vk_dp *dp);

extern const char *const vk_stat_names[];
extern const char *const vk_ustat_names[];

#endif
