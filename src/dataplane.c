// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane.h"
#include "dsrlb.skel.h"

struct dp {
	struct dsrlb_bpf *skel;
	int ncpus;
};

int dp_open(struct dp **out, const struct dp_opts *opts)
{
	struct dp *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return -ENOMEM;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 1) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto fail;
	}
	dp->skel = dsrlb_bpf__open();
	if (!dp->skel) {
		err = -errno;
		goto fail;
	}
	dp->skel->rodata->knobs.hash_seed = opts->hash_seed;
	err = dsrlb_bpf__load(dp->skel);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	dp_close(dp);
	return err;
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	dsrlb_bpf__destroy(dp->skel);
	free(dp);
}

int dp_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.dsrlb_xdp);
}

int dp_pin(struct dp *dp, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	bpf_object__for_each_map(map, dp->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		unlink(path); /* left behind by a run that was killed */
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	return 0;
}

void dp_unpin(struct dp *dp, const char *dir)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, dp->skel->obj) {
		if (!bpf_map__is_internal(map) && bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	}
	rmdir(dir);
}

static int update(struct bpf_map *map, const void *key, const void *val)
{
	return bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY) ? -errno : 0;
}

int dp_iface_set(struct dp *dp, int ifindex, const uint8_t mac[6])
{
	struct dsrlb_iface v = {};
	uint32_t k = (uint32_t)ifindex;

	memcpy(v.mac, mac, 6);
	return update(dp->skel->maps.ifaces, &k, &v);
}

int dp_backend_set(struct dp *dp, uint32_t id, const uint8_t mac[6])
{
	static const uint8_t zero[6];
	struct dsrlb_backend v = {};

	/* The data plane must never send to 00:00:00:00:00:00. */
	if (!memcmp(mac, zero, 6))
		return -EINVAL;
	memcpy(v.mac, mac, 6);
	v.flags = DSRLB_BACKEND_F_VALID;
	return update(dp->skel->maps.backends, &id, &v);
}

int dp_backend_clear(struct dp *dp, uint32_t id)
{
	struct dsrlb_backend v = {};

	return update(dp->skel->maps.backends, &id, &v);
}

int dp_ring_swap(struct dp *dp, uint32_t vip_id, const uint32_t *ring, uint32_t size)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	uint32_t *keys, count = size;
	int fd, err;

	if (!size || size > DSRLB_RING_SIZE_MAX || vip_id >= DSRLB_MAX_VIPS)
		return -EINVAL;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_ring", sizeof(uint32_t),
			    sizeof(uint32_t), size, &copts);
	if (fd < 0)
		return -errno;
	keys = malloc(size * sizeof(*keys));
	if (!keys) {
		close(fd);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < size; i++)
		keys[i] = i;
	/* One syscall for the whole ring, not 65537. */
	err = bpf_map_update_batch(fd, keys, ring, &count, &bopts) ? -errno : 0;
	free(keys);
	if (!err && count != size)
		err = -EIO;
	if (!err)
		err = update(dp->skel->maps.rings, &vip_id, &fd);
	/* The outer map holds its own reference to the ring now. */
	close(fd);
	return err;
}

int dp_vip_set(struct dp *dp, const struct dsrlb_vip_key *key, uint32_t vip_id,
	       uint32_t ring_size)
{
	struct dsrlb_vip v = { .id = vip_id, .ring_size = ring_size };
	struct dsrlb_addr_key ak = {};
	uint32_t one = 1;
	int err;

	memcpy(ak.addr, key->addr, sizeof(ak.addr));
	ak.family = key->family;
	err = update(dp->skel->maps.vip_addrs, &ak, &one);
	if (err)
		return err;
	return update(dp->skel->maps.vips, key, &v);
}

static uint32_t mode_flags(enum dp_mode m)
{
	return m == DP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

int dp_attach(struct dp *dp, int ifindex, enum dp_mode mode, enum dp_mode *used)
{
	int fd = dp_prog_fd(dp), err;
	enum dp_mode first = mode == DP_MODE_AUTO ? DP_MODE_NATIVE : mode;

	/* Never replace somebody else's program: UPDATE_IF_NOEXIST. */
	err = bpf_xdp_attach(ifindex, fd, mode_flags(first) | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err && mode == DP_MODE_AUTO && err != -EBUSY && err != -EEXIST) {
		first = DP_MODE_SKB;
		err = bpf_xdp_attach(ifindex, fd,
				     mode_flags(first) | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	}
	if (!err)
		*used = first;
	return err;
}

int dp_detach(struct dp *dp, int ifindex, enum dp_mode used)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = dp_prog_fd(dp));

	/* REPLACE with old_prog_fd: detach only if the program there is ours. */
	return bpf_xdp_detach(ifindex, mode_flags(used) | XDP_FLAGS_REPLACE, &o);
}

int dp_counter_sum(struct dp *dp, enum dp_counter_map which, uint32_t id,
		   struct dsrlb_counter *sum)
{
	struct bpf_map *map = which == DP_VIP_STATS ? dp->skel->maps.vip_stats :
						      dp->skel->maps.backend_stats;
	struct dsrlb_counter *v = calloc(dp->ncpus, sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	err = bpf_map_lookup_elem(bpf_map__fd(map), &id, v) ? -errno : 0;
	for (int i = 0; !err && i < dp->ncpus; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
	}
	free(v);
	return err;
}

int dp_reasons(struct dp *dp, uint64_t out[DSRLB_R__MAX])
{
	uint64_t *v = calloc(dp->ncpus, sizeof(*v));
	int fd = bpf_map__fd(dp->skel->maps.reasons), err = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t r = 0; r < DSRLB_R__MAX && !err; r++) {
		out[r] = 0;
		err = bpf_map_lookup_elem(fd, &r, v) ? -errno : 0;
		for (int i = 0; !err && i < dp->ncpus; i++)
			out[r] += v[i];
	}
	free(v);
	return err;
}

void dp_vip_key(struct dsrlb_vip_key *k, const struct dsrlb_addr *a, uint16_t port,
		uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->bytes, a->family == DSRLB_AF_INET ? 4 : 16);
	k->port = htons(port);
	k->proto = proto;
	k->family = a->family;
}
