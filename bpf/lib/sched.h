/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Choosing a new flow's backend from its VIP's live table: a Maglev slot of
 * the flow's hash (maglev) or of the source address's (sh), the next of a
 * sequence (rr, wrr), or the least loaded of it (lc). The ring is read one
 * 8-byte element at a time; see dsrlb_ring_pos.
 */
#ifndef DSRLB_BPF_SCHED_H
#define DSRLB_BPF_SCHED_H

#include "dsrlb_hash.h"
#include "lib/knobs.h"
#include "lib/maps.h"

#define DSRLB_BID_BAD 0xffffffffu

/* How half h of a VIP's ring is read: its slots' width and first id. */
struct ring_half {
	void *ring;
	__u32 h, narrow, base;
};

static __always_inline struct ring_half ring_half(void *ring, const struct dsrlb_vip_info *vi,
						  __u32 h)
{
	struct ring_half rh = { .ring = ring, .h = h, .narrow = vi->narrow[h], .base = vi->base[h] };

	if (rh.narrow > 2)
		rh.narrow = 0;
	return rh;
}

/* The backend id in slot of the half (DSRLB_BID_BAD past the map). */
static __always_inline __u32 ring_get(const struct ring_half *rh, __u32 slot)
{
	__u32 shift, e = dsrlb_ring_pos(slot, rh->h, rh->narrow, &shift), v;
	__u64 *p = bpf_map_lookup_elem(rh->ring, &e);

	if (!p)
		return DSRLB_BID_BAD;
	v = (__u32)(*p >> (shift & 63)) & DSRLB_RING_MASK(rh->narrow);
	return rh->narrow ? rh->base + v : v;
}

/*
 * lc: of the (at most DSRLB_LC_SCAN) backends of the sequence from start,
 * the one with the fewest active flows; the first such on a tie, and start
 * comes from the flow's hash, so ties spread. A bpf_loop() callback: the
 * verifier checks its body once instead of every path through 64 steps.
 */
struct lc_scan {
	struct ring_half rh;
	__u32 len, start, best;
	__s64 best_n;
};

static long lc_step(__u64 i, void *ctx)
{
	struct lc_scan *sc = ctx;
	__u32 s = sc->start + (__u32)i, bid;
	__s64 *n;

	if (i >= sc->len)
		return 1;
	if (s >= sc->len)
		s -= sc->len;
	bid = ring_get(&sc->rh, s);
	if (bid == DSRLB_BID_BAD)
		return 1;
	n = bpf_map_lookup_elem(&backend_conns, &bid);
	if (n && *n < sc->best_n) {
		sc->best_n = *n;
		sc->best = s;
	}
	return 0;
}

static __always_inline __u32 lc_pick(const struct ring_half *rh, __u32 len, __u32 start)
{
	struct lc_scan sc = { .rh = *rh, .len = len, .start = start,
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
 * The slot of a new flow in half h of the VIP's table of size slots. keep:
 * the flow table will remember it; a flow it refuses keeps a place of its own
 * (by its hash), so all its packets still reach one backend. *counted: lc
 * counts the flow as active on its backend.
 */
static __always_inline __u32 sched_slot(__u32 sched, __u32 vip_id, const struct ring_half *rh,
					__u32 size, __u32 hash, const struct dsrlb_flow_key *fk,
					int keep, int closing, int *counted)
{
	__u64 *next;

	*counted = 0;
	if (sched == DSRLB_SCHED_SH)
		return DSRLB_SLOT(source_hash(fk), size);
	if (sched == DSRLB_SCHED_MAGLEV || !keep)
		return DSRLB_SLOT(hash, size);
	if (sched == DSRLB_SCHED_RR) {
		next = bpf_map_lookup_elem(&vip_rr, &vip_id);
		return next ? (__u32)(__sync_fetch_and_add(next, 1) % size) : DSRLB_SLOT(hash, size);
	}
	*counted = !closing; /* a flow that ends at once never counts */
	return lc_pick(rh, size, DSRLB_SLOT(hash, size));
}

#endif
