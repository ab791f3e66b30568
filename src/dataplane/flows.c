// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The flow table from user space (see struct dsrlb_flow_bucket): mapped,
 * read without a syscall, written only in the learned region, which the
 * program reads and never writes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dataplane/dp_int.h"
#include "dsrlb_hash.h"
#include "lib/clock.h"

void dp_flow_geometry(struct dp *dp, uint32_t size)
{
	uint32_t b = 1;

	/* four ways a bucket: buckets for size entries, a power of two */
	while ((uint64_t)b * DSRLB_FLOW_WAYS < size)
		b <<= 1;
	dp->ft_buckets = b;
	dp->ft_regions = (uint32_t)dp->ncpus + 1;
}

uint32_t dp_flow_regions(const struct dp *dp)
{
	return dp->ft_regions;
}

uint64_t dp_flow_bytes(const struct dp *dp)
{
	return dp->flow_size ? (uint64_t)dp->ft_buckets * dp->ft_regions * sizeof(struct dsrlb_flow_bucket) : 0;
}

uint64_t dp_flow_bytes_for(uint32_t size)
{
	struct dp d = { .ncpus = libbpf_num_possible_cpus(), .flow_size = size };

	if (d.ncpus < 1)
		d.ncpus = 1;
	dp_flow_geometry(&d, size);
	return dp_flow_bytes(&d);
}

/* Does the learned region hold a flow (adopted from an earlier daemon)? */
static bool learned_any(const struct dp *dp)
{
	const struct dsrlb_flow_bucket *b = &dp->ft[(size_t)(dp->ft_regions - 1) * dp->ft_buckets];

	for (uint32_t i = 0; i < dp->ft_buckets; i++)
		for (int j = 0; j < DSRLB_FLOW_WAYS; j++)
			if (__atomic_load_n(&b[i].way[j].key, __ATOMIC_RELAXED))
				return true;
	return false;
}

int dp_flow_map(struct dp *dp)
{
	void *m;

	if (!dp->flow_size)
		return 0;
	m = mmap(NULL, dp_flow_bytes(dp), PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(dp->skel->maps.flows), 0);
	if (m == MAP_FAILED)
		return -errno;
	dp->ft = m;
	/* before the program is attached: its misses look there from its first packet */
	dp->skel->bss->flows_learned = learned_any(dp);
	return 0;
}

void dp_flow_unmap(struct dp *dp)
{
	if (dp->ft)
		munmap(dp->ft, dp_flow_bytes(dp));
	dp->ft = NULL;
}

uint16_t dp_flow_now(void)
{
	return (uint16_t)(clock_coarse_ns() >> DSRLB_FLOW_TICK_SHIFT);
}

bool dp_flow_live(const struct dp_flow *f, const struct dsrlb_backend *be, uint16_t now)
{
	return (be->flags & DSRLB_BACKEND_F_VALID) && (be->gen & 0xff) == f->gen &&
	       (uint16_t)(now - f->seen) <= f->timeout;
}

/* A way as it is now: the program may write it meanwhile, so the key is read first and again last. */
static bool way_read(const struct dsrlb_flow_way *w, bool learned, struct dp_flow *f)
{
	uint64_t k = __atomic_load_n(&w->key, __ATOMIC_ACQUIRE);
	uint32_t ref;

	if (!k)
		return false;
	ref = __atomic_load_n(&w->ref, __ATOMIC_RELAXED);
	f->seen = __atomic_load_n(&w->seen, __ATOMIC_RELAXED);
	f->timeout = __atomic_load_n(&w->timeout, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&w->key, __ATOMIC_RELAXED) != k)
		return false; /* rewritten as we read: the next walk sees it */
	f->key = k;
	f->backend = ref & DSRLB_FLOW_REF_BACKEND;
	f->flags = (ref >> DSRLB_FLOW_REF_FLAG_SHIFT) & 0xf;
	f->gen = ref >> DSRLB_FLOW_REF_GEN_SHIFT;
	f->learned = learned;
	return true;
}

static struct dsrlb_flow_bucket *bucket(struct dp *dp, uint32_t region, uint64_t key, int alt)
{
	return &dp->ft[(size_t)region * dp->ft_buckets + dsrlb_flow_home(key, dp->ft_buckets - 1, alt)];
}

struct dp_flow_walk {
	struct dp *dp;
	struct dp_flow *vals;
	uint32_t cap, n;
	uint64_t next; /* bucket index over every region */
	bool end;
};

int dp_flow_walk_new(struct dp *dp, struct dp_flow_walk **out)
{
	struct dp_flow_walk *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->dp = dp;
	*out = w;
	return 0;
}

void dp_flow_walk_free(struct dp_flow_walk *w)
{
	if (!w)
		return;
	free(w->vals);
	free(w);
}

int dp_flow_walk_fetch(struct dp_flow_walk *w, uint32_t max)
{
	struct dp *dp = w->dp;
	uint64_t total = (uint64_t)dp->ft_buckets * dp->ft_regions;

	w->n = 0;
	w->end = false;
	if (!dp->ft) {
		w->end = true;
		return 0;
	}
	if (w->cap < max * DSRLB_FLOW_WAYS) {
		void *v = realloc(w->vals, sizeof(*w->vals) * max * DSRLB_FLOW_WAYS);

		if (!v)
			return -ENOMEM;
		w->vals = v;
		w->cap = max * DSRLB_FLOW_WAYS;
	}
	for (uint32_t i = 0; i < max && w->next < total; i++, w->next++) {
		const struct dsrlb_flow_bucket *b = &dp->ft[w->next];
		bool learned = w->next / dp->ft_buckets == dp->ft_regions - 1;

		for (int j = 0; j < DSRLB_FLOW_WAYS; j++)
			if (way_read(&b->way[j], learned, &w->vals[w->n]))
				w->n++;
	}
	if (w->next >= total) {
		w->end = true;
		w->next = 0; /* the step after the end starts over */
	}
	return (int)w->n;
}

bool dp_flow_walk_each(struct dp_flow_walk *w, dp_flow_cb cb, void *ctx)
{
	for (uint32_t i = 0; i < w->n; i++)
		cb(&w->vals[i], ctx);
	return w->end;
}

int dp_flow_walk_step(struct dp_flow_walk *w, uint32_t max, dp_flow_cb cb, void *ctx,
		      bool *done)
{
	int r = dp_flow_walk_fetch(w, max);

	if (r < 0)
		return r;
	*done = dp_flow_walk_each(w, cb, ctx);
	return r;
}

int dp_flow_get(struct dp *dp, uint64_t key, struct dp_flow *out)
{
	uint16_t now = dp_flow_now();

	if (!dp->ft || !key)
		return -ENOENT;
	for (uint32_t r = 0; r < dp->ft_regions; r++) {
		for (int alt = 0; alt < 2; alt++) {
			const struct dsrlb_flow_bucket *b = bucket(dp, r, key, alt);

			if (alt && b == bucket(dp, r, key, 0))
				break;
			for (int j = 0; j < DSRLB_FLOW_WAYS; j++) {
				struct dsrlb_backend be;

				if (!way_read(&b->way[j], r == dp->ft_regions - 1, out) || out->key != key)
					continue;
				if (!dp_backend_read(dp, out->backend, &be) && dp_flow_live(out, &be, now))
					return 0;
			}
		}
	}
	return -ENOENT;
}

/*
 * The learned region's way for f: its own in either of its buckets, else the
 * one the program would give a new flow (dsrlb_flow_victim2). The key goes
 * to 0 first and comes last, as the program writes its own.
 */
int dp_flow_put(struct dp *dp, const struct dp_flow *f)
{
	struct dsrlb_flow_bucket *b[2];
	struct dsrlb_flow_way *v = NULL;
	uint32_t i;
	int live;

	if (!dp->ft)
		return -ENOENT;
	if (!f->key || f->backend > DSRLB_FLOW_REF_BACKEND)
		return -EINVAL;
	b[0] = bucket(dp, dp->ft_regions - 1, f->key, 0);
	b[1] = bucket(dp, dp->ft_regions - 1, f->key, 1);
	for (int j = 0; j < 2 * DSRLB_FLOW_WAYS && !v; j++)
		if (b[j / DSRLB_FLOW_WAYS]->way[j % DSRLB_FLOW_WAYS].key == f->key)
			v = &b[j / DSRLB_FLOW_WAYS]->way[j % DSRLB_FLOW_WAYS];
	if (!v) {
		i = dsrlb_flow_victim2(b[0], b[1], dp_flow_now(), &live);
		v = &b[i / DSRLB_FLOW_WAYS]->way[i % DSRLB_FLOW_WAYS];
	}
	__atomic_store_n(&dp->skel->bss->flows_learned, 1, __ATOMIC_RELEASE); /* misses look here from now on */
	__atomic_store_n(&v->key, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&v->ref,
			 f->backend | (f->flags & 0xf) << DSRLB_FLOW_REF_FLAG_SHIFT |
				 (f->gen & 0xff) << DSRLB_FLOW_REF_GEN_SHIFT,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&v->seen, f->seen, __ATOMIC_RELAXED);
	__atomic_store_n(&v->timeout, f->timeout, __ATOMIC_RELAXED);
	__atomic_store_n(&v->key, f->key, __ATOMIC_RELEASE);
	return 0;
}
