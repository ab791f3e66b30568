/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one rtnetlink talker: a request and its answer (or ack) on a socket
 * kept open, and a socket joined to multicast groups whose events arrive
 * non-blocking. Neighbours and addresses both go through it.
 */
#ifndef DSRLB_NETLINK_H
#define DSRLB_NETLINK_H

#include <libmnl/libmnl.h>

struct nl;

/* groups: RTMGRP_* to receive events (non-blocking), 0 for requests. */
int nl_open(struct nl **out, unsigned groups);
void nl_close(struct nl *nl);
int nl_fd(const struct nl *nl);

/* Send nlh (its seq is set here) and run cb on each answer until done. 0 or -errno. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Run cb on every event queued; the number of reads, or -errno (-ENOBUFS: events were lost). */
int nl_events(struct nl *nl, mnl_cb_t cb, void *data);

/* One request on a socket of its own (for tools that talk once). */
int nl_once(struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
