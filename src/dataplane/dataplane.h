/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data plane as seen from user space: load the BPF object (skeleton),
 * pin and adopt its maps, write them, attach it, read its counters. Every
 * function returns 0 or -errno and prints nothing; the order in which they
 * are called (backends before rings, rings before the index, retire last)
 * is the engine's (src/engine/apply.c), which is what keeps changes safe
 * while traffic flows.
 *
 *   load.c      open, pin, adopt, attach, detach
 *   rings.c     each VIP's ring (two halves, flipped) and its vip_info
 *   maps.c      backends, ids, lc counts, flows
 *   counters.c  per-CPU counters, reasons, flow-table stats
 *   index.c     the VIP index (staged, then swapped in whole)
 */
#ifndef DSRLB_DATAPLANE_H
#define DSRLB_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb_abi.h"
#include "lib/addr.h"

struct dp;

struct dp_opts {
	uint32_t hash_seed;
	uint8_t ifmac[6];   /* the interface's MAC: only frames to it are balanced */
	int ifindex;        /* recorded in the pinned meta (0: not checked) */
	uint64_t netns;     /* its network namespace's inode (0: not checked) */
	/*
	 * Where the maps are pinned (a directory on a bpffs), or NULL for none.
	 * Maps already pinned there are reused: their contents, the rings and
	 * the id assignments are adopted (dp_adopted()).
	 */
	const char *pin_dir;
	/* The flow table: entries (0 = none), idle timeouts (s), new entries/s per CPU. */
	uint32_t flow_size, tcp_timeout, udp_timeout, new_flows_per_sec;
};

enum dp_mode { DP_MODE_AUTO, DP_MODE_NATIVE, DP_MODE_SKB };
/* DP_VIP_ICMP: struct dsrlb_icmp_counter read as a struct dsrlb_counter (packets: forwarded, bytes: unmatched). */
enum dp_counter_map { DP_VIP_STATS, DP_BACKEND_STATS, DP_VIP_ICMP };

/* ---- load.c -------------------------------------------------------------------------- */

/*
 * -EMEDIUMTYPE: the pinned state was built for another seed, flow table or
 * ABI (dp_pinned_meta() says which); -EXDEV: for another interface or
 * network namespace. Nothing was changed either way. -EINVAL from libbpf
 * with pinned maps: their layout differs from this version's.
 */
int dp_open(struct dp **out, const struct dp_opts *opts);
bool dp_adopted(const struct dp *dp);
int dp_pinned_meta(const char *pin_dir, struct dsrlb_meta *m);
void dp_close(struct dp *dp);
int dp_prog_fd(const struct dp *dp);
int dp_backends_fd(const struct dp *dp);
/* Remove every pin under dir and dir itself. */
void dp_unpin_dir(const char *dir);
/*
 * Attach; with DP_MODE_AUTO tries native first. *used gets the mode in use.
 * With take_over, a dsrlb program attached already (a previous daemon's) is
 * replaced in one step, in its mode. Any other program, or any program at all
 * without take_over, is left alone (-EBUSY).
 */
int dp_attach(struct dp *dp, int ifindex, enum dp_mode mode, bool take_over,
	      enum dp_mode *used);
int dp_detach(struct dp *dp, int ifindex, enum dp_mode used);
/* Detach whatever dsrlb program is on ifindex (no dp needed). -ENOENT if none. */
int dp_detach_any(int ifindex);
/* dsrlb trace: its ring buffer, the switch that makes the program write, records lost. */
int dp_trace_fd(const struct dp *dp);
void dp_trace_enable(struct dp *dp, bool on);
uint64_t dp_trace_lost(const struct dp *dp);

/* ---- rings.c ------------------------------------------------------------------------- */

/*
 * Write slots[0..size) as the idle half of VIP vip's table, scheduler sched
 * (enum dsrlb_sched); nothing live changes. A VIP without a ring, or whose
 * ring is too small (or far too large), gets a new one holding both its live
 * half and the new one; it enters the data plane at dp_rings_commit().
 */
int dp_ring_write(struct dp *dp, uint32_t vip, uint32_t sched, const uint32_t *slots,
		  uint32_t size);
/*
 * Wait until no packet still runs on what it read before (one RCU grace
 * period, ~10 ms): an id may then be given to another backend.
 */
int dp_barrier(struct dp *dp);
/* Put every new ring into the rings map (one batch: one RCU grace period). */
int dp_rings_commit(struct dp *dp);

/*
 * The three calls above and dp_index_commit, in steps, for a caller that
 * must not wait (swap.c): stage on the loop (may fail: -errno, nothing to
 * run or finish), dp_swap_run anywhere (it waits for the grace period and
 * touches nothing but s), then dp_swap_finish on the loop (its result).
 * Nothing else may change the rings or the index between stage and finish.
 */
enum dp_swap_kind { DP_SWAP_NONE, DP_SWAP_RINGS, DP_SWAP_INDEX, DP_SWAP_BARRIER };
struct dp_swap {
	enum dp_swap_kind kind;
	int map_fd;        /* the map of maps updated */
	uint32_t *keys;
	int *fds;
	uint32_t n, count; /* asked; done */
	uint32_t key1;     /* one element needs no allocation */
	int fd1;
	int tmp_fd;        /* a map made for the swap, closed at the finish */
	bool fail;         /* refused on cue (lib/fault.h), decided when staged */
	/* DP_SWAP_INDEX: the slots of the new index, written into its map by dp_swap_run */
	uint32_t *ikeys, in;
	struct dsrlb_vip_slot *ivals;
	bool fail_fill;
	int err;
};
int dp_rings_stage(struct dp *dp, struct dp_swap *s);
int dp_index_stage(struct dp *dp, struct dp_swap *s);
int dp_barrier_stage(struct dp *dp, struct dp_swap *s);
void dp_swap_run(struct dp_swap *s);
int dp_swap_finish(struct dp *dp, struct dp_swap *s);
/* Make the half written last live (one store), or go back to the other one. */
int dp_ring_flip(struct dp *dp, uint32_t vip);
int dp_ring_unflip(struct dp *dp, uint32_t vip);
/* Forget a ring not yet committed (a change that failed). */
void dp_ring_discard(struct dp *dp, uint32_t vip);
/* Remove a VIP's ring once the index no longer names it (batched: dp_rings_commit). */
int dp_ring_remove(struct dp *dp, uint32_t vip);
/* The live table: its scheduler and size, and (if slots) its content. -ENOENT: no ring. */
int dp_ring_read(struct dp *dp, uint32_t vip, uint32_t *sched, uint32_t *size, uint32_t *slots);
/* Bytes a slot of the live table: 1, 2 or 4, as narrow as its backend ids allow (0: no ring). */
uint32_t dp_ring_slot_bytes(const struct dp *dp, uint32_t vip);
/* The backend id in one slot of the live table (DSRLB_BID_BAD if none). */
uint32_t dp_ring_get(const struct dp *dp, uint32_t vip, uint32_t slot);
/* Memory of a VIP's ring (both halves), in bytes; 0 if none. */
uint64_t dp_ring_bytes(const struct dp *dp, uint32_t vip);
/* Bytes a new ring for a table of size slots, scheduler sched, takes (pages included). */
uint64_t dp_ring_bytes_for(uint32_t sched, uint32_t size);
/* A VIP's idle timeouts for flows that start from now on (seconds; 0 = the default). */
int dp_vip_timeouts(struct dp *dp, uint32_t vip, uint32_t tcp, uint32_t udp);
/* rr's count of flows started, back to 0 (a VIP id given to a new VIP), or read. */
int dp_vip_rr_reset(struct dp *dp, uint32_t vip);
int dp_vip_rr(struct dp *dp, uint32_t vip, uint64_t *n);

/* ---- maps.c -------------------------------------------------------------------------- */

struct dp_backend_write {
	uint32_t id;
	uint8_t mac[6];
	bool valid;     /* false: the entry is cleared (its flows are placed again) */
	bool new_owner; /* the id names another backend than before: generation up,
			 * lc count and counters to 0 */
};
/* Write n backend entries (the data plane never gets an all-zero MAC: -EINVAL). */
int dp_backends_write(struct dp *dp, const struct dp_backend_write *w, int n);
int dp_backend_read(struct dp *dp, uint32_t id, struct dsrlb_backend *out);

/* The id assignments kept with the maps (struct dsrlb_ctl_key -> id). */
int dp_ids_put(struct dp *dp, const struct dsrlb_ctl_key *k, const uint32_t *ids, int n);
int dp_ids_del(struct dp *dp, const struct dsrlb_ctl_key *k, int n);
typedef void (*dp_ids_cb)(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx);
int dp_ids_foreach(struct dp *dp, dp_ids_cb cb, void *ctx);

/* lc's active flows per backend id, as the program keeps them. */
int dp_conns_get(struct dp *dp, uint32_t id, int64_t *n);
int dp_conns_set(struct dp *dp, uint32_t id, int64_t n);
/* lc's counts of ids [first, first + n), in one batch. */
int dp_conns_read(struct dp *dp, uint32_t first, uint32_t n, int64_t *out);

/*
 * The flow table as the control plane reads it (flows.c): a way decoded.
 * seen and timeout are flow ticks (DSRLB_FLOW_TICK_SHIFT), gen the low 8
 * bits of the backend entry's generation. learned: in the learned region
 * (a peer's, not seen here since).
 */
struct dp_flow {
	uint64_t key;
	uint32_t backend, gen, flags;
	uint16_t seen, timeout;
	bool learned;
};
/* Does f still decide (its backend be valid, the same generation, not idle past its timeout)? */
bool dp_flow_live(const struct dp_flow *f, const struct dsrlb_backend *be, uint16_t now);
/* The flow clock (flow_now() in the program). */
uint16_t dp_flow_now(void);
uint32_t dp_flow_regions(const struct dp *dp);
/* Bytes the flow table takes (every region); and would take for a size on this machine. */
uint64_t dp_flow_bytes(const struct dp *dp);
uint64_t dp_flow_bytes_for(uint32_t size);

/*
 * Walking the flow table a slice at a time (the loop must not block): each
 * call hands the entries of up to max buckets to cb and returns how many it
 * read, or -errno; *done at the end (the next call starts over). A flow that
 * moved CPU may be seen twice until its old copy ages out.
 */
struct dp_flow_walk;
typedef void (*dp_flow_cb)(const struct dp_flow *f, void *ctx);
int dp_flow_walk_new(struct dp *dp, struct dp_flow_walk **out);
int dp_flow_walk_step(struct dp_flow_walk *w, uint32_t max, dp_flow_cb cb, void *ctx,
		      bool *done);
/* The same in two steps: fetch (anywhere; it touches only w), then each on the loop (true: the end). */
int dp_flow_walk_fetch(struct dp_flow_walk *w, uint32_t max);
bool dp_flow_walk_each(struct dp_flow_walk *w, dp_flow_cb cb, void *ctx);
void dp_flow_walk_free(struct dp_flow_walk *w);
/*
 * The copy of a flow that decides, CPU regions first (-ENOENT: none, or no
 * flow table); and writing a learned flow (the learned region, which only
 * the control plane writes).
 */
int dp_flow_get(struct dp *dp, uint64_t key, struct dp_flow *out);
int dp_flow_put(struct dp *dp, const struct dp_flow *f);

/* ---- counters.c ---------------------------------------------------------------------- */

/* Zero one VIP's or backend's counters (an id taken by a new owner). */
int dp_counter_reset(struct dp *dp, enum dp_counter_map which, uint32_t id);
/* The counters of ids [first, first + n), summed over CPUs: one syscall per batch. */
int dp_counters_read(struct dp *dp, enum dp_counter_map which, uint32_t first, uint32_t n,
		     struct dsrlb_counter *out);
int dp_reasons(struct dp *dp, uint64_t out[DSRLB_R__MAX]);
int dp_flow_stats(struct dp *dp, uint64_t out[DSRLB_FS__MAX]);

/* ---- index.c ------------------------------------------------------------------------- */

/*
 * Route {addr, port (0 = every port), proto} to a VIP id whose ring exists.
 * Staged: nothing changes in the data plane until dp_index_commit() builds the
 * new VIP index and swaps it in (-ENOSPC/-EEXIST leave the old one in place).
 */
void dp_index_reset(struct dp *dp);
int dp_index_add(struct dp *dp, const struct dsrlb_addr *addr, uint16_t port, uint8_t proto,
		 uint32_t vip);
/* Would dp_index_commit() place the staged routes? (-ENOSPC/-EEXIST; writes nothing) */
int dp_index_check(struct dp *dp);
int dp_index_commit(struct dp *dp);

/* ---- test hooks (DSRLB_TEST_FAULT, lib/fault.h) ---------------------------------------- */

/* The number of map writes made so far (the fault tests aim at the Nth). */
uint64_t dp_writes(void);

#endif
