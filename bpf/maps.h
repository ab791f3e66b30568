/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the data plane, each with its purpose. Layouts come from
 * common/dsrlb_abi.h; the control plane fills these and the program only
 * reads them (counters excepted).
 */
#ifndef DSRLB_MAPS_H
#define DSRLB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dsrlb_abi.h"

/*
 * The VIP index (see struct dsrlb_vip_slot): one inner array, rebuilt by the
 * control plane and swapped in at key 0 with one update.
 */
struct dsrlb_vip_index {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * DSRLB_VIP_INDEX_SLOTS);
	__type(key, __u32);
	/* by size: clang emits only a forward declaration of the struct here */
	__uint(value_size, sizeof(struct dsrlb_vip_slot));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct dsrlb_vip_index);
} vip_index SEC(".maps");

/*
 * One Maglev ring per VIP id: slot -> backend id. Each ring is built aside in
 * a fresh inner map and swapped in with one update, so a reader sees the old
 * ring or the new one, never a half-written one. All rings have the same
 * size (the loader sets it from knobs.ring_size before load), so the
 * verifier inlines the lookup instead of calling a helper.
 */
struct dsrlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_RING_SIZE_DEFAULT);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct dsrlb_ring);
} rings SEC(".maps");

/* Backend id -> MAC and state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct dsrlb_backend);
} backends SEC(".maps");

/* Per-CPU packet and byte counters: per VIP id, per backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct dsrlb_counter);
} vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct dsrlb_counter);
} backend_stats SEC(".maps");

/* Per-CPU count of frames per enum dsrlb_reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_REASONS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} reasons SEC(".maps");

#endif /* DSRLB_MAPS_H */
