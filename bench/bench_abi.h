/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Knobs of the benchmark's own BPF programs, shared with bench/dsrlb_bench.c. */
#ifndef DSRLB_BENCH_ABI_H
#define DSRLB_BENCH_ABI_H

#include <linux/types.h>

enum gen_kind { GEN_UDP4 = 0, GEN_TCP4 = 1, GEN_UDP6 = 2 };

/* Every frame is 64 bytes on the wire (60 + FCS is the Ethernet minimum). */
#define GEN_FRAME_LEN 64

struct gen_cfg {
	__u8 dmac[6];
	__u8 smac[6];
	__u32 kind;      /* enum gen_kind */
	__u32 nsrc;      /* distinct source addresses */
	__u32 nflows;    /* distinct (source address, source port) pairs */
	__u32 ndst;      /* distinct destinations (VIPs), consecutive addresses */
	__be32 saddr4;   /* first source address */
	__be32 daddr4;   /* first destination */
	__u8 saddr6[16];
	__u8 daddr6[16];
	__be16 dport;
	__u16 ncpus;     /* generators, one a CPU: CPU c sends flows c, c + ncpus, ... (RSS) */
};

/* The bare rewrite: what every XDP balancer must do at least. */
struct macswap_cfg {
	__u8 dmac[6];
	__u8 smac[6];
};

#endif
