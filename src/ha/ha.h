/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This balancer's part among several (issue 14), as the real engines read it:
 *
 *   announce  a host route (dev lo, protocol 197) in a kernel table of our
 *             own for each VIP address this balancer can serve; bird2's
 *             kernel protocol learns them and BGP announces them, so a route
 *             that goes is a withdrawal within milliseconds;
 *   vrrp      a track file keepalived reads (the number of VIPs this
 *             balancer cannot serve: 0 is healthy, anything else FAULT), and
 *             the VIPs on lo with ARP and NDP silent, so a standby's health
 *             probes reach the backends instead of the master.
 *
 * The engine says which VIP addresses exist (ha_use) and which can be served
 * (ha_serve), and opens the gate once it is ready (attached, MACs known,
 * every health check answered once, peers' flows learned) unless in
 * maintenance. A daemon that took over a pinned data plane leaves routes and
 * the track file as the last daemon left them until it is ready: a restart
 * withdraws nothing.
 */
#ifndef DSRLB_HA_H
#define DSRLB_HA_H

#include <stdbool.h>

#include "config/config.h"
#include "lib/addr.h"

struct ha;

enum ha_gate {
	HA_WAIT,   /* not ready yet: withdrawn, unless taken over from a daemon that served */
	HA_OPEN,   /* announce what can be served */
	HA_CLOSED, /* maintenance: withdraw everything, keep forwarding what still arrives */
};

/* adopted: the data plane was pinned and serving before this daemon. */
int ha_open(struct ha **out, const struct cfg *c, bool adopted, char *err, size_t errlen);
void ha_close(struct ha *h);
/* A VIP at address a appears (+1) or goes (-1) from the model. */
void ha_use(struct ha *h, const struct dsrlb_addr *a, int delta);
/* A VIP at a becomes servable (+1) or stops being (-1). */
void ha_serve(struct ha *h, const struct dsrlb_addr *a, int delta);
/* The gate, and how many VIPs of all cannot be served (for the track file). */
void ha_gate(struct ha *h, enum ha_gate g, int vips, int serving);

struct ha_status {
	bool announcing;  /* announce configured */
	int announced;    /* addresses announced now */
	int track;        /* the value in the track file; -1: none written */
	enum ha_gate gate;
};
void ha_status(const struct ha *h, struct ha_status *out);

/*
 * dsrlb stop --detach, first: the track file says nothing can be served and
 * c's routes go; then the wait of c->announce.withdraw_wait_ms for the
 * routers and keepalived to move traffic away.
 */
int ha_withdraw_all(const struct cfg *c, char *err, size_t errlen);
/* And after the detach: the VIPs leave lo (vrrp.vips_on_lo). */
void ha_forget_lo(const struct cfg *c);
/* Are the VIPs put on lo, ARP and NDP silent (vrrp.vips_on_lo, or announce)? */
bool ha_vips_on_lo(const struct cfg *c);

#endif
