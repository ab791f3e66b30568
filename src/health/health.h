/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Health checks: one per (VIP, backend) with a check configured. Probes are
 * non-blocking sockets driven by the daemon's poll loop. By default a probe
 * goes to VIP:port and reaches the backend the way a client's packet does:
 * its socket mark makes the tc program on lo (bpf/hc.bpf.c) send it to that
 * backend's MAC. A check passes rise times to come up and fails fall times to
 * go down; what the table sees changes at most once per hold-down.
 */
#ifndef DSRLB_HEALTH_H
#define DSRLB_HEALTH_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct health;

struct hc_target {
	const char *vip_name;
	struct vip_spec spec;
	struct dsrlb_addr backend;
	uint32_t bid;          /* the backend's id: its MAC in the data plane */
	struct dsrlb_addr src; /* ours, on the interface, to probe from (not a VIP) */
	struct cfg_check check;
	uint32_t hold_down_ms;
};

/*
 * iface: where probes leave; backends_fd: the data plane's backends map (the
 * steering program reads MACs from it). Nothing is loaded until a VIP-true
 * check exists. Returns 0 or -errno.
 */
int health_open(struct health **out, const char *iface, int backends_fd);
/* The same with another tc filter handle and mark base (dsrlb doctor beside a daemon). */
int health_open_as(struct health **out, const char *iface, int backends_fd, uint32_t tc_handle,
		   uint32_t mark_base);
void health_close(struct health *h);

/*
 * The checks to run from now on. A check whose VIP, backend and settings are
 * unchanged keeps its state; a new one starts up (it must fail fall times to
 * go down). 0, or -errno with a message in err (the old checks stay).
 */
int health_sync(struct health *h, const struct hc_target *t, int n, char *err, size_t errlen);

/*
 * What the table uses for this backend of this VIP: true unless its check is
 * down (after hold-down). down_since: when it went down (ms, monotonic).
 */
bool health_up(const struct health *h, const struct vip_spec *v, const struct dsrlb_addr *b,
	       uint64_t *down_since);

/* Poll set and timeout for the loop; health_run() after poll returns. */
int health_pollfds(struct health *h, struct pollfd *p, int max);
int health_timeout_ms(const struct health *h, uint64_t now_ms);
/* Drives every check; true if what the table should use changed. */
bool health_run(struct health *h, uint64_t now_ms, const struct pollfd *p, int n);

struct hc_status {
	const char *vip_name;
	struct vip_spec spec;
	struct dsrlb_addr backend;
	enum cfg_check_type type;
	bool up;             /* as the table sees it */
	bool check_up;       /* by rise/fall, before hold-down */
	uint64_t passed, failed;
	uint32_t last_ms;    /* duration of the last probe */
	const char *reason;  /* of the last failure ("" if none) */
};
/* Calls cb for every check; for status output. */
void health_foreach(const struct health *h, void (*cb)(const struct hc_status *, void *),
		    void *ctx);

uint64_t health_now_ms(void);

#endif
