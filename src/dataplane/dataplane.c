// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/dataplane.h"
#include "dsrlb.skel.h"
#include "dataplane/vipindex.h"

/* A VIP's ring as user space holds it: mapped, and which half is live. */
struct ring {
	int fd;
	uint64_t *mem; /* 2 * ring_size values on the kernel's 8-byte stride */
	uint32_t half;
	uint32_t prev_sched; /* before the last swap, for dp_ring_revert() */
	bool pending;  /* not in the rings map yet: dp_commit() puts it there */
};

struct dp {
	struct dsrlb_bpf *skel;
	int ncpus;
	uint32_t ring_size, flow_size;
	bool adopted;
	struct ring *rings[DSRLB_MAX_VIPS];
	/* The VIP index as the control plane wants it; dp_commit() writes it. */
	struct dsrlb_vip_slot *entries;
	int nentries, cap;
};

static size_t ring_bytes(const struct dp *dp)
{
	/* two halves; array values sit on an 8-byte stride (elem_size rounded up) */
	return (size_t)2 * dp->ring_size * sizeof(uint64_t);
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

/* Map a live ring back into user space: where it is, and its live half. */
static int ring_adopt(struct dp *dp, uint32_t vip_id)
{
	uint32_t inner_id, half = 0;
	struct ring *r;

	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.rings), &vip_id, &inner_id))
		return 0; /* no ring for this id */
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = bpf_map_get_fd_by_id(inner_id);
	if (r->fd < 0) {
		free(r);
		return -errno;
	}
	r->mem = mmap(NULL, ring_bytes(dp), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED) {
		int err = -errno;

		close(r->fd);
		free(r);
		return err;
	}
	bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.vip_half), &vip_id, &half);
	r->half = half ? 1 : 0;
	dp->rings[vip_id] = r;
	return 0;
}

static int adopt_or_init(struct dp *dp, const struct dp_opts *opts)
{
	struct dsrlb_meta m = {};
	uint32_t zero = 0;
	int fd = bpf_map__fd(dp->skel->maps.meta), err;

	if (bpf_map_lookup_elem(fd, &zero, &m))
		return -errno;
	if (!m.abi) {
		m.abi = DSRLB_ABI_VERSION;
		m.ring_size = dp->ring_size;
		m.hash_seed = opts->hash_seed;
		m.flow_size = opts->flow_size;
		return bpf_map_update_elem(fd, &zero, &m, BPF_ANY) ? -errno : 0;
	}
	if (m.abi != DSRLB_ABI_VERSION || m.ring_size != dp->ring_size ||
	    m.hash_seed != opts->hash_seed || m.flow_size != opts->flow_size)
		return -EMEDIUMTYPE;
	dp->adopted = true;
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++) {
		err = ring_adopt(dp, v);
		if (err)
			return err;
	}
	return 0;
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
	if (bpf_map_lookup_elem(fd, &zero, m))
		err = -errno;
	close(fd);
	return err;
}

bool dp_adopted(const struct dp *dp)
{
	return dp->adopted;
}

int dp_open(struct dp **out, const struct dp_opts *opts)
{
	LIBBPF_OPTS(bpf_map_create_opts, ring_opts, .map_flags = BPF_F_MMAPABLE);
	struct dp *dp = calloc(1, sizeof(*dp));
	int err, tmpl;

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
	dp->ring_size = opts->ring_size ? opts->ring_size : DSRLB_RING_SIZE_DEFAULT;
	if (dp->ring_size > DSRLB_RING_SIZE_MAX) {
		err = -EINVAL;
		goto fail;
	}
	dp->skel->rodata->knobs.hash_seed = opts->hash_seed;
	dp->skel->rodata->knobs.ring_size = dp->ring_size;
	dp->skel->rodata->knobs.tcp_timeout = opts->tcp_timeout;
	dp->skel->rodata->knobs.udp_timeout = opts->udp_timeout;
	dp->skel->rodata->knobs.new_flows_per_sec = opts->flow_size ? opts->new_flows_per_sec : 0;
	dp->flow_size = opts->flow_size;
	/* LRU maps are preallocated: size is memory (about 100 bytes an entry). */
	err = bpf_map__set_max_entries(dp->skel->maps.flows, opts->flow_size ? opts->flow_size : 1);
	if (err)
		goto fail;
	memcpy((void *)dp->skel->rodata->knobs.ifmac, opts->ifmac, 6);
	/*
	 * The rings' template, sized before load so that lookups are inlined.
	 * Mmapable, so that a ring is written through memory instead of a
	 * syscall's worth of work per slot (25 ms -> 0.1 ms at 65537).
	 */
	tmpl = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_ring_tmpl", sizeof(uint32_t),
			      sizeof(uint32_t), 2 * dp->ring_size, &ring_opts);
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
	if (!err && opts->pin_dir)
		err = adopt_or_init(dp, opts);
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
	for (int i = 0; i < DSRLB_MAX_VIPS; i++) {
		struct ring *r = dp->rings[i];

		if (!r)
			continue;
		munmap(r->mem, ring_bytes(dp));
		close(r->fd);
		free(r);
	}
	dsrlb_bpf__destroy(dp->skel);
	free(dp->entries);
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

int dp_ids_put(struct dp *dp, const struct dsrlb_ctl_key *k, uint32_t id)
{
	return bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ids), k, &id, BPF_ANY) ? -errno : 0;
}

int dp_ids_del(struct dp *dp, const struct dsrlb_ctl_key *k)
{
	return bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.ids), k) ? -errno : 0;
}

int dp_ids_foreach(struct dp *dp, dp_ids_cb cb, void *ctx)
{
	int fd = bpf_map__fd(dp->skel->maps.ids);
	struct dsrlb_ctl_key k, next;
	uint32_t id;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &id))
			cb(&next, id, ctx);
		k = next;
		prev = &k;
	}
	return 0;
}

static int update(struct bpf_map *map, const void *key, const void *val)
{
	return bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY) ? -errno : 0;
}

int dp_backend_set(struct dp *dp, uint32_t id, const uint8_t mac[6], bool new_owner)
{
	static const uint8_t zero[6];
	struct dsrlb_backend v = {};

	/* The data plane must never send to 00:00:00:00:00:00. */
	if (!memcmp(mac, zero, 6))
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.backends), &id, &v))
		return -errno;
	if (new_owner) {
		int64_t zero_conns = 0;

		v.gen++;
		/* lc: the new owner starts with no active flows */
		int err = update(dp->skel->maps.backend_conns, &id, &zero_conns);

		/* and its counters start at 0: they are the new backend's */
		if (!err)
			err = dp_counter_reset(dp, DP_BACKEND_STATS, id);
		if (err)
			return err;
	}
	memcpy(v.mac, mac, 6);
	v.flags = DSRLB_BACKEND_F_VALID;
	return update(dp->skel->maps.backends, &id, &v);
}

int dp_backend_clear(struct dp *dp, uint32_t id)
{
	struct dsrlb_backend v = {};

	/* Keep the generation: the next owner of this id gets a new one. */
	bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.backends), &id, &v);
	memset(v.mac, 0, sizeof(v.mac));
	v.flags = 0;
	return update(dp->skel->maps.backends, &id, &v);
}

uint32_t dp_ring_size(const struct dp *dp)
{
	return dp->ring_size;
}

static struct ring *ring_new(struct dp *dp, uint32_t vip_id)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_MMAPABLE);
	struct ring *r = calloc(1, sizeof(*r));
	uint32_t zero = 0;
	int err;

	if (!r)
		return NULL;
	r->fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_ring", sizeof(uint32_t),
			       sizeof(uint32_t), 2 * dp->ring_size, &copts);
	if (r->fd < 0)
		goto fail;
	r->mem = mmap(NULL, ring_bytes(dp), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->mem == MAP_FAILED)
		goto fail_fd;
	/*
	 * Into the rings map at dp_commit(), all new rings in one batch: every
	 * map-in-map update waits for a grace period, one per batch is enough.
	 */
	err = update(dp->skel->maps.vip_half, &vip_id, &zero);
	if (!err) {
		/* half 1 is idle: the first table is written there and flipped to */
		r->half = 0;
		r->pending = true;
		return r;
	}
	munmap(r->mem, ring_bytes(dp));
	errno = -err;
fail_fd:
	close(r->fd);
fail:
	free(r);
	return NULL;
}

int dp_ring_swap(struct dp *dp, uint32_t vip_id, const uint32_t *ring)
{
	return dp_ring_swap_sched(dp, vip_id, ring, DSRLB_SCHED_MAGLEV, 0);
}

int dp_ring_swap_sched(struct dp *dp, uint32_t vip_id, const uint32_t *ring, uint32_t sched,
		       uint32_t seq_len)
{
	struct dsrlb_vip_info vi = {};
	struct ring *r;
	uint32_t next;
	uint64_t *dst;

	if (vip_id >= DSRLB_MAX_VIPS)
		return -EINVAL;
	r = dp->rings[vip_id];
	if (!r) {
		r = ring_new(dp, vip_id);
		if (!r)
			return -errno;
		dp->rings[vip_id] = r;
	}
	next = r->half ^ 1;
	dst = r->mem + (size_t)next * dp->ring_size;
	/*
	 * Nobody reads the idle half: the last flip away from it happened at
	 * least one change ago. A straggler that still does reads one aligned
	 * slot, which holds an old or a new backend id, both valid.
	 */
	for (uint32_t i = 0; i < dp->ring_size; i++)
		dst[i] = ring[i];
	/* The scheduler and the idle half's length, before the flip makes it live. */
	bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.vip_info), &vip_id, &vi);
	r->prev_sched = vi.sched;
	vi.sched = sched;
	vi.seq_len[next] = seq_len;
	if (update(dp->skel->maps.vip_info, &vip_id, &vi))
		return -errno;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* The flip: one aligned 4-byte store into the array. */
	if (update(dp->skel->maps.vip_half, &vip_id, &next))
		return -errno;
	r->half = next;
	return 0;
}

static struct dsrlb_vip_slot *entry_get(struct dp *dp, const struct dsrlb_addr *a,
					uint16_t port, uint8_t proto)
{
	struct dsrlb_vip_slot key = {}, *e;

	memcpy(key.addr, a->bytes, a->family == DSRLB_AF_INET ? 4 : 16);
	key.family = a->family;
	key.port = htons(port);
	key.proto = port ? proto : 0;
	for (int i = 0; i < dp->nentries; i++) {
		e = &dp->entries[i];
		if (e->family == key.family && e->proto == key.proto && e->port == key.port &&
		    !memcmp(e->addr, key.addr, sizeof(key.addr)))
			return e;
	}
	if (dp->nentries == dp->cap) {
		int cap = dp->cap ? dp->cap * 2 : 64;
		void *n = realloc(dp->entries, (size_t)cap * sizeof(*e));

		if (!n)
			return NULL;
		dp->entries = n;
		dp->cap = cap;
	}
	e = &dp->entries[dp->nentries++];
	*e = key;
	e->vip[0] = e->vip[1] = DSRLB_VIP_NONE;
	return e;
}

int dp_vip_set(struct dp *dp, const struct dsrlb_addr *addr, uint16_t port, uint8_t proto,
	       uint32_t vip_id)
{
	struct dsrlb_vip_slot *as, *ps;
	int pi = proto == IPPROTO_UDP;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || vip_id == DSRLB_VIP_NONE)
		return -EINVAL;
	as = entry_get(dp, addr, 0, 0);
	if (!as)
		return -ENOMEM;
	if (!port) {
		as->vip[pi] = vip_id;
		return 0;
	}
	as->port_vips[pi] = 1;
	ps = entry_get(dp, addr, port, proto);
	if (!ps)
		return -ENOMEM;
	ps->vip[0] = vip_id;
	return 0;
}

int dp_ring_revert(struct dp *dp, uint32_t vip_id)
{
	struct dsrlb_vip_info vi = {};
	struct ring *r = vip_id < DSRLB_MAX_VIPS ? dp->rings[vip_id] : NULL;
	uint32_t prev;

	if (!r)
		return -ENOENT;
	prev = r->half ^ 1;
	if (update(dp->skel->maps.vip_half, &vip_id, &prev))
		return -errno;
	r->half = prev;
	bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.vip_info), &vip_id, &vi);
	vi.sched = r->prev_sched;
	return update(dp->skel->maps.vip_info, &vip_id, &vi);
}

int dp_vips_check(struct dp *dp)
{
	struct dsrlb_vip_slot *table = malloc(sizeof(*table) * VIPINDEX_TABLE_SLOTS);
	int err;

	if (!table)
		return -ENOMEM;
	err = vipindex_place(dp->entries, dp->nentries, table);
	free(table);
	return err;
}

void dp_vips_reset(struct dp *dp)
{
	dp->nentries = 0;
}

int dp_ring_del(struct dp *dp, uint32_t vip_id)
{
	struct ring *r;
	int err = 0;

	if (vip_id >= DSRLB_MAX_VIPS || !dp->rings[vip_id])
		return -ENOENT;
	r = dp->rings[vip_id];
	if (!r->pending &&
	    bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.rings), &vip_id))
		err = -errno;
	munmap(r->mem, ring_bytes(dp));
	close(r->fd);
	free(r);
	dp->rings[vip_id] = NULL;
	return err;
}

/* Put every new ring into the rings map with one batch update. */
static int rings_commit(struct dp *dp)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	uint32_t *keys = malloc(DSRLB_MAX_VIPS * sizeof(*keys)), n = 0, count;
	int *fds = malloc(DSRLB_MAX_VIPS * sizeof(*fds)), err = 0;

	if (!keys || !fds) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++) {
		if (dp->rings[v] && dp->rings[v]->pending) {
			keys[n] = v;
			fds[n++] = dp->rings[v]->fd;
		}
	}
	count = n;
	if (n && bpf_map_update_batch(bpf_map__fd(dp->skel->maps.rings), keys, fds, &count,
				      &bopts))
		err = -errno;
	for (uint32_t i = 0; i < count && i < n; i++)
		dp->rings[keys[i]]->pending = false;
	if (!err && count != n)
		err = -EIO;
out:
	free(keys);
	free(fds);
	return err;
}

int dp_commit(struct dp *dp)
{
	struct dsrlb_vip_slot *table = malloc(sizeof(*table) * VIPINDEX_TABLE_SLOTS), *vals;
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	uint32_t *keys, n = 0, zero = 0;
	int err, fd = -1;

	keys = calloc(dp->nentries ? dp->nentries : 1, sizeof(*keys));
	vals = calloc(dp->nentries ? dp->nentries : 1, sizeof(*vals));
	if (!table || !keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	err = vipindex_place(dp->entries, dp->nentries, table);
	if (err)
		goto out;
	/* Rings first: the new index may point at VIPs whose ring is new. */
	err = rings_commit(dp);
	if (err)
		goto out;
	/* A new array is all zeroes (empty slots): write only the used ones. */
	for (uint32_t s = 0; s < VIPINDEX_TABLE_SLOTS; s++) {
		if (!table[s].family)
			continue;
		keys[n] = s;
		vals[n++] = table[s];
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_vip_index", sizeof(uint32_t),
			    sizeof(struct dsrlb_vip_slot), VIPINDEX_TABLE_SLOTS, NULL);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (n) {
		uint32_t count = n;

		err = bpf_map_update_batch(fd, keys, vals, &count, &bopts) ? -errno : 0;
		if (!err && count != n)
			err = -EIO;
		if (err)
			goto out;
	}
	err = update(dp->skel->maps.vip_index, &zero, &fd);
out:
	if (fd >= 0)
		close(fd);
	free(table);
	free(keys);
	free(vals);
	return err;
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

static struct bpf_map *counter_map(struct dp *dp, enum dp_counter_map which)
{
	return which == DP_VIP_STATS ? dp->skel->maps.vip_stats : dp->skel->maps.backend_stats;
}

int dp_counter_reset(struct dp *dp, enum dp_counter_map which, uint32_t id)
{
	struct bpf_map *map = counter_map(dp, which);
	struct dsrlb_counter *v = calloc(dp->ncpus, sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	err = bpf_map_update_elem(bpf_map__fd(map), &id, v, BPF_ANY) ? -errno : 0;
	free(v);
	return err;
}

int dp_counter_sum(struct dp *dp, enum dp_counter_map which, uint32_t id,
		   struct dsrlb_counter *sum)
{
	struct bpf_map *map = counter_map(dp, which);
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

/* out[i] = the sum over CPUs of a per-CPU u64 array's slot i, i < n. */
static int percpu_sums(struct dp *dp, struct bpf_map *map, uint32_t n, uint64_t *out)
{
	uint64_t *v = calloc(dp->ncpus, sizeof(*v));
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

int dp_vip_timeouts(struct dp *dp, uint32_t vip_id, uint32_t tcp, uint32_t udp)
{
	struct dsrlb_vip_info vi = {};

	if (vip_id >= DSRLB_MAX_VIPS)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.vip_info), &vip_id, &vi))
		return -errno;
	vi.tcp_timeout = tcp;
	vi.udp_timeout = udp;
	return update(dp->skel->maps.vip_info, &vip_id, &vi);
}

uint32_t dp_now(void)
{
	struct timespec ts;

	/* bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE; dsrlb_now() shifts by 30 */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((((uint64_t)ts.tv_sec * 1000000000ull) + (uint64_t)ts.tv_nsec) >> 30);
}

int dp_conns_count(struct dp *dp, int64_t *counts, bool all, uint64_t *live)
{
	enum { BATCH = 4096 };
	int ffd = bpf_map__fd(dp->skel->maps.flows), bfd = bpf_map__fd(dp->skel->maps.backends);
	struct dsrlb_flow_key *keys = calloc(BATCH, sizeof(*keys));
	struct dsrlb_flow *vals = calloc(BATCH, sizeof(*vals));
	struct dsrlb_backend *be = calloc(DSRLB_MAX_BACKENDS, sizeof(*be));
	uint32_t now = dp_now(), batch_out = 0, n;
	bool first = true, done = false;
	int err = 0;

	if (!keys || !vals || !be) {
		err = -ENOMEM;
		goto out;
	}
	memset(counts, 0, sizeof(*counts) * DSRLB_MAX_BACKENDS);
	if (live)
		*live = 0;
	for (uint32_t id = 0; id < DSRLB_MAX_BACKENDS; id++)
		bpf_map_lookup_elem(bfd, &id, &be[id]);
	/* The table may change meanwhile: what it misses, the next count gets. */
	while (!done) {
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, o);

		n = BATCH;
		if (bpf_map_lookup_batch(ffd, first ? NULL : &batch_out, &batch_out, keys, vals, &n,
					 &o)) {
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			done = true;
		}
		first = false;
		for (uint32_t i = 0; i < n; i++) {
			const struct dsrlb_flow *f = &vals[i];

			if ((all || (f->flags & DSRLB_FLOW_F_COUNTED)) &&
			    f->backend < DSRLB_MAX_BACKENDS && now - f->seen <= f->timeout &&
			    be[f->backend].gen == f->gen &&
			    (be[f->backend].flags & DSRLB_BACKEND_F_VALID)) {
				counts[f->backend]++;
				if (live)
					++*live;
			}
		}
	}
out:
	free(keys);
	free(vals);
	free(be);
	return err;
}

int dp_conns_get(struct dp *dp, uint32_t id, int64_t *n)
{
	return bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.backend_conns), &id, n) ? -errno : 0;
}

int dp_conns_set(struct dp *dp, uint32_t id, int64_t n)
{
	return update(dp->skel->maps.backend_conns, &id, &n);
}
