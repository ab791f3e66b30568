// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "lib/hist.h"

const double hist_bounds[HIST_BUCKETS] = { 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
					   0.05,   0.1,   0.25,  0.5,   1 };

void hist_add(struct hist *h, double seconds)
{
	int i = 0;

	while (i < HIST_BUCKETS && seconds > hist_bounds[i])
		i++;
	h->n[i]++;
	h->count++;
	h->sum += seconds;
}

void hist_render(struct strbuf *b, const char *name, const char *help, const struct hist *h)
{
	uint64_t c = 0;

	sb_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (int i = 0; i <= HIST_BUCKETS; i++) {
		c += h->n[i];
		if (i < HIST_BUCKETS)
			sb_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, hist_bounds[i],
				  (unsigned long long)c);
		else
			sb_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)c);
	}
	sb_printf(b, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name, (unsigned long long)h->count);
}
