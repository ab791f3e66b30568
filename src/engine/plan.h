/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Planning a change: from the applied state and the VIPs wanted, the writes
 * that take the data plane there (backend entries, tables, the index, the
 * pinned ids) and what retires after. Pure: no syscall, and nothing is
 * changed but id reservations, which plan_abort() gives back. Work is
 * proportional to the VIPs asked for: a weight change on one VIP of 10,000
 * plans that one VIP.
 */
#ifndef DSRLB_PLAN_H
#define DSRLB_PLAN_H

#include "dataplane/dataplane.h"
#include "engine/state.h"

enum { NEIGH_OK, NEIGH_RESOLVING, NEIGH_FAILED };

/* What the planner asks the world, through the engine's caches (no syscall). */
struct plan_env {
	const struct cfg *globals;
	/* A backend's MAC: NEIGH_OK with mac set, NEIGH_RESOLVING or NEIGH_FAILED. */
	int (*neigh)(void *ctx, const struct dsrlb_addr *a, uint8_t mac[6]);
	/* Does its health check let it take new flows (true if it has none)? */
	bool (*health_up)(void *ctx, uint32_t vip, const struct dsrlb_addr *a, uint64_t *down_since);
	/* Why a backend address cannot be one here (NULL: it can), e.g. the LAN's broadcast. */
	const char *(*refuse)(void *ctx, const struct dsrlb_addr *a);
	void *ctx;
};

struct plan_req {
	const struct cfg_vip *want; /* NULL: the applied VIP at old goes */
	const struct vip_spec *old; /* the applied VIP it replaces; NULL: the one with want's spec */
};

struct plan_vip {
	uint32_t id;
	const struct cfg_vip *want; /* what it is planned from (NULL: removed) */
	int *om;              /* for each of next's backends, its index in old (-1: new) */
	struct dp_backend_write *was; /* for a backend taking over an id: its old owner's entry */
	struct app_vip *old;  /* as applied (NULL: new) */
	struct app_vip *next; /* as planned (NULL: removed) */
	uint32_t *slots;      /* its table when write (next->size slots; NULL when 0) */
	bool write;           /* its table changes */
	bool phase2;          /* its table names an id another backend gave up in this change */
	bool timeouts;        /* its timeouts change (or it is new) */
};

struct plan {
	struct plan_vip *v;
	int nv, capv;
	/* backend entries to write; undo[] holds what existing ones had */
	struct dp_backend_write *bw, *undo;
	bool *bw_phase2;
	int nbw, capbw;
	uint32_t *retire; /* entries cleared and ids released once nothing names them */
	struct dp_backend_write *retire_was; /* what those entries held */
	int nretire, capretire;
	struct dsrlb_ctl_key *put_k; /* pinned ids written before anything names them */
	uint32_t *put_id;
	int nput, capput;
	struct dsrlb_ctl_key *del_k; /* and removed after */
	int ndel, capdel;
	struct dsrlb_addr *resolve; /* backends whose MAC the engine must ask for */
	int nresolve, capresolve;
	uint32_t *taken_v, *taken_b; /* ids reserved by this plan */
	int ntv, ntb, captv, captb;
	bool index;       /* the VIP index changes */
	bool recycles;    /* some ids change owner in this change (apply.c: two phases) */
	uint64_t table_bytes; /* every ring's memory once applied (estimated) */
	char err[300];
};

/*
 * Plan reqs against a. 0, or -errno with p->err: -ENOSPC (no VIP or backend
 * id left; tables over table_memory), -ENOMEM, -EINVAL (a table that cannot
 * be built). On error nothing is reserved.
 */
int plan_make(struct plan *p, struct app *a, const struct plan_env *env,
	      const struct plan_req *req, int nreq);
/* Give back what the plan reserved (it was not applied). */
void plan_abort(struct plan *p, struct app *a);
/* Free the plan's memory (the app_vips it made, unless apply.c took them). */
void plan_free(struct plan *p);

/* Backend ids: what the pinned key of a VIP, and of one of its backends, are. */
void ctl_vip_key(struct dsrlb_ctl_key *k, const struct vip_spec *s);
void ctl_backend_key(struct dsrlb_ctl_key *k, uint32_t vip, const struct dsrlb_addr *a);

#endif
