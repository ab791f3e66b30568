/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow table (struct dsrlb_flow_bucket): each flow's backend, in one of
 * its two buckets (a cache line each) of this CPU's region. A flow is
 * followed while its backend is still the one it was (valid, same
 * generation) and it has not idled past its timeout. A flood of new flows
 * is balanced but not remembered beyond a per-CPU rate, so it cannot push
 * established flows out. lc's active counts rise and fall here.
 */
#ifndef DSRLB_BPF_FLOW_H
#define DSRLB_BPF_FLOW_H

#include "dsrlb_hash.h"
#include "lib/counters.h"
#include "lib/knobs.h"

#define FLOW_COUNTED (DSRLB_FLOW_F_COUNTED << DSRLB_FLOW_REF_FLAG_SHIFT)
#define FLOW_SYNCED (DSRLB_FLOW_F_SYNCED << DSRLB_FLOW_REF_FLAG_SHIFT)
#define FLOW_CLOSED (DSRLB_FLOW_F_CLOSED << DSRLB_FLOW_REF_FLAG_SHIFT)

/*
 * The coarse clock in ~1.07 s units (bpf_ktime_get_coarse_ns() >> 30), read
 * at most once a jiffy per CPU (bpf_jiffies64() is inlined; the clock's
 * helper costs ~27 ns on a VM). NULL c: read it now.
 */
static __always_inline __u32 dsrlb_now(struct flow_cpu *c)
{
	__u64 j = bpf_jiffies64();

	if (!c)
		return (__u32)(bpf_ktime_get_coarse_ns() >> 30);
	if (c->jiffies != j) {
		c->jiffies = j;
		c->now = (__u32)(bpf_ktime_get_coarse_ns() >> 30);
	}
	return c->now;
}

static __always_inline struct flow_cpu *flow_cpu_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&flow_cpu, &zero);
}

/* The flow clock (ticks of 2^31 ns, wrapping at 16 bits). */
static __always_inline __u16 flow_now(struct flow_cpu *c)
{
	return (__u16)(dsrlb_now(c) >> (DSRLB_FLOW_TICK_SHIFT - 30));
}

/* The flow hash of the tuple (dsrlb_hash.h), under the deployment's seed. */
static __always_inline __u64 tuple_hash(const struct dsrlb_flow_key *fk)
{
	const __u32 *s = (const __u32 *)fk->saddr, *d = (const __u32 *)fk->daddr;

	if (fk->family == DSRLB_AF_INET)
		return dsrlb_flow_hash_v4(knobs.hash_seed, s[0], d[0], fk->ports, fk->proto);
	return dsrlb_flow_hash_v6(knobs.hash_seed, s, d, fk->ports, fk->proto);
}

/* Where a flow is looked for and remembered. */
struct flow_at {
	__u64 key;
	struct flow_cpu *c;
	struct dsrlb_flow_bucket *b; /* the flow's home bucket in this CPU's region */
	struct dsrlb_flow_bucket *b2; /* its other bucket there (may be b); set whenever w is NULL */
	struct dsrlb_flow_way *w;    /* its stale way in one of them, to reuse (or NULL) */
	__u32 cpu;
	__u16 now;
};

static __always_inline struct dsrlb_flow_bucket *flow_bucket(__u32 region, __u64 key, int alt)
{
	__u32 i = region * (knobs.flow_mask + 1) + dsrlb_flow_home(key, knobs.flow_mask, alt);

	return bpf_map_lookup_elem(&flows, &i);
}

static __always_inline struct dsrlb_flow_way *way_find(struct dsrlb_flow_bucket *b, __u64 key)
{
#pragma unroll
	for (int i = 0; i < DSRLB_FLOW_WAYS; i++)
		if (b->way[i].key == key)
			return &b->way[i];
	return NULL;
}

/* The flow's way in buckets b, then b2 (its other one, or b again), or NULL. */
static __always_inline struct dsrlb_flow_way *way_find2(struct dsrlb_flow_bucket *b,
							struct dsrlb_flow_bucket *b2, __u64 key)
{
	struct dsrlb_flow_way *w = way_find(b, key);

	if (!w && b2 != b)
		w = way_find(b2, key);
	return w;
}

/* The flow's way in a region, or NULL. */
static __always_inline struct dsrlb_flow_way *region_find(__u32 region, __u64 key)
{
	struct dsrlb_flow_bucket *b = flow_bucket(region, key, 0), *b2 = flow_bucket(region, key, 1);

	if (!b || !b2)
		return NULL;
	return way_find2(b, b2, key);
}

/* The way's backend if the way still decides, else NULL. */
static __always_inline struct dsrlb_backend *way_live(const struct dsrlb_flow_way *w, __u16 now)
{
	__u32 bid = w->ref & DSRLB_FLOW_REF_BACKEND;
	struct dsrlb_backend *be = bpf_map_lookup_elem(&backends, &bid);

	if (be && (be->flags & DSRLB_BACKEND_F_VALID) &&
	    (__u8)be->gen == (__u8)(w->ref >> DSRLB_FLOW_REF_GEN_SHIFT) &&
	    (__u16)(now - w->seen) <= w->timeout)
		return be;
	return NULL;
}

static __always_inline void conns_add(__u32 bid, __s64 n)
{
	__s64 *c = bpf_map_lookup_elem(&backend_conns, &bid);

	if (c)
		__sync_fetch_and_add(c, n);
}

/*
 * The flow leaves its backend's active count (lc), once: the flag is
 * cleared atomically (another CPU may be taking the flow over), and only
 * while the backend entry is still the one the flow was counted on.
 */
static __always_inline void way_uncount(struct dsrlb_flow_way *w)
{
	struct dsrlb_backend *be;
	__u32 old, bid;

	if (!(w->ref & FLOW_COUNTED))
		return;
	old = __sync_fetch_and_and(&w->ref, ~FLOW_COUNTED);
	if (!(old & FLOW_COUNTED))
		return;
	bid = old & DSRLB_FLOW_REF_BACKEND;
	be = bpf_map_lookup_elem(&backends, &bid);
	if (be && (__u8)be->gen == (__u8)(old >> DSRLB_FLOW_REF_GEN_SHIFT))
		conns_add(bid, -1);
}

/* The client's FIN or RST: out of lc's count, and marked closed (once: a retransmitted FIN writes nothing). */
static __always_inline void way_close(struct dsrlb_flow_way *w)
{
	way_uncount(w);
	if (!(w->ref & FLOW_CLOSED))
		__sync_fetch_and_or(&w->ref, FLOW_CLOSED);
}

/*
 * The same buckets in the other regions: each CPU's, then the learned one
 * once it has held a flow (flows_learned). A bpf_loop() callback (the
 * number of CPUs is the loader's). found: region + 1 of the live copy,
 * copied into w.
 */
struct flow_search {
	__u64 key;
	__u32 skip, found;
	__u16 now;
	struct dsrlb_flow_way w;
};

static long flow_search_step(__u64 i, void *ctx)
{
	struct flow_search *s = ctx;
	struct dsrlb_flow_way *w;

	if ((__u32)i == s->skip)
		return 0;
	w = region_find((__u32)i, s->key);
	if (!w || !way_live(w, s->now))
		return 0;
	s->w = *w;
	s->found = (__u32)i + 1;
	return 1;
}

static __always_inline int flow_search(struct flow_search *s)
{
	bpf_loop(knobs.flow_cpus + (flows_learned ? 1 : 0), flow_search_step, s, 0);
	return s->found;
}

/*
 * Write a way: the key goes to 0 first and comes last, so that a reader on
 * another CPU (a search, an ICMP error) sees the old flow whole, nothing, or
 * the new one whole.
 */
static __always_inline void way_write(struct dsrlb_flow_way *w, __u64 key, __u32 ref, __u16 now,
				      __u16 timeout)
{
	*(volatile __u64 *)&w->key = 0;
	asm volatile("" ::: "memory");
	w->ref = ref;
	w->seen = now;
	w->timeout = timeout;
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&w->key = key;
}

/*
 * The way of this CPU's buckets the flow takes: its stale way, else
 * dsrlb_flow_victim2's (a live flow evicted leaves lc's count). Its buckets
 * exist: flow_follow found them.
 */
static __always_inline struct dsrlb_flow_way *way_claim(const struct flow_at *fa)
{
	struct dsrlb_flow_way *w = fa->w;
	__u32 v;
	int live;

	if (!w) { /* fa->w stays as it was: the trace tells a new flow from one placed again */
		v = dsrlb_flow_victim2(fa->b, fa->b2, fa->now, &live);
		w = v < DSRLB_FLOW_WAYS ? &fa->b->way[v & (DSRLB_FLOW_WAYS - 1)]
					: &fa->b2->way[v & (DSRLB_FLOW_WAYS - 1)];
		if (live) {
			way_uncount(w);
			flow_stat(DSRLB_FS_EVICTED);
		}
	}
	return w;
}

/* Remember a new flow in this CPU's bucket. */
static __always_inline void flow_remember(struct flow_at *fa, __u32 ref, __u16 timeout)
{
	if (!fa->b)
		return;
	way_write(way_claim(fa), fa->key, ref, fa->now, timeout);
	flow_stat(DSRLB_FS_NEW);
}

/* May this CPU remember one more new flow this second? */
static __always_inline int flow_budget_take(struct flow_cpu *c)
{
	__u32 now;

	if (!c)
		return 0;
	now = dsrlb_now(c);
	if (c->window != now) {
		c->window = now;
		c->used = 0;
	}
	if (c->used >= knobs.new_flows_per_sec) {
		flow_stat(DSRLB_FS_REFUSED);
		return 0;
	}
	c->used++;
	return 1;
}

/*
 * A flow found in another region moves here, and a flow has one copy: the
 * one in the CPU region it leaves goes (compare-and-swap: unless that CPU
 * just gave the way to another flow). Its lc count goes with it; the
 * learned region's copy stays (only the control plane writes there), the
 * learned mark does not come along.
 */
static __always_inline void flow_move(struct flow_at *fa, struct flow_search *s)
{
	__u32 ref = s->w.ref & ~FLOW_SYNCED, from = s->found - 1;

	if (from < knobs.flow_cpus) {
		struct dsrlb_flow_way *w = region_find(from, fa->key);

		if (w)
			__sync_val_compare_and_swap(&w->key, fa->key, 0);
	}
	fa->w = way_claim(fa);
	way_write(fa->w, fa->key, ref, fa->now, s->w.timeout);
	flow_stat(DSRLB_FS_MOVED);
}

/*
 * A miss in this CPU's region: the flow in another one (its CPU changed, or a
 * peer's), moved here. 1 with its backend (*bid, *be), or 0.
 */
static __always_inline int flow_elsewhere(struct flow_at *fa, int closing, __u32 *bid,
					  struct dsrlb_backend **be)
{
	struct flow_search s = { .key = fa->key, .now = fa->now, .skip = fa->cpu };

	if (!flow_search(&s))
		return 0;
	*bid = s.w.ref & DSRLB_FLOW_REF_BACKEND;
	*be = bpf_map_lookup_elem(&backends, bid);
	if (!*be)
		return 0;
	flow_move(fa, &s);
	if (closing)
		way_close(fa->w);
	return 1;
}

/*
 * The flow's entry, if it still decides: its backend (*bid, *be) and 1.
 * Else 0, with fa->w its stale way here to reuse (or NULL). closing: a TCP
 * FIN or RST; syn: a TCP SYN without ACK (a new connection: no other region
 * is searched for it, and an entry closed by a FIN or RST is stale for it;
 * a retransmitted SYN of a connection still open follows its entry).
 * fa->cpu: this CPU.
 */
static __always_inline int flow_follow(struct flow_at *fa, int closing, int syn, __u32 *bid,
				       struct dsrlb_backend **be)
{
	struct dsrlb_flow_way *w;

	fa->b = flow_bucket(fa->cpu, fa->key, 0);
	if (!fa->b)
		return 0;
	w = way_find(fa->b, fa->key);
	if (!w) { /* the other bucket only now: a hit at home pays nothing for it */
		fa->b2 = flow_bucket(fa->cpu, fa->key, 1);
		if (!fa->b2) {
			fa->b = NULL; /* nothing is remembered */
			return 0;
		}
		if (fa->b2 != fa->b)
			w = way_find(fa->b2, fa->key);
	}
	if (w) {
		*be = way_live(w, fa->now);
		if (*be && !(syn && (w->ref & FLOW_CLOSED))) { /* a SYN after the FIN: a reused port */
			*bid = w->ref & DSRLB_FLOW_REF_BACKEND;
			if (w->seen != fa->now)
				w->seen = fa->now; /* at most once a tick */
			if (closing)
				way_close(w);
			flow_stat(DSRLB_FS_HIT);
			return 1;
		}
		way_uncount(w);
		fa->w = w;
	}
	if (!syn && flow_elsewhere(fa, closing, bid, be))
		return 1;
	if (fa->w)
		flow_stat(DSRLB_FS_REPLACED);
	return 0;
}

#endif
