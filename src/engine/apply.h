/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Applying a plan: pinned ids, then backend entries, then tables (written
 * aside, then flipped), then the VIP index; any failure up to there puts
 * everything back as it was. Only then does what disappeared retire, and a
 * failure there is retried until it succeeds (apply_pending), never undone.
 *
 * The steps run on the loop; the three that wait for an RCU grace period
 * (new rings in, a barrier before ids change owner, the new index in) are
 * handed to the worker, and the run goes on when it gives them back. With
 * no worker it waits in place.
 */
#ifndef DSRLB_APPLY_H
#define DSRLB_APPLY_H

#include "daemon/worker.h"
#include "dataplane/dataplane.h"
#include "engine/plan.h"

struct apply_undo {
	bool puts, bw1, bw2;
	bool *flipped; /* per plan VIP */
	bool *written;
	struct dp_backend_write *w; /* room for the entries to write or put back, made first */
};

struct apply_run {
	/* set by the caller */
	struct dp *dp;
	struct app *a;
	struct plan *p;
	struct worker *w;                   /* NULL: wait in place */
	struct loop *l;                     /* NULL (or no worker): every step in one go */
	void (*done)(struct apply_run *run); /* r, and err when r is not 0 */
	void *ctx;
	int r;
	char err[400];
	/* the run's own */
	int stage;
	const char *step;
	struct apply_undo u;
	struct dp_swap swap;
	struct worker_job job;
	struct loop_timer slice; /* the next slice of a long step */
	uint32_t iv;             /* the index's routes: the next VIP id */
	const struct app_vip **route_as; /* index pass: how each applied VIP the plan changes routes */
};

/*
 * Start applying run->p; run->done follows, maybe before this returns. On
 * success the data plane holds the plan; otherwise it holds what it held.
 */
void apply_start(struct apply_run *run);
/* After a run that succeeded: the applied state takes the plan's VIPs (cannot fail). */
void apply_commit(struct app *a, struct plan *p);
/* Retry retirements an earlier write failed. 0 when none is left. */
int apply_pending(struct dp *dp, struct app *a);

#endif
