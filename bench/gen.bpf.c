// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmark's traffic generator and sink.
 *
 * bench_gen runs under BPF_PROG_RUN in live-frames mode: each run writes one
 * whole 64-byte frame and returns XDP_TX, which sends it out of the generator's
 * veth. A live frame's page comes back with whatever the receiver wrote into
 * it, so every header field is written anew for every frame.
 *
 * bench_sink is attached to the generator's veth and counts what comes back.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bench_bpf.h"

const volatile struct gen_cfg cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0, flow, src, port, dst;
	__u64 *seq = bpf_map_lookup_elem(&gen_seq, &zero);

	if (!seq || data + GEN_FRAME_LEN > end)
		return XDP_ABORTED;
	/* Knuth's multiplicative step spreads consecutive frames over flows. */
	if (cfg.ncpus > 1) /* each CPU its own flows, as RSS would give them */
		flow = (__u32)((*seq * 2654435761u) % (cfg.nflows / cfg.ncpus)) * cfg.ncpus +
		       bpf_get_smp_processor_id() % cfg.ncpus;
	else
		flow = (__u32)((*seq * 2654435761u) % cfg.nflows);
	/* A flow's VIP is its own (flow mod VIPs): from the sequence instead,
	 * 524,288 flows over 10,000 VIPs made 327 million tuples, every packet
	 * a new flow. */
	dst = flow % cfg.ndst;
	*seq += 1;
	src = flow % cfg.nsrc;
	port = 1024 + (flow / cfg.nsrc) % 64000;

	copy_knob((__u8 *)eth->h_dest, cfg.dmac, 6);
	copy_knob((__u8 *)eth->h_source, cfg.smac, 6);

	if (cfg.kind == GEN_UDP6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct udphdr *udp = (void *)(ip6 + 1);
		__u32 w;

		eth->h_proto = bpf_htons(ETH_P_IPV6);
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons(GEN_FRAME_LEN - 14 - 40);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		copy_knob((__u8 *)&ip6->saddr, cfg.saddr6, 16);
		copy_knob((__u8 *)&ip6->daddr, cfg.daddr6, 16);
		w = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[3]) + src;
		ip6->saddr.in6_u.u6_addr32[3] = bpf_htonl(w);
		w = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[3]) + dst;
		ip6->daddr.in6_u.u6_addr32[3] = bpf_htonl(w);
		udp->source = bpf_htons((__u16)port);
		udp->dest = cfg.dport;
		udp->len = bpf_htons(GEN_FRAME_LEN - 14 - 40);
		udp->check = 0xffff; /* nobody checks it on the way; never 0 for v6 */
		return XDP_TX;
	}

	struct iphdr *ip = (void *)(eth + 1);
	__u16 *w = (void *)ip;
	__u32 sum = 0;

	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(GEN_FRAME_LEN - 14);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->saddr = bpf_htonl(bpf_ntohl(cfg.saddr4) + src);
	ip->daddr = bpf_htonl(bpf_ntohl(cfg.daddr4) + dst);
	ip->check = 0;
	if (cfg.kind == GEN_TCP4) {
		struct tcphdr *tcp = (void *)(ip + 1);

		ip->protocol = IPPROTO_TCP;
		__builtin_memset(tcp, 0, sizeof(*tcp));
		tcp->source = bpf_htons((__u16)port);
		tcp->dest = cfg.dport;
		tcp->seq = bpf_htonl(flow);
		tcp->doff = 5;
		tcp->syn = 1;
		tcp->window = bpf_htons(64240);
	} else {
		struct udphdr *udp = (void *)(ip + 1);

		ip->protocol = IPPROTO_UDP;
		udp->source = bpf_htons((__u16)port);
		udp->dest = cfg.dport;
		udp->len = bpf_htons(GEN_FRAME_LEN - 14 - 20);
		udp->check = 0;
	}
	/* The kernel-path baselines verify the IPv4 header checksum. */
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	ip->check = csum_fold(sum);
	return XDP_TX;
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&sink_count, &zero);

	(void)ctx;
	if (n)
		*n += 1;
	return XDP_DROP;
}

/*
 * For the control-plane panel, where the generator's veth is also the
 * backends' LAN: the generator's frames (sources in 198.19.0.0/16) are
 * counted and dropped, everything else (health checks, ARP) goes on.
 */
SEC("xdp")
int bench_sink_pass(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 zero = 0;
	__u64 *n;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    (bpf_ntohl(ip->saddr) >> 16) != ((198u << 8) | 19u))
		return XDP_PASS;
	n = bpf_map_lookup_elem(&sink_count, &zero);
	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
