// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vardkase.skel.h"
#include "vk_dp.h"
#include "vk_slow.h"
#include "../lib/vk_ipc.h"
#include "../lib/vk_log.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

const char *const vk_stat_names[] = {
	"packets", "bytes", "ipv4", "ipv6", "non_ip", "fragments", "dns_queries",
	"matches", "events", "events_ratelimited", "events_dropped",
	"err_eth_trunc", "err_vlan_depth", "err_vlan_trunc", "err_ipv4_trunc",
	"err_ipv4_hdr", "err_ipv6_trunc", "err_ipv6_ext", "err_l4_trunc",
	"err_udp_len", "err_dns_trunc", "err_dns_label", "err_dns_name_len",
	"err_dns_pointer", "err_dns_hdr",
	"tls_hellos", "tls_sni_later", "err_tls_hello", "err_tls_name",
	"http_requests", "http_host_later", "err_http",
	"flows", "flows_evicted", "segs_up", "segs_dropped", "slow_names",
	"quic_initials", "quic_limited", "quic_too_big", "decap", "err_encap", "encap_depth",
	"dns_answers_up",
};
_Static_assert(sizeof(vk_stat_names) / sizeof(vk_stat_names[0]) == VK_STAT_MAX, "a name per stat");

static struct bpf_map *map_by_idx(struct vk_dp *dp, int i)
{
	return bpf_object__find_map_by_name(dp->skel->obj, vk_map_names[i]);
}

/* The BPF filesystem must be mounted where we pin; mount it if the
 * system did not (minimal images do not). */
static int ensure_bpffs(const char *dir)
{
	struct statfs st;
	char parent[256], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (statfs(parent, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		goto mkdir;
	if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
		vk_err("%s is not a BPF filesystem and mounting one failed: %s",
		       parent, strerror(errno));
		return -errno;
	}
mkdir:
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void set_size(struct vk_dp *dp, const char *name, uint32_t n)
{
	bpf_map__set_max_entries(bpf_object__find_map_by_name(dp->skel->obj, name), n);
}

/* A pinned set exists: its sizes win over the requested ones. */
static void adopt_pinned_sizes(struct vk_dp *dp, struct vk_sizes *sz)
{
	struct { const char *name; uint32_t *f; } m[] = {
		{ "vk_meta", &sz->ids }, { "vk_v4", &sz->v4 }, { "vk_v4port", &sz->v4port },
		{ "vk_v4l24", &sz->v4l24 }, { "vk_v4long", &sz->v4long }, { "vk_v6", &sz->v6 },
		{ "vk_v6port", &sz->v6port }, { "vk_v6pfx", &sz->v6pfx }, { "vk_names", &sz->names },
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, m[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.max_entries != *m[i].f) {
			vk_info("%s: keeping the pinned size %u (detach to resize)",
				m[i].name, info.max_entries);
			*m[i].f = info.max_entries;
		}
		close(fd);
	}
}

static int configure(struct vk_dp *dp, const struct vk_dp_opts *o, struct vk_sizes *sz)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	dp->skel->rodata->vk_replay = o->replay;
	bpf_object__for_each_map(map, dp->skel->obj) {
		const char *name = bpf_map__name(map);

		if (!dp->pinned || strncmp(name, "vk_", 3) || !strcmp(name, "vk_scratch") ||
		    strchr(name, '.')) {
			bpf_map__set_pin_path(map, NULL);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, name);
		if (bpf_map__set_pin_path(map, path))
			return -EINVAL;
	}
	if (dp->pinned) {
		snprintf(path, sizeof(path), "%s/vk_config", dp->pin_dir);
		dp->reused = access(path, F_OK) == 0;
		if (dp->reused)
			adopt_pinned_sizes(dp, sz);
	}
	set_size(dp, "vk_meta", sz->ids);
	set_size(dp, "vk_counters", sz->ids);
	set_size(dp, "vk_v4", sz->v4);
	set_size(dp, "vk_v4port", sz->v4port);
	set_size(dp, "vk_v4l24", sz->v4l24);
	set_size(dp, "vk_v4long", sz->v4long);
	set_size(dp, "vk_v6", sz->v6);
	set_size(dp, "vk_v6port", sz->v6port);
	set_size(dp, "vk_v6pfx", sz->v6pfx);
	set_size(dp, "vk_names", sz->names);
	set_size(dp, "vk_hits", (sz->ids + 63) / 64);
	return 0;
}

/* Every pinned map and the state file go; the pinned links stay (they
 * keep the old program attached and counting until the new one is
 * attached in their place). */
static int unpin_maps(const char *pin_dir, const char *state_path)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(pin_dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "link_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		if (unlink(path) && errno != ENOENT) {
			int rc = -errno;

			vk_err("removing %s: %s", path, strerror(-rc));
			closedir(d);
			return rc;
		}
	}
	closedir(d);
	unlink(state_path);
	return 0;
}

/* The counters' identity: the boot and the kernel's id of the counters
 * map. Both change exactly when the counters start again from zero (a
 * reboot; maps made anew), so a reader tells a restart by this, never by
 * a smaller number. */
static int set_instance(struct vk_dp *dp)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char boot[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = 0;
		fclose(f);
		boot[strcspn(boot, "\n")] = 0;
	}
	if (bpf_obj_get_info_by_fd(bpf_map__fd(dp->skel->maps.vk_counters), &info, &len))
		return -errno;
	snprintf(dp->instance, sizeof(dp->instance), "%s/%u", boot[0] ? boot : "noboot",
		 info.id);
	return 0;
}

int vk_dp_open(struct vk_dp *dp, const struct vk_dp_opts *o, vk_event_fn fn, void *ctx)
{
	struct vk_sizes sz = o->sizes;
	int fds[VK_M_COUNT], i, rc;

	memset(dp, 0, sizeof(*dp));
	dp->pinned = o->pin_dir != NULL;
	if (dp->pinned) {
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", o->pin_dir);
		snprintf(dp->state_path, sizeof(dp->state_path), "%s/ids.state",
			 o->state_dir ? o->state_dir : VK_STATE_DIR_DEFAULT);
		rc = ensure_bpffs(dp->pin_dir);
		if (rc)
			return rc;
		if (mkdir(o->state_dir ? o->state_dir : VK_STATE_DIR_DEFAULT, 0700) &&
		    errno != EEXIST)
			return -errno;
	}
	dp->skel = vardkase__open();
	if (!dp->skel)
		return -errno ? -errno : -ENOMEM;
	rc = configure(dp, o, &sz);
	if (!rc)
		rc = vardkase__load(dp->skel);
	if (rc) {
		vk_err("loading the XDP program failed: %s%s", strerror(-rc),
		       dp->reused ? " (pinned maps from another version? run detach)" : "");
		goto fail;
	}
	for (i = 0; i < VK_M_COUNT; i++)
		fds[i] = bpf_map__fd(map_by_idx(dp, i));
	rc = vk_tables_open(&dp->t, fds, bpf_map__fd(dp->skel->maps.vk_counters), &sz,
			    !dp->reused);
	if (rc)
		goto fail;
	if (dp->reused) {
		rc = vk_tables_restore(&dp->t, dp->state_path);
		if (rc && !o->no_fallback) {
			/* The state file lags the maps (it could not be written,
			 * or a kill -9 came mid-apply): which id is which
			 * attribute is lost, so the maps cannot be trusted.
			 * Start from empty maps (the counters with them: a
			 * recycled id must not carry another attribute's count)
			 * and let the agent push its set; the pinned links are
			 * switched to the new program when it attaches. */
			struct vk_dp_opts fresh = *o;

			vk_warn("pinned maps in %s do not match %s (%s): starting with an empty"
				" set; the agent pushes its set again", dp->pin_dir,
				dp->state_path, strerror(-rc));
			vk_dp_close(dp);
			rc = unpin_maps(fresh.pin_dir, dp->state_path);
			if (rc)
				return rc;
			fresh.no_fallback = true;
			return vk_dp_open(dp, &fresh, fn, ctx);
		}
		if (rc) {
			vk_err("pinned maps in %s do not match %s (%s)", dp->pin_dir,
			       dp->state_path, strerror(-rc));
			goto fail;
		}
		if (dp->t.cfg->generation > VK_GEN_MAX) {
			/* from before the limit: one past it would wrap */
			vk_warn("generation %llu is out of range: now 0 (the agent pushes"
				" its set again)", (unsigned long long)dp->t.cfg->generation);
			dp->t.cfg->generation = 0;
			vk_dp_save(dp);
		}
		vk_info("re-using pinned maps: %zu indicators, generation %llu",
			dp->t.cur->n, (unsigned long long)dp->t.cfg->generation);
	}
	rc = set_instance(dp);
	if (rc)
		goto fail;
	if (fn) {
		struct vardkase *k = dp->skel;

		dp->slow = calloc(1, sizeof(*dp->slow));
		if (!dp->slow) {
			rc = -ENOMEM;
			goto fail;
		}
		rc = vk_slow_open(dp->slow, bpf_program__fd(k->progs.vardkase_slow),
				  bpf_map__fd(k->maps.vk_flows), bpf_map__fd(k->maps.vk_flow_bits),
				  bpf_map__fd(k->maps.vk_ustats));
		if (rc) {
			free(dp->slow);
			dp->slow = NULL;
			goto fail;
		}
		dp->slow->cfg = dp->t.cfg;
		dp->slow->tables = &dp->t;
		/* DNS answers: read by the slow path, so only with it */
		dp->derive = calloc(1, sizeof(*dp->derive));
		rc = dp->derive ? vk_derive_open(dp->derive, bpf_map__fd(k->maps.vk_derived),
						 bpf_map__fd(k->maps.vk_derived_bits), dp->t.cfg,
						 o->dns_answer_ttl ? o->dns_answer_ttl :
						 VK_DERIVE_TTL_DEFAULT) : -ENOMEM;
		if (rc) {
			free(dp->derive);
			dp->derive = NULL;
			goto fail;
		}
		dp->slow->derive = dp->derive;
		dp->t.derive = dp->derive;
		__atomic_store_n(&dp->t.cfg->dns_answers, o->no_dns_answers ? 0 : 1, __ATOMIC_RELEASE);
		/* the slow ring first: the events its names make are then
		 * read by the same consume */
		dp->rb = ring_buffer__new(bpf_map__fd(k->maps.vk_slow), vk_slow_on_seg, dp->slow,
					  NULL);
		if (!dp->rb || ring_buffer__add(dp->rb, bpf_map__fd(k->maps.vk_events), fn, ctx)) {
			rc = -errno;
			goto fail;
		}
	}
	return 0;
fail:
	vk_dp_close(dp);
	return rc;
}

int vk_dp_dns_opt(struct vk_dp_opts *o, int ttl, const char *arg)
{
	char *end;
	unsigned long v;

	if (!ttl) {
		if (strcmp(arg, "on") && strcmp(arg, "off")) {
			vk_err("--dns-answers: on or off");
			return -EINVAL;
		}
		o->no_dns_answers = !strcmp(arg, "off");
		return 0;
	}
	v = strtoul(arg, &end, 10);
	if (*end || !v || v > VK_DERIVE_TTL_MAX) {
		vk_err("--dns-answer-ttl: seconds from 1 to %d", VK_DERIVE_TTL_MAX);
		return -EINVAL;
	}
	o->dns_answer_ttl = (uint32_t)v;
	return 0;
}

void vk_dp_close(struct vk_dp *dp)
{
	ring_buffer__free(dp->rb);
	if (dp->t.cfg)
		dp->t.cfg->dns_answers = 0;	/* no one reads them now */
	if (dp->derive) {
		vk_derive_close(dp->derive);
		free(dp->derive);
		dp->derive = NULL;
		dp->t.derive = NULL;
	}
	if (dp->slow) {
		vk_slow_close(dp->slow);
		free(dp->slow);
		dp->slow = NULL;
	}
	vk_tables_close(&dp->t);
	vardkase__destroy(dp->skel);	/* pinned maps and links stay */
	dp->skel = NULL;
	dp->rb = NULL;
}

int vk_dp_prog_fd(const struct vk_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.vardkase_xdp);
}

void vk_dp_tick(struct vk_dp *dp)
{
	struct timespec ts;

	if (!dp->slow)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	vk_slow_tick(dp->slow, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

int vk_dp_ustats_fd(const struct vk_dp *dp)
{
	return bpf_map__fd(dp->skel->maps.vk_ustats);
}

int vk_dp_read_ustats(int fd, uint64_t *out)
{
	uint32_t i;

	for (i = 0; i < VK_USTAT_SLOTS; i++)
		if (bpf_map_lookup_elem(fd, &i, &out[i]))
			return -errno;
	return 0;
}

int vk_dp_stats_fd(const struct vk_dp *dp)
{
	return bpf_map__fd(dp->skel->maps.vk_stats);
}

int vk_dp_read_stats(int fd, uint64_t *out)
{
	int n = libbpf_num_possible_cpus(), c, i;
	uint32_t zero = 0;
	struct vk_stats *v;

	if (n <= 0)
		return -EINVAL;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, v)) {
		free(v);
		return -errno;
	}
	memset(out, 0, sizeof(uint64_t) * VK_STAT_SLOTS);
	for (c = 0; c < n; c++)
		for (i = 0; i < VK_STAT_SLOTS; i++)
			out[i] += v[c].v[i];
	free(v);
	return 0;
}

static int link_ifindex(int fd)
{
	struct bpf_link_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	return info.type == BPF_LINK_TYPE_XDP ? (int)info.xdp.ifindex : -1;
}

static void warn_generic(const char *ifname)
{
	char path[PATH_MAX], drv[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", ifname);
	n = readlink(path, drv, sizeof(drv) - 1);
	drv[n > 0 ? n : 0] = 0;
	vk_warn("%s: driver '%s' has no native XDP; running in generic (skb) mode, "
		"which is slower", ifname, n > 0 ? strrchr(drv, '/') + 1 : "unknown");
}

int vk_dp_attach(struct vk_dp *dp, const char *ifname, int ifindex, bool *generic)
{
	char path[PATH_MAX];
	struct bpf_link *link;
	uint32_t prog_id = 0;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int fd, rc;

	snprintf(path, sizeof(path), "%s/link_%s", dp->pin_dir, ifname);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (link_ifindex(fd) == ifindex &&
		    !bpf_link_update(fd, vk_dp_prog_fd(dp), NULL)) {
			close(fd);
			vk_info("%s: switched the pinned XDP link to this program", ifname);
			goto mode;
		}
		/* the interface went away and came back: the old link is dead */
		close(fd);
		unlink(path);
	}
	link = bpf_program__attach_xdp(dp->skel->progs.vardkase_xdp, ifindex);
	if (!link) {
		rc = -errno;
		vk_err("%s: attaching XDP failed: %s%s", ifname, strerror(-rc),
		       rc == -EBUSY || rc == -EEXIST ?
		       " (another XDP program is attached; remove it first)" : "");
		return rc;
	}
	rc = bpf_link__pin(link, path);
	bpf_link__destroy(link);	/* the pin keeps it attached */
	if (rc) {
		vk_err("%s: pinning the XDP link at %s failed: %s", ifname, path, strerror(-rc));
		return rc;
	}
	vk_info("%s: attached (ifindex %d), link pinned at %s", ifname, ifindex, path);
mode:
	*generic = false;
	if (!bpf_xdp_query(ifindex, 0, &q)) {
		prog_id = q.attach_mode;
		if (prog_id == XDP_ATTACHED_SKB) {
			*generic = true;
			warn_generic(ifname);
		}
	}
	return 0;
}

int vk_dp_detach(const char *pin_dir, const char *state_dir, const char *ifname)
{
	char path[PATH_MAX];
	int fd, found = 0, left = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/link_%s", pin_dir, ifname);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_link_detach(fd);	/* detach even if someone holds it */
		close(fd);
		found = 1;
	}
	if (!unlink(path))
		found = 1;
	d = opendir(pin_dir);
	if (!d)
		return found ? 0 : -ENOENT;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "link_", 5))
			left++;
	closedir(d);
	if (!left) {	/* the last interface: nothing may stay behind */
		snprintf(path, sizeof(path), "%s/ids.state", state_dir);
		unpin_maps(pin_dir, path);
		rmdir(pin_dir);
		found = 1;
	}
	return found ? 0 : -ENOENT;
}

int vk_dp_apply(struct vk_dp *dp, struct vk_set *set, uint64_t gen,
		vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st)
{
	int rc = vk_dp_apply_unsaved(dp, set, gen, refuse, arg, st);

	return rc ? rc : vk_dp_save(dp);
}

/* A derived address stays while its id still names an indicator that
 * covers the name it was learned for (an id freed by an update may come
 * back as another indicator's). */
static int derived_keep(void *arg, uint32_t id, const char *name)
{
	const struct vk_ent *e = vk_tables_entry(arg, id);
	struct vk_key k;

	if (!e || !vk_kind_is_name(e->kind))
		return 0;
	vk_ent_key(e, &k);
	return vk_key_name_covers(&k, name, strlen(name));
}

int vk_dp_apply_unsaved(struct vk_dp *dp, struct vk_set *set, uint64_t gen,
			vk_tbl_refuse_fn refuse, void *arg, struct vk_apply_stats *st)
{
	struct timespec ts;
	int rc = vk_tables_apply(&dp->t, set, gen, refuse, arg, st);

	if (dp->derive) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		vk_derive_sweep(dp->derive, (uint64_t)ts.tv_sec * 1000000000ull +
				(uint64_t)ts.tv_nsec, derived_keep, &dp->t);
	}
	return rc;
}

void vk_dp_save_async(struct vk_dp *dp)
{
	pid_t pid;

	if (!dp->pinned)
		return;
	if (dp->saver) {
		dp->save_pending = true;
		return;
	}
	dp->save_pending = false;
	fflush(NULL);		/* nothing buffered is written twice */
	pid = fork();
	if (pid == 0)	/* vk_dp_save logs the reason */
		_exit(vk_dp_save(dp) ? 1 : 0);
	if (pid < 0) {		/* no process to spare: write it here */
		vk_dp_save(dp);
		return;
	}
	dp->saver = pid;
}

void vk_dp_save_reap(struct vk_dp *dp, bool wait)
{
	int st;
	pid_t r;

	if (dp->saver) {
		r = waitpid(dp->saver, &st, wait ? 0 : WNOHANG);
		if (r == 0)
			return;
		if (r == dp->saver && (!WIFEXITED(st) || WEXITSTATUS(st)))
			vk_err("saving %s failed: a restart starts with an empty set and the"
			       " agent pushes its set again", dp->state_path);
		dp->saver = 0;
	}
	if (dp->save_pending) {
		if (wait) {
			dp->save_pending = false;
			vk_dp_save(dp);
		} else {
			vk_dp_save_async(dp);
		}
	}
}

int vk_dp_save(struct vk_dp *dp)
{
	int rc = dp->pinned ? vk_tables_save(&dp->t, dp->state_path) : 0;

	if (rc)
		vk_err("saving %s failed: %s", dp->state_path, strerror(-rc));
	return rc;
}
