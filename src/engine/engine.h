/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The engine applies a whole model (struct cfg) to the data plane: resolve
 * the backends' MACs, keep VIP and backend ids stable across changes, write
 * backends before rings and rings before the VIP index, and only then retire
 * what is gone. A change that cannot be applied in full is refused before
 * anything is written. Shared by the quick start and the daemon.
 */
#ifndef DSRLB_ENGINE_H
#define DSRLB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct engine;

/*
 * Load, apply c, attach. 0 or -errno with a message in err. A daemon adopts
 * the state pinned by an earlier daemon on the same interface (and replaces
 * its program in one step); the quick start refuses to touch such state.
 */
int engine_start(struct engine **out, const struct cfg *c, bool daemon, char *err,
		 size_t errlen);

/* Apply a new model to a running engine (a reload). On error nothing changed. */
int engine_apply(struct engine *e, const struct cfg *c, char *err, size_t errlen);

/*
 * The daemon's loop body: waits up to max_ms for health probes and neighbour
 * events, handles them (re-applying the model when a backend's health or
 * neighbour changes), then the periodic work (lc's recount, rates). extra (at
 * most 8) are polled too, their revents set for the caller (the API's
 * sockets). 0, or -errno; EINTR is not an error (signals end the wait early).
 */
struct pollfd;
int engine_wait(struct engine *e, int max_ms, struct pollfd *extra, int nextra);

/* Print one line per VIP (and reasons) at log level info. */
void engine_print_stats(struct engine *e, const char *when);

/*
 * detach: remove the program, the pins and the neighbour entries we created
 * (the quick start). Otherwise leave the data plane running on its last
 * state, for the next daemon to adopt (dsrlb run).
 */
int engine_stop(struct engine *e, bool detach);

/*
 * Our own address of each family on iface to probe and ask from: not one of
 * c's VIPs (a backend answers a VIP to itself) and not link-local. Zeroed
 * when there is none.
 */
void iface_sources(const char *iface, const struct cfg *c, struct dsrlb_addr *src4,
		   struct dsrlb_addr *src6);

/* dsrlb stop --detach: remove a (daemon's) data plane without a daemon. */
int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen);

#endif
