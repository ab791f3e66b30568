/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counting: per-CPU packets and bytes per VIP and backend, frames per reason, flow-table events. */
#ifndef DSRLB_BPF_COUNTERS_H
#define DSRLB_BPF_COUNTERS_H

#include "lib/maps.h"

static __always_inline void count_reason(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&reasons, &reason);

	if (n)
		*n += 1;
}

/* A frame that is not ours to judge goes to the kernel, counted. */
static __always_inline int pass(__u32 reason)
{
	count_reason(reason);
	return XDP_PASS;
}

/* One packet of id in CPU cpu's region of a counter map of max ids a region. */
static __always_inline void count(void *map, __u32 cpu, __u32 max, __u32 id, __u64 bytes)
{
	__u32 k = cpu * max + id;
	struct dsrlb_counter *c = bpf_map_lookup_elem(map, &k);

	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

static __always_inline void flow_stat(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&flow_stats, &which);

	if (n)
		*n += 1;
}

#endif
