/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The engine keeps the data plane equal to the model: it plans each change
 * (plan.c), applies it whole or not at all (apply.c), and re-plans a VIP when
 * one of its backends' health or MAC changes (health/, resolve.c). It owns
 * the model (config/model.h). Every entry point returns at once: MACs are
 * resolved in the background, and status comes from figures kept up to date
 * by jobs on the loop (figures.c), never from a dump per request.
 *
 *   engine.c   start, stop
 *   adopt.c    the pinned data plane: opened, adopted, removed
 *   jobs.c     changes, reloads, re-plans and retirements, one at a time
 *   report.c   what the engine says in the log
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
#include "lib/hist.h"

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

/*
 * Changes are queued and run one at a time on the loop (jobs.c); done is
 * called on a later pass, never from inside the call that queued it. When
 * r is not 0 nothing changed: err says why, field names the key concerned
 * (or is NULL). Both are valid during the call only.
 */
struct engine_result {
	int r;
	const char *err;
	const char *field;
};
typedef void (*engine_done_fn)(void *ctx, const struct engine_result *res);

/*
 * A new model (a reload; c is the engine's from now on). -EINVAL (a setting
 * that needs a restart) or -ENOMEM at once, with err; otherwise 0 and done
 * follows.
 */
int engine_reload(struct engine *e, struct cfg *c, engine_done_fn done, void *ctx, char *err,
		  size_t errlen);
/*
 * One VIP changes: v (the engine's from now on; NULL: deleted) takes the
 * place of the VIP named old (NULL: v is added). persist (the main config's
 * path, or NULL): then write the file that holds the VIP back, and if that
 * fails take the change back (r -EIO). 0 and done follows, or -ENOMEM at
 * once (v freed).
 */
int engine_change(struct engine *e, const char *old, struct cfg_vip *v, const char *persist,
		  engine_done_fn done, void *ctx);
/* No change running or queued. */
bool engine_idle(const struct engine *e);
/* The caller with this ctx goes away: its changes still run, unheard. */
void engine_forget(struct engine *e, void *ctx);

const struct model *engine_model(const struct engine *e);
/* The origin string for a VIP file, kept once in the model (config.h, cfg_origin). */
const char *engine_origin(struct engine *e, const char *path);
const char *engine_iface(const struct engine *e);
/* "native" or "skb" */
const char *engine_mode(const struct engine *e);

/*
 * Several balancers (serve.c, ha/ha.h): maintenance withdraws every VIP of
 * this balancer while it keeps forwarding what arrives; kept in state_dir.
 */
int engine_maintenance(struct engine *e, bool on, char *err, size_t errlen);
bool engine_in_maintenance(const struct engine *e);
struct engine_serve_status {
	bool ready;        /* attached, MACs and health known, peers' flows learned */
	bool maintenance;
	int vips_serving;  /* VIPs with a backend that takes new flows */
	bool announcing;   /* announce.table is set */
	int announced;     /* VIP addresses announced now */
	int track;         /* the track file's value (-1: none) */
};
void engine_serve_status(const struct engine *e, struct engine_serve_status *out);

/* How late each health probe started after its time (the loop's health, seen from a check). */
const struct hist *engine_probe_lateness(const struct engine *e);

/* Print one line per VIP (and reasons) at log level info. */
void engine_print_stats(struct engine *e, const char *when);

/*
 * detach: remove the program, the pins and the neighbour entries we created
 * (the quick start). Otherwise leave the data plane running on its last
 * state, for the next daemon to adopt (dsrlb run).
 */
int engine_stop(struct engine *e, bool detach);

/* dsrlb stop --detach: remove a (daemon's) data plane without a daemon. */
/* 0, or -EXDEV (with err naming the pin_dir) when what is pinned there is another interface's or namespace's. */
int engine_pinned_check(const char *iface, const char *pin_dir, int *ifindex, char *err, size_t errlen);
int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen);

#endif
