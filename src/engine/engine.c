// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The engine (see engine.h): start, adoption, changes, re-plans, stop. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/apply.h"
#include "engine/engine_int.h"
#include "engine/plan.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "net/ifaddr.h"

/* Ours on the interface to probe and ask from: not a VIP, not link-local. */
static void find_sources(struct engine *e)
{
	ifaddr_sources(e->m.c.iface, cfg_is_vip_addr, &e->m.c, &e->src4, &e->src6);
	resolver_sources(e->res, &e->src4, &e->src6);
}

/* ---- re-plans: a backend's health or MAC changed ---------------------------------------- */

static void mark_dirty(struct engine *e, uint32_t vip)
{
	if (vip >= DSRLB_MAX_VIPS || e->dirty[vip] || !e->app.vip[vip])
		return;
	e->dirty[vip] = true;
	e->dirtyq[e->ndirty++] = vip;
	if (!loop_timer_armed(&e->replan))
		loop_timer_at(e->l, &e->replan, clock_ms());
}

static void on_health(void *ctx, uint32_t vip)
{
	mark_dirty(ctx, vip);
}

static void on_neigh(void *ctx, const uint32_t *vips, int n)
{
	for (int i = 0; i < n; i++)
		mark_dirty(ctx, vips[i]);
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

static void after_apply(struct engine *e, struct plan *p)
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
	}
}

/* Ask for the MAC of every backend the reqs name (the planner then reads the cache). */
static void prefetch(struct engine *e, const struct plan_req *req, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; req[i].want && j < req[i].want->nb; j++)
			if (req[i].want->b[j].state != BACKEND_OFF &&
			    resolver_want(e->res, &req[i].want->b[j].addr) == -ENOMEM)
				return;
}

static void on_pending(void *ctx)
{
	struct engine *e = ctx;
	int r = apply_pending(e->dp, &e->app);

	if (r == -EAGAIN || (r && r != -ENOMEM)) {
		loop_timer_at(e->l, &e->pending, clock_ms() + 1000);
		return;
	}
	/* removed VIPs' rings go with the next change's batch, or now if there is none */
	dp_rings_commit(e->dp);
}

/* plan_env's callbacks, with the engine as their context */
static int env_neigh(void *ctx, const struct dsrlb_addr *a, uint8_t mac[6])
{
	return resolver_state(((struct engine *)ctx)->res, a, mac);
}

static bool env_health(void *ctx, uint32_t vip, const struct dsrlb_addr *a, uint64_t *since)
{
	return health_up(((struct engine *)ctx)->health, vip, a, since);
}

static int run_plan(struct engine *e, const struct plan_req *req, int n, char *err, size_t errlen)
{
	struct plan_env env = { .globals = &e->m.c, .neigh = env_neigh, .health_up = env_health,
				.ctx = e };
	struct plan p;
	int r;

	prefetch(e, req, n);
	r = plan_make(&p, &e->app, &env, req, n);
	if (r) {
		snprintf(err, errlen, "%s", p.err);
		plan_free(&p);
		return r;
	}
	r = apply_plan(e->dp, &e->app, &p, err, errlen);
	if (r) {
		plan_abort(&p, &e->app);
		plan_free(&p);
		return r;
	}
	after_apply(e, &p);
	apply_commit(&e->app, &p);
	plan_free(&p);
	if (apply_pending(e->dp, &e->app))
		loop_timer_at(e->l, &e->pending, clock_ms() + 1000);
	else if (e->l)
		loop_timer_at(e->l, &e->pending, clock_ms() + 5000); /* the janitor for removed rings */
	return 0;
}

static void on_replan(void *ctx)
{
	struct engine *e = ctx;
	struct plan_req *req = calloc((size_t)e->ndirty + 1, sizeof(*req));
	char err[300];
	int n = 0;

	if (!req) {
		loop_timer_at(e->l, &e->replan, clock_ms() + 1000);
		return;
	}
	for (int i = 0; i < e->ndirty; i++) {
		const struct app_vip *v = e->app.vip[e->dirtyq[i]];
		const struct cfg_vip *want = v ? model_find(&e->m, v->name) : NULL;

		e->dirty[e->dirtyq[i]] = false;
		if (want && vip_spec_eq(&want->spec, &v->spec))
			req[n++] = (struct plan_req){ .want = want, .old = &v->spec };
	}
	e->ndirty = 0;
	if (n && run_plan(e, req, n, err, sizeof(err))) {
		log_errx("cannot apply the health/neighbour change: %s (retrying in 1 s)", err);
		for (int i = 0; i < n; i++)
			mark_dirty(e, app_find(&e->app, req[i].old)->id);
		loop_timer_at(e->l, &e->replan, clock_ms() + 1000);
	}
	free(req);
}

/* ---- start and stop ------------------------------------------------------------------------ */

static void free_app(struct engine *e)
{
	for (int v = 0; v < DSRLB_MAX_VIPS; v++)
		app_vip_free(e->app.vip[v]);
	hmap_free(&e->app.by_spec);
	idpool_free(&e->app.vids);
	idpool_free(&e->app.bids);
	free(e->app.pend_ids);
	free(e->app.pend_keys);
	free(e->app.pend_vids);
}

int engine_open(struct engine **out, struct loop *l, struct cfg *c, bool daemon, char *err,
		size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	bool up = true;
	int r;

	if (!e || model_init(&e->m, c)) {
		cfg_free(c);
		free(e);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->l = l;
	e->daemon = daemon;
	loop_timer_init(&e->replan, on_replan, e, "re-plan");
	loop_timer_init(&e->pending, on_pending, e, "retire");
	r = iface_info(e->m.c.iface, &e->ifindex, e->ifmac, &up);
	if (r) {
		snprintf(err, errlen, r == -ENODEV ? "interface '%s' not found (see: ip link show)" :
						     "cannot read the MAC address of %s", e->m.c.iface);
		goto fail;
	}
	if (!up)
		log_warnx("%s is down; bring it up with: ip link set %s up", e->m.c.iface, e->m.c.iface);
	engine_warn_not_local(e);
	e->dirty = calloc(DSRLB_MAX_VIPS, sizeof(*e->dirty));
	e->dirtyq = calloc(DSRLB_MAX_VIPS, sizeof(*e->dirtyq));
	if (!e->dirty || !e->dirtyq || idpool_init(&e->app.vids, DSRLB_MAX_VIPS) ||
	    idpool_init(&e->app.bids, DSRLB_MAX_BACKENDS)) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r = engine_open_dp(e, daemon, err, errlen);
	if (r)
		goto fail;
	e->pinned = true;
	r = resolver_open(&e->res, l, e->m.c.iface, e->ifindex, e->ifmac, e->m.c.resolve_timeout_ms,
			  on_neigh, e);
	if (r) {
		snprintf(err, errlen, "cannot follow the neighbour table (rtnetlink): %s", strerror(-r));
		goto fail;
	}
	r = health_open(&e->health, l, e->m.c.iface, dp_backends_fd(e->dp), on_health, e);
	if (r) {
		snprintf(err, errlen, "cannot set up health checks on %s: %s", e->m.c.iface, strerror(-r));
		goto fail;
	}
	r = figures_open(e);
	if (r) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	find_sources(e);
	if (dp_adopted(e->dp))
		engine_adopt(e);
	/* every backend's MAC, asked for now; engine_attach plans once they are known */
	for (int v = 0; v < e->m.c.nv; v++)
		for (int j = 0; j < e->m.c.vips[v]->nb; j++)
			if (e->m.c.vips[v]->b[j].state != BACKEND_OFF)
				resolver_want(e->res, &e->m.c.vips[v]->b[j].addr);
	*out = e;
	return 0;
fail:
	engine_stop(e, true); /* an adopted data plane stays as it was: it is still balancing */
	return r;
}

bool engine_resolving(const struct engine *e)
{
	/* an adopted data plane has its MACs already: nothing to wait for */
	return !dp_adopted(e->dp) && resolver_pending(e->res) > 0;
}

struct first_unresolved {
	struct dsrlb_addr a;
	bool found;
};

static void note_unresolved(void *ctx, const struct dsrlb_addr *a)
{
	struct first_unresolved *f = ctx;

	if (!f->found) {
		f->a = *a;
		f->found = true;
	}
}

/* Every VIP of the model, and the applied VIPs the model no longer has. */
static int all_reqs(const struct engine *e, const struct model *m, struct plan_req **out)
{
	struct plan_req *req = calloc((size_t)m->c.nv + (size_t)e->app.nvips + 1, sizeof(*req));
	int n = 0;

	if (!req)
		return -ENOMEM;
	for (int v = 0; v < m->c.nv; v++)
		req[n++] = (struct plan_req){ .want = m->c.vips[v] };
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++) {
		const struct app_vip *x = e->app.vip[v];
		struct cfg_route r[1] = { { .family = 0 } };
		const struct cfg_vip *keep = NULL;

		if (!x)
			continue;
		r[0].family = x->spec.addr.family;
		r[0].proto = x->spec.protos & VIP_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
		r[0].port = x->spec.port;
		memcpy(r[0].addr, x->spec.addr.bytes, 16);
		keep = hmap_get(&m->routes, &r[0], sizeof(r[0]));
		if (!keep || !vip_spec_eq(&keep->spec, &x->spec))
			req[n++] = (struct plan_req){ .old = &x->spec };
	}
	*out = req;
	return n;
}

int engine_attach(struct engine *e, bool all_resolved, char *err, size_t errlen)
{
	struct plan_req *req;
	int n, r;

	if (all_resolved) {
		struct first_unresolved f = { .found = false };
		char a[ADDR_STRLEN];

		resolver_foreach_unresolved(e->res, note_unresolved, &f);
		if (f.found) {
			addr_str(&f.a, a, sizeof(a));
			snprintf(err, errlen,
				 "backend %s: no MAC after %d s on %s; is it up and on the same LAN as %s? (check: ip neigh show %s dev %s)",
				 a, e->m.c.resolve_timeout_ms / 1000, e->m.c.iface, e->m.c.iface, a,
				 e->m.c.iface);
			return -ETIMEDOUT;
		}
	}
	n = all_reqs(e, &e->m, &req);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return n;
	}
	r = run_plan(e, req, n, err, errlen);
	free(req);
	if (r)
		return r;
	r = dp_attach(e->dp, e->ifindex, e->m.c.mode, e->daemon, &e->used);
	if (r == -EBUSY || r == -EEXIST) {
		snprintf(err, errlen,
			 "%s already has an XDP program; remove it first (a dsrlb daemon's: dsrlb stop --detach -i %s; any other: ip link set dev %s xdp off) or pick another interface",
			 e->m.c.iface, e->m.c.iface, e->m.c.iface);
		return r;
	}
	if (r) {
		snprintf(err, errlen, "cannot attach to %s in %s mode: %s", e->m.c.iface,
			 e->m.c.mode == DP_MODE_SKB ? "skb" : "native or skb", strerror(-r));
		return r;
	}
	e->attached = true;
	if (e->m.c.mode == DP_MODE_AUTO && e->used == DP_MODE_SKB)
		log_warnx("%s has no native XDP support; running in skb (generic) mode, which is slower",
			  e->m.c.iface);
	engine_log_started(e);
	return 0;
}

/* ---- changes -------------------------------------------------------------------------------- */

static bool needs_restart(const struct cfg *a, const struct cfg *b)
{
	return strcmp(a->iface, b->iface) || a->mode != b->mode || a->hash_seed != b->hash_seed ||
	       strcmp(a->pin_dir, b->pin_dir) || a->flow_size != b->flow_size ||
	       a->new_flows_per_sec != b->new_flows_per_sec;
}

int engine_reload(struct engine *e, struct cfg *c, char *err, size_t errlen)
{
	struct model nm, old;
	struct plan_req *req;
	int n, r;

	if (needs_restart(&e->m.c, c)) {
		snprintf(err, errlen,
			 "interface, mode, hash_seed, pin_dir, flow_table.size and flow_table.new_flows_per_second need a restart to change; nothing was changed");
		cfg_free(c);
		return -EINVAL;
	}
	if (model_init(&nm, c)) {
		cfg_free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = all_reqs(e, &nm, &req);
	if (n < 0) {
		model_free(&nm);
		snprintf(err, errlen, "out of memory");
		return n;
	}
	/* the planner reads the settings of the model it plans */
	old = e->m;
	e->m = nm;
	resolver_timeout(e->res, nm.c.resolve_timeout_ms);
	r = run_plan(e, req, n, err, errlen);
	free(req);
	if (r) {
		e->m = old;
		resolver_timeout(e->res, old.c.resolve_timeout_ms);
		model_free(&nm);
		return r;
	}
	nm.version = old.version + 1;
	e->m.version = nm.version;
	model_free(&old);
	find_sources(e);
	return 0;
}

int engine_change(struct engine *e, const char *old, struct cfg_vip *v, struct cfg_vip **gone,
		  char *err, size_t errlen, const char **field)
{
	const struct cfg_vip *was = old ? model_find(&e->m, old) : NULL;
	struct plan_req req[2];
	int n = 0, r;

	*gone = NULL;
	*field = NULL;
	if (old && !was) {
		snprintf(err, errlen, "no vip named '%s'", old);
		cfg_vip_free(v);
		return -ENOENT;
	}
	r = model_check(&e->m, v, old, err, errlen, field);
	if (!r && model_prepare(&e->m, v)) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	if (r) {
		cfg_vip_free(v);
		return r;
	}
	if (was && v && vip_spec_eq(&was->spec, &v->spec)) {
		req[n++] = (struct plan_req){ .want = v, .old = &was->spec };
	} else {
		if (was)
			req[n++] = (struct plan_req){ .old = &was->spec };
		if (v)
			req[n++] = (struct plan_req){ .want = v };
	}
	r = run_plan(e, req, n, err, errlen);
	if (r) {
		cfg_vip_free(v);
		return r;
	}
	*gone = model_commit(&e->m, old, v);
	return 0;
}

const struct model *engine_model(const struct engine *e)
{
	return &e->m;
}

const char *engine_origin(struct engine *e, const char *path)
{
	return cfg_origin(&e->m.c, path);
}

const char *engine_iface(const struct engine *e)
{
	return e->m.c.iface;
}

const char *engine_mode(const struct engine *e)
{
	return e->used == DP_MODE_SKB ? "skb" : "native";
}

int engine_stop(struct engine *e, bool detach)
{
	int ret = 0;

	if (!e)
		return 0;
	if (!detach && e->attached) {
		log_info("left attached to %s on its last state (pinned at %s); the next dsrlb run adopts it, dsrlb stop --detach removes it",
			 e->m.c.iface, e->pindir);
	} else {
		if (e->attached) {
			int r = dp_detach(e->dp, e->ifindex, e->used);

			if (r) {
				log_err(r, "could not detach from %s; remove it with: ip link set dev %s xdp off",
					e->m.c.iface, e->m.c.iface);
				ret = r;
			}
		}
		/* an adopted data plane that we never attached is still an earlier daemon's, balancing */
		if (e->pinned && (e->attached || !e->dp || !dp_adopted(e->dp)))
			dp_unpin_dir(e->pindir);
	}
	if (e->l) {
		loop_timer_stop(e->l, &e->replan);
		loop_timer_stop(e->l, &e->pending);
	}
	figures_close(e);
	health_close(e->health);
	resolver_close(e->res, detach || !e->attached);
	free_app(e);
	free(e->dirty);
	free(e->dirtyq);
	dp_close(e->dp);
	model_free(&e->m);
	free(e);
	return ret;
}
