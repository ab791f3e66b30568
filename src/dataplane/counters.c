// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Reading the counters (mapped regions per CPU; vip_icmp a per-CPU array, in batches), and zeroing one id's for a new owner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dataplane/dp_int.h"

static size_t stats_bytes(const struct dp *dp, uint32_t max)
{
	return (size_t)max * (size_t)dp->ncpus * sizeof(struct dsrlb_counter);
}

int dp_counters_map(struct dp *dp)
{
	void *v = mmap(NULL, stats_bytes(dp, DSRLB_MAX_VIPS), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(dp->skel->maps.vip_stats), 0);
	void *b = v == MAP_FAILED ? MAP_FAILED :
				    mmap(NULL, stats_bytes(dp, DSRLB_MAX_BACKENDS), PROT_READ | PROT_WRITE,
					 MAP_SHARED, bpf_map__fd(dp->skel->maps.backend_stats), 0);

	if (b == MAP_FAILED) {
		int err = -errno;

		if (v != MAP_FAILED)
			munmap(v, stats_bytes(dp, DSRLB_MAX_VIPS));
		return err;
	}
	dp->vstats = v;
	dp->bstats = b;
	return 0;
}

void dp_counters_unmap(struct dp *dp)
{
	if (dp->vstats)
		munmap(dp->vstats, stats_bytes(dp, DSRLB_MAX_VIPS));
	if (dp->bstats)
		munmap(dp->bstats, stats_bytes(dp, DSRLB_MAX_BACKENDS));
	dp->vstats = dp->bstats = NULL;
}

/* The mapped regions of vip_stats or backend_stats, and ids a region; NULL for vip_icmp. */
static struct dsrlb_counter *regions(struct dp *dp, enum dp_counter_map which, uint32_t *max)
{
	*max = which == DP_VIP_STATS ? DSRLB_MAX_VIPS : DSRLB_MAX_BACKENDS;
	return which == DP_VIP_STATS ? dp->vstats : which == DP_BACKEND_STATS ? dp->bstats : NULL;
}

int dp_counter_reset(struct dp *dp, enum dp_counter_map which, uint32_t id)
{
	uint32_t max;
	struct dsrlb_counter *r = regions(dp, which, &max), *v;
	int err;

	if (r) {
		if (id >= max)
			return -EINVAL;
		if (dp_write_fails())
			return -EIO;
		for (int c = 0; c < dp->ncpus; c++)
			memset(&r[(size_t)c * max + id], 0, sizeof(*r));
		return 0;
	}
	v = calloc((size_t)dp->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = dp_write(bpf_map__fd(dp->skel->maps.vip_icmp), &id, v, BPF_ANY);
	free(v);
	return err;
}

int dp_counters_read(struct dp *dp, enum dp_counter_map which, uint32_t first, uint32_t n,
		     struct dsrlb_counter *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t max, *keys, prev = first - 1, count = n;
	struct dsrlb_counter *r = regions(dp, which, &max), *v;
	int fd = bpf_map__fd(dp->skel->maps.vip_icmp), err = 0;

	memset(out, 0, sizeof(*out) * n);
	if (r) {
		if (first > max || n > max - first)
			return -EINVAL;
		for (int c = 0; c < dp->ncpus; c++)
			for (uint32_t i = 0; i < n; i++) {
				const struct dsrlb_counter *x = &r[(size_t)c * max + first + i];

				out[i].packets += __atomic_load_n(&x->packets, __ATOMIC_RELAXED);
				out[i].bytes += __atomic_load_n(&x->bytes, __ATOMIC_RELAXED);
			}
		return 0;
	}
	v = calloc((size_t)n * (size_t)dp->ncpus, sizeof(*v));
	keys = calloc(n ? n : 1, sizeof(*keys));
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
