/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The backends' MACs, found without waiting: an address first asked for is
 * looked up in the kernel's neighbour table (a netlink answer, at once); if
 * it has no usable entry the kernel is asked to resolve it (a managed entry)
 * and the backend is "resolving" until the entry's event brings its MAC.
 * Every address in use is asked for once a second (ARP or NDP) so that a
 * changed MAC is followed within about a second. Each address knows the VIPs
 * that use it, so a change re-plans those VIPs and no others.
 */
#ifndef DSRLB_RESOLVE_H
#define DSRLB_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/loop.h"
#include "engine/plan.h"

struct resolver;

/* An address changed (MAC, failed, resolved): re-plan these VIPs. */
typedef void (*resolver_changed_fn)(void *ctx, const uint32_t *vips, int n);

int resolver_open(struct resolver **out, struct loop *l, const char *iface, int ifindex,
		  const uint8_t ifmac[6], int timeout_ms, resolver_changed_fn fn, void *ctx);
/* forget: remove the kernel entries we created (a detaching quick start). */
void resolver_close(struct resolver *r, bool forget);

/* What the planner reads (plan_env.neigh): NEIGH_OK with mac, NEIGH_RESOLVING, NEIGH_FAILED. */
int resolver_state(void *r, const struct dsrlb_addr *a, uint8_t mac[6]);
/* Know a from now on (looked up or asked for now, if new). 0 or -errno. */
int resolver_want(struct resolver *r, const struct dsrlb_addr *a);
/* VIP vip uses a (+1) or stops using it (-1). Addresses no VIP uses are forgotten. */
void resolver_use(struct resolver *r, const struct dsrlb_addr *a, uint32_t vip, int delta);
/* resolve_timeout from now on (a reload). */
void resolver_timeout(struct resolver *r, int timeout_ms);
/* Sources of the ARP/NDP probes (ours on the interface, not a VIP). */
void resolver_sources(struct resolver *r, const struct dsrlb_addr *src4,
		      const struct dsrlb_addr *src6);

struct resolver_view {
	bool known;       /* asked for */
	int state;        /* NEIGH_* */
	bool timed_out;   /* resolving for longer than resolve_timeout */
	uint8_t mac[6];
};
void resolver_view(const struct resolver *r, const struct dsrlb_addr *a, struct resolver_view *out);
/* Addresses still resolving that have not timed out (a start waits for 0). */
int resolver_pending(const struct resolver *r);
/* Each address that has not resolved (for the start's message): calls fn. */
void resolver_foreach_unresolved(const struct resolver *r,
				 void (*fn)(void *ctx, const struct dsrlb_addr *a), void *ctx);

#endif
