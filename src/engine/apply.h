/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Applying a plan: pinned ids, then backend entries, then tables (written
 * aside, then flipped), then the VIP index; any failure up to there puts
 * everything back as it was. Only then does what disappeared retire, and a
 * failure there is retried until it succeeds (apply_pending), never undone.
 */
#ifndef DSRLB_APPLY_H
#define DSRLB_APPLY_H

#include "dataplane/dataplane.h"
#include "engine/plan.h"

/* 0: the data plane holds the plan. Otherwise -errno, err says why, and it holds what it held. */
int apply_plan(struct dp *dp, struct app *a, struct plan *p, char *err, size_t errlen);
/* After apply_plan: the applied state takes the plan's VIPs (cannot fail). */
void apply_commit(struct app *a, struct plan *p);
/* Retry retirements an earlier write failed. 0 when none is left. */
int apply_pending(struct dp *dp, struct app *a);

#endif
