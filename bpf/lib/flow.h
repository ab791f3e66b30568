/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow table: each flow's backend, remembered when it starts, followed
 * while that backend is still the one it was (valid, same generation) and
 * the flow has not idled past its timeout. A flood of new flows is balanced
 * but not remembered beyond a per-CPU rate, so it cannot push established
 * flows out of the LRU. lc's active counts rise and fall here.
 */
#ifndef DSRLB_BPF_FLOW_H
#define DSRLB_BPF_FLOW_H

#include "lib/counters.h"
#include "lib/knobs.h"

/* A coarse clock in ~1.07 s units: cheap, and all a flow's idle time needs. */
static __always_inline __u32 dsrlb_now(void)
{
	return (__u32)(bpf_ktime_get_coarse_ns() >> 30);
}

/* May this CPU remember one more new flow this second? */
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
 * The flow's entry, if it still decides: its backend (*bid, *be) and 1. Else
 * 0, with *f the stale entry to reuse (or NULL). closing: a TCP FIN or RST.
 */
static __always_inline int flow_follow(struct dsrlb_flow_key *fk, __u32 vip_id, __u32 now,
				       int closing, struct dsrlb_flow **f, __u32 *bid,
				       struct dsrlb_backend **be)
{
	*f = bpf_map_lookup_elem(&flows, fk);
	if (!*f)
		return 0;
	*bid = (*f)->backend;
	*be = bpf_map_lookup_elem(&backends, bid);
	if (*be && ((*be)->flags & DSRLB_BACKEND_F_VALID) && (*be)->gen == (*f)->gen &&
	    (*f)->vip == vip_id && now - (*f)->seen <= (*f)->timeout) {
		if ((*f)->seen != now)
			(*f)->seen = now; /* at most once a second: no cache-line ping-pong */
		if ((*f)->flags & DSRLB_FLOW_F_SYNCED) /* a peer's flow, here now: ours to share */
			__sync_fetch_and_and(&(*f)->flags, ~DSRLB_FLOW_F_SYNCED);
		if (closing)
			flow_uncount(*f, *be);
		flow_stat(DSRLB_FS_HIT);
		return 1;
	}
	flow_uncount(*f, *be);
	flow_stat(DSRLB_FS_REPLACED);
	return 0;
}

#endif
