// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Applying a plan (see apply.h). The order is what keeps traffic safe while
 * it runs: a backend's entry exists before a table names it, a table is
 * whole before it is flipped live, a VIP's ring exists before the index
 * routes to it, and nothing is removed while something may still name it.
 * Ids that change owner in this change (plan->recycles) wait for a grace
 * period after the tables that named their old owner were flipped away.
 */
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/apply.h"

/* The most CPU time one step of a run takes before it lets the loop go on. */
#define APPLY_SLICE_NS 2000000ull
#include "lib/clock.h"
#include "lib/fault.h"

static void roll_back(struct dp *dp, struct plan *p, struct apply_undo *u)
{
	struct dp_backend_write *w = u->w;
	int n = 0;

	for (int i = 0; i < p->nv; i++) {
		struct plan_vip *pv = &p->v[i];

		if (u->flipped && u->flipped[i])
			dp_ring_unflip(dp, pv->id); /* its other half still holds the old table */
		if (u->written && u->written[i]) {
			if (!pv->old)
				dp_ring_remove(dp, pv->id); /* new: nothing routes to it */
			else
				dp_ring_discard(dp, pv->id); /* a larger ring not yet in place */
		}
	}
	for (int i = 0; w && i < p->nbw; i++) {
		if (!(p->bw_phase2[i] ? u->bw2 : u->bw1))
			continue;
		/* a new owner's entry goes; an existing one gets its MAC back */
		w[n] = p->bw[i].new_owner && !p->bw_phase2[i] ?
			       (struct dp_backend_write){ .id = p->bw[i].id } :
			       p->undo[i];
		w[n++].new_owner = false;
	}
	if (n)
		dp_backends_write(dp, w, n);
	if (u->puts)
		dp_ids_del(dp, p->put_k, p->nput);
}

/* Write the tables of one phase aside (new rings wait for their swap). */
static int tables_write(struct dp *dp, struct plan *p, bool phase2, struct apply_undo *u)
{
	int r = 0;

	for (int i = 0; i < p->nv && !r; i++) {
		struct plan_vip *pv = &p->v[i];

		if (!pv->next || pv->phase2 != phase2)
			continue;
		if (!pv->old) { /* a new VIP id starts with rr and its counters at 0 */
			r = dp_vip_rr_reset(dp, pv->id);
			r = r ?: dp_counter_reset(dp, DP_VIP_STATS, pv->id);
			r = r ?: dp_counter_reset(dp, DP_VIP_ICMP, pv->id);
		}
		if (!r && pv->write) {
			r = dp_ring_write(dp, pv->id, pv->next->sched, pv->slots, pv->next->size);
			u->written[i] = !r;
		}
		if (!r && !pv->old)
			dp_vip_timeouts(dp, pv->id, pv->next->tcp_timeout, pv->next->udp_timeout);
	}
	return r;
}

/* Once the rings are in: each table of the phase live, in one store. */
static void tables_flip(struct dp *dp, struct plan *p, bool phase2, struct apply_undo *u)
{
	for (int i = 0; i < p->nv; i++) {
		struct plan_vip *pv = &p->v[i];

		if (pv->next && pv->phase2 == phase2 && pv->write) {
			dp_ring_flip(dp, pv->id);
			u->flipped[i] = true;
		}
	}
}

static int backends(struct dp *dp, struct plan *p, bool phase2, struct dp_backend_write *w)
{
	int n = 0;

	for (int i = 0; i < p->nbw; i++)
		if (p->bw_phase2[i] == phase2)
			w[n++] = p->bw[i];
	return n ? dp_backends_write(dp, w, n) : 0;
}

/* The whole index again, staged: every VIP that stays or comes, none that goes. */
static int route(struct dp *dp, const struct app_vip *x, uint32_t id)
{
	int r = 0;

	for (int pr = 0; pr < 2 && !r; pr++)
		if (x->spec.protos & (pr ? VIP_PROTO_UDP : VIP_PROTO_TCP))
			r = dp_index_add(dp, &x->spec.addr, x->spec.port,
					 pr ? IPPROTO_UDP : IPPROTO_TCP,
					 id | (x->stateless ? DSRLB_VIP_ID_STATELESS : 0));
	return r;
}

/* In route_as: an applied VIP the plan removes. */
static const struct app_vip route_gone;

/*
 * The routes of the whole index again, staged a slice of VIP ids at a time
 * (10,000 VIPs take 5 ms): every VIP that stays or comes, none that goes.
 * 1 when all are staged, 0 to go on at the next pass, or -errno.
 */
static int index_routes(struct apply_run *run, bool all)
{
	struct plan *p = run->p;
	uint64_t start = clock_ns();
	int r = 0;

	if (!run->iv) {
		run->route_as = fcalloc(DSRLB_MAX_VIPS, sizeof(*run->route_as));
		if (!run->route_as)
			return -ENOMEM;
		dp_index_reset(run->dp);
		/* an applied VIP the plan changes routes as planned (its id keeps its spec), or goes */
		for (int i = 0; i < p->nv; i++)
			if (p->v[i].old)
				run->route_as[p->v[i].id] = p->v[i].next ? p->v[i].next : &route_gone;
	}
	for (; run->iv < DSRLB_MAX_VIPS && !r; run->iv++) {
		const struct app_vip *x = run->route_as[run->iv] ?: run->a->vip[run->iv];

		if (x && x != &route_gone)
			r = route(run->dp, x, run->iv);
		if (!all && !(run->iv & 255) && clock_ns() - start > APPLY_SLICE_NS) {
			run->iv++;
			return r ? r : 0;
		}
	}
	for (int i = 0; i < p->nv && !r; i++)
		if (p->v[i].next && !p->v[i].old)
			r = route(run->dp, p->v[i].next, p->v[i].id);
	free(run->route_as);
	run->route_as = NULL;
	return r ? r : 1;
}

/* ---- the run ------------------------------------------------------------------------ */

enum stage {
	AP_BEGIN,      /* ids, entries, tables aside; then the new rings go in */
	AP_RINGS,      /* rings in: flip; then the barrier, or the index */
	AP_BARRIER,    /* a grace period passed: entries and tables of recycled ids */
	AP_RINGS2,     /* their rings in: flip */
	AP_INDEX,      /* the routes placed; the new index goes in */
	AP_INDEX_DONE, /* the index in */
	AP_TAIL,       /* timeouts, removed rings: done */
};

static void on_swapped(struct worker_job *j);
static void step(struct apply_run *run);

static void swap_work(struct worker_job *j)
{
	struct apply_run *run = (struct apply_run *)((char *)j - offsetof(struct apply_run, job));

	dp_swap_run(&run->swap);
}

/*
 * The swap staged (r is stage's result) goes to the worker; the run goes on
 * at next when it is back. False: nothing to wait for (go on now), or r set.
 */
static bool wait_swap(struct apply_run *run, int r, int next, const char *step)
{
	run->step = step;
	run->stage = next;
	if (r) {
		run->r = r;
		return false;
	}
	if (!run->swap.n) {
		dp_swap_finish(run->dp, &run->swap);
		return false;
	}
	if (!run->w) {
		dp_swap_run(&run->swap);
		return false;
	}
	run->job = (struct worker_job){ .work = swap_work, .done = on_swapped, .what = step };
	worker_run(run->w, &run->job);
	return true;
}

/* The swap's result, once it is back (or there was none: 0). */
static int swapped(struct apply_run *run)
{
	return run->swap.kind != DP_SWAP_NONE ? dp_swap_finish(run->dp, &run->swap) : 0;
}

static void run_end(struct apply_run *run)
{
	if (run->r) {
		snprintf(run->err, sizeof(run->err), "cannot %s: %s; nothing was changed", run->step,
			 strerror(-run->r));
		roll_back(run->dp, run->p, &run->u);
	}
	free(run->u.flipped);
	free(run->u.written);
	free(run->u.w);
	memset(&run->u, 0, sizeof(run->u));
	free(run->route_as);
	run->route_as = NULL;
	run->done(run);
}

static void on_slice(void *ctx)
{
	step(ctx);
}

/*
 * The run from where it stands to its end or its next wait. Long by choice:
 * one case per stage, in the order they run, as apply.h lists them.
 */
static void step(struct apply_run *run)
{
	struct dp *dp = run->dp;
	struct plan *p = run->p;
	int r;

	while (!run->r) {
		switch (run->stage) {
		case AP_BEGIN:
			/* 0. Pinned ids first: a daemon killed midway finds every id a live table names. */
			run->step = "write the pinned ids";
			if ((run->r = dp_ids_put(dp, p->put_k, p->put_id, p->nput)))
				break;
			run->u.puts = true;
			/* 1. Backend entries, before any table names them. */
			run->step = "write backend entries";
			if ((run->r = backends(dp, p, false, run->u.w)))
				break;
			run->u.bw1 = true;
			/* 2. Tables, each written aside, its ring put in place, then flipped in one store. */
			run->step = "write the tables";
			if ((run->r = tables_write(dp, p, false, &run->u)))
				break;
			if (wait_swap(run, dp_rings_stage(dp, &run->swap), AP_RINGS, "put new rings in place"))
				return;
			break;
		case AP_RINGS:
			if ((run->r = swapped(run)))
				break;
			tables_flip(dp, p, false, &run->u);
			/* 3. Ids that change owner: once no packet can still read a table naming the old one. */
			if (!p->recycles) {
				run->stage = AP_INDEX;
				break;
			}
			if (wait_swap(run, dp_barrier_stage(dp, &run->swap), AP_BARRIER, "wait for a grace period"))
				return;
			break;
		case AP_BARRIER:
			if ((run->r = swapped(run)))
				break;
			run->step = "write backend entries";
			if ((run->r = backends(dp, p, true, run->u.w)))
				break;
			run->u.bw2 = true;
			run->step = "write the tables";
			if ((run->r = tables_write(dp, p, true, &run->u)))
				break;
			if (wait_swap(run, dp_rings_stage(dp, &run->swap), AP_RINGS2, "put new rings in place"))
				return;
			break;
		case AP_RINGS2:
			if ((run->r = swapped(run)))
				break;
			tables_flip(dp, p, true, &run->u);
			run->stage = AP_INDEX;
			break;
		case AP_INDEX:
			/* 4. The VIP index: one swap makes VIPs appear and disappear. */
			if (!p->index) {
				run->stage = AP_TAIL;
				break;
			}
			run->step = "write the VIP index";
			r = index_routes(run, !run->w || !run->l);
			if (!r) { /* the rest of the routes on the next pass */
				loop_timer_at(run->l, &run->slice, clock_ms());
				return;
			}
			if (r < 0) {
				run->r = r;
				break;
			}
			if (wait_swap(run, dp_index_stage(dp, &run->swap), AP_INDEX_DONE, "write the VIP index"))
				return;
			break;
		case AP_INDEX_DONE:
			if ((run->r = swapped(run)))
				break;
			run->stage = AP_TAIL;
			break;
		default:
			/* 5. Timeouts of VIPs that stay apply to flows that start from now on; gone VIPs' rings go. */
			for (int i = 0; i < p->nv; i++) {
				if (p->v[i].old && p->v[i].next && p->v[i].timeouts)
					dp_vip_timeouts(dp, p->v[i].id, p->v[i].next->tcp_timeout,
							p->v[i].next->udp_timeout);
				if (p->v[i].old && !p->v[i].next)
					dp_ring_remove(dp, p->v[i].id);
			}
			run_end(run);
			return;
		}
	}
	run_end(run);
}

static void on_swapped(struct worker_job *j)
{
	step((struct apply_run *)((char *)j - offsetof(struct apply_run, job)));
}

void apply_start(struct apply_run *run)
{
	struct plan *p = run->p;

	run->r = 0;
	run->err[0] = 0;
	run->stage = AP_BEGIN;
	run->step = "";
	run->iv = 0;
	run->route_as = NULL;
	if (run->l)
		loop_timer_init(&run->slice, on_slice, run, "engine: apply");
	memset(&run->swap, 0, sizeof(run->swap));
	run->u = (struct apply_undo){ .flipped = fcalloc((size_t)p->nv + 1, sizeof(bool)),
				      .written = fcalloc((size_t)p->nv + 1, sizeof(bool)),
				      .w = fmalloc(sizeof(*run->u.w) * (size_t)(p->nbw + 1)) };
	if (!run->u.flipped || !run->u.written || !run->u.w) {
		free(run->u.flipped);
		free(run->u.written);
		free(run->u.w);
		memset(&run->u, 0, sizeof(run->u));
		run->r = -ENOMEM;
		snprintf(run->err, sizeof(run->err), "out of memory applying the change; nothing was changed");
		run->done(run);
		return;
	}
	step(run);
}

static void pend(void **arr, int *n, int *cap, const void *x, size_t size)
{
	if (*n == *cap) {
		int c = *cap ? *cap * 2 : 16;
		void *q = realloc(*arr, (size_t)c * size);

		if (!q)
			return; /* lost: the next reload rewrites what it needs */
		*arr = q;
		*cap = c;
	}
	memcpy((char *)*arr + (size_t)*n * size, x, size);
	(*n)++;
}

int apply_pending(struct dp *dp, struct app *a)
{
	int r = 0;

	if (a->npend_ids) {
		struct dp_backend_write *w = calloc((size_t)a->npend_ids, sizeof(*w));

		for (int i = 0; w && i < a->npend_ids; i++)
			w[i].id = a->pend_ids[i];
		r = w ? dp_backends_write(dp, w, a->npend_ids) : -ENOMEM;
		free(w);
		if (!r) {
			for (int i = 0; i < a->npend_ids; i++)
				idpool_release(&a->bids, a->pend_ids[i]);
			a->npend_ids = 0;
		}
	}
	if (!r && a->npend_keys) {
		r = dp_ids_del(dp, a->pend_keys, a->npend_keys);
		if (!r) {
			a->npend_keys = 0;
			for (int i = 0; i < a->npend_vids; i++)
				idpool_release(&a->vids, a->pend_vids[i]);
			a->npend_vids = 0;
		}
	}
	return r ? r : a->npend_ids || a->npend_keys ? -EAGAIN : 0;
}

void apply_commit(struct app *a, struct plan *p)
{
	for (int i = 0; i < p->nv; i++) {
		struct plan_vip *pv = &p->v[i];
		struct spec_key k;

		if (pv->old) {
			spec_key(&pv->old->spec, &k);
			hmap_del(&a->by_spec, &k, sizeof(k));
			a->vip[pv->id] = NULL;
			a->nvips--;
			if (!pv->next) {
				/* nothing routes to it: its ring can go (batched), its id once its key is gone */
				pend((void **)&a->pend_vids, &a->npend_vids, &a->cappend_vids, &pv->id,
				     sizeof(pv->id));
				idpool_retiring(&a->vids, pv->id);
			}
			app_vip_free(pv->old);
			pv->old = NULL;
		}
		if (pv->next) {
			spec_key(&pv->next->spec, &k);
			hmap_put(&a->by_spec, &k, sizeof(k), pv->next); /* room reserved by the plan */
			a->vip[pv->id] = pv->next;
			a->nvips++;
			pv->next = NULL;
		}
	}
	for (int i = 0; i < p->ntv; i++)
		idpool_claim(&a->vids, p->taken_v[i]);
	for (int i = 0; i < p->ntb; i++)
		idpool_claim(&a->bids, p->taken_b[i]);
	for (int i = 0; i < p->nretire; i++) {
		idpool_retiring(&a->bids, p->retire[i]);
		pend((void **)&a->pend_ids, &a->npend_ids, &a->cappend_ids, &p->retire[i],
		     sizeof(uint32_t));
	}
	for (int i = 0; i < p->ndel; i++)
		pend((void **)&a->pend_keys, &a->npend_keys, &a->cappend_keys, &p->del_k[i],
		     sizeof(p->del_k[i]));
	a->table_bytes = p->table_bytes;
	p->ntv = p->ntb = 0;
}
