// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Reading the per-CPU counters in batches, and zeroing one id's for a new owner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_int.h"

static struct bpf_map *counter_map(struct dp *dp, enum dp_counter_map which)
{
	return which == DP_VIP_STATS ? dp->skel->maps.vip_stats :
	       which == DP_VIP_ICMP  ? dp->skel->maps.vip_icmp :
				       dp->skel->maps.backend_stats;
}

int dp_counter_reset(struct dp *dp, enum dp_counter_map which, uint32_t id)
{
	struct dsrlb_counter *v = calloc((size_t)dp->ncpus, sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	err = dp_write(bpf_map__fd(counter_map(dp, which)), &id, v, BPF_ANY);
	free(v);
	return err;
}

int dp_counters_read(struct dp *dp, enum dp_counter_map which, uint32_t first, uint32_t n,
		     struct dsrlb_counter *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int fd = bpf_map__fd(counter_map(dp, which)), err = 0;
	struct dsrlb_counter *v = calloc((size_t)n * (size_t)dp->ncpus, sizeof(*v));
	uint32_t *keys = calloc(n ? n : 1, sizeof(*keys)), prev = first - 1, count = n;

	memset(out, 0, sizeof(*out) * n);
	if (!v || !keys) {
		err = -ENOMEM;
		goto out;
	}
	/* an array's batch starts after the key it is given: first - 1, or none for 0 */
	if (bpf_map_lookup_batch(fd, first ? &prev : NULL, &prev, keys, v, &count, &o) &&
	    errno != ENOENT) {
		err = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t k = keys[i] - first;

		if (k >= n)
			continue;
		for (int c = 0; c < dp->ncpus; c++) {
			out[k].packets += v[(size_t)i * (size_t)dp->ncpus + (size_t)c].packets;
			out[k].bytes += v[(size_t)i * (size_t)dp->ncpus + (size_t)c].bytes;
		}
	}
out:
	free(v);
	free(keys);
	return err;
}

/* out[i] = the sum over CPUs of a per-CPU u64 array's slot i, i < n. */
static int percpu_sums(struct dp *dp, struct bpf_map *map, uint32_t n, uint64_t *out)
{
	uint64_t *v = calloc((size_t)dp->ncpus, sizeof(*v));
	int fd = bpf_map__fd(map), err = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t r = 0; r < n && !err; r++) {
		out[r] = 0;
		err = bpf_map_lookup_elem(fd, &r, v) ? -errno : 0;
		for (int i = 0; !err && i < dp->ncpus; i++)
			out[r] += v[i];
	}
	free(v);
	return err;
}

int dp_reasons(struct dp *dp, uint64_t out[DSRLB_R__MAX])
{
	return percpu_sums(dp, dp->skel->maps.reasons, DSRLB_R__MAX, out);
}

int dp_flow_stats(struct dp *dp, uint64_t out[DSRLB_FS__MAX])
{
	return percpu_sums(dp, dp->skel->maps.flow_stats, DSRLB_FS__MAX, out);
}
