/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Writing the kernel's addresses and routes over rtnetlink: host addresses on
 * lo (a backend's VIP; a balancer's, for true health checks on a VRRP
 * standby), and host routes in a table of our own (the VIPs this balancer
 * announces: bird's kernel protocol learns them).
 */
#ifndef DSRLB_RTNL_H
#define DSRLB_RTNL_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "net/netlink.h"

/* The protocol number of dsrlb's routes ("proto 197" in ip route). */
#define RTNL_PROTO_DSRLB 197

/* Add or remove a as a host address of lo. -EEXIST / -EADDRNOTAVAIL when it already is / is not. */
int rtnl_lo_addr(struct nl *nl, bool add, const struct dsrlb_addr *a);
/* Add (replacing) or remove the host route a dev lo in table, protocol RTNL_PROTO_DSRLB. */
int rtnl_route(struct nl *nl, bool add, const struct dsrlb_addr *a, uint32_t table);
/* Each host route of protocol RTNL_PROTO_DSRLB in table, IPv4 and IPv6. 0 or -errno. */
int rtnl_routes(struct nl *nl, uint32_t table, void (*cb)(const struct dsrlb_addr *a, void *ctx),
		void *ctx);

#endif
