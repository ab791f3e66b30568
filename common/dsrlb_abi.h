/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one contract between the XDP program and user space: every struct that
 * crosses a map, every counter index and every reason code. Both sides include
 * this file; nothing here is written twice. Fixed-width types and explicit
 * padding only, so the layout is the same for clang -target bpf and for gcc.
 *
 * Append-only: reason codes and struct fields keep their numbers and offsets
 * forever, because pinned maps outlive the programs that made them.
 */
#ifndef DSRLB_ABI_H
#define DSRLB_ABI_H

#include <linux/types.h>

/* Sizes of the fixed maps. Overridable at build time (-DDSRLB_MAX_VIPS=...). */
#ifndef DSRLB_MAX_VIPS
#define DSRLB_MAX_VIPS 16384 /* VIP ids index the ring and stats arrays */
#endif
/*
 * Backend ids name a backend of a VIP (the same server behind two VIPs has
 * two ids: weight, state, counters and flows are per VIP). 2^18 fits 10,000
 * VIPs of 10 backends with room; the per-CPU counters cost 16 bytes per id
 * and CPU.
 */
#ifndef DSRLB_MAX_BACKENDS
#define DSRLB_MAX_BACKENDS 262144
#endif

/*
 * Maglev tables are sized per VIP from its backends (the smallest of
 * DSRLB_RING_SIZES above 100 per backend: at most 1% imbalance) unless the
 * config sets table_size. The largest keeps one VIP's ring at 8 MiB.
 */
#define DSRLB_RING_SIZE_MAX 1048573

enum dsrlb_family {
	DSRLB_AF_INET = 4,
	DSRLB_AF_INET6 = 6,
};

/*
 * The VIP index: an open-addressed table in an array, built aside by the
 * control plane and swapped in whole. Array lookups are inlined by the
 * verifier; hash map lookups cost 15-20 ns each on a retpoline kernel, which
 * is more than the rest of the program. Two regions of DSRLB_VIP_INDEX_SLOTS:
 *
 *   address entries (port 0, proto 0): "is this destination a VIP at all",
 *     the VIP for every port per protocol, and whether port entries exist;
 *   port entries: {address, protocol, port} -> VIP, for VIPs on one port.
 *
 * An entry sits at most DSRLB_VIP_INDEX_PROBES slots after its home slot
 * (linear probing); a lookup stops at the first empty slot (family 0).
 */
#define DSRLB_VIP_INDEX_SLOTS 65536 /* power of two, per region */
#define DSRLB_VIP_INDEX_PROBES 8

struct dsrlb_vip_slot {
	__u8 addr[16];   /* IPv4 in the first 4 bytes, the rest zero */
	__be16 port;     /* 0 in address entries */
	__u8 family;     /* enum dsrlb_family; 0 = empty slot */
	__u8 proto;      /* 0 in address entries */
	__u32 vip[2];    /* address entry: VIP for every port, [0] TCP [1] UDP;
			  * port entry: vip[0] is the VIP. DSRLB_VIP_NONE if none */
	__u8 port_vips[2]; /* address entry: port entries exist for TCP, UDP */
	__u8 pad[2];
};

#define DSRLB_VIP_NONE 0xffffffffu
/* In an index entry's VIP id: the VIP keeps no flow table (flow_table: off). */
#define DSRLB_VIP_ID_STATELESS 0x40000000u

/* One backend: where to send a frame. Indexed by backend id. */
struct dsrlb_backend {
	__u8 mac[6];
	__u16 flags; /* DSRLB_BACKEND_F_* */
	__u32 gen;   /* bumped when the id is given to another backend */
};

/* The control plane sets this only once the MAC is resolved and non-zero. */
#define DSRLB_BACKEND_F_VALID 0x1

/*
 * A flow's addresses, ports and protocol as the program reads them from a
 * packet (trace records and the flow hash use it; the flow table keeps only
 * the hash, below).
 */
struct dsrlb_flow_key {
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 ports;    /* as in the packet: source port, destination port */
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};

/*
 * The flow table (issue 16): each flow's backend, remembered when it starts,
 * followed while that backend is still the one it was (valid, same
 * generation) and the flow has not idled past its timeout; otherwise it is
 * placed again by the VIP's table.
 *
 * One array the program manages itself: buckets of one cache line, four ways
 * each, in regions of 2^k buckets. Region c (c < the number of possible
 * CPUs) is CPU c's own: only the program on that CPU writes it (but for the
 * compare-and-swap below), so nothing is locked. The last region is the
 * learned one: flows from peer balancers (sync), written by the control
 * plane only. A flow has two buckets in each region (dsrlb_flow_home): its
 * home, and another for when the home is full, so that a crowded bucket
 * overflows instead of evicting live flows. A packet looks in its CPU's home
 * bucket, then the other: a hit costs one line (two for the few flows that
 * overflowed). A miss looks in the same buckets of the other regions (a flow
 * whose CPU changed, a learned flow) unless it is a TCP SYN, and a flow
 * found there moves into this CPU's region; a CPU region's copy goes
 * (compare-and-swap of its key), so a flow has one copy. A new flow takes an
 * empty or expired way of its home, else of its other bucket, else the way
 * idle longest of the two (counted: evicted).
 *
 * key: the flow's 64-bit hash (dsrlb_flow_key64), its VIP mixed in; 0 is
 * an empty way. ref: the backend id (bits 0-19), DSRLB_FLOW_F_* (bits
 * 20-23) and the low 8 bits of the backend entry's generation (24-31).
 * seen and timeout: the flow clock, 2^31 ns (about 2.15 s) a tick.
 */
#define DSRLB_FLOW_WAYS 4
struct dsrlb_flow_way {
	__u64 key;
	__u32 ref;
	__u16 seen;
	__u16 timeout;
};

struct dsrlb_flow_bucket {
	struct dsrlb_flow_way way[DSRLB_FLOW_WAYS];
};

#define DSRLB_FLOW_TICK_SHIFT 31

#define DSRLB_FLOW_REF_BACKEND 0x000fffffu
#define DSRLB_FLOW_REF_FLAG_SHIFT 20
#define DSRLB_FLOW_REF_GEN_SHIFT 24
/* A timeout of s seconds in flow ticks: rounded up, at most 0xffff. */
static inline __u16 dsrlb_flow_ticks(__u32 s)
{
	__u64 t = ((__u64)s * 1000000000ull + (1ull << DSRLB_FLOW_TICK_SHIFT) - 1) >>
		  DSRLB_FLOW_TICK_SHIFT;

	return (__u16)(t > 0xffff ? 0xffff : t);
}

/*
 * The way of bucket b a new flow takes at tick now (the program in its CPU
 * region, the control plane in the learned one): an empty one, else one idle
 * past its timeout, else the one idle longest (*live: a live flow gives way).
 */
static inline __u32 dsrlb_flow_victim(const struct dsrlb_flow_bucket *b, __u16 now, int *live)
{
	__u32 v = 0;
	__u16 oldest = 0;

	*live = 0;
	for (__u32 i = 0; i < DSRLB_FLOW_WAYS; i++) {
		__u16 age = (__u16)(now - b->way[i].seen);

		if (!b->way[i].key || age > b->way[i].timeout)
			return i;
		if (age >= oldest) {
			oldest = age;
			v = i;
		}
	}
	*live = 1;
	return v;
}

/*
 * A flow's buckets in a region of mask + 1: its home (alt 0) from the key's
 * low half, the other (alt 1) from its high half. A table written before
 * the other bucket existed kept every flow at home, where it is found.
 */
static inline __u32 dsrlb_flow_home(__u64 key, __u32 mask, int alt)
{
	return (__u32)(alt ? key >> 32 : key) & mask;
}

/*
 * The way a new flow takes in its two buckets (b2 may be b1): 0-3 in b1,
 * 4-7 in b2. b1's empty or expired way, else b2's, else whichever of the
 * two buckets' victims idled longer (b1's on a tie; *live is then 1).
 */
static inline __u32 dsrlb_flow_victim2(const struct dsrlb_flow_bucket *b1,
				       const struct dsrlb_flow_bucket *b2, __u16 now, int *live)
{
	int l2;
	__u32 v1 = dsrlb_flow_victim(b1, now, live) & (DSRLB_FLOW_WAYS - 1), v2;

	if (!*live)
		return v1;
	v2 = dsrlb_flow_victim(b2, now, &l2) & (DSRLB_FLOW_WAYS - 1);
	if (!l2 || (__u16)(now - b2->way[v2].seen) > (__u16)(now - b1->way[v1].seen)) {
		*live = l2;
		return DSRLB_FLOW_WAYS + v2;
	}
	return v1;
}

#if DSRLB_MAX_BACKENDS > 0x100000
#error "a flow-table way keeps 20 bits of backend id"
#endif

/*
 * The flow is counted in its backend's active connections (lc): set when
 * an lc VIP places it, cleared (and the count lowered) by the first FIN or
 * RST from the client, or when the entry is found stale or evicted. A flow
 * that moves CPU takes it along.
 */
#define DSRLB_FLOW_F_COUNTED 0x1
/*
 * Learned from a peer balancer (sync), in the learned region only. A flow
 * found there moves into its CPU's region without it, and only then does
 * this balancer send the flow to its peers in turn (no echo between two
 * balancers).
 */
#define DSRLB_FLOW_F_SYNCED 0x2
/*
 * The client's FIN or RST has passed: the connection is ending. Its packets
 * still follow the entry; a SYN on its tuple is a new connection on a reused
 * port and is placed again (what IPVS's conn_reuse_mode does), so a drained
 * or reweighted backend gets no new connection through an old entry.
 */
#define DSRLB_FLOW_F_CLOSED 0x4

/* Counters of the flow table, per CPU (index of the flow_stats map). */
enum dsrlb_flow_stat {
	DSRLB_FS_HIT = 0,      /* packet followed its flow's entry */
	DSRLB_FS_NEW = 1,      /* new entry created */
	DSRLB_FS_REFUSED = 2,  /* new entry refused: over the per-CPU rate */
	DSRLB_FS_REPLACED = 3, /* entry stale (idle, backend gone): placed again */
	DSRLB_FS_EVICTED = 4,  /* a live entry gave its way to a new flow (both of its buckets were full) */
	DSRLB_FS_MOVED = 5,    /* found in another CPU's region or the learned one: moved here */
	DSRLB_FS__MAX,
};

/* How a VIP chooses the backend of a new flow. */
enum dsrlb_sched {
	DSRLB_SCHED_MAGLEV = 0, /* table slot by the 5-tuple's hash */
	DSRLB_SCHED_SH = 1,     /* table slot by the source address's hash */
	DSRLB_SCHED_RR = 2,     /* the next entry of a sequence (rr, or wrr) */
	DSRLB_SCHED_LC = 3,     /* the backend of the sequence with fewest active flows */
};

/*
 * lc looks at this many backends of a VIP per new flow at most, starting at
 * a place given by the flow's hash (a bounded loop in the program).
 */
#define DSRLB_LC_SCAN 64

/*
 * A VIP's ring: its table twice (two halves), in one inner map of __u64
 * elements. A half's slots are as narrow as its backend ids allow (issue
 * 16): 1 byte when they span fewer than 255 ids, 2 when fewer than 65,535
 * (the id is the half's base plus the slot's value), else 4 (the id itself);
 * narrow 2, 1, 0. The halves interleave by cache line (a line of half 0,
 * then one of half 1, ...), so a slot's place does not depend on the map's
 * size: a ring can be replaced by a larger map holding the same live half,
 * and no packet ever reads a size that disagrees with its map. The live
 * table's footprint is its own size: 1, 2 or 4 bytes a slot.
 */
#define DSRLB_RING_LINE_SLOTS 16
/* Elements of an inner map whose halves hold up to units 4-byte words each. */
#define DSRLB_RING_ELEMS(units) ((((units) + 15u) / 16u) * 16u)
/* 4-byte words of a half of slots slots, narrow as above. */
#define DSRLB_RING_UNITS(slots, narrow) (((slots) + (1u << (narrow)) - 1) >> (narrow))

/* Where slot sits in half: its element, and the bit its value starts at. */
static inline __u32 dsrlb_ring_pos(__u32 slot, __u32 half, __u32 narrow, __u32 *shift)
{
	__u32 in = slot & ((16u << narrow) - 1);

	*shift = (in & ((2u << narrow) - 1)) << (5 - narrow);
	return (((slot >> (4 + narrow)) << 1 | half) << 3) + (in >> (1 + narrow));
}

/* The value mask of a slot (narrow 0, 1, 2: 32, 16, 8 bits). */
#define DSRLB_RING_MASK(narrow) ((__u32)((1ull << (32u >> (narrow))) - 1))


/*
 * Per VIP id, written by the control plane through mmap in this order: the
 * idle half's sched, size, narrow and base, then half (one aligned store:
 * the flip). For
 * maglev and sh, size is the table's (a prime); for rr/wrr and lc it is the
 * sequence's length: rr walks it with vip_rr, lc scans it. Size 0: no
 * backend takes new flows (dropped, no_backend).
 */
struct dsrlb_vip_info {
	__u32 half;        /* the live half, 0 or 1 */
	__u16 sched[2];    /* enum dsrlb_sched of each half */
	__u32 size[2];     /* slots of each half's table */
	__u32 tcp_timeout; /* seconds a new flow may idle; 0 = knobs' default */
	__u32 udp_timeout;
	__u32 flags;
	__u8 narrow[2];    /* each half's slot width (see dsrlb_ring_pos): 0, 1, 2 */
	__u16 pad;
	__u32 base[2];     /* each half's first backend id (narrow 1 and 2) */
	__u32 pad2[2];
};

/* Packet and byte counters, per CPU, per VIP and per backend. */
struct dsrlb_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Per CPU, per VIP: ICMP errors about its flows sent on to their backend,
 * and those about its flows that could not be (DSRLB_R_ICMP_NO_FLOW,
 * DSRLB_R_ICMP_NO_BACKEND). Read with struct dsrlb_counter's layout.
 */
struct dsrlb_icmp_counter {
	__u64 forwarded;
	__u64 unmatched;
};

/*
 * Why a frame was not balanced. Indexes the per-CPU reasons map. The verdict
 * of each is fixed and documented (README, "Verdicts"); PASS reasons concern
 * frames that are not ours to judge, DROP reasons frames addressed to a VIP
 * that cannot be placed safely. Append only.
 */
enum dsrlb_reason {
	DSRLB_R_L2_TRUNCATED = 0,  /* PASS: Ethernet/VLAN header incomplete */
	DSRLB_R_VLAN_DEPTH = 1,    /* PASS: more than two VLAN tags */
	DSRLB_R_L3_MALFORMED = 2,  /* PASS: bad IP version/IHL/length; the kernel drops it */
	DSRLB_R_L4_TRUNCATED = 3,  /* DROP: to a VIP, TCP/UDP header incomplete */
	DSRLB_R_IPV4_OPTIONS = 4,  /* DROP: to a VIP, IPv4 header with options */
	DSRLB_R_FRAGMENT = 5,      /* DROP: to a VIP, IPv4 or IPv6 fragment */
	DSRLB_R_IPV6_EXTHDR = 6,   /* DROP: to a VIP, IPv6 extension header */
	DSRLB_R_NO_BACKEND = 7,    /* DROP: VIP has no usable backend */
	DSRLB_R_NOT_OUR_MAC = 8,   /* PASS: VIP traffic not addressed to our MAC */
	/*
	 * ICMP errors to a VIP address (issue 13), each about a packet a
	 * backend sent: the quote says which flow. Those that cannot be matched
	 * go to the kernel, which holds no such connection and ignores them.
	 */
	DSRLB_R_ICMP_SHORT = 9,     /* PASS: the error or its quote ends before the quoted ports */
	DSRLB_R_ICMP_OPTIONS = 10,  /* PASS: the quote has IPv4 options or IPv6 extension headers */
	DSRLB_R_ICMP_FRAGMENT = 11, /* PASS: the quote is a fragment after the first (no ports) */
	DSRLB_R_ICMP_NOT_VIP = 12,  /* PASS: the quote's source is no VIP's (address, protocol, port) */
	DSRLB_R_ICMP_NO_FLOW = 13,  /* PASS: an rr/wrr/lc VIP's flow with no flow-table entry */
	DSRLB_R_ICMP_NO_BACKEND = 14, /* PASS: the flow's VIP has no usable backend */
	DSRLB_R__MAX,
};

#define DSRLB_REASON_NAMES                                                       \
	{                                                                        \
		[DSRLB_R_L2_TRUNCATED] = "l2_truncated",                         \
		[DSRLB_R_VLAN_DEPTH] = "vlan_depth",                             \
		[DSRLB_R_L3_MALFORMED] = "l3_malformed",                         \
		[DSRLB_R_L4_TRUNCATED] = "l4_truncated",                         \
		[DSRLB_R_IPV4_OPTIONS] = "ipv4_options",                         \
		[DSRLB_R_FRAGMENT] = "fragment",                                 \
		[DSRLB_R_IPV6_EXTHDR] = "ipv6_exthdr",                           \
		[DSRLB_R_NO_BACKEND] = "no_backend",                             \
		[DSRLB_R_NOT_OUR_MAC] = "not_our_mac",                           \
		[DSRLB_R_ICMP_SHORT] = "icmp_short",                             \
		[DSRLB_R_ICMP_OPTIONS] = "icmp_options",                         \
		[DSRLB_R_ICMP_FRAGMENT] = "icmp_fragment",                       \
		[DSRLB_R_ICMP_NOT_VIP] = "icmp_not_vip",                         \
		[DSRLB_R_ICMP_NO_FLOW] = "icmp_no_flow",                         \
		[DSRLB_R_ICMP_NO_BACKEND] = "icmp_no_backend",                   \
	}

/* Room for reasons added later without resizing a pinned map. */
#define DSRLB_REASONS_SLOTS 64

/*
 * dsrlb trace: one record per decision, written to the trace ring buffer only
 * while the daemon has a tracer (the program's trace_on, in .bss). Off, the
 * packet path pays one load and a branch where a flow is placed or a frame
 * for a VIP is dropped; a packet that follows its flow pays nothing.
 */
enum dsrlb_trace_kind {
	DSRLB_T_NEW = 1,      /* a new flow, placed and remembered */
	DSRLB_T_REPLACED = 2, /* its entry was stale (idle, backend gone): placed again */
	DSRLB_T_UNKEPT = 3,   /* placed by the table, not remembered (no flow table, or refused) */
	DSRLB_T_DROP = 4,     /* dropped: reason says why */
	DSRLB_T_ICMP = 5,     /* an ICMP error for the flow, sent to its backend */
};

struct dsrlb_trace_event {
	__u64 ns;      /* bpf_ktime_get_ns() */
	__u32 vip;     /* DSRLB_VIP_NONE: dropped before a VIP was chosen */
	__u32 backend; /* DSRLB_T_DROP: 0xffffffff */
	__u8 kind;     /* enum dsrlb_trace_kind */
	__u8 reason;   /* DSRLB_T_DROP: enum dsrlb_reason */
	__u8 family;   /* DSRLB_AF_* */
	__u8 proto;
	__u32 ports;   /* as in the packet; 0 before the ports were read */
	__u8 saddr[16];
	__u8 daddr[16];
};

#define DSRLB_TRACE_RING_BYTES (1u << 20)

/*
 * Read-only knobs, set by the loader before the program is loaded. One loaded
 * program serves one interface: its MAC is our source MAC, and only frames
 * addressed to it are balanced.
 */
struct dsrlb_knobs {
	__u32 hash_seed;
	__u32 flow_mask;        /* buckets per flow-table region, less one (a power of two, less one) */
	__u8 ifmac[6];
	__u16 pad;
	__u32 tcp_timeout;      /* seconds a TCP flow may idle, unless its VIP says */
	__u32 udp_timeout;      /* seconds a UDP flow may idle, unless its VIP says */
	__u32 new_flows_per_sec; /* per CPU; 0 = no flow table */
	__u32 flow_cpus;        /* CPU regions of the flow table; the learned region follows */
};

/*
 * Control-plane state kept beside the data plane so that a restarted daemon
 * adopts it without a gap. The program never reads these.
 *
 * meta: what the maps were built for; a daemon with other values refuses to
 * adopt them rather than reset them silently.
 */
#define DSRLB_ABI_VERSION 4 /* 2: per-VIP timeouts, lc; 3: rings sized per VIP, 2^18 ids; 4: flow table of buckets per CPU */

struct dsrlb_meta {
	__u32 abi;       /* DSRLB_ABI_VERSION; 0 = fresh maps */
	__u32 hash_seed;
	__u32 flow_size; /* flow_table size as configured (entries per CPU) */
	__u32 ifindex;   /* the interface the state was built for ... */
	__u64 netns;     /* ... in this network namespace (its inode) */
	__u8 ifmac[6];
	__u16 pad;
	__u32 spare_ring; /* map id of the one-page ring that stands in for removed VIPs' */
	__u32 pad2;
};

/* ids: which VIP and backend got which id (key kind VIP or BACKEND). */
enum dsrlb_ctl_kind { DSRLB_CTL_VIP = 1, DSRLB_CTL_BACKEND = 2 };

struct dsrlb_ctl_key {
	__u8 kind;
	__u8 family;
	__u8 protos;  /* VIP: VIP_PROTO_* bits */
	__u8 pad;
	__u16 port;   /* VIP: host order, 0 = every port */
	__u16 pad2;
	__u32 vip_id; /* BACKEND: the VIP it belongs to */
	__u8 addr[16];
};

/*
 * Health probes: a socket mark of DSRLB_HC_MARK_BASE | backend id makes the
 * tc program on lo send the packet to that backend's MAC (bpf/hc.bpf.c).
 */
#define DSRLB_HC_MARK_BASE 0x44000000u   /* "D": the daemon's probes */
#define DSRLB_HC_MARK_DOCTOR 0x45000000u /* "E": dsrlb doctor's */
#define DSRLB_HC_MARK_ID 0x00ffffffu     /* 24 bits: every backend id */

/* The steering program's read-only settings. */
struct hc_knobs {
	__u32 ifindex; /* where probes leave */
	__u8 ifmac[6];
	__u16 pad;
	__u32 mark_base; /* DSRLB_HC_MARK_BASE for the daemon; dsrlb doctor uses another */
};

/* The layouts, enforced: every struct that crosses a map has the size the pinned maps have. */
#ifndef __bpf__
#define DSRLB_SIZE(t, n) _Static_assert(sizeof(struct t) == (n), #t " changed size: bump DSRLB_ABI_VERSION")
#else
#define DSRLB_SIZE(t, n) _Static_assert(sizeof(struct t) == (n), #t)
#endif
DSRLB_SIZE(dsrlb_vip_slot, 32);
DSRLB_SIZE(dsrlb_backend, 12);
DSRLB_SIZE(dsrlb_flow_key, 40);
DSRLB_SIZE(dsrlb_flow_way, 16);
DSRLB_SIZE(dsrlb_flow_bucket, 64);
DSRLB_SIZE(dsrlb_vip_info, 48);
DSRLB_SIZE(dsrlb_counter, 16);
DSRLB_SIZE(dsrlb_icmp_counter, 16);
DSRLB_SIZE(dsrlb_trace_event, 56);
DSRLB_SIZE(dsrlb_knobs, 32);
DSRLB_SIZE(dsrlb_meta, 40);
DSRLB_SIZE(dsrlb_ctl_key, 28);
DSRLB_SIZE(hc_knobs, 16);

/* Flow hash -> ring slot without a division: the high half of hash * size. */
#define DSRLB_SLOT(hash, size) ((__u32)(((__u64)(hash) * (size)) >> 32))

#endif /* DSRLB_ABI_H */
