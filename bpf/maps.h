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

/* {address, port, protocol} -> VIP. Port 0 matches every port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, struct dsrlb_vip_key);
	__type(value, struct dsrlb_vip);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vips SEC(".maps");

/*
 * Addresses that carry any VIP. Consulted only for frames we cannot fully
 * parse (fragments, options, truncated L4) to decide drop (ours) or pass.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, struct dsrlb_addr_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vip_addrs SEC(".maps");

/*
 * One Maglev ring per VIP id: slot -> backend id. Each ring is built aside in
 * a fresh inner map and swapped in with one update, so a reader sees the old
 * ring or the new one, never a half-written one. BPF_F_INNER_MAP lets rings
 * differ in size (the table size is per VIP).
 */
struct dsrlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_RING_SIZE_DEFAULT);
	__type(key, __u32);
	__type(value, __u32);
	__uint(map_flags, BPF_F_INNER_MAP);
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

/* Interfaces we are attached to: ifindex -> our MAC on it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSRLB_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct dsrlb_iface);
} ifaces SEC(".maps");

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
