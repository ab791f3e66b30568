// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the engine follows: each applied VIP's backends' health checks and
 * neighbour entries, set up after a change; a change of either marks the VIP
 * for a re-plan (jobs.c runs it). And what the planner asks of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "lib/clock.h"
#include "lib/log.h"

/* ---- re-plans: a backend's health or MAC changed ---------------------------------------- */

void engine_mark_dirty(struct engine *e, uint32_t vip)
{
	if (vip >= DSRLB_MAX_VIPS || e->dirty[vip] || !e->app.vip[vip])
		return;
	e->dirty[vip] = true;
	e->dirtyq[e->ndirty++] = vip;
	if (!loop_timer_armed(&e->replan))
		loop_timer_at(e->l, &e->replan, clock_ms());
}

void engine_on_health(void *ctx, uint32_t vip)
{
	engine_mark_dirty(ctx, vip);
}

void engine_on_neigh(void *ctx, const uint32_t *vips, int n)
{
	for (int i = 0; i < n; i++)
		engine_mark_dirty(ctx, vips[i]);
}

/* ---- after a plan was applied: say what changed, follow its backends -------------------- */

static int health_targets(struct engine *e, const struct plan_vip *pv, char *err, size_t errlen)
{
	const struct app_vip *n = pv->next;
	struct hc_target *t;
	int k = 0, r;

	if (!n)
		return health_set(e->health, pv->id, NULL, 0, err, errlen);
	t = calloc((size_t)n->nm + 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int j = 0; j < n->nm; j++) {
		const struct cfg_check *c = cfg_backend_check(pv->want, &pv->want->b[j]);

		if (c->type == CHECK_NONE || n->m[j].state == BACKEND_OFF)
			continue;
		t[k++] = (struct hc_target){ .vip = pv->id, .vip_name = n->name, .spec = n->spec,
					     .backend = n->m[j].addr, .bid = n->m[j].id, .check = *c,
					     .hold_down_ms = n->hold_down_ms,
					     .src = n->spec.addr.family == DSRLB_AF_INET ? e->src4 : e->src6 };
	}
	r = health_set(e->health, pv->id, t, k, err, errlen);
	free(t);
	return r;
}

void engine_after_apply(struct engine *e, struct plan *p)
{
	char err[300];

	for (int i = 0; i < p->nv; i++) {
		struct plan_vip *pv = &p->v[i];

		engine_log_changes(pv);
		/* the addresses it uses, for re-plans when one changes (new ones counted first) */
		for (int j = 0; pv->next && j < pv->next->nm; j++)
			resolver_use(e->res, &pv->next->m[j].addr, pv->id, +1);
		for (int j = 0; pv->old && j < pv->old->nm; j++)
			resolver_use(e->res, &pv->old->m[j].addr, pv->id, -1);
		if (health_targets(e, pv, err, sizeof(err)))
			log_errx("vip '%s': its health checks could not be set up: %s",
				 pv->next ? pv->next->name : pv->old->name, err);
		if (!pv->old) {
			figures_reset(e, true, pv->id);
		}
		for (int j = 0; pv->next && j < pv->next->nm; j++)
			if (pv->om[j] < 0 || pv->next->m[j].recycled)
				figures_reset(e, false, pv->next->m[j].id);
		engine_serve_vip(e, pv->old, pv->next);
	}
}

/* Ask for the MAC of every backend the reqs name (the planner then reads the cache). */
void engine_prefetch(struct engine *e, const struct plan_req *req, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; req[i].want && j < req[i].want->nb; j++)
			if (req[i].want->b[j].state != BACKEND_OFF &&
			    resolver_want(e->res, &req[i].want->b[j].addr) == -ENOMEM)
				return;
}

/* plan_env's callbacks, with the engine as their context */
int engine_env_neigh(void *ctx, const struct dsrlb_addr *a, uint8_t mac[6])
{
	return resolver_state(((struct engine *)ctx)->res, a, mac);
}

bool engine_env_health(void *ctx, uint32_t vip, const struct dsrlb_addr *a, uint64_t *since)
{
	return health_up(((struct engine *)ctx)->health, vip, a, since);
}

/* A LAN's own broadcast (or network) address is no host: its MAC is everyone's. */
const char *engine_env_refuse(void *ctx, const struct dsrlb_addr *a)
{
	struct engine *e = ctx;
	uint32_t x;

	if (a->family != DSRLB_AF_INET)
		return NULL;
	memcpy(&x, a->bytes, 4);
	x = ntohl(x);
	for (int i = 0; i < e->nlan4; i++) {
		uint32_t net = e->lan4[i].net, mask = e->lan4[i].mask;
		int len = __builtin_popcount(mask);

		if ((x & mask) != net || (x != (net | ~mask) && x != net))
			continue;
		snprintf(e->why, sizeof(e->why), "is the %s address of %s's LAN %u.%u.%u.%u/%d",
			 x == net ? "network" : "broadcast", e->m.c.iface, net >> 24, (net >> 16) & 255,
			 (net >> 8) & 255, net & 255, len);
		return e->why;
	}
	return NULL;
}

/*
 * A MAC that came while the plan was applied reached no VIP (the VIP was
 * not following its backends yet): the VIPs that planned a backend as
 * resolving and whose MAC is known now are planned again.
 */
void engine_catch_up(struct engine *e, const struct plan *p)
{
	uint8_t mac[6];

	for (int i = 0; i < p->nv; i++) {
		const struct app_vip *v = e->app.vip[p->v[i].id];

		for (int j = 0; v && j < v->nm; j++)
			if (v->m[j].out == OUT_RESOLVING &&
			    resolver_state(e->res, &v->m[j].addr, mac) != NEIGH_RESOLVING) {
				engine_mark_dirty(e, v->id);
				break;
			}
	}
}
