// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The XDP baselines of the benchmark. bench_pass is the test-run floor (an
 * empty program). On the balancer's interface:
 * bench_drop counts and drops (the limit of the machine), bench_macswap
 * rewrites both MACs and sends the frame back (the floor of any XDP
 * balancer: no parsing, no lookup).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "bench_bpf.h"

const volatile struct macswap_cfg mcfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drop_count SEC(".maps");

SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drop_count, &zero);

	(void)ctx;
	if (n)
		*n += 1;
	return XDP_DROP;
}

SEC("xdp")
int bench_macswap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if (data + sizeof(*eth) > end)
		return XDP_PASS;
	copy_knob((__u8 *)eth->h_dest, mcfg.dmac, 6);
	copy_knob((__u8 *)eth->h_source, mcfg.smac, 6);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
