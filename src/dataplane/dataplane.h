/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The data plane as seen from user space: load the BPF object (skeleton),
 * fill its maps, attach it to interfaces, read its counters.
 *
 * Write order is what makes changes safe while traffic flows: backends are
 * written before any ring names them, a ring is built in a fresh inner map
 * and swapped in whole, and a VIP entry appears only once its ring exists.
 * Every function returns 0 or -errno and prints nothing.
 */
#ifndef DSRLB_DATAPLANE_H
#define DSRLB_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "dsrlb_abi.h"

struct dp;

struct dp_opts {
	uint32_t hash_seed;
	uint32_t ring_size; /* prime; every VIP's ring has this many slots */
	uint8_t ifmac[6];   /* the interface's MAC: only frames to it are balanced */
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
enum dp_counter_map { DP_VIP_STATS, DP_BACKEND_STATS };

/*
 * -EMEDIUMTYPE: the pinned state was built for another table size, seed or
 * ABI (dp_pinned_meta() says which); nothing was changed. -EINVAL from
 * libbpf with pinned maps: their layout differs from this version's.
 */
int dp_open(struct dp **out, const struct dp_opts *opts);
bool dp_adopted(const struct dp *dp);
int dp_pinned_meta(const char *pin_dir, struct dsrlb_meta *m);
void dp_close(struct dp *dp);
int dp_prog_fd(const struct dp *dp);
/*
 * dsrlb trace: the ring buffer of struct dsrlb_trace_event, the switch that
 * makes the program write to it, and how many records found it full.
 */
int dp_trace_fd(const struct dp *dp);
void dp_trace_enable(struct dp *dp, bool on);
uint64_t dp_trace_lost(const struct dp *dp);
/* The backends map (the health-check steering program shares it). */
int dp_backends_fd(const struct dp *dp);

/* Remove every pin under dir and dir itself. */
void dp_unpin_dir(const char *dir);

/* The id assignments kept with the maps (struct dsrlb_ctl_key -> id). */
int dp_ids_put(struct dp *dp, const struct dsrlb_ctl_key *k, uint32_t id);
int dp_ids_del(struct dp *dp, const struct dsrlb_ctl_key *k);
typedef void (*dp_ids_cb)(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx);
int dp_ids_foreach(struct dp *dp, dp_ids_cb cb, void *ctx);

/*
 * new_owner: the id now names another backend than before, so its generation
 * goes up and flows remembered for the old owner are placed again.
 */
int dp_backend_set(struct dp *dp, uint32_t id, const uint8_t mac[6], bool new_owner);
int dp_backend_clear(struct dp *dp, uint32_t id);
/*
 * ring has dp_ring_size() backend ids. An existing VIP's table changes at
 * once (atomically); a new VIP's ring enters the data plane at dp_commit().
 */
int dp_ring_swap(struct dp *dp, uint32_t vip_id, const uint32_t *ring);
/*
 * The same with the VIP's scheduler (enum dsrlb_sched): for rr/wrr, ring
 * holds a sequence of seq_len backends repeated to dp_ring_size().
 */
int dp_ring_swap_sched(struct dp *dp, uint32_t vip_id, const uint32_t *ring, uint32_t sched,
		       uint32_t seq_len);
uint32_t dp_ring_size(const struct dp *dp);
/*
 * Route {addr, port (0 = every port), proto} to a VIP id whose ring exists.
 * Staged: nothing changes in the data plane until dp_commit() builds the new
 * VIP index and swaps it in (-ENOSPC/-EEXIST leave the old one in place).
 */
int dp_vip_set(struct dp *dp, const struct dsrlb_addr *addr, uint16_t port, uint8_t proto,
	       uint32_t vip_id);
int dp_commit(struct dp *dp);
/* Would dp_commit() place the staged VIPs? (-ENOSPC/-EEXIST; writes nothing) */
int dp_vips_check(struct dp *dp);
/* Forget every staged VIP route (the next dp_commit() installs only new ones). */
void dp_vips_reset(struct dp *dp);
/* Remove a VIP's ring once the committed index no longer names the VIP. */
int dp_ring_del(struct dp *dp, uint32_t vip_id);
/*
 * Undo the last dp_ring_swap*() of a live VIP: flip back to the other half,
 * which still holds the previous table, and the previous scheduler.
 */
int dp_ring_revert(struct dp *dp, uint32_t vip_id);

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

/* A VIP's idle timeouts for flows that start from now on (seconds; 0 = the default). */
int dp_vip_timeouts(struct dp *dp, uint32_t vip_id, uint32_t tcp, uint32_t udp);

/*
 * lc's active flows per backend id. dp_conns_count() counts them in the flow
 * table (counted, not idle, backend unchanged) into counts[DSRLB_MAX_BACKENDS];
 * with all, every live flow (not idle, backend unchanged), and their total in
 * *live if not NULL. dp_conns_set() writes one backend's count for the program.
 */
int dp_conns_count(struct dp *dp, int64_t *counts, bool all, uint64_t *live);
int dp_conns_get(struct dp *dp, uint32_t id, int64_t *n);
int dp_conns_set(struct dp *dp, uint32_t id, int64_t n);
/* The program's coarse clock (dsrlb_now()): ~1.07 s units. */
uint32_t dp_now(void);

/* Zero one VIP's or backend's counters (an id taken by a new owner). */
int dp_counter_reset(struct dp *dp, enum dp_counter_map which, uint32_t id);
int dp_counter_sum(struct dp *dp, enum dp_counter_map which, uint32_t id,
		   struct dsrlb_counter *sum);
int dp_reasons(struct dp *dp, uint64_t out[DSRLB_R__MAX]);
int dp_flow_stats(struct dp *dp, uint64_t out[DSRLB_FS__MAX]);

#endif
