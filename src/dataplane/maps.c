// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Backends (one entry per backend of a VIP), the pinned id assignments, lc's counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/dp_int.h"

int dp_backends_write(struct dp *dp, const struct dp_backend_write *w, int n)
{
	static const uint8_t zero[6];
	struct dsrlb_backend *vals = malloc(sizeof(*vals) * (size_t)(n ? n : 1));
	uint32_t *keys = malloc(sizeof(*keys) * (size_t)(n ? n : 1)), nz = 0;
	uint32_t *zkeys = malloc(sizeof(*zkeys) * (size_t)(n ? n : 1));
	int err = 0;

	if (!vals || !keys || !zkeys) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct dsrlb_backend v;

		/* The data plane must never send to 00:00:00:00:00:00. */
		if (w[i].id >= DSRLB_MAX_BACKENDS || (w[i].valid && !memcmp(w[i].mac, zero, 6))) {
			err = -EINVAL;
			goto out;
		}
		v = dp->shadow[w[i].id];
		if (w[i].new_owner) {
			v.gen++;
			zkeys[nz++] = w[i].id;
		}
		/* a cleared entry keeps its generation: the next owner gets a new one */
		memcpy(v.mac, w[i].valid ? w[i].mac : zero, 6);
		v.flags = w[i].valid ? DSRLB_BACKEND_F_VALID : 0;
		keys[i] = w[i].id;
		vals[i] = v;
	}
	/* A new owner starts with no active flows (lc) and counters at 0. */
	if (nz) {
		int64_t *zc = calloc(nz, sizeof(*zc));

		err = zc ? 0 : -ENOMEM;
		err = err ?: dp_write_batch(bpf_map__fd(dp->skel->maps.backend_conns), zkeys, zc, nz);
		for (uint32_t i = 0; i < nz && !err; i++)
			err = dp_counter_reset(dp, DP_BACKEND_STATS, zkeys[i]);
		free(zc);
		if (err)
			goto out;
	}
	err = dp_write_batch(bpf_map__fd(dp->skel->maps.backends), keys, vals, (uint32_t)n);
	if (!err)
		for (int i = 0; i < n; i++)
			dp->shadow[keys[i]] = vals[i];
out:
	free(vals);
	free(keys);
	free(zkeys);
	return err;
}

int dp_backend_read(struct dp *dp, uint32_t id, struct dsrlb_backend *out)
{
	if (id >= DSRLB_MAX_BACKENDS)
		return -EINVAL;
	*out = dp->shadow[id];
	return 0;
}

int dp_ids_put(struct dp *dp, const struct dsrlb_ctl_key *k, const uint32_t *ids, int n)
{
	int fd = bpf_map__fd(dp->skel->maps.ids);

	/* a hash map takes a batch too; one syscall for a whole change */
	return dp_write_batch(fd, k, ids, (uint32_t)n);
}

int dp_ids_del(struct dp *dp, const struct dsrlb_ctl_key *k, int n)
{
	int fd = bpf_map__fd(dp->skel->maps.ids), err = 0;

	for (int i = 0; i < n && !err; i++) {
		if (dp_write_fails())
			return -EIO;
		if (bpf_map_delete_elem(fd, &k[i]) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int dp_ids_foreach(struct dp *dp, dp_ids_cb cb, void *ctx)
{
	enum { BATCH = 4096 };
	int fd = bpf_map__fd(dp->skel->maps.ids), err = 0;
	struct dsrlb_ctl_key *keys = calloc(BATCH, sizeof(*keys));
	uint32_t *ids = calloc(BATCH, sizeof(*ids)), cursor = 0;
	bool first = true, done = false;

	if (!keys || !ids) {
		free(keys);
		free(ids);
		return -ENOMEM;
	}
	while (!done) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		uint32_t n = BATCH;

		if (bpf_map_lookup_batch(fd, first ? NULL : &cursor, &cursor, keys, ids, &n, &o)) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			done = true;
		}
		first = false;
		for (uint32_t i = 0; i < n; i++)
			cb(&keys[i], ids[i], ctx);
	}
	free(keys);
	free(ids);
	return err;
}

/* backend_conns is mapped: the program adds atomically, we read and store whole values. */
int dp_conns_get(struct dp *dp, uint32_t id, int64_t *n)
{
	if (id >= DSRLB_MAX_BACKENDS)
		return -EINVAL;
	*n = __atomic_load_n(&dp->conns[id], __ATOMIC_RELAXED);
	return 0;
}

int dp_conns_set(struct dp *dp, uint32_t id, int64_t n)
{
	if (id >= DSRLB_MAX_BACKENDS)
		return -EINVAL;
	if (dp_write_fails())
		return -EIO;
	__atomic_store_n(&dp->conns[id], n, __ATOMIC_RELAXED);
	return 0;
}

int dp_conns_read(struct dp *dp, uint32_t first, uint32_t n, int64_t *out)
{
	if (first > DSRLB_MAX_BACKENDS || n > DSRLB_MAX_BACKENDS - first)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		out[i] = __atomic_load_n(&dp->conns[first + i], __ATOMIC_RELAXED);
	return 0;
}
