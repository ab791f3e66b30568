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
void engine_find_sources(struct engine *e)
{
	struct if_addr *a;
	int n;

	ifaddr_sources(e->m.c.iface, cfg_is_vip_addr, &e->m.c, &e->src4, &e->src6);
	resolver_sources(e->res, &e->src4, &e->src6);
	n = ifaddr_list(e->m.c.iface, &a);
	e->nlan4 = 0;
	for (int i = 0; i < n && e->nlan4 < 8; i++) {
		uint32_t x;

		if (a[i].addr.family != DSRLB_AF_INET || a[i].prefix >= 31 || !a[i].prefix)
			continue;
		memcpy(&x, a[i].addr.bytes, 4);
		e->lan4[e->nlan4].mask = ~0u << (32 - a[i].prefix);
		e->lan4[e->nlan4++].net = ntohl(x) & (~0u << (32 - a[i].prefix));
	}
	if (n > 0)
		free(a);
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
	engine_jobs_init(e);
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
			  engine_on_neigh, e);
	if (r) {
		snprintf(err, errlen, "cannot follow the neighbour table (rtnetlink): %s", strerror(-r));
		goto fail;
	}
	r = health_open(&e->health, l, e->m.c.iface, dp_backends_fd(e->dp), engine_on_health, e);
	if (r) {
		snprintf(err, errlen, "cannot set up health checks on %s: %s", e->m.c.iface, strerror(-r));
		goto fail;
	}
	r = worker_open(&e->w, l);
	if (r) {
		snprintf(err, errlen, "cannot start the worker thread: %s", strerror(-r));
		goto fail;
	}
	r = figures_open(e);
	if (r) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	engine_find_sources(e);
	r = engine_serve_open(e, err, errlen);
	if (!r)
		r = share_open(e, err, errlen);
	if (r)
		goto fail;
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

int engine_all_reqs(const struct engine *e, const struct model *m, struct plan_req **out)
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
	int r;

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
	r = engine_apply_all(e, err, errlen);
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
	engine_serve_start(e);
	if (e->m.c.mode == DP_MODE_AUTO && e->used == DP_MODE_SKB)
		log_warnx("%s has no native XDP support; running in skb (generic) mode, which is slower",
			  e->m.c.iface);
	engine_log_started(e);
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

const struct hist *engine_probe_lateness(const struct engine *e)
{
	return health_lateness(e->health);
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
	engine_jobs_close(e);
	engine_serve_close(e);
	share_close(e);
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
