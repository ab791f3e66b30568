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
	__type(value, struct dsrlb_vip_slot);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct dsrlb_vip_index);
} vip_index SEC(".maps");

/*
 * One ring per VIP id: its table in two halves (see dsrlb_ring_pos), sized
 * for that VIP, so the inner maps differ in size (BPF_F_INNER_MAP; their
 * lookup is a direct call instead of inlined, and only on a flow's first
 * packet). A change writes the idle half through mmap and flips
 * vip_info.half; a new or resized ring enters with one map-in-map update,
 * all of them in one batch (each such update waits for an RCU grace period).
 */
struct dsrlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_RING_LINE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct dsrlb_ring);
} rings SEC(".maps");

/* VIP id -> its live half, schedulers, table sizes and timeouts (mmapped by the control plane). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct dsrlb_vip_info);
} vip_info SEC(".maps");

/* VIP id -> rr/wrr's count of flows started (the data plane's own; never written by the control plane but to reset it for a new VIP). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u64);
} vip_rr SEC(".maps");

#include "backends_map.h"

/*
 * Backend id -> its active flows (lc): raised when an lc VIP places a flow
 * on it, lowered by FIN/RST; the control plane corrects it from the flow
 * table (flows that idled out never said goodbye). Mapped by the control
 * plane, which reads 262,144 counts without a syscall.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_BACKENDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __s64);
} backend_conns SEC(".maps");

/* Control plane only (see struct dsrlb_meta / dsrlb_ctl_key): pinned state. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dsrlb_meta);
} meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSRLB_MAX_VIPS + DSRLB_MAX_BACKENDS);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory for the ids in use only */
	__type(key, struct dsrlb_ctl_key);
	__type(value, __u32);
} ids SEC(".maps");

/*
 * The flow table (see struct dsrlb_flow_bucket): every CPU's region, then
 * the learned one. Sized by the loader before load; mapped by the control
 * plane, which walks it without a syscall.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct dsrlb_flow_bucket);
} flows SEC(".maps");

/*
 * Per CPU: the clock as this CPU last read it (at most once a jiffy: the
 * helper costs more than the rest of a flow-table hit), and the flood
 * budget's second and entries created in it.
 */
struct flow_cpu {
	__u64 jiffies;
	__u32 now;    /* bpf_ktime_get_coarse_ns() >> 30, read at jiffies */
	__u32 window; /* the budget's second */
	__u32 used;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_cpu);
} flow_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_FS__MAX);
	__type(key, __u32);
	__type(value, __u64);
} flow_stats SEC(".maps");

/*
 * Packet and byte counters per VIP id and per backend id, a region per CPU
 * (cpu * DSRLB_MAX_VIPS + id; cpu * DSRLB_MAX_BACKENDS + id): one line a
 * count, where a per-CPU array reads its element's pointer first, a second
 * random line with 100,000 backends. Sized by the loader, mapped by the
 * control plane.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct dsrlb_counter);
} vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_BACKENDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct dsrlb_counter);
} backend_stats SEC(".maps");

/* Per-CPU ICMP errors per VIP id (struct dsrlb_icmp_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct dsrlb_icmp_counter);
} vip_icmp SEC(".maps");

/* Per-CPU count of frames per enum dsrlb_reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DSRLB_REASONS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} reasons SEC(".maps");

/* dsrlb trace's records (struct dsrlb_trace_event); not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DSRLB_TRACE_RING_BYTES);
} trace SEC(".maps");

#endif /* DSRLB_MAPS_H */
