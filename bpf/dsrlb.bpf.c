// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb's data plane: Layer 2 direct server return.
 *
 * A frame for a VIP leaves the way it came with only its two MAC addresses
 * changed (destination: the backend Maglev chose; source: ours). Everything
 * else -- ARP, ICMP, traffic for the host itself -- passes to the kernel
 * untouched. Frames addressed to a VIP that cannot be placed safely are
 * dropped and counted by reason; nothing a sender can craft yields
 * XDP_ABORTED.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dsrlb_abi.h"
#include "dsrlb_hash.h"
#include "parse.h"
#include "maps.h"

/* Set by the loader before load; the verifier folds them as constants. */
const volatile struct dsrlb_knobs knobs = {};

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff

static __always_inline void count_reason(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&reasons, &reason);

	if (n)
		*n += 1;
}

static __always_inline int pass(__u32 reason)
{
	count_reason(reason);
	return XDP_PASS;
}

static __always_inline int drop(__u32 reason)
{
	count_reason(reason);
	return XDP_DROP;
}

/* Frames we cannot parse: ours (drop) if the address carries a VIP. */
static __always_inline int unplaceable(struct dsrlb_addr_key *ak, __u32 reason)
{
	if (bpf_map_lookup_elem(&vip_addrs, ak))
		return drop(reason);
	return XDP_PASS;
}

static __always_inline void count(void *map, __u32 id, __u64 bytes)
{
	struct dsrlb_counter *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

static __always_inline int mac_equal(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Look up the VIP for this destination: exact port first, then port 0. */
static __always_inline struct dsrlb_vip *vip_find(struct dsrlb_vip_key *k)
{
	struct dsrlb_vip *v = bpf_map_lookup_elem(&vips, k);

	if (v)
		return v;
	k->port = 0;
	return bpf_map_lookup_elem(&vips, k);
}

/* Choose the backend, rewrite the MACs, count, send back out. */
static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth,
				   struct dsrlb_vip *vip, __u32 hash)
{
	struct dsrlb_backend *be;
	struct dsrlb_iface *ifc;
	__u32 ifindex = ctx->ingress_ifindex;
	__u32 vip_id = vip->id;
	__u32 slot, *bid;
	void *ring;

	ifc = bpf_map_lookup_elem(&ifaces, &ifindex);
	if (!ifc || !mac_equal(eth->h_dest, ifc->mac))
		return pass(DSRLB_R_NOT_OUR_MAC);

	ring = bpf_map_lookup_elem(&rings, &vip_id);
	if (!ring || !vip->ring_size)
		return drop(DSRLB_R_NO_BACKEND);
	slot = hash % vip->ring_size;
	bid = bpf_map_lookup_elem(ring, &slot);
	if (!bid)
		return drop(DSRLB_R_NO_BACKEND);
	be = bpf_map_lookup_elem(&backends, bid);
	if (!be || !(be->flags & DSRLB_BACKEND_F_VALID))
		return drop(DSRLB_R_NO_BACKEND);

	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, ifc->mac, ETH_ALEN);

	__u64 bytes = (__u64)(ctx->data_end - ctx->data);
	count(&vip_stats, vip_id, bytes);
	count(&backend_stats, *bid, bytes);
	return XDP_TX;
}

/* Ports of TCP or UDP: both start with source and destination port. */
static __always_inline int l4_ports(struct cursor *c, __u8 proto, __u32 avail,
				    __u32 *ports, __be16 *dport)
{
	__u32 need = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);
	struct udphdr *p = c->pos;

	if (avail < need || !cursor_take(c, need))
		return -1;
	*ports = *(__u32 *)p;
	*dport = p->dest;
	return 0;
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct ethhdr *eth,
				       struct cursor *c)
{
	void *l3 = c->pos;
	struct iphdr *ip = parse_ipv4(c);
	struct dsrlb_addr_key ak = {};
	struct dsrlb_vip_key k = {};
	struct dsrlb_vip *vip;
	__u32 tot, hlen, ports;

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return pass(DSRLB_R_L3_MALFORMED);
	tot = bpf_ntohs(ip->tot_len);
	hlen = ip->ihl * 4;
	if (tot < hlen || l3 + tot > c->end)
		return pass(DSRLB_R_L3_MALFORMED);
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;

	__builtin_memcpy(ak.addr, &ip->daddr, 4);
	ak.family = DSRLB_AF_INET;
	if (hlen != sizeof(*ip))
		return unplaceable(&ak, DSRLB_R_IPV4_OPTIONS);
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return unplaceable(&ak, DSRLB_R_FRAGMENT);
	if (l4_ports(c, ip->protocol, tot - hlen, &ports, &k.port))
		return unplaceable(&ak, DSRLB_R_L4_TRUNCATED);

	__builtin_memcpy(k.addr, &ip->daddr, 4);
	k.proto = ip->protocol;
	k.family = DSRLB_AF_INET;
	vip = vip_find(&k);
	if (!vip)
		return XDP_PASS;
	return forward(ctx, eth, vip,
		       dsrlb_hash_v4(knobs.hash_seed, ip->saddr, ip->daddr, ports,
				     ip->protocol));
}

static __always_inline int is_ipv6_exthdr(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return 1;
	}
	return 0;
}

static __always_inline int handle_ipv6(struct xdp_md *ctx, struct ethhdr *eth,
				       struct cursor *c)
{
	struct ipv6hdr *ip6 = parse_ipv6(c);
	struct dsrlb_addr_key ak = {};
	struct dsrlb_vip_key k = {};
	struct dsrlb_vip *vip;
	__u32 plen, ports;
	__u8 nh;

	if (!ip6 || ip6->version != 6)
		return pass(DSRLB_R_L3_MALFORMED);
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > c->end)
		return pass(DSRLB_R_L3_MALFORMED);

	nh = ip6->nexthdr;
	__builtin_memcpy(ak.addr, &ip6->daddr, 16);
	ak.family = DSRLB_AF_INET6;
	/*
	 * We do not walk extension headers: a VIP-bound packet that carries any
	 * is dropped (counted), so a port is never read from the wrong place.
	 */
	if (nh == IPPROTO_FRAGMENT)
		return unplaceable(&ak, DSRLB_R_FRAGMENT);
	if (is_ipv6_exthdr(nh))
		return unplaceable(&ak, DSRLB_R_IPV6_EXTHDR);
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
		return XDP_PASS;
	if (l4_ports(c, nh, plen, &ports, &k.port))
		return unplaceable(&ak, DSRLB_R_L4_TRUNCATED);

	__builtin_memcpy(k.addr, &ip6->daddr, 16);
	k.proto = nh;
	k.family = DSRLB_AF_INET6;
	vip = vip_find(&k);
	if (!vip)
		return XDP_PASS;
	return forward(ctx, eth, vip,
		       dsrlb_hash_v6(knobs.hash_seed, (const __u32 *)&ip6->saddr,
				     (const __u32 *)&ip6->daddr, ports, nh));
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
