/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A histogram of durations in seconds, with fixed buckets from 0.5 ms to
 * 1 s, for /metrics (Prometheus' cumulative buckets) and the benchmark,
 * which reads two and takes the difference.
 */
#ifndef DSRLB_HIST_H
#define DSRLB_HIST_H

#include <stdint.h>

#include "lib/strbuf.h"

#define HIST_BUCKETS 11
extern const double hist_bounds[HIST_BUCKETS]; /* then +Inf */

struct hist {
	uint64_t n[HIST_BUCKETS + 1]; /* per bucket, not cumulative; the last is +Inf */
	uint64_t count;
	double sum;
};

void hist_add(struct hist *h, double seconds);
/* name_bucket{le="..."}, name_sum and name_count, with HELP and TYPE lines. */
void hist_render(struct strbuf *b, const char *name, const char *help, const struct hist *h);

#endif
