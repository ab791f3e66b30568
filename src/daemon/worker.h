/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The loop's one helper thread, for the calls that wait without working: a
 * map-in-map update (the kernel waits for an RCU grace period, 5-30 ms
 * here), an fsync. The loop hands over a job whose inputs are ready, goes
 * on, and gets the job back, done, on one of its own passes. A job's work
 * touches nothing but its own arguments; everything else stays on the loop.
 */
#ifndef DSRLB_WORKER_H
#define DSRLB_WORKER_H

#include <stdbool.h>

#include "daemon/loop.h"

struct worker;

/* Embedded in its owner: handing one over cannot fail. */
struct worker_job {
	void (*work)(struct worker_job *j); /* on the worker's thread */
	void (*done)(struct worker_job *j); /* then on the loop */
	const char *what;
	struct worker_job *next;
};

int worker_open(struct worker **out, struct loop *l);
/* Queue j (not already queued). With no worker (NULL), j runs now, done too. */
void worker_run(struct worker *w, struct worker_job *j);
/* Jobs queued or running whose done has not run yet. */
int worker_busy(const struct worker *w);
/* Finish the jobs queued (their work; not their done), then stop. */
void worker_close(struct worker *w);

#endif
