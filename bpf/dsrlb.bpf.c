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
#include "lib/parse.h"
#include "lib/maps.h"

/* Set by the loader before load; the verifier folds them as constants. */
const volatile struct dsrlb_knobs knobs = {};

/*
 * Never read. clang emits only a forward declaration for a struct that
 * appears only in an inner map's definition, and the kernel then refuses the
 * map's BTF; one variable of the type puts the whole struct into BTF.
 */
const volatile struct dsrlb_vip_slot btf_anchor_vip_slot = {};

/*
 * dsrlb trace: set by the daemon (through the skeleton's mmap of .bss) while
 * someone traces; records it could not write for want of room in the ring.
 */
volatile __u32 trace_on;
__u64 trace_lost;

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
/* TCP flags byte (offset 13) */
#define TCPF_FIN_BIT 0x01
#define TCPF_RST_BIT 0x04

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

/*
 * One trace record. Its own function (a BPF-to-BPF call), so the places that
 * trace carry a call instead of a copy of this body each.
 */
static __noinline void trace_emit(const struct dsrlb_flow_key *fk, __u32 vip, __u32 bid,
				  __u32 kind, __u32 reason)
{
	struct dsrlb_trace_event *ev = bpf_ringbuf_reserve(&trace, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&trace_lost, 1);
		return;
	}
	ev->ns = bpf_ktime_get_ns();
	ev->vip = vip;
	ev->backend = bid;
	ev->kind = (__u8)kind;
	ev->reason = (__u8)reason;
	ev->family = fk->family;
	ev->proto = fk->proto;
	ev->ports = fk->ports;
	__builtin_memcpy(ev->saddr, fk->saddr, 16);
	__builtin_memcpy(ev->daddr, fk->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
}

/* A frame for a VIP (vip: its id, or DSRLB_VIP_NONE if not chosen yet) dropped. */
static __always_inline int drop(__u32 reason, const struct dsrlb_flow_key *fk, __u32 vip)
{
	count_reason(reason);
	if (trace_on)
		trace_emit(fk, vip, 0xffffffffu, DSRLB_T_DROP, reason);
	return XDP_DROP;
}

static __always_inline void count(void *map, __u32 id, __u64 bytes)
{
	struct dsrlb_counter *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

/*
 * MACs as one 4-byte and one 2-byte word: struct ethhdr is packed, so plain
 * field access makes clang move them a byte at a time. x86 (and the
 * verifier, for packet data) allow the unaligned loads.
 */
struct mac_words {
	__u32 hi;
	__u16 lo;
} __attribute__((packed, aligned(2)));

/* Is this frame addressed to our interface? (knobs are read-only data) */
static __always_inline int for_us(const struct ethhdr *eth)
{
	const struct mac_words *d = (const void *)eth->h_dest;
	const volatile struct mac_words *m = (const volatile void *)knobs.ifmac;

	return d->hi == m->hi && d->lo == m->lo;
}

static __always_inline void mac_copy(void *dst, const void *src)
{
	struct mac_words *d = dst;
	const struct mac_words *s = src;

	d->hi = s->hi;
	d->lo = s->lo;
}

static __always_inline int addr_eq(const __u8 *slot, const __u32 *addr, int words)
{
	const __u32 *w = (const __u32 *)slot;

	if (w[0] != addr[0])
		return 0;
	return words == 1 || (w[1] == addr[1] && w[2] == addr[2] && w[3] == addr[3]);
}

/*
 * Probe the VIP index for {addr, proto, port} in one region; NULL if absent.
 * addr points into the packet (4 or 16 bytes, already bounds-checked).
 */
static __always_inline struct dsrlb_vip_slot *index_find(void *idx, const __u32 *addr, int words,
							 __u8 family, __u8 proto, __be16 port,
							 __u32 region)
{
	__u32 h = dsrlb_index_hash(addr, words, dsrlb_index_tail(port, proto, family));

#pragma unroll
	for (int i = 0; i < DSRLB_VIP_INDEX_PROBES; i++) {
		__u32 k = region + ((h + i) & (DSRLB_VIP_INDEX_SLOTS - 1));
		struct dsrlb_vip_slot *s = bpf_map_lookup_elem(idx, &k);

		if (!s || !s->family)
			return NULL;
		if (s->family == family && s->proto == proto && s->port == port &&
		    addr_eq(s->addr, addr, words))
			return s;
	}
	return NULL;
}

/*
 * Which VIP serves this port at this address: a VIP on the exact port wins,
 * then the VIP for every port. DSRLB_VIP_NONE if neither exists.
 */
static __always_inline __u32 vip_pick(void *idx, const struct dsrlb_vip_slot *as,
				      const __u32 *addr, int words, __u8 family, __u8 proto,
				      __be16 dport)
{
	int pi = proto == IPPROTO_UDP;

	if (as->port_vips[pi]) {
		struct dsrlb_vip_slot *ps = index_find(idx, addr, words, family, proto, dport,
						       DSRLB_VIP_INDEX_SLOTS);

		if (ps)
			return ps->vip[0];
	}
	return as->vip[pi];
}

static __always_inline void flow_stat(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&flow_stats, &which);

	if (n)
		*n += 1;
}

/* A coarse clock in ~1.07 s units: cheap, and all a flow's idle time needs. */
static __always_inline __u32 dsrlb_now(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() >> 30);
}

/*
 * Remember a new flow's backend, unless this CPU created its share of
 * entries this second already: a flood of new flows must not push the
 * established ones out of the LRU. Refused flows are still balanced (by the
 * table), just not remembered.
 */
static __always_inline int flow_budget_take(__u32 now)
{
	struct flow_budget *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&flow_budget, &zero);
	if (!b)
		return 0;
	if (b->window != now) {
		b->window = now;
		b->used = 0;
	}
	if (b->used >= knobs.new_flows_per_sec) {
		flow_stat(DSRLB_FS_REFUSED);
		return 0;
	}
	b->used++;
	return 1;
}

static __always_inline void flow_remember(struct dsrlb_flow_key *fk, struct dsrlb_flow *stale,
					  const struct dsrlb_flow *nf)
{
	if (stale) { /* reusing its slot evicts nobody */
		*stale = *nf;
		return;
	}
	if (!bpf_map_update_elem(&flows, fk, nf, BPF_ANY))
		flow_stat(DSRLB_FS_NEW);
}

static __always_inline void conns_add(__u32 bid, __s64 n)
{
	__s64 *c = bpf_map_lookup_elem(&backend_conns, &bid);

	if (c)
		__sync_fetch_and_add(c, n);
}

/*
 * The flow leaves its backend's active count (lc), once: a FIN or RST seen
 * on two CPUs at once lowers it one time. Only while the backend entry is
 * still the one the flow was counted on (same generation).
 */
static __always_inline void flow_uncount(struct dsrlb_flow *f, const struct dsrlb_backend *be)
{
	if (!(f->flags & DSRLB_FLOW_F_COUNTED))
		return;
	if ((__sync_fetch_and_and(&f->flags, ~DSRLB_FLOW_F_COUNTED) & DSRLB_FLOW_F_COUNTED) &&
	    be && be->gen == f->gen)
		conns_add(f->backend, -1);
}

/*
 * lc: of the (at most DSRLB_LC_SCAN) backends of the sequence from start,
 * the one with the fewest active flows; the first such on a tie, and start
 * comes from the flow's hash, so ties spread. A bpf_loop() callback: the
 * verifier checks its body once instead of every path through 64 steps.
 */
struct lc_scan {
	void *ring;
	__u32 base, len, start, best;
	__s64 best_n;
};

static long lc_step(__u64 i, void *ctx)
{
	struct lc_scan *sc = ctx;
	__u32 s = sc->start + (__u32)i, k, *bid;
	__s64 *n;

	if (i >= sc->len)
		return 1;
	if (s >= sc->len)
		s -= sc->len;
	k = sc->base + s;
	bid = bpf_map_lookup_elem(sc->ring, &k);
	if (!bid)
		return 1;
	n = bpf_map_lookup_elem(&backend_conns, bid);
	if (n && *n < sc->best_n) {
		sc->best_n = *n;
		sc->best = s;
	}
	return 0;
}

static __always_inline __u32 lc_pick(void *ring, __u32 base, __u32 len, __u32 start)
{
	struct lc_scan sc = { .ring = ring, .base = base, .len = len, .start = start,
			      .best = start, .best_n = 0x7fffffffffffffffLL };

	bpf_loop(DSRLB_LC_SCAN, lc_step, &sc, 0);
	return sc.best;
}

/* sh: the source address alone decides (one client, one backend). */
static __always_inline __u32 source_hash(const struct dsrlb_flow_key *fk)
{
	const __u32 *s = (const __u32 *)fk->saddr;
	static const __u32 none[4];

	if (fk->family == DSRLB_AF_INET)
		return dsrlb_hash_v4(knobs.hash_seed, s[0], 0, 0, 0);
	return dsrlb_hash_v6(knobs.hash_seed, s, none, 0, 0);
}

/*
 * Choose the backend (the flow's, else the VIP table's), rewrite the MACs,
 * count, send back out. closing: a TCP FIN or RST (the flow's end, for lc).
 */
static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth, __u32 vip_id,
				   __u32 hash, struct dsrlb_flow_key *fk, int closing)
{
	struct dsrlb_backend *be;
	struct dsrlb_flow *f = NULL;
	struct dsrlb_vip_info *vi;
	__u32 slot, bid, *rb, *half, now = 0;
	int remember = 0, counted = 0;
	void *ring;

	if (!for_us(eth))
		return pass(DSRLB_R_NOT_OUR_MAC);
	if (knobs.new_flows_per_sec) {
		now = dsrlb_now();
		f = bpf_map_lookup_elem(&flows, fk);
		if (f) {
			bid = f->backend;
			be = bpf_map_lookup_elem(&backends, &bid);
			if (be && (be->flags & DSRLB_BACKEND_F_VALID) && be->gen == f->gen &&
			    f->vip == vip_id && now - f->seen <= f->timeout) {
				if (f->seen != now)
					f->seen = now; /* at most once a second: no cache-line ping-pong */
				if (closing)
					flow_uncount(f, be);
				flow_stat(DSRLB_FS_HIT);
				goto rewrite;
			}
			flow_uncount(f, be);
			flow_stat(DSRLB_FS_REPLACED);
		}
	}

	ring = bpf_map_lookup_elem(&rings, &vip_id);
	half = bpf_map_lookup_elem(&vip_half, &vip_id);
	vi = bpf_map_lookup_elem(&vip_info, &vip_id);
	if (!ring || !half || !vi)
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	if (knobs.new_flows_per_sec)
		remember = f || flow_budget_take(now); /* a stale entry's slot is free */
	if (vi->sched == DSRLB_SCHED_RR || vi->sched == DSRLB_SCHED_LC) {
		__u32 len = vi->seq_len[*half & 1];

		/* Both halves are always full (a sequence repeats to the end): a
		 * length not yet written for this half can use the whole half. */
		if (!len || len > knobs.ring_size)
			len = knobs.ring_size;
		/*
		 * The next in turn (or the least loaded), only for a flow that will
		 * be remembered: one the flow table refuses keeps a place of its
		 * own, by its hash, so all its packets go to one backend.
		 */
		if (!remember)
			slot = DSRLB_SLOT(hash, len);
		else if (vi->sched == DSRLB_SCHED_RR)
			slot = (__u32)(__sync_fetch_and_add(&vi->next, 1) % len);
		else {
			slot = lc_pick(ring, *half ? knobs.ring_size : 0, len, DSRLB_SLOT(hash, len));
			counted = !closing; /* a flow that ends at once never counts */
		}
	} else {
		slot = DSRLB_SLOT(vi->sched == DSRLB_SCHED_SH ? source_hash(fk) : hash,
				  knobs.ring_size);
	}
	if (*half)
		slot += knobs.ring_size;
	rb = bpf_map_lookup_elem(ring, &slot);
	if (!rb)
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	bid = *rb;
	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || !(be->flags & DSRLB_BACKEND_F_VALID))
		return drop(DSRLB_R_NO_BACKEND, fk, vip_id);
	if (remember) {
		__u32 t = fk->proto == IPPROTO_TCP ? vi->tcp_timeout : vi->udp_timeout;
		struct dsrlb_flow nf = {
			.backend = bid, .gen = be->gen, .seen = now, .vip = vip_id,
			.flags = counted ? DSRLB_FLOW_F_COUNTED : 0,
		};

		nf.timeout = t ? t : fk->proto == IPPROTO_TCP ? knobs.tcp_timeout : knobs.udp_timeout;
		if (counted)
			conns_add(bid, 1);
		flow_remember(fk, f, &nf);
	}
	if (trace_on)
		trace_emit(fk, vip_id, bid,
			   !remember ? DSRLB_T_UNKEPT : f ? DSRLB_T_REPLACED : DSRLB_T_NEW, 0);

rewrite:
	mac_copy(eth->h_source, eth->h_dest); /* ours: checked above */
	mac_copy(eth->h_dest, be->mac);

	__u64 bytes = (__u64)(ctx->data_end - ctx->data);
	count(&vip_stats, vip_id, bytes);
	count(&backend_stats, bid, bytes);
	return XDP_TX;
}

/* Ports of TCP or UDP: both start with source and destination port. */
/* closing: a TCP segment with FIN or RST. */
static __always_inline int l4_ports(struct cursor *c, __u8 proto, __u32 avail,
				    __u32 *ports, __be16 *dport, int *closing)
{
	__u32 need = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);
	struct udphdr *p = c->pos;

	if (avail < need || !cursor_take(c, need))
		return -1;
	*ports = *(__u32 *)p;
	*dport = p->dest;
	*closing = 0;
	/* checked again: the verifier does not tie need to proto */
	if (proto == IPPROTO_TCP && (void *)p + sizeof(struct tcphdr) <= c->end)
		*closing = !!(((__u8 *)p)[13] & (TCPF_FIN_BIT | TCPF_RST_BIT));
	return 0;
}

static __always_inline int handle_ipv4(struct xdp_md *ctx, struct ethhdr *eth,
				       struct cursor *c)
{
	void *l3 = c->pos;
	struct iphdr *ip = parse_ipv4(c);
	struct dsrlb_vip_slot *as;
	__u32 tot, hlen, ports, vip, zero = 0;
	int closing;
	__be16 dport;
	void *idx;

	if (!ip || ip->version != 4 || ip->ihl < 5)
		return pass(DSRLB_R_L3_MALFORMED);
	tot = bpf_ntohs(ip->tot_len);
	hlen = ip->ihl * 4;
	if (tot < hlen || l3 + tot > c->end)
		return pass(DSRLB_R_L3_MALFORMED);
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	/* What traffic for the host itself pays: usually one array lookup. */
	idx = bpf_map_lookup_elem(&vip_index, &zero);
	if (!idx)
		return XDP_PASS;
	as = index_find(idx, &ip->daddr, 1, DSRLB_AF_INET, 0, 0, 0);
	if (!as)
		return XDP_PASS;
	struct dsrlb_flow_key fk = { .proto = ip->protocol, .family = DSRLB_AF_INET };

	__builtin_memcpy(fk.saddr, &ip->saddr, 4);
	__builtin_memcpy(fk.daddr, &ip->daddr, 4);
	if (hlen != sizeof(*ip))
		return drop(DSRLB_R_IPV4_OPTIONS, &fk, DSRLB_VIP_NONE);
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return drop(DSRLB_R_FRAGMENT, &fk, DSRLB_VIP_NONE);
	if (l4_ports(c, ip->protocol, tot - hlen, &ports, &dport, &closing))
		return drop(DSRLB_R_L4_TRUNCATED, &fk, DSRLB_VIP_NONE);

	vip = vip_pick(idx, as, &ip->daddr, 1, DSRLB_AF_INET, ip->protocol, dport);
	if (vip == DSRLB_VIP_NONE)
		return XDP_PASS; /* a VIP address, but not this port: the host's */
	fk.ports = ports;
	return forward(ctx, eth, vip,
		       dsrlb_hash_v4(knobs.hash_seed, ip->saddr, ip->daddr, ports, ip->protocol),
		       &fk, closing);
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
	struct dsrlb_vip_slot *as;
	__u32 plen, ports, vip, zero = 0;
	int closing;
	__be16 dport;
	__u8 nh;
	void *idx;

	if (!ip6 || ip6->version != 6)
		return pass(DSRLB_R_L3_MALFORMED);
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > c->end)
		return pass(DSRLB_R_L3_MALFORMED);

	nh = ip6->nexthdr;
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP && nh != IPPROTO_FRAGMENT &&
	    !is_ipv6_exthdr(nh))
		return XDP_PASS; /* ICMPv6 (NDP) and the rest: the host's */
	idx = bpf_map_lookup_elem(&vip_index, &zero);
	if (!idx)
		return XDP_PASS;
	as = index_find(idx, (const __u32 *)&ip6->daddr, 4, DSRLB_AF_INET6, 0, 0, 0);
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
	if (l4_ports(c, nh, plen, &ports, &dport, &closing))
		return drop(DSRLB_R_L4_TRUNCATED, &fk, DSRLB_VIP_NONE);

	vip = vip_pick(idx, as, (const __u32 *)&ip6->daddr, 4, DSRLB_AF_INET6, nh, dport);
	if (vip == DSRLB_VIP_NONE)
		return XDP_PASS;
	fk.ports = ports;
	return forward(ctx, eth, vip,
		       dsrlb_hash_v6(knobs.hash_seed, (const __u32 *)&ip6->saddr,
				     (const __u32 *)&ip6->daddr, ports, nh),
		       &fk, closing);
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
