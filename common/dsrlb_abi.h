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
#ifndef DSRLB_MAX_BACKENDS
#define DSRLB_MAX_BACKENDS 65536 /* backend ids are global across VIPs */
#endif
#ifndef DSRLB_MAX_IFACES
#define DSRLB_MAX_IFACES 64
#endif

/* Maglev's default table size: prime, and ~650 slots per backend at 100. */
#define DSRLB_RING_SIZE_DEFAULT 65537
/* Upper bound for a ring; keeps one VIP's inner map at 4 MiB at most. */
#define DSRLB_RING_SIZE_MAX 1048573

enum dsrlb_family {
	DSRLB_AF_INET = 4,
	DSRLB_AF_INET6 = 6,
};

/*
 * Key of the vips map. addr holds an IPv4 address in its first 4 bytes (the
 * rest zero) or an IPv6 address; port is in network order, 0 = every port.
 */
struct dsrlb_vip_key {
	__u8 addr[16];
	__be16 port;
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* enum dsrlb_family */
};

/* Key of the vip_addrs map: is this destination one of ours at all? */
struct dsrlb_addr_key {
	__u8 addr[16];
	__u8 family;
	__u8 pad[3];
};

struct dsrlb_vip {
	__u32 id;        /* index into rings, vip_stats */
	__u32 ring_size; /* entries in this VIP's ring (a prime) */
	__u32 flags;     /* reserved, 0 */
	__u32 pad;
};

/* One backend: where to send a frame. Indexed by backend id. */
struct dsrlb_backend {
	__u8 mac[6];
	__u16 flags; /* DSRLB_BACKEND_F_* */
	__u32 pad;
};

/* The control plane sets this only once the MAC is resolved and non-zero. */
#define DSRLB_BACKEND_F_VALID 0x1

/* An interface the program is attached to: its MAC is our source MAC. */
struct dsrlb_iface {
	__u8 mac[6];
	__u16 pad;
};

/* Packet and byte counters, per CPU, per VIP and per backend. */
struct dsrlb_counter {
	__u64 packets;
	__u64 bytes;
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
	}

/* Room for reasons added later without resizing a pinned map. */
#define DSRLB_REASONS_SLOTS 64

/* Read-only knobs, set by the loader before the program is loaded. */
struct dsrlb_knobs {
	__u32 hash_seed;
	__u32 pad;
};

#endif /* DSRLB_ABI_H */
