/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend MACs through the kernel's neighbour table (rtnetlink, net/netlink.c).
 * We ask the kernel for a "managed" entry (NTF_EXT_MANAGED, Linux 5.16+),
 * which it resolves and keeps fresh, and follow its changes as events.
 * neigh_probe() only hurries the kernel along when a MAC may have changed.
 * Nothing here waits, but neigh_resolve(), for one-shot tools.
 */
#ifndef DSRLB_NEIGH_H
#define DSRLB_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

struct neigh;

/* On ifindex, whose MAC probes come from. 0 or -errno. */
int neigh_open(struct neigh **out, int ifindex, const uint8_t ifmac[6]);
void neigh_close(struct neigh *n);

/*
 * The kernel's current entry: 0 with mac set when it holds a usable, non-zero
 * link-layer address; -ENOENT when there is none; -EAGAIN when the entry
 * exists but is not resolved (incomplete, failed).
 */
int neigh_lookup(struct neigh *n, const struct dsrlb_addr *a, uint8_t mac[6]);
/* Ask the kernel to resolve and keep resolving a. 1 if we created the entry. */
int neigh_request(struct neigh *n, const struct dsrlb_addr *a);
/* Remove the entry (only for entries neigh_request created). */
int neigh_forget(struct neigh *n, const struct dsrlb_addr *a);
/* Wait up to timeout_ms for a usable entry (tools only: it blocks). */
int neigh_resolve(struct neigh *n, const struct dsrlb_addr *a, int timeout_ms, uint8_t mac[6],
		  bool *created);

/* Changes of the table (RTMGRP_NEIGH), on a non-blocking fd to poll. */
struct neigh_event {
	int ifindex;
	struct dsrlb_addr addr;
	bool deleted, failed; /* failed: the kernel gave up resolving it */
	bool has_mac;         /* a usable, non-zero MAC */
	uint8_t mac[6];
};
typedef void (*neigh_event_cb)(const struct neigh_event *ev, void *data);
int neigh_watch_fd(const struct neigh *n);
/* Call cb per event until none is left; the count, or -errno (-ENOBUFS: some were lost). */
int neigh_watch_read(struct neigh *n, neigh_event_cb cb, void *data);

/* Ask the LAN for a's MAC now (ARP request or neighbour solicitation from src). */
int neigh_probe(struct neigh *n, const struct dsrlb_addr *src, const struct dsrlb_addr *a);

#endif
