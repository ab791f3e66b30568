/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend MAC resolution through the kernel's neighbour table (rtnetlink).
 * We ask the kernel for a "managed" entry (NTF_EXT_MANAGED, Linux 5.16+),
 * which it resolves and keeps fresh, and follow its changes. neigh_probe()
 * only hurries the kernel along when a backend's MAC may have changed.
 */
#ifndef DSRLB_NEIGH_H
#define DSRLB_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

/*
 * The kernel's current entry: 0 with mac set when it holds a usable, non-zero
 * link-layer address; -ENOENT when there is none; -EAGAIN when the entry
 * exists but is not resolved (incomplete, failed).
 */
int neigh_lookup(int ifindex, const struct dsrlb_addr *a, uint8_t mac[6]);

/* Asks the kernel to resolve and keep resolving a. 1 if we created the entry. */
int neigh_request(int ifindex, const struct dsrlb_addr *a);

/* Removes the entry (only call for entries neigh_request created). */
int neigh_forget(int ifindex, const struct dsrlb_addr *a);

/*
 * Waits up to timeout_ms for a usable entry, requesting one if needed.
 * *created tells whether we made the entry. 0, -ETIMEDOUT or -errno.
 */
int neigh_resolve(int ifindex, const struct dsrlb_addr *a, int timeout_ms, uint8_t mac[6],
		  bool *created);

/*
 * Following the kernel's neighbour table (RTMGRP_NEIGH): each change of an
 * entry arrives as an event. The fd is non-blocking; poll it, then read.
 */
struct neigh_watch;

struct neigh_event {
	int ifindex;
	struct dsrlb_addr addr;
	bool deleted, failed; /* failed: the kernel gave up resolving it */
	bool has_mac;         /* a usable, non-zero MAC */
	uint8_t mac[6];
};

typedef void (*neigh_event_cb)(const struct neigh_event *ev, void *data);

int neigh_watch_open(struct neigh_watch **out);
int neigh_watch_fd(const struct neigh_watch *w);
/* Calls cb per event until none is left; the count, or -errno (-ENOBUFS: some were lost). */
int neigh_watch_read(struct neigh_watch *w, neigh_event_cb cb, void *data);
void neigh_watch_close(struct neigh_watch *w);

/* Ask the LAN for a's MAC now (ARP request or neighbour solicitation from src). */
int neigh_probe(int ifindex, const uint8_t ifmac[6], const struct dsrlb_addr *src,
		const struct dsrlb_addr *a);

#endif
