/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Health checks: one per (VIP, backend) with a check configured, each a
 * non-blocking socket and two timers registered with the daemon's loop. By
 * default a probe goes to VIP:port and reaches the backend the way a
 * client's packet does: its socket mark makes the tc program on lo
 * (bpf/hc.bpf.c, steer.c) send it to that backend's MAC. A check passes rise
 * times to come up and fails fall times to go down; what the table sees
 * changes at most once per hold-down, and each such change is reported.
 *
 *   health.c        the checks, their state machine and timers
 *   check_tcp.c, check_http.c, check_udp.c   what each type sends and expects
 *   steer.c         the steering program and accept_local
 */
#ifndef DSRLB_HEALTH_H
#define DSRLB_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "daemon/loop.h"
#include "lib/hist.h"

struct health;

struct hc_target {
	uint32_t vip;          /* the VIP's id: a check is known by (vip, backend) */
	const char *vip_name;
	struct vip_spec spec;
	struct dsrlb_addr backend;
	uint32_t bid;          /* the backend's id: its MAC in the data plane */
	struct dsrlb_addr src; /* ours, on the interface, to probe from (not a VIP) */
	struct cfg_check check;
	uint32_t hold_down_ms;
};

/* What the table should use changed for a backend of vip. */
typedef void (*health_changed_fn)(void *ctx, uint32_t vip);

/*
 * iface: where probes leave; backends_fd: the data plane's backends map (the
 * steering program reads MACs from it). Nothing is loaded until a VIP-true
 * check exists. 0 or -errno.
 */
int health_open(struct health **out, struct loop *l, const char *iface, int backends_fd,
		health_changed_fn fn, void *ctx);
/* The same with another tc filter handle and mark base (dsrlb doctor beside a daemon). */
int health_open_as(struct health **out, struct loop *l, const char *iface, int backends_fd,
		   uint32_t tc_handle, uint32_t mark_base, health_changed_fn fn, void *ctx);
void health_close(struct health *h);

/*
 * The checks of VIP vip from now on (n = 0: none). A check whose backend and
 * settings are unchanged keeps its state and its probe in flight; a new one
 * starts up (it must fail fall times to go down). 0, or -errno with a
 * message in err (the VIP's old checks stay).
 */
int health_set(struct health *h, uint32_t vip, const struct hc_target *t, int n, char *err,
	       size_t errlen);

/*
 * What the table uses for this backend of this VIP: true unless its check is
 * down (after hold-down). down_since: when it went down (ms, monotonic).
 * (plan_env.health_up)
 */
bool health_up(void *h, uint32_t vip, const struct dsrlb_addr *b, uint64_t *down_since);

struct hc_status {
	const char *vip_name;
	uint32_t vip;
	struct vip_spec spec;
	struct dsrlb_addr backend;
	enum cfg_check_type type;
	bool up;             /* as the table sees it */
	bool check_up;       /* by rise/fall, before hold-down */
	uint64_t passed, failed;
	uint32_t last_ms;    /* duration of the last probe */
	uint64_t last_at;    /* when it ended (ms) */
	const char *reason;  /* of the last failure ("" if none) */
};
/* One check's status; false if it has none. */
bool health_status(const struct health *h, uint32_t vip, const struct dsrlb_addr *b,
		   struct hc_status *out);
/* Every check's (dsrlb doctor). */
void health_foreach(const struct health *h, void (*cb)(const struct hc_status *, void *),
		    void *ctx);
/* Checks run, and probes started since open (the benchmark's lateness figure). */
size_t health_count(const struct health *h);
/* The latest a probe started after its time, since the last call, in ms. */
uint64_t health_latest_start(struct health *h);
/*
 * Checks whose backend is only assumed up: no probe has passed yet, and not
 * enough have failed to take it down. 0 once every backend's health is known.
 */
size_t health_unsettled(const struct health *h);
/* How late each probe started after its time, since open. */
const struct hist *health_lateness(const struct health *h);

#endif
