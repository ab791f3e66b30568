/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The engine's state, for its own files (engine.c, figures.c, status.c, trace.c). */
#ifndef DSRLB_ENGINE_INT_H
#define DSRLB_ENGINE_INT_H

#include <time.h>

#include "daemon/worker.h"
#include "dataplane/dataplane.h"
#include "engine/apply.h"
#include "engine/engine.h"
#include "engine/resolve.h"
#include "engine/state.h"
#include "health/health.h"

struct ha;
struct sync;

#define BPFFS "/sys/fs/bpf"

/* A counter and its rate over the last second. */
struct fig {
	uint64_t packets, bytes, t_ms;
	double pps, bps;
	uint64_t icmp_forwarded, icmp_unmatched; /* a VIP's ICMP errors */
};

struct engine {
	struct model m;
	struct loop *l;
	struct dp *dp;
	int ifindex;
	uint8_t ifmac[6];
	enum dp_mode used;
	bool attached, pinned, daemon;
	char pindir[300];
	struct app app;
	struct resolver *res;
	struct health *health;
	struct dsrlb_addr src4, src6; /* ours on the interface, not a VIP */
	struct { uint32_t net, mask; } lan4[8]; /* the interface's IPv4 LANs (host order) */
	int nlan4;
	char why[96];                 /* engine_env_refuse's answer */
	/* VIPs to plan again (a backend's health or MAC changed) */
	bool *dirty;
	uint32_t *dirtyq;
	int ndirty;
	struct loop_timer replan, pending;
	/* jobs.c: the changes, one at a time */
	struct job *cur, *q, **q_tail;
	struct loop_timer kick;
	bool replan_due, retire_due;
	struct worker *w;
	struct plan plan;
	bool planned;
	struct apply_run run;
	struct dp_swap swap; /* the janitor's */
	/* serve.c: what this balancer can serve, told to routers and keepalived */
	struct ha *ha;
	bool ha_on, ready, maintenance;
	int nserving;
	struct loop_timer ready_poll;
	/* share.c: flows shared with peers through ha/sync.c (sync NULL: none) */
	struct sync *sync;
	struct sync_flow *exc, *exc_next; /* the exceptions of the last walk, of the one under way */
	size_t nexc, capexc, nexc_next, capexc_next;
	bool rewalk;            /* a table changed during the walk: walk again at its end */
	uint64_t fp_digest;     /* of every VIP's fingerprint (app_vip.fp) */
	uint64_t sync_learned_flows, sync_unmatched;
	uint32_t *bid_vip, capbid_vip; /* backend id -> VIP id, as the walk started */
	/* figures.c: counters sampled a slice at a time, active flows recounted */
	struct fig *fv, *fb;
	int64_t *active, *counted, *walk_active, *walk_counted;
	int64_t *conns; /* lc's active counts as the program keeps them (sampled) */
	int64_t *walk_conns; /* and as the walk under way started */
	struct worker *walker; /* fetches the walk's batches */
	struct worker_job walk_job;
	int walk_r;
	int64_t *prev_conns, *prev_counted; /* as the last walk started, and what it counted */
	bool walking;
	uint64_t live, walk_live;
	uint64_t reasons[DSRLB_R__MAX], fstats[DSRLB_FS__MAX];
	struct dp_flow_walk *walk;
	uint32_t sample_at; /* the next id to sample in this round (VIPs, then backends) */
	struct loop_timer sample, recount;
	bool recounted; /* active[] holds a whole count */
};

/* engine.c */
void engine_find_sources(struct engine *e);
/* Every VIP of m, and the applied VIPs m no longer has. The count, or -ENOMEM. */
int engine_all_reqs(const struct engine *e, const struct model *m, struct plan_req **out);

/* jobs.c */
void engine_jobs_init(struct engine *e);
void engine_jobs_close(struct engine *e);

/* follow.c */
void engine_on_health(void *ctx, uint32_t vip);
void engine_on_neigh(void *ctx, const uint32_t *vips, int n);
/* The VIP (applied) is planned again soon. */
void engine_mark_dirty(struct engine *e, uint32_t vip);
/* After a plan applied: its log lines, the addresses and checks its VIPs follow. */
void engine_after_apply(struct engine *e, struct plan *p);
/* After it is committed: VIPs whose resolving backends' MACs came meanwhile, re-planned. */
void engine_catch_up(struct engine *e, const struct plan *p);
/* Ask for the MAC of every backend the reqs name (the planner then reads the cache). */
void engine_prefetch(struct engine *e, const struct plan_req *req, int n);
/* plan_env's callbacks, with the engine as their context */
int engine_env_neigh(void *ctx, const struct dsrlb_addr *a, uint8_t mac[6]);
bool engine_env_health(void *ctx, uint32_t vip, const struct dsrlb_addr *a, uint64_t *since);
const char *engine_env_refuse(void *ctx, const struct dsrlb_addr *a);
/* Plan and apply the whole model now, waiting in place (the start). */
int engine_apply_all(struct engine *e, char *err, size_t errlen);

/* serve.c */
int engine_serve_open(struct engine *e, char *err, size_t errlen);
void engine_serve_start(struct engine *e);
void engine_serve_close(struct engine *e);
void engine_serve_vip(struct engine *e, const struct app_vip *old, const struct app_vip *next);
void engine_serve_update(struct engine *e);
void engine_serve_changed(struct engine *e);
bool engine_serve_cfg_differs(const struct cfg *a, const struct cfg *b);
/* share.c: the peers' exceptions learned (or no sync). */
bool engine_sync_learned(const struct engine *e);
int share_open(struct engine *e, char *err, size_t errlen);
void share_close(struct engine *e);
/* The walk: it starts, each live flow, it ends (the exceptions go to the peers). */
void share_walk_start(struct engine *e);
void share_walk_flow(struct engine *e, const struct dp_flow *f, uint16_t now);
void share_walk_done(struct engine *e);
/* A table changed: find the new exceptions now. */
void share_changed(struct engine *e);
/* HELLO's view of this balancer, after a change or once ready. */
void share_self(struct engine *e);

/* adopt.c */
int engine_open_dp(struct engine *e, bool daemon, char *err, size_t errlen);
/* Take what the pinned data plane holds as the applied state. */
void engine_adopt(struct engine *e);

struct plan_vip;
/* report.c: the log's lines. START_LINES VIPs are named, the rest counted. */
#define START_LINES 16
void engine_warn_not_local(const struct engine *e);
void engine_log_changes(const struct plan_vip *pv);
void engine_log_started(const struct engine *e);

/* figures.c */
int figures_open(struct engine *e);
void figures_close(struct engine *e);
/* The figures of a VIP id or a backend id (zeros before the first sample). */
const struct fig *figures_vip(const struct engine *e, uint32_t id);
const struct fig *figures_backend(const struct engine *e, uint32_t id);
/* A new owner's figures start at 0. */
void figures_reset(struct engine *e, bool vip, uint32_t id);

/* status.c */
const struct app_vip *engine_app_vip(const struct engine *e, const struct vip_spec *s);

#endif
