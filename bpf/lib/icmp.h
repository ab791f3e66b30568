/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP errors about a VIP's flows (issue 13). A backend answers from the
 * VIP, so a router that cannot forward its reply (fragmentation needed,
 * packet too big, time exceeded, unreachable) tells the VIP: us. The error
 * quotes the backend's packet: its IP header and at least the 8 bytes of L4
 * that hold the ports (RFC 792 promises no more, so nothing past them is
 * read). The quote reversed is the flow (client to VIP), and the error goes
 * where that flow's packets go, with only its two MACs changed: the
 * backend's kernel matches the quote against its own socket.
 *
 *   the flow table's entry, if the flow has a live one;
 *   else the VIP's table for maglev and sh (the same answer on every
 *   balancer with the same backends and seed);
 *   else (rr, wrr, lc have no stateless answer) the kernel, counted.
 *
 * Echo and every other ICMP message are the host's, as before.
 */
#ifndef DSRLB_BPF_ICMP_H
#define DSRLB_BPF_ICMP_H

#include "lib/counters.h"
#include "lib/sched.h"
#include "lib/trace.h"
#include "lib/vip.h"

/* The quoted L4 header's first 4 bytes: the ports of the backend's packet. */
struct quoted_ports {
	__be16 source; /* the VIP's port */
	__be16 dest;   /* the client's */
};

/* The quote's 4 bytes of ports, VIP's first, as the flow's: client's first (the halves swapped). */
static __always_inline __u32 ports_reversed(const struct quoted_ports *q)
{
	__u32 raw = *(const __u32 *)q;

	return (raw >> 16) | (raw << 16);
}

static __always_inline void icmp_count(__u32 vip, int forwarded)
{
	struct dsrlb_icmp_counter *c = bpf_map_lookup_elem(&vip_icmp, &vip);

	if (!c)
		return;
	if (forwarded)
		c->forwarded += 1;
	else
		c->unmatched += 1;
}

/* An error about the VIP's flow fk that cannot reach its backend: the kernel's, counted. */
static __always_inline int icmp_unmatched(__u32 reason, __u32 vip)
{
	icmp_count(vip, 0);
	return pass(reason);
}

/*
 * The flow's backend, as its own packets would find it, without touching
 * the flow's entry (an error is not traffic: it neither refreshes the entry
 * nor places the flow). Then only the MACs change.
 */
static __always_inline int icmp_forward(struct ethhdr *eth, __u32 vip,
					const struct dsrlb_flow_key *fk)
{
	__u32 vip_id = vip & ~DSRLB_VIP_ID_STATELESS, bid = 0, slot, h, size, sched;
	__u64 h64 = tuple_hash(fk);
	__u32 hash = dsrlb_slot_hash(h64);
	struct dsrlb_backend *be = NULL;
	struct dsrlb_vip_info *vi;
	void *ring;

	if (!for_us(eth))
		return pass(DSRLB_R_NOT_OUR_MAC);
	if (knobs.new_flows_per_sec && !(vip & DSRLB_VIP_ID_STATELESS)) {
		/* every region: the error reaches whichever CPU its sender hashes to */
		struct flow_search s = {
			.key = dsrlb_flow_key64(h64, vip_id),
			.now = flow_now(flow_cpu_get()), .skip = ~0u,
		};

		if (flow_search(&s)) {
			bid = s.w.ref & DSRLB_FLOW_REF_BACKEND;
			be = bpf_map_lookup_elem(&backends, &bid);
			if (be)
				goto send;
		}
	}
	vi = bpf_map_lookup_elem(&vip_info, &vip_id);
	ring = bpf_map_lookup_elem(&rings, &vip_id);
	if (!vi || !ring)
		return icmp_unmatched(DSRLB_R_ICMP_NO_BACKEND, vip_id);
	h = vi->half & 1;
	size = vi->size[h];
	sched = vi->sched[h];
	if (!size)
		return icmp_unmatched(DSRLB_R_ICMP_NO_BACKEND, vip_id);
	if (sched == DSRLB_SCHED_MAGLEV)
		slot = DSRLB_SLOT(hash, size);
	else if (sched == DSRLB_SCHED_SH)
		slot = DSRLB_SLOT(source_hash(fk), size);
	else
		return icmp_unmatched(DSRLB_R_ICMP_NO_FLOW, vip_id);
	struct ring_half rh = ring_half(ring, vi, h);

	bid = ring_get(&rh, slot);
	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || !(be->flags & DSRLB_BACKEND_F_VALID))
		return icmp_unmatched(DSRLB_R_ICMP_NO_BACKEND, vip_id);
send:
	mac_copy(eth->h_source, eth->h_dest); /* ours: checked above */
	mac_copy(eth->h_dest, be->mac);
	icmp_count(vip_id, 1);
	if (trace_on)
		trace_emit(fk, vip_id, bid, DSRLB_T_ICMP, 0);
	return XDP_TX;
}

/*
 * The ICMP and ICMPv6 header (type, code, checksum, 4 bytes: the MTU of a
 * "fragmentation needed" or "packet too big"), then the quote. Our own:
 * linux/icmp.h pulls in libc's headers, which a BPF build does not have.
 */
struct icmp_err {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest;
};

/* ICMP types that carry a quote of the packet they are about. */
static __always_inline int icmp4_is_error(__u8 type)
{
	return type == 3 /* destination unreachable */ || type == 11 /* time exceeded */;
}

static __always_inline int icmp6_is_error(__u8 type)
{
	return type == 1 /* destination unreachable */ || type == 2 /* packet too big */ ||
	       type == 3 /* time exceeded */;
}

/*
 * An ICMPv4 message to a VIP address (the outer header without options, not
 * a fragment: checked by the caller), the cursor at its ICMP header, avail
 * bytes of it in the IP packet. The flow it is about goes to its backend.
 */
static __always_inline int icmp4(struct ethhdr *eth, struct cursor *c,
				 const struct iphdr *ip, __u32 avail, void *idx,
				 const struct dsrlb_vip_slot *as)
{
	struct icmp_err *ic = cursor_take(c, sizeof(*ic));
	struct quoted_ports *qports;
	struct iphdr *q;
	__u32 vip;

	if (!ic || avail < sizeof(*ic))
		return pass(DSRLB_R_ICMP_SHORT);
	if (!icmp4_is_error(ic->type))
		return XDP_PASS; /* echo (ping VIP) and the rest: the host's */
	q = cursor_take(c, sizeof(*q));
	if (!q || avail < sizeof(*ic) + sizeof(*q) || q->version != 4 || q->ihl < 5)
		return pass(DSRLB_R_ICMP_SHORT);
	if (q->ihl != 5)
		return pass(DSRLB_R_ICMP_OPTIONS);
	if (q->frag_off & bpf_htons(IP_OFFSET))
		return pass(DSRLB_R_ICMP_FRAGMENT);
	if ((q->protocol != IPPROTO_TCP && q->protocol != IPPROTO_UDP) || q->saddr != ip->daddr)
		return pass(DSRLB_R_ICMP_NOT_VIP);
	qports = cursor_take(c, sizeof(*qports));
	if (!qports || avail < sizeof(*ic) + sizeof(*q) + sizeof(*qports))
		return pass(DSRLB_R_ICMP_SHORT);
	/* the backend's packet came from the VIP's port: the VIP on it, or on every port */
	vip = vip_pick(idx, as, &q->saddr, 1, DSRLB_AF_INET, q->protocol, qports->source);
	if (vip == DSRLB_VIP_NONE)
		return pass(DSRLB_R_ICMP_NOT_VIP);
	struct dsrlb_flow_key fk = { .proto = q->protocol, .family = DSRLB_AF_INET,
				     .ports = ports_reversed(qports) };

	__builtin_memcpy(fk.saddr, &q->daddr, 4);
	__builtin_memcpy(fk.daddr, &q->saddr, 4);
	return icmp_forward(eth, vip, &fk);
}

/* The same for ICMPv6 (the outer header without extension headers: its next header is 58). */
static __always_inline int icmp6(struct ethhdr *eth, struct cursor *c,
				 const struct ipv6hdr *ip6, __u32 avail, void *idx,
				 const struct dsrlb_vip_slot *as)
{
	struct icmp_err *ic = cursor_take(c, sizeof(*ic));
	struct quoted_ports *qports;
	struct ipv6hdr *q;
	__u32 vip;
	__u8 nh;

	if (!ic || avail < sizeof(*ic))
		return pass(DSRLB_R_ICMP_SHORT);
	if (!icmp6_is_error(ic->type))
		return XDP_PASS; /* NDP, echo and the rest: the host's */
	q = cursor_take(c, sizeof(*q));
	if (!q || avail < sizeof(*ic) + sizeof(*q) || q->version != 6)
		return pass(DSRLB_R_ICMP_SHORT);
	nh = q->nexthdr;
	if (nh == IPPROTO_FRAGMENT)
		return pass(DSRLB_R_ICMP_FRAGMENT);
	if (is_ipv6_exthdr(nh))
		return pass(DSRLB_R_ICMP_OPTIONS);
	if ((nh != IPPROTO_TCP && nh != IPPROTO_UDP) ||
	    !addr_eq((const __u8 *)&q->saddr, (const __u32 *)&ip6->daddr, 4))
		return pass(DSRLB_R_ICMP_NOT_VIP);
	qports = cursor_take(c, sizeof(*qports));
	if (!qports || avail < sizeof(*ic) + sizeof(*q) + sizeof(*qports))
		return pass(DSRLB_R_ICMP_SHORT);
	vip = vip_pick(idx, as, (const __u32 *)&q->saddr, 4, DSRLB_AF_INET6, nh, qports->source);
	if (vip == DSRLB_VIP_NONE)
		return pass(DSRLB_R_ICMP_NOT_VIP);
	struct dsrlb_flow_key fk = { .proto = nh, .family = DSRLB_AF_INET6,
				     .ports = ports_reversed(qports) };

	__builtin_memcpy(fk.saddr, &q->daddr, 16);
	__builtin_memcpy(fk.daddr, &q->saddr, 16);
	return icmp_forward(eth, vip, &fk);
}

#endif
