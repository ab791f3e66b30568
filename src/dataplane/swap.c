// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's map-in-map updates, in three steps (see dataplane.h,
 * struct dp_swap): staged on the loop, run anywhere (the kernel waits for
 * an RCU grace period before the update returns), finished on the loop.
 * Three kinds: a change's new and removed rings (one batch), a new VIP index,
 * and a barrier (an update of a map of our own, for the wait alone).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/dp_int.h"
#include "dataplane/vipindex.h"

static void swap_one(struct dp_swap *s, int map_fd, int fd)
{
	s->map_fd = map_fd;
	s->keys = &s->key1;
	s->fds = &s->fd1;
	s->key1 = 0;
	s->fd1 = fd;
	s->n = 1;
	s->fail = dp_write_fails();
}

/* The index's new map, made and filled (on the worker): its fd in fd1, or -errno. */
static int index_fill(struct dp_swap *s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t count = s->in;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_vip_index", sizeof(uint32_t),
			    sizeof(struct dsrlb_vip_slot), VIPINDEX_TABLE_SLOTS, NULL);
	if (fd < 0)
		return -errno;
	s->tmp_fd = fd;
	if (s->fail_fill)
		return -EIO;
	if (s->in && bpf_map_update_batch(fd, s->ikeys, s->ivals, &count, &o))
		return -errno;
	if (count != s->in)
		return -EIO;
	s->fd1 = fd;
	return 0;
}

void dp_swap_run(struct dp_swap *s)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	s->count = 0;
	if (!s->n)
		return;
	if (s->kind == DP_SWAP_INDEX && (s->err = index_fill(s))) {
		return;
	} else if (s->fail) {
		s->err = -EIO;
	} else if (s->n == 1) {
		s->err = bpf_map_update_elem(s->map_fd, s->keys, s->fds, BPF_ANY) ? -errno : 0;
		s->count = !s->err;
	} else {
		s->count = s->n;
		s->err = bpf_map_update_batch(s->map_fd, s->keys, s->fds, &s->count, &o) ? -errno : 0;
		if (!s->err && s->count != s->n)
			s->err = -EIO;
	}
}

static void swap_release(struct dp_swap *s)
{
	if (s->keys != &s->key1)
		free(s->keys);
	if (s->fds != &s->fd1)
		free(s->fds);
	free(s->ikeys);
	free(s->ivals);
	s->ikeys = NULL;
	s->ivals = NULL;
	if (s->tmp_fd >= 0)
		close(s->tmp_fd);
	s->keys = NULL;
	s->fds = NULL;
	s->tmp_fd = -1;
	s->n = 0;
	s->kind = DP_SWAP_NONE;
}

int dp_rings_stage(struct dp *dp, struct dp_swap *s)
{
	uint32_t n = 0;

	memset(s, 0, sizeof(*s));
	s->tmp_fd = -1;
	s->kind = DP_SWAP_RINGS;
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
		n += dp->rings[v] && (dp->rings[v]->pending || dp->rings[v]->removing);
	if (!n)
		return 0;
	s->keys = malloc(n * sizeof(*s->keys));
	s->fds = malloc(n * sizeof(*s->fds));
	if (!s->keys || !s->fds) {
		swap_release(s);
		return -ENOMEM;
	}
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct ring *r = dp->rings[v];

		if (r && (r->pending || r->removing)) {
			s->keys[s->n] = v;
			s->fds[s->n++] = r->removing ? dp->spare->fd : r->fd;
		}
	}
	s->map_fd = bpf_map__fd(dp->skel->maps.rings);
	s->fail = dp_write_fails();
	return 0;
}

/*
 * The new index, placed here (the CPU's part); the worker makes its map,
 * fills it and swaps it in (dp_swap_run), so the loop waits for neither.
 */
int dp_index_stage(struct dp *dp, struct dp_swap *s)
{
	struct dsrlb_vip_slot *table = malloc(sizeof(*table) * VIPINDEX_TABLE_SLOTS);
	int err;

	memset(s, 0, sizeof(*s));
	s->tmp_fd = -1;
	s->kind = DP_SWAP_INDEX;
	s->ikeys = calloc(dp->nentries ? (size_t)dp->nentries : 1, sizeof(*s->ikeys));
	s->ivals = calloc(dp->nentries ? (size_t)dp->nentries : 1, sizeof(*s->ivals));
	if (!table || !s->ikeys || !s->ivals) {
		err = -ENOMEM;
		goto out;
	}
	err = vipindex_place(dp->entries, dp->nentries, table);
	if (err)
		goto out;
	/* A new array is all zeroes (empty slots): write only the used ones. */
	for (uint32_t i = 0; i < VIPINDEX_TABLE_SLOTS; i++) {
		if (!table[i].family)
			continue;
		s->ikeys[s->in] = i;
		s->ivals[s->in++] = table[i];
	}
	s->fail_fill = s->in && dp_write_fails();
	swap_one(s, bpf_map__fd(dp->skel->maps.vip_index), -1);
	if (s->fail_fill)
		s->fail = false; /* the update is never tried */
	s->kind = DP_SWAP_INDEX;
out:
	free(table);
	if (err)
		swap_release(s);
	return err;
}

int dp_barrier_stage(struct dp *dp, struct dp_swap *s)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .inner_map_fd = dp->spare->fd);
	int fd;

	memset(s, 0, sizeof(*s));
	s->tmp_fd = -1;
	/* a map-in-map update returns only after a grace period (kernel: maybe_wait_bpf_programs) */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "dsrlb_barrier", sizeof(uint32_t),
			    sizeof(uint32_t), 1, &o);
	if (fd < 0)
		return -errno;
	swap_one(s, fd, dp->spare->fd);
	s->kind = DP_SWAP_BARRIER;
	s->tmp_fd = fd;
	return 0;
}

int dp_swap_finish(struct dp *dp, struct dp_swap *s)
{
	int err = s->err;

	/* rings: as far as the batch went, each new ring is in, each removed one is gone */
	for (uint32_t i = 0; s->kind == DP_SWAP_RINGS && i < s->count && i < s->n; i++) {
		struct ring *r = dp->rings[s->keys[i]];

		if (r->removing) {
			ring_free(r);
			dp->rings[s->keys[i]] = NULL;
		} else {
			r->pending = false;
			ring_free(r->prev);
			r->prev = NULL;
		}
	}
	swap_release(s);
	return err;
}

/* The same three, waiting here (a tool, a test, the start before the loop serves). */
static int swap_now(struct dp *dp, struct dp_swap *s, int staged)
{
	if (staged) {
		swap_release(s);
		return staged;
	}
	dp_swap_run(s);
	return dp_swap_finish(dp, s);
}

int dp_rings_commit(struct dp *dp)
{
	struct dp_swap s;

	return swap_now(dp, &s, dp_rings_stage(dp, &s));
}

int dp_index_commit(struct dp *dp)
{
	struct dp_swap s;

	return swap_now(dp, &s, dp_index_stage(dp, &s));
}

int dp_barrier(struct dp *dp)
{
	struct dp_swap s;

	return swap_now(dp, &s, dp_barrier_stage(dp, &s));
}
