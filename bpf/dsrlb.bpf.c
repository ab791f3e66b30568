// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb's data plane: Layer 2 direct server return.
 *
 * A frame for a VIP leaves the way it came with only its two MAC addresses
 * changed (destination: its flow's backend; source: ours), and so does an
 * ICMP error about a VIP's flow (lib/icmp.h). Everything else -- ARP, ping,
 * traffic for the host itself -- passes to the kernel untouched. Frames addressed to a VIP that cannot be placed safely are
 * dropped and counted by reason; nothing a sender can craft yields
 * XDP_ABORTED. This file only wires the parts in lib/: parse.h (headers),
 * vip.h (which VIP), flow.h (the flow table), sched.h (a new flow's
 * backend), icmp.h (errors about a flow), counters.h and trace.h.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dsrlb_abi.h"
#include "dsrlb_hash.h"
#include "lib/parse.h"
#include "lib/maps.h"
#include "lib/knobs.h"
#include "lib/counters.h"
#include "lib/trace.h"
#include "lib/vip.h"
#include "lib/flow.h"
#include "lib/sched.h"
#include "lib/icmp.h"

/*
 * The flow's backend (its entry's, else the VIP table's), MACs rewritten,
 * counted, sent back out. vip: the index's id (DSRLB_VIP_ID_STATELESS: the
 * VIP keeps no flow table); l4f: L4_* of a TCP segment.
 */
static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth, __u32 vip,
				   struct dsrlb_flow_key *fk, int l4f)
{
	__u32 vip_id = vip & ~DSRLB_VIP_ID_STATELESS, slot, bid = 0, h, size, hash;
	__u32 cpu = bpf_get_smp_processor_id(); /* once: a helper LLVM cannot fold */
	__u64 h64;
	int keep = knobs.new_flows_per_sec && !(vip & DSRLB_VIP_ID_STATELESS);
	int closing = l4f & L4_CLOSING, remember = 0, counted = 0;
	struct dsrlb_backend *be = NULL;
	struct flow_at fa = { .cpu = cpu };
	struct dsrlb_vip_info *vi;
	void *ring;

	if (!for_us(eth))
		return pass(DSRLB_R_NOT_OUR_MAC);
	h64 = tuple_hash(fk);
	hash = dsrlb_slot_hash(h64);
	if (keep) {
		fa.key = dsrlb_flow_key64(h64, vip_id);
		fa.c = flow_cpu_get();
		fa.now = flow_now(fa.c);
		if (flow_follow(&fa, closing, l4f & L4_SYN, &bid, &be))
			goto rewrite;
	}

	vi = bpf_map_lookup_elem(&vip_info, &vip_id);
	ring = bpf_map_lookup_elem(&rings, &vip_id);
	if (!vi || !ring)
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	h = vi->half & 1;
	size = vi->size[h];
	if (!size)
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	if (keep)
		remember = fa.w || flow_budget_take(fa.c); /* a stale entry's way is free */
	struct ring_half rh = ring_half(ring, vi, h);

	slot = sched_slot(vi->sched[h], vip_id, &rh, size, hash, fk, remember, closing, &counted);
	bid = ring_get(&rh, slot);
	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || !(be->flags & DSRLB_BACKEND_F_VALID))
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	if (remember) {
		__u32 t = fk->proto == IPPROTO_TCP ? vi->tcp_timeout : vi->udp_timeout;
		__u32 ref = (bid & DSRLB_FLOW_REF_BACKEND) |
			    ((be->gen & 0xff) << DSRLB_FLOW_REF_GEN_SHIFT) |
			    (counted ? FLOW_COUNTED : 0);

		if (!t)
			t = fk->proto == IPPROTO_TCP ? knobs.tcp_timeout : knobs.udp_timeout;
		if (counted)
			conns_add(bid, 1);
		flow_remember(&fa, ref, dsrlb_flow_ticks(t));
	}
	if (trace_on)
		trace_emit(fk, vip_id, bid,
			   !remember ? DSRLB_T_UNKEPT : fa.w ? DSRLB_T_REPLACED : DSRLB_T_NEW, 0);

rewrite:
	mac_copy(eth->h_source, eth->h_dest); /* ours: checked above */
	mac_copy(eth->h_dest, be->mac);

	__u64 bytes = (__u64)(ctx->data_end - ctx->data);
	count(&vip_stats, cpu, DSRLB_MAX_VIPS, vip_id, bytes);
	count(&backend_stats, cpu, DSRLB_MAX_BACKENDS, bid, bytes);
	return XDP_TX;
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct ethhdr *eth,
				       struct cursor *c)
{
	void *l3 = c->pos;
	struct iphdr *ip = parse_ipv4(c);
	struct dsrlb_vip_slot *as;
	__u32 tot, hlen, ports, vip;
	int l4f;
	__be16 dport;
	void *idx;

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return pass(DSRLB_R_L3_MALFORMED);
	tot = bpf_ntohs(ip->tot_len);
	hlen = ip->ihl * 4;
	if (tot < hlen || l3 + tot > c->end)
		return pass(DSRLB_R_L3_MALFORMED);
	if (ip->protocol == IPPROTO_ICMP) {
		/* an error with options, or in fragments, is the kernel's, as before */
		if (hlen != sizeof(*ip) || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			return XDP_PASS;
		as = vip_address(&idx, &ip->daddr, 1, DSRLB_AF_INET);
		return as ? icmp4(eth, c, ip, tot - hlen, idx, as) : XDP_PASS;
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	/* What traffic for the host itself pays: usually one array lookup. */
	as = vip_address(&idx, &ip->daddr, 1, DSRLB_AF_INET);
	if (!as)
		return XDP_PASS;
	struct dsrlb_flow_key fk = { .proto = ip->protocol, .family = DSRLB_AF_INET };

	__builtin_memcpy(fk.saddr, &ip->saddr, 4);
	__builtin_memcpy(fk.daddr, &ip->daddr, 4);
	if (hlen != sizeof(*ip))
		return drop(DSRLB_R_IPV4_OPTIONS, &fk, DSRLB_VIP_NONE);
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return drop(DSRLB_R_FRAGMENT, &fk, DSRLB_VIP_NONE);
	if (parse_ports(c, ip->protocol, tot - hlen, &ports, &dport, &l4f))
		return drop(DSRLB_R_L4_TRUNCATED, &fk, DSRLB_VIP_NONE);

	vip = vip_pick(idx, as, &ip->daddr, 1, DSRLB_AF_INET, ip->protocol, dport);
	if (vip == DSRLB_VIP_NONE)
		return XDP_PASS; /* a VIP address, but not this port: the host's */
	fk.ports = ports;
	return forward(ctx, eth, vip, &fk, l4f);
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct ethhdr *eth,
				       struct cursor *c)
{
	struct ipv6hdr *ip6 = parse_ipv6(c);
	struct dsrlb_vip_slot *as;
	__u32 plen, ports, vip;
	int l4f;
	__be16 dport;
	__u8 nh;
	void *idx;

	if (!ip6 || ip6->version != 6)
		return pass(DSRLB_R_L3_MALFORMED);
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > c->end)
		return pass(DSRLB_R_L3_MALFORMED);

	nh = ip6->nexthdr;
	if (nh == IPPROTO_ICMPV6) {
		as = vip_address(&idx, (const __u32 *)&ip6->daddr, 4, DSRLB_AF_INET6);
		return as ? icmp6(eth, c, ip6, plen, idx, as) : XDP_PASS;
	}
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP && nh != IPPROTO_FRAGMENT &&
	    !is_ipv6_exthdr(nh))
		return XDP_PASS; /* ICMPv6 (NDP) and the rest: the host's */
	as = vip_address(&idx, (const __u32 *)&ip6->daddr, 4, DSRLB_AF_INET6);
	if (!as)
		return XDP_PASS;
	struct dsrlb_flow_key fk = { .proto = nh, .family = DSRLB_AF_INET6 };

	__builtin_memcpy(fk.saddr, &ip6->saddr, 16);
	__builtin_memcpy(fk.daddr, &ip6->daddr, 16);
	/*
	 * We do not walk extension headers: a VIP-bound packet that carries any
	 * is dropped (counted), so a port is never read from the wrong place.
	 */
	if (nh == IPPROTO_FRAGMENT)
		return drop(DSRLB_R_FRAGMENT, &fk, DSRLB_VIP_NONE);
	if (is_ipv6_exthdr(nh))
		return drop(DSRLB_R_IPV6_EXTHDR, &fk, DSRLB_VIP_NONE);
	if (parse_ports(c, nh, plen, &ports, &dport, &l4f))
		return drop(DSRLB_R_L4_TRUNCATED, &fk, DSRLB_VIP_NONE);

	vip = vip_pick(idx, as, (const __u32 *)&ip6->daddr, 4, DSRLB_AF_INET6, nh, dport);
	if (vip == DSRLB_VIP_NONE)
		return XDP_PASS;
	fk.ports = ports;
	return forward(ctx, eth, vip, &fk, l4f);
}

SEC("xdp")
int dsrlb_xdp(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct ethhdr *eth;
	__be16 proto;
	int too_deep;

	eth = parse_eth(&c, &proto, &too_deep);
	if (!eth)
		return pass(DSRLB_R_L2_TRUNCATED);
	if (too_deep)
		return pass(DSRLB_R_VLAN_DEPTH);
	if (proto == bpf_htons(ETH_P_IP))
		return handle_ipv4(ctx, eth, &c);
	if (proto == bpf_htons(ETH_P_IPV6))
		return handle_ipv6(ctx, eth, &c);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
