// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Loading the data plane: the skeleton with its knobs set, the maps pinned
 * under pin_dir (and adopted when an earlier daemon left them there), and
 * attaching to an interface without ever replacing somebody else's program.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataplane/dp_int.h"
#include "lib/fault.h"

static uint64_t writes;

uint64_t dp_writes(void)
{
	return writes;
}

bool dp_write_fails(void)
{
	writes++;
	return fault_hit(FAULT_MAP_WRITE);
}

int dp_write(int fd, const void *key, const void *val, uint64_t flags)
{
	if (dp_write_fails())
		return -EIO;
	return bpf_map_update_elem(fd, key, val, flags) ? -errno : 0;
}

int dp_write_batch(int fd, const void *keys, const void *vals, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t count = n;

	if (!n)
		return 0;
	if (dp_write_fails())
		return -EIO;
	if (bpf_map_update_batch(fd, keys, vals, &count, &o))
		return -errno;
	return count == n ? 0 : -EIO;
}

size_t dp_info_bytes(void)
{
	size_t b = (size_t)DSRLB_MAX_VIPS * sizeof(struct dsrlb_vip_info);

	return (b + 4095) & ~(size_t)4095;
}

/* libbpf reuses a map pinned at its pin path, or creates and pins it there. */
static int set_pin_paths(struct dp *dp, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	bpf_object__for_each_map(map, dp->skel->obj) {
		int err;

		/* internal: the program's own globals; trace: records of the moment */
		if (bpf_map__is_internal(map) || bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

static int meta_write(struct dp *dp, const struct dsrlb_meta *m)
{
	uint32_t zero = 0;

	return dp_write(bpf_map__fd(dp->skel->maps.meta), &zero, m, BPF_ANY);
}

static int adopt_or_init(struct dp *dp, const struct dp_opts *o)
{
	struct dsrlb_meta m = {};
	uint32_t zero = 0;
	int fd = bpf_map__fd(dp->skel->maps.meta), err;

	if (bpf_map_lookup_elem(fd, &zero, &m))
		return -errno;
	if (m.abi) {
		if (m.abi != DSRLB_ABI_VERSION || m.hash_seed != o->hash_seed ||
		    m.flow_size != o->flow_size)
			return -EMEDIUMTYPE;
		if ((o->ifindex && m.ifindex != (uint32_t)o->ifindex) ||
		    (o->netns && m.netns != o->netns))
			return -EXDEV;
		dp->adopted = true;
		err = dp_rings_adopt(dp, m.spare_ring);
		if (err || dp->spare->id == m.spare_ring)
			return err;
		m.spare_ring = dp->spare->id; /* the old one was gone: nothing held it */
		return meta_write(dp, &m);
	}
	m.abi = DSRLB_ABI_VERSION;
	m.hash_seed = o->hash_seed;
	m.flow_size = o->flow_size;
	m.ifindex = (uint32_t)o->ifindex;
	m.netns = o->netns;
	memcpy(m.ifmac, o->ifmac, 6);
	err = dp_rings_adopt(dp, 0); /* creates the spare ring */
	if (err)
		return err;
	m.spare_ring = dp->spare->id;
	return meta_write(dp, &m);
}

int dp_pinned_meta(const char *pin_dir, struct dsrlb_meta *m)
{
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/meta", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(m, 0, sizeof(*m));
	if (bpf_map_lookup_elem(fd, &zero, m))
		err = -errno;
	close(fd);
	return err;
}

bool dp_adopted(const struct dp *dp)
{
	return dp->adopted;
}

/* Every backend entry, once: generations are known without a lookup per write. */
static int shadow_load(struct dp *dp)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int fd = bpf_map__fd(dp->skel->maps.backends);
	uint32_t *keys = malloc(DSRLB_MAX_BACKENDS * sizeof(*keys)), out = 0, n = DSRLB_MAX_BACKENDS;
	int err = 0;

	dp->shadow = calloc(DSRLB_MAX_BACKENDS, sizeof(*dp->shadow));
	if (!keys || !dp->shadow) {
		free(keys);
		return -ENOMEM;
	}
	if (bpf_map_lookup_batch(fd, NULL, &out, keys, dp->shadow, &n, &o) && errno != ENOENT)
		err = -errno;
	free(keys);
	return err;
}

/* The maps with a region per CPU: the flow table (16 bytes an entry, and once more for the learned region), the counters. */
static int size_regions(struct dp *dp, uint32_t flow_size)
{
	int err;

	dp_flow_geometry(dp, flow_size);
	if ((uint64_t)dp->ft_buckets * dp->ft_regions > 0x7fffffffu)
		return -E2BIG;
	dp->skel->rodata->knobs.flow_mask = dp->ft_buckets - 1;
	dp->skel->rodata->knobs.flow_cpus = (uint32_t)dp->ncpus;
	err = bpf_map__set_max_entries(dp->skel->maps.flows,
				       flow_size ? dp->ft_buckets * dp->ft_regions : 1);
	err = err ?: bpf_map__set_max_entries(dp->skel->maps.vip_stats,
					      DSRLB_MAX_VIPS * (uint32_t)dp->ncpus);
	return err ?: bpf_map__set_max_entries(dp->skel->maps.backend_stats,
					       DSRLB_MAX_BACKENDS * (uint32_t)dp->ncpus);
}

int dp_open(struct dp **out, const struct dp_opts *opts)
{
	LIBBPF_OPTS(bpf_map_create_opts, ropts, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	struct dp *dp = calloc(1, sizeof(*dp));
	int err, tmpl = -1;

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
	dp->skel->rodata->knobs.tcp_timeout = opts->tcp_timeout;
	dp->skel->rodata->knobs.udp_timeout = opts->udp_timeout;
	dp->skel->rodata->knobs.new_flows_per_sec = opts->flow_size ? opts->new_flows_per_sec : 0;
	memcpy((void *)dp->skel->rodata->knobs.ifmac, opts->ifmac, 6);
	dp->flow_size = opts->flow_size;
	err = size_regions(dp, opts->flow_size);
	if (err)
		goto fail;
	/* The rings' template: inner maps of any size (BPF_F_INNER_MAP), mmapable. */
	tmpl = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_ring_tmpl", sizeof(uint32_t),
			      sizeof(uint64_t), DSRLB_RING_LINE_SLOTS, &ropts);
	if (tmpl < 0) {
		err = -errno;
		goto fail;
	}
	err = bpf_map__set_inner_map_fd(dp->skel->maps.rings, tmpl);
	if (!err && opts->pin_dir)
		err = set_pin_paths(dp, opts->pin_dir);
	if (!err)
		err = dsrlb_bpf__load(dp->skel);
	close(tmpl);
	if (err)
		goto fail;
	dp->info = mmap(NULL, dp_info_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(dp->skel->maps.vip_info), 0);
	if (dp->info == MAP_FAILED) {
		dp->info = NULL;
		err = -errno;
		goto fail;
	}
	dp->conns = mmap(NULL, (size_t)DSRLB_MAX_BACKENDS * sizeof(int64_t), PROT_READ | PROT_WRITE,
			 MAP_SHARED, bpf_map__fd(dp->skel->maps.backend_conns), 0);
	if (dp->conns == MAP_FAILED) {
		dp->conns = NULL;
		err = -errno;
		goto fail;
	}
	err = dp_flow_map(dp);
	if (!err)
		err = dp_counters_map(dp);
	if (!err)
		err = shadow_load(dp);
	if (!err)
		err = opts->pin_dir ? adopt_or_init(dp, opts) : dp_rings_adopt(dp, 0);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	dp_close(dp);
	return err;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	ring_free(r->prev);
	if (r->mem)
		munmap(r->mem, (size_t)r->elems * sizeof(uint64_t));
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

void dp_close(struct dp *dp)
{
	if (!dp)
		return;
	for (int i = 0; i < DSRLB_MAX_VIPS; i++)
		if (dp->rings[i] != dp->spare)
			ring_free(dp->rings[i]);
	ring_free(dp->spare);
	if (dp->info)
		munmap(dp->info, dp_info_bytes());
	if (dp->conns)
		munmap(dp->conns, (size_t)DSRLB_MAX_BACKENDS * sizeof(int64_t));
	dp_flow_unmap(dp);
	dp_counters_unmap(dp);
	dsrlb_bpf__destroy(dp->skel);
	free(dp->shadow);
	free(dp->entries);
	hmap_free(&dp->staged);
	free(dp);
}

int dp_backends_fd(const struct dp *dp)
{
	return bpf_map__fd(dp->skel->maps.backends);
}

int dp_trace_fd(const struct dp *dp)
{
	return bpf_map__fd(dp->skel->maps.trace);
}

void dp_trace_enable(struct dp *dp, bool on)
{
	/* .bss is mapped into our memory: the program sees this store at once */
	dp->skel->bss->trace_on = on;
}

uint64_t dp_trace_lost(const struct dp *dp)
{
	return __atomic_load_n(&dp->skel->bss->trace_lost, __ATOMIC_RELAXED);
}

int dp_prog_fd(const struct dp *dp)
{
	return bpf_program__fd(dp->skel->progs.dsrlb_xdp);
}

void dp_unpin_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static uint32_t mode_flags(enum dp_mode m)
{
	return m == DP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/* The dsrlb program attached to ifindex, if any: its fd and mode. */
static int attached_dsrlb(int ifindex, int *fd, enum dp_mode *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), id;

	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	if (q.attach_mode == XDP_ATTACHED_NONE)
		return -ENOENT;
	id = q.attach_mode == XDP_ATTACHED_SKB ? q.skb_prog_id : q.drv_prog_id;
	*mode = q.attach_mode == XDP_ATTACHED_SKB ? DP_MODE_SKB : DP_MODE_NATIVE;
	if (!id)
		return -EBUSY; /* hardware or multi-program: not ours */
	*fd = bpf_prog_get_fd_by_id(id);
	if (*fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(*fd, &info, &len) || strcmp(info.name, "dsrlb_xdp")) {
		close(*fd);
		return -EBUSY;
	}
	return 0;
}

int dp_detach_any(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	enum dp_mode mode;
	int fd, err = attached_dsrlb(ifindex, &fd, &mode);

	if (err)
		return err;
	o.old_prog_fd = fd;
	err = bpf_xdp_detach(ifindex, mode_flags(mode) | XDP_FLAGS_REPLACE, &o);
	close(fd);
	return err;
}

int dp_attach(struct dp *dp, int ifindex, enum dp_mode mode, bool take_over,
	      enum dp_mode *used)
{
	int fd = dp_prog_fd(dp), err, old_fd;
	enum dp_mode first = mode == DP_MODE_AUTO ? DP_MODE_NATIVE : mode, old_mode;

	/* A dsrlb program (a previous daemon's): replace it, no gap. */
	if (take_over && !attached_dsrlb(ifindex, &old_fd, &old_mode)) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);

		err = bpf_xdp_attach(ifindex, fd, mode_flags(old_mode) | XDP_FLAGS_REPLACE, &o);
		close(old_fd);
		if (!err)
			*used = old_mode;
		return err;
	}

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
