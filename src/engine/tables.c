// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb_hash.h"
#include "engine/maglev.h"
#include "engine/tables.h"
#include "lib/fault.h"

uint32_t tables_sched(enum cfg_sched s)
{
	return s == CFG_SCHED_SH			  ? DSRLB_SCHED_SH :
	       (s == CFG_SCHED_RR || s == CFG_SCHED_WRR) ? DSRLB_SCHED_RR :
	       s == CFG_SCHED_LC			  ? DSRLB_SCHED_LC :
						    DSRLB_SCHED_MAGLEV;
}

static int by_addr(const void *x, const void *y)
{
	const struct app_member *a = *(const struct app_member *const *)x;
	const struct app_member *b = *(const struct app_member *const *)y;

	return addr_cmp(&a->addr, &b->addr);
}

/*
 * rr and lc: every backend that takes new flows once, in address order (the
 * same order on every balancer). wrr: the smooth weighted order (each round,
 * the backend furthest behind its share goes next), so 3:1 gives a a b a,
 * not a a a b.
 */
static int64_t build_sequence(const struct app_vip *v, uint32_t **slots)
{
	const struct app_member **b = fmalloc(sizeof(*b) * (size_t)(v->nm ? v->nm : 1));
	int64_t *cur = fcalloc((size_t)(v->nm ? v->nm : 1), sizeof(*cur));
	uint32_t *w = fmalloc(sizeof(*w) * (size_t)(v->nm ? v->nm : 1)), g = 0, *seq = NULL;
	uint64_t total = 0, len = 0;
	int n = 0;
	int64_t r;

	if (!b || !cur || !w) {
		r = -ENOMEM;
		goto out;
	}
	for (int j = 0; j < v->nm; j++)
		if (v->m[j].weight)
			b[n++] = &v->m[j];
	qsort(b, (size_t)n, sizeof(b[0]), by_addr);
	for (int i = 0; i < n; i++) {
		w[i] = v->csched == CFG_SCHED_WRR ? b[i]->weight : 1;
		g = maglev_gcd(g, w[i]);
	}
	for (int i = 0; i < n; i++)
		total += w[i] /= g;
	if (total > DSRLB_RING_SIZE_MAX) {
		r = -E2BIG;
		goto out;
	}
	if (total && !(seq = fmalloc(sizeof(*seq) * total))) {
		r = -ENOMEM;
		goto out;
	}
	while (len < total) {
		int best = 0;

		for (int i = 0; i < n; i++) {
			cur[i] += w[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (int64_t)total;
		seq[len++] = b[best]->id;
	}
	*slots = seq;
	r = (int64_t)len;
out:
	free(b);
	free(cur);
	free(w);
	return r;
}

int64_t tables_build(const struct app_vip *v, uint32_t size, uint32_t **slots)
{
	struct maglev_backend *mb;
	uint32_t *t;
	int n = 0, r;

	*slots = NULL;
	if (v->sched == DSRLB_SCHED_RR || v->sched == DSRLB_SCHED_LC)
		return build_sequence(v, slots);
	mb = fcalloc(v->nm ? (size_t)v->nm : 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (int j = 0; j < v->nm; j++) {
		mb[j].addr = v->m[j].addr;
		mb[j].weight = v->m[j].weight;
		n += v->m[j].weight > 0;
	}
	if (!n) {
		free(mb);
		return 0; /* nothing takes new flows: an empty table drops them (no_backend) */
	}
	t = fmalloc(sizeof(*t) * size);
	if (!t) {
		free(mb);
		return -ENOMEM;
	}
	r = maglev_build(mb, v->nm, size, t);
	free(mb);
	if (r) {
		free(t);
		return r;
	}
	for (uint32_t s = 0; s < size; s++)
		t[s] = v->m[t[s]].id;
	*slots = t;
	return size;
}

/* FNV-1a of an address's family and bytes. */
static uint64_t addr_digest(const struct dsrlb_addr *a)
{
	uint64_t x = 0xcbf29ce484222325ull;

	for (int i = 0; i < 17; i++)
		x = (x ^ (i ? a->bytes[i - 1] : a->family)) * 0x100000001b3ull;
	return x;
}

/*
 * The same inputs, portable: the seed, the schedulers, the size and each
 * backend in the table by address and weight, so that balancers that would
 * build the same table (maglev.c is a pure function of these) show the same
 * value. 0 for an adopted VIP: what it was built from is unknown.
 */
uint64_t tables_fingerprint(const struct app_vip *v, uint32_t seed)
{
	uint64_t h;

	if (v->adopted)
		return 0;
	h = dsrlb_fmix64(((uint64_t)v->sched << 40) ^ ((uint64_t)v->csched << 32) ^ v->size) ^
	    dsrlb_fmix64(seed + 1);
	for (int j = 0; j < v->nm; j++)
		if (v->m[j].weight)
			h += dsrlb_fmix64(addr_digest(&v->m[j].addr) ^ ((uint64_t)v->m[j].weight << 44));
	return h ? h : 1;
}

/* A VIP's part in the digest of them all: its fingerprint bound to its address, port and protocols. */
uint64_t tables_fp_mix(const struct app_vip *v)
{
	uint64_t x = 0xcbf29ce484222325ull;

	for (int i = 0; i < 16; i++)
		x = (x ^ v->spec.addr.bytes[i]) * 0x100000001b3ull;
	x ^= (uint64_t)v->spec.port << 48 ^ (uint64_t)v->spec.protos << 40 ^ v->spec.addr.family;
	return dsrlb_fmix64(x ^ dsrlb_fmix64(v->fp));
}

uint64_t tables_inputs(const struct app_vip *v, uint32_t size)
{
	/* order does not matter (a sum of each backend's digest): the table does not depend on it */
	uint64_t h = dsrlb_fmix64(((uint64_t)v->sched << 40) ^ ((uint64_t)v->csched << 32) ^ size);

	for (int j = 0; j < v->nm; j++) {
		const struct app_member *m = &v->m[j];

		if (m->weight)
			h += dsrlb_fmix64(addr_digest(&m->addr) ^ ((uint64_t)m->id << 20) ^ ((uint64_t)m->weight << 44));
	}
	return h;
}
