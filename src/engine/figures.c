// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The figures status shows, kept up to date by two jobs on the loop, each a
 * slice at a time so that neither blocks it: every second the counters of
 * every VIP and backend id in use (batched reads of the per-CPU maps) with
 * their rates; every 5 s a walk of the flow table that counts each
 * backend's live flows, and rewrites lc's active counts from it (which also
 * forgets flows that idled out or vanished without a FIN).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "lib/clock.h"
#include "lib/log.h"

#define SAMPLE_MS 1000
#define SAMPLE_SLICE 8192 /* ids per pass */
#define RECOUNT_MS 5000
#define WALK_SLICE 8192   /* flow entries per pass */

static void rate(struct fig *f, const struct dsrlb_counter *c, uint64_t now)
{
	if (f->t_ms && now > f->t_ms && c->packets >= f->packets) {
		f->pps = (double)(c->packets - f->packets) * 1000.0 / (double)(now - f->t_ms);
		f->bps = (double)(c->bytes - f->bytes) * 8000.0 / (double)(now - f->t_ms);
	} else {
		f->pps = f->bps = 0;
	}
	f->packets = c->packets;
	f->bytes = c->bytes;
	f->t_ms = now;
}

static void on_sample(void *ctx)
{
	struct engine *e = ctx;
	uint32_t vhw = e->app.vids.hw, bhw = e->app.bids.hw, at = e->sample_at, n;
	struct dsrlb_counter *c = malloc(sizeof(*c) * SAMPLE_SLICE);
	uint64_t now = clock_ms();
	bool vips = at < vhw;
	uint32_t first = vips ? at : at - vhw, hw = vips ? vhw : bhw;

	if (!c)
		goto next_round;
	n = hw - first < SAMPLE_SLICE ? hw - first : SAMPLE_SLICE;
	if (n && !dp_counters_read(e->dp, vips ? DP_VIP_STATS : DP_BACKEND_STATS, first, n, c))
		for (uint32_t i = 0; i < n; i++)
			rate(vips ? &e->fv[first + i] : &e->fb[first + i], &c[i], now);
	if (n && !vips)
		dp_conns_read(e->dp, first, n, &e->conns[first]);
	if (n && vips && !dp_counters_read(e->dp, DP_VIP_ICMP, first, n, c))
		for (uint32_t i = 0; i < n; i++) {
			e->fv[first + i].icmp_forwarded = c[i].packets;
			e->fv[first + i].icmp_unmatched = c[i].bytes;
		}
	free(c);
	e->sample_at += n;
	if (e->sample_at < vhw + bhw && n) {
		loop_timer_at(e->l, &e->sample, now); /* the next slice, after the fds */
		return;
	}
	dp_reasons(e->dp, e->reasons);
	dp_flow_stats(e->dp, e->fstats);
next_round:
	e->sample_at = 0;
	loop_timer_at(e->l, &e->sample, now + SAMPLE_MS);
}

/* A live flow of a CPU's region counts; the learned region's are the peers' until seen here. */
static void count_flow(const struct dp_flow *f, void *ctx)
{
	struct engine *e = ctx;
	struct dsrlb_backend be;
	uint16_t now = dp_flow_now();

	if (f->backend >= DSRLB_MAX_BACKENDS || dp_backend_read(e->dp, f->backend, &be) ||
	    !dp_flow_live(f, &be, now))
		return;
	if (f->learned)
		return;
	e->walk_active[f->backend]++;
	e->walk_live++;
	if (f->flags & DSRLB_FLOW_F_COUNTED)
		e->walk_counted[f->backend]++;
	share_walk_flow(e, f, now);
}

/*
 * lc's counts from the walk: the program keeps them between walks, this
 * corrects their drift (a flow that timed out never said goodbye). A walk
 * takes many passes: a flow that starts meanwhile may be missed, one that
 * ends may be counted. Drift lasts, a walk's error does not: a backend's
 * count is corrected only when two walks in a row found the same count and
 * the program's stayed the same across both (from the first's start).
 */
static void lc_rewrite(struct engine *e)
{
	uint32_t hw = e->app.bids.hw;

	if (!hw || dp_conns_read(e->dp, 0, hw, e->conns))
		return;
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++) {
		const struct app_vip *x = e->app.vip[v];

		for (int j = 0; x && x->csched == CFG_SCHED_LC && j < x->nm; j++) {
			uint32_t id = x->m[j].id;
			bool steady;

			if (id == ID_NONE || id >= hw)
				continue;
			steady = e->conns[id] == e->walk_conns[id] && e->conns[id] == e->prev_conns[id] &&
				 e->counted[id] == e->prev_counted[id];
			e->prev_conns[id] = e->walk_conns[id];
			e->prev_counted[id] = e->counted[id];
			if (!steady || e->conns[id] == e->counted[id])
				continue;
			if (dp_conns_set(e->dp, id, e->counted[id]))
				log_warnx("lc: cannot write the active count of a backend of vip '%s'; it stays as it was",
					  x->name);
		}
	}
}

static void walk_fetch(struct worker_job *j)
{
	struct engine *e = (struct engine *)((char *)j - offsetof(struct engine, walk_job));

	e->walk_r = dp_flow_walk_fetch(e->walk, WALK_SLICE);
}

static void walk_fetched(struct worker_job *j);

/* The next batch of the walk, fetched on the walker's thread (a sparse table's is slow). */
static void walk_next(struct engine *e)
{
	e->walk_job = (struct worker_job){ .work = walk_fetch, .done = walk_fetched,
					   .what = "flow table batch" };
	worker_run(e->walker, &e->walk_job);
}

static void walk_again(struct engine *e)
{
	e->walking = false;
	memset(e->walk_active, 0, sizeof(*e->walk_active) * DSRLB_MAX_BACKENDS);
	memset(e->walk_counted, 0, sizeof(*e->walk_counted) * DSRLB_MAX_BACKENDS);
	e->walk_live = 0;
	loop_timer_at(e->l, &e->recount, clock_ms() + RECOUNT_MS);
}

/* A batch is back: count it, then the next one, or at the end take the counts. */
static void walk_fetched(struct worker_job *j)
{
	struct engine *e = (struct engine *)((char *)j - offsetof(struct engine, walk_job));
	int64_t *t;

	if (e->walk_r < 0) {
		log_warnx("cannot count the flows in the flow table: %s; the counts stay as they are",
			  strerror(-e->walk_r));
		walk_again(e);
		return;
	}
	if (!dp_flow_walk_each(e->walk, count_flow, e)) {
		walk_next(e);
		return;
	}
	t = e->active;
	e->active = e->walk_active;
	e->walk_active = t;
	t = e->counted;
	e->counted = e->walk_counted;
	e->walk_counted = t;
	e->live = e->walk_live;
	e->recounted = true;
	lc_rewrite(e);
	walk_again(e);
	share_walk_done(e);
}

static void on_recount(void *ctx)
{
	struct engine *e = ctx;

	if (!e->walk && dp_flow_walk_new(e->dp, &e->walk)) {
		walk_again(e);
		return;
	}
	/* lc's counts as the walk starts (see lc_rewrite) */
	e->walking = true;
	share_walk_start(e);
	if (e->app.bids.hw && dp_conns_read(e->dp, 0, e->app.bids.hw, e->walk_conns))
		memset(e->walk_conns, 0xff, sizeof(*e->walk_conns) * DSRLB_MAX_BACKENDS);
	walk_next(e);
}

int figures_open(struct engine *e)
{
	loop_timer_init(&e->sample, on_sample, e, "counters");
	loop_timer_init(&e->recount, on_recount, e, "flow recount");
	e->fv = calloc(DSRLB_MAX_VIPS, sizeof(*e->fv));
	e->fb = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->fb));
	e->active = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->active));
	e->counted = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->counted));
	e->walk_active = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->walk_active));
	e->walk_counted = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->walk_counted));
	e->conns = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->conns));
	e->walk_conns = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->walk_conns));
	e->prev_conns = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->prev_conns));
	e->prev_counted = calloc(DSRLB_MAX_BACKENDS, sizeof(*e->prev_counted));
	if (e->l && e->m.c.flow_size && worker_open(&e->walker, e->l))
		return -ENOMEM;
	if (!e->conns || !e->walk_conns || !e->prev_conns || !e->prev_counted || !e->fv || !e->fb || !e->active || !e->counted || !e->walk_active || !e->walk_counted)
		return -ENOMEM;
	if (e->l) {
		loop_timer_at(e->l, &e->sample, clock_ms() + SAMPLE_MS);
		if (e->m.c.flow_size)
			loop_timer_at(e->l, &e->recount, clock_ms() + RECOUNT_MS);
	}
	return 0;
}

void figures_close(struct engine *e)
{
	if (e->l && e->fv) {
		loop_timer_stop(e->l, &e->sample);
		loop_timer_stop(e->l, &e->recount);
	}
	worker_close(e->walker); /* a batch under way ends first */
	e->walker = NULL;
	dp_flow_walk_free(e->walk);
	free(e->fv);
	free(e->fb);
	free(e->active);
	free(e->counted);
	free(e->walk_active);
	free(e->walk_counted);
	free(e->conns);
	free(e->walk_conns);
	free(e->prev_conns);
	free(e->prev_counted);
}

static const struct fig none;

const struct fig *figures_vip(const struct engine *e, uint32_t id)
{
	return id < DSRLB_MAX_VIPS ? &e->fv[id] : &none;
}

const struct fig *figures_backend(const struct engine *e, uint32_t id)
{
	return id < DSRLB_MAX_BACKENDS ? &e->fb[id] : &none;
}

void figures_reset(struct engine *e, bool vip, uint32_t id)
{
	if (vip && id < DSRLB_MAX_VIPS)
		e->fv[id] = none;
	else if (!vip && id < DSRLB_MAX_BACKENDS) {
		e->fb[id] = none;
		e->active[id] = e->counted[id] = e->conns[id] = 0;
	}
}
