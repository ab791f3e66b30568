// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Each VIP's ring (its table in two halves, see dsrlb_ring_pos) and its
 * vip_info, both written through mmap: the idle half's slots, then its
 * scheduler and size, then the flip, one aligned store of vip_info.half. A
 * packet reads the old table or the new one, never half of each, and the
 * data plane's own rr counter (vip_rr) is never written back over.
 *
 * A ring that must grow is replaced by a new map holding the live half as it
 * is and the new table in the idle half; it enters the rings map (one RCU
 * grace period for all of a change's new rings) before the flip. A removed
 * VIP's ring is replaced by one shared spare ring, batched with the next
 * change's, because every map-in-map update, a delete too, waits for a grace
 * period.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dataplane/dp_int.h"

static struct ring *ring_new(uint32_t units)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (dp_write_fails()) { /* the kernel's memory for a new map, refused on cue */
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->elems = DSRLB_RING_ELEMS(units < DSRLB_RING_LINE_SLOTS ? DSRLB_RING_LINE_SLOTS : units);
	r->cap = r->elems;
	r->fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_ring", sizeof(uint32_t),
			       sizeof(uint64_t), r->elems, &o);
	if (r->fd < 0)
		goto fail;
	if (bpf_obj_get_info_by_fd(r->fd, &info, &len))
		goto fail;
	r->id = info.id;
	r->mem = mmap(NULL, (size_t)r->elems * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->fd, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		goto fail;
	}
	return r;
fail: {
	int err = errno;

	if (r->fd >= 0)
		close(r->fd);
	free(r);
	errno = err;
	return NULL;
}
}

/* The capacity (4-byte words a half) a new ring gets: a table's exact size; room to grow for a sequence. */
static uint32_t cap_for(uint32_t sched, uint32_t units)
{
	if (sched == DSRLB_SCHED_RR || sched == DSRLB_SCHED_LC)
		return units * 2 > 64 ? units * 2 : 64;
	return units;
}

/* The narrowest slots for these ids: narrow (dsrlb_ring_pos) and the base they count from. */
static uint32_t narrow_for(const uint32_t *slots, uint32_t size, uint32_t *base)
{
	uint32_t lo = 0xffffffffu, hi = 0;

	for (uint32_t s = 0; s < size; s++) {
		lo = slots[s] < lo ? slots[s] : lo;
		hi = slots[s] > hi ? slots[s] : hi;
	}
	*base = size ? lo : 0;
	if (!size || hi - lo < 0xff)
		return 2;
	if (hi - lo < 0xffff)
		return 1;
	*base = 0;
	return 0;
}

static void write_half(struct ring *r, uint32_t half, const uint32_t *slots, uint32_t size,
		       uint32_t narrow, uint32_t base)
{
	uint32_t per_line = 16u << narrow, shift;

	/*
	 * A line at a time, each element stored once and whole: a packet that
	 * read the half just before an earlier flip sees an old id or a new
	 * one, never a half-written element.
	 */
	for (uint32_t first = 0; first < size; first += per_line) {
		uint64_t v[8] = { 0 };
		uint32_t e0 = dsrlb_ring_pos(first, half, narrow, &shift);

		for (uint32_t s = first; s < size && s < first + per_line; s++) {
			uint32_t e = dsrlb_ring_pos(s, half, narrow, &shift);

			v[e - e0] |= (uint64_t)((slots[s] - base) & DSRLB_RING_MASK(narrow)) << shift;
		}
		for (int i = 0; i < 8; i++)
			__atomic_store_n(&r->mem[e0 + i], v[i], __ATOMIC_RELAXED);
	}
}

int dp_ring_write(struct dp *dp, uint32_t vip, uint32_t sched, const uint32_t *slots,
		  uint32_t size)
{
	struct dsrlb_vip_info *vi;
	struct ring *r, *n;
	uint32_t idle, live_units, need, base, narrow = narrow_for(slots, size, &base), units;

	if (vip >= DSRLB_MAX_VIPS || size > DSRLB_RING_SIZE_MAX)
		return -EINVAL;
	vi = &dp->info[vip];
	r = dp->rings[vip];
	if (!r) {
		/* a new VIP id, or one given back: it starts empty */
		memset(vi, 0, sizeof(*vi));
	}
	if (r && r->removing)
		r->removing = false; /* the id is taken again before its ring went */
	idle = (vi->half & 1) ^ 1;
	units = DSRLB_RING_UNITS(size, narrow);
	live_units = r ? DSRLB_RING_UNITS(vi->size[vi->half & 1], vi->narrow[vi->half & 1] % 3) : 0;
	need = units > live_units ? units : live_units;
	if (r && r->cap >= units && !(r->cap > 4 * DSRLB_RING_ELEMS(need) && r->cap > 64)) {
		write_half(r, idle, slots, size, narrow, base);
	} else {
		n = ring_new(cap_for(sched, need));
		if (!n)
			return -errno;
		if (r) /* the live half, as it is: the new map is live before the flip */
			for (uint32_t l = 0; l < DSRLB_RING_ELEMS(live_units) / 16; l++)
				memcpy(&n->mem[l * 16 + (vi->half & 1) * 8],
				       &r->mem[l * 16 + (vi->half & 1) * 8], 8 * sizeof(uint64_t));
		write_half(n, idle, slots, size, narrow, base);
		n->pending = true;
		if (r && r->pending) { /* a second write before a commit replaces the first */
			n->prev = r->prev;
			r->prev = NULL;
			ring_free(r);
		} else {
			n->prev = r;
		}
		dp->rings[vip] = n;
	}
	vi->sched[idle] = (uint16_t)sched;
	vi->size[idle] = size;
	vi->narrow[idle] = (uint8_t)narrow;
	vi->base[idle] = base;
	return 0;
}

int dp_ring_flip(struct dp *dp, uint32_t vip)
{
	struct dsrlb_vip_info *vi;

	if (vip >= DSRLB_MAX_VIPS || !dp->rings[vip])
		return -ENOENT;
	vi = &dp->info[vip];
	/* the idle half and its size and scheduler first, then the one store */
	__atomic_store_n(&vi->half, (vi->half & 1) ^ 1, __ATOMIC_SEQ_CST);
	return 0;
}

int dp_ring_unflip(struct dp *dp, uint32_t vip)
{
	return dp_ring_flip(dp, vip);
}

void dp_ring_discard(struct dp *dp, uint32_t vip)
{
	struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;

	if (!r || !r->pending)
		return;
	dp->rings[vip] = r->prev;
	r->prev = NULL;
	ring_free(r);
	if (!dp->rings[vip])
		memset(&dp->info[vip], 0, sizeof(dp->info[vip]));
}

int dp_ring_remove(struct dp *dp, uint32_t vip)
{
	struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;

	if (!r)
		return -ENOENT;
	if (r->pending) {
		dp_ring_discard(dp, vip);
		if (!dp->rings[vip])
			return 0;
		r = dp->rings[vip];
	}
	/* nothing reaches it through the index any more: its vip_info goes back to zeroes */
	memset(&dp->info[vip], 0, sizeof(dp->info[vip]));
	r->removing = true;
	return 0;
}

int dp_ring_read(struct dp *dp, uint32_t vip, uint32_t *sched, uint32_t *size, uint32_t *slots)
{
	struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;
	const struct dsrlb_vip_info *vi;
	uint32_t h;

	if (!r || r->removing)
		return -ENOENT;
	vi = &dp->info[vip];
	h = vi->half & 1;
	if (sched)
		*sched = vi->sched[h];
	if (size)
		*size = vi->size[h];
	for (uint32_t s = 0; slots && s < vi->size[h]; s++)
		slots[s] = dp_ring_get(dp, vip, s);
	return 0;
}

uint32_t dp_ring_get(const struct dp *dp, uint32_t vip, uint32_t slot)
{
	const struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;
	const struct dsrlb_vip_info *vi;
	uint32_t h, narrow, shift, v;
	uint64_t e;

	if (!r || r->removing)
		return 0xffffffffu;
	vi = &dp->info[vip];
	h = vi->half & 1;
	narrow = vi->narrow[h] % 3;
	if (slot >= vi->size[h] || DSRLB_RING_UNITS(slot + 1, narrow) > r->cap)
		return 0xffffffffu;
	e = __atomic_load_n(&r->mem[dsrlb_ring_pos(slot, h, narrow, &shift)], __ATOMIC_RELAXED);
	v = (uint32_t)(e >> shift) & DSRLB_RING_MASK(narrow);
	return narrow ? vi->base[h] + v : v;
}

uint32_t dp_ring_slot_bytes(const struct dp *dp, uint32_t vip)
{
	const struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;

	if (!r || r->removing)
		return 0;
	return 4u >> (dp->info[vip].narrow[dp->info[vip].half & 1] % 3);
}

static uint64_t bytes_of(uint32_t cap)
{
	uint64_t b = (uint64_t)DSRLB_RING_ELEMS(cap < 16 ? 16 : cap) * sizeof(uint64_t);

	return (b + 4095) & ~(uint64_t)4095;
}

uint64_t dp_ring_bytes_for(uint32_t sched, uint32_t size)
{
	return bytes_of(cap_for(sched, size));
}

uint64_t dp_ring_bytes(const struct dp *dp, uint32_t vip)
{
	const struct ring *r = vip < DSRLB_MAX_VIPS ? dp->rings[vip] : NULL;

	return r && !r->removing ? bytes_of(r->cap) : 0;
}

int dp_vip_timeouts(struct dp *dp, uint32_t vip, uint32_t tcp, uint32_t udp)
{
	if (vip >= DSRLB_MAX_VIPS)
		return -EINVAL;
	dp->info[vip].tcp_timeout = tcp;
	dp->info[vip].udp_timeout = udp;
	return 0;
}

int dp_vip_rr_reset(struct dp *dp, uint32_t vip)
{
	uint64_t zero = 0;

	return dp_write(bpf_map__fd(dp->skel->maps.vip_rr), &vip, &zero, BPF_ANY);
}

int dp_vip_rr(struct dp *dp, uint32_t vip, uint64_t *n)
{
	return bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.vip_rr), &vip, n) ? -errno : 0;
}

/*
 * At open: map every live ring back into our memory; make (or find) the
 * spare ring. A ring slot holding the spare is a VIP without a ring.
 */
int dp_rings_adopt(struct dp *dp, uint32_t spare_id)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t *keys = malloc(DSRLB_MAX_VIPS * sizeof(*keys)), *ids = malloc(DSRLB_MAX_VIPS * sizeof(*ids));
	uint32_t out = 0, n = DSRLB_MAX_VIPS;
	int err = 0, rfd = bpf_map__fd(dp->skel->maps.rings);

	if (!keys || !ids) {
		err = -ENOMEM;
		goto done;
	}
	if (spare_id) {
		dp->spare = calloc(1, sizeof(*dp->spare));
		if (!dp->spare) {
			err = -ENOMEM;
			goto done;
		}
		dp->spare->fd = bpf_map_get_fd_by_id(spare_id);
		dp->spare->id = spare_id;
		if (dp->spare->fd < 0) {
			free(dp->spare);
			dp->spare = NULL;
		}
	}
	if (!dp->spare && !(dp->spare = ring_new(DSRLB_RING_LINE_SLOTS))) {
		err = -errno;
		goto done;
	}
	/* an array of maps answers a lookup with the inner map's id */
	if (bpf_map_lookup_batch(rfd, NULL, &out, keys, ids, &n, &o) && errno != ENOENT) {
		err = -errno;
		goto done;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		struct ring *r;

		if (!ids[i] || ids[i] == dp->spare->id || keys[i] >= DSRLB_MAX_VIPS)
			continue;
		r = calloc(1, sizeof(*r));
		if (!r) {
			err = -ENOMEM;
			goto done;
		}
		r->fd = bpf_map_get_fd_by_id(ids[i]);
		if (r->fd < 0 || bpf_obj_get_info_by_fd(r->fd, &info, &len)) {
			err = -errno;
			if (r->fd >= 0)
				close(r->fd);
			free(r);
			goto done;
		}
		r->id = ids[i];
		r->elems = info.max_entries;
		r->cap = r->elems;
		r->mem = mmap(NULL, (size_t)r->elems * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			      MAP_SHARED, r->fd, 0);
		if (r->mem == MAP_FAILED) {
			err = -errno;
			close(r->fd);
			free(r);
			goto done;
		}
		dp->rings[keys[i]] = r;
	}
done:
	free(keys);
	free(ids);
	return err;
}
