/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The data plane layer's own state, for its files (load.c, rings.c, maps.c, ...). */
#ifndef DSRLB_DP_INT_H
#define DSRLB_DP_INT_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane/dataplane.h"
#include "dsrlb.skel.h"
#include "lib/hmap.h"

/* A VIP's ring as user space holds it: mapped, how large, and what is pending. */
struct ring {
	int fd;
	uint64_t *mem;     /* elems __u64 elements */
	uint32_t elems;
	uint32_t cap;      /* slots each half can hold */
	uint32_t id;       /* the kernel's map id */
	bool pending;      /* not in the rings map yet: dp_rings_commit() puts it there */
	bool removing;     /* to be replaced by the spare ring at dp_rings_commit() */
	struct ring *prev; /* the ring a pending one replaces (kept until the commit) */
};

struct dp {
	struct dsrlb_bpf *skel;
	int ncpus;
	uint32_t flow_size;
	bool adopted;
	/* The flow table, mapped: regions of buckets (flows.c). */
	struct dsrlb_flow_bucket *ft;
	uint32_t ft_buckets, ft_regions;
	struct ring *rings[DSRLB_MAX_VIPS];
	struct ring *spare; /* stands in for the rings of removed VIPs (see rings.c) */
	struct dsrlb_vip_info *info; /* vip_info, mapped */
	int64_t *conns;              /* backend_conns, mapped */
	struct dsrlb_counter *vstats, *bstats; /* vip_stats, backend_stats: a region per CPU, mapped */
	/* The backends map as written last: generations without a read per write. */
	struct dsrlb_backend *shadow;
	/* The VIP index as staged (index.c): the entries, and where each key is. */
	struct dsrlb_vip_slot *entries;
	int nentries, cap;
	struct hmap staged;
};

/* A write about to be made: counted; true if it must fail (lib/fault.h). */
bool dp_write_fails(void);
void ring_free(struct ring *r);
/* Every write to a map goes through here: counted, and failed on cue (lib/fault.h). */
int dp_write(int fd, const void *key, const void *val, uint64_t flags);
int dp_write_batch(int fd, const void *keys, const void *vals, uint32_t n);
size_t dp_info_bytes(void);
int dp_rings_adopt(struct dp *dp, uint32_t spare_id);
/* The flow table's geometry from its configured size, and its mapping (flows.c). */
void dp_flow_geometry(struct dp *dp, uint32_t size);
int dp_flow_map(struct dp *dp);
void dp_flow_unmap(struct dp *dp);
/* vip_stats and backend_stats, mapped (counters.c). */
int dp_counters_map(struct dp *dp);
void dp_counters_unmap(struct dp *dp);

#endif
