// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A do-nothing XDP program for the far end of a veth pair. A frame sent with
 * XDP_TX into a veth is only taken by a peer that runs XDP itself (see
 * docs/veth.md), so the playground attaches this to the balancer's peer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
