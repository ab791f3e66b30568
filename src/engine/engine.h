/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The engine keeps the data plane equal to the model: it plans each change
 * (plan.c), applies it whole or not at all (apply.c), and re-plans a VIP when
 * one of its backends' health or MAC changes (health/, resolve.c). It owns
 * the model (config/model.h). Every entry point returns at once: MACs are
 * resolved in the background, and status comes from figures kept up to date
 * by jobs on the loop (figures.c), never from a dump per request.
 *
 *   engine.c   start, adoption, changes, re-plans, stop
 *   plan.c     what a change writes (pure)
 *   apply.c    writing it, rolling back, retiring
 *   tables.c   Maglev tables and rr/wrr/lc sequences
 *   resolve.c  backend MACs without waiting
 *   figures.c  counters, rates and active flows, sampled in slices
 *   status.c   the status as JSON
 *   trace.c    what a trace record means in the model's words
 */
#ifndef DSRLB_ENGINE_H
#define DSRLB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/model.h"
#include "daemon/loop.h"

struct engine;

/*
 * Load (a daemon adopts what an earlier daemon pinned for this interface),
 * take the model c (its contents are the engine's from now on, even on
 * error) and start finding the backends' MACs. Nothing is attached yet.
 * 0, or -errno with a message in err.
 */
int engine_open(struct engine **out, struct loop *l, struct cfg *c, bool daemon, char *err,
		size_t errlen);
/* Backends still being resolved (not yet past resolve_timeout). */
bool engine_resolving(const struct engine *e);
/*
 * Apply the model and attach. all_resolved: refuse (-ETIMEDOUT, a message
 * naming the backend) if a backend has no MAC yet (the quick start); a
 * daemon starts anyway, its unresolved backends taking no new flows.
 */
int engine_attach(struct engine *e, bool all_resolved, char *err, size_t errlen);

/* A new model (a reload; c is the engine's from now on). On error nothing changed. */
int engine_reload(struct engine *e, struct cfg *c, char *err, size_t errlen);
/*
 * One VIP changes: v (the engine's from now on; NULL: deleted) takes the
 * place of the VIP named old (NULL: v is added). *gone gets the VIP it
 * replaced (the caller's now), so that the caller can undo with another
 * engine_change. 0, or -errno with err (and *field, the key it concerns);
 * then nothing changed and v is freed.
 */
int engine_change(struct engine *e, const char *old, struct cfg_vip *v, struct cfg_vip **gone,
		  char *err, size_t errlen, const char **field);

const struct model *engine_model(const struct engine *e);
/* The origin string for a VIP file, kept once in the model (config.h, cfg_origin). */
const char *engine_origin(struct engine *e, const char *path);
const char *engine_iface(const struct engine *e);
/* "native" or "skb" */
const char *engine_mode(const struct engine *e);

/* Print one line per VIP (and reasons) at log level info. */
void engine_print_stats(struct engine *e, const char *when);

/*
 * detach: remove the program, the pins and the neighbour entries we created
 * (the quick start). Otherwise leave the data plane running on its last
 * state, for the next daemon to adopt (dsrlb run).
 */
int engine_stop(struct engine *e, bool detach);

/* dsrlb stop --detach: remove a (daemon's) data plane without a daemon. */
int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen);

#endif
