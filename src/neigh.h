/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend MAC resolution through the kernel's neighbour table (rtnetlink).
 * We never ARP ourselves: we ask the kernel for a "managed" entry
 * (NTF_EXT_MANAGED, Linux 5.16+), which it resolves and keeps fresh.
 */
#ifndef DSRLB_NEIGH_H
#define DSRLB_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"

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

#endif
