// SPDX-License-Identifier: GPL-2.0-only
/* The baseline every benchmark ratio is taken against: an XDP program that
 * does nothing but drop. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	return XDP_DROP;
}
