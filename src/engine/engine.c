// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The engine (see engine.h): start, adoption, changes, re-plans, stop. */
#include <errno.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "engine/apply.h"
#include "engine/engine_int.h"
#include "engine/plan.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "net/ifaddr.h"

/* VIPs named in the log at start, one line each; the rest are counted. */
#define START_LINES 16

static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	log_info("mounted a bpffs on " BPFFS " (it was not one, as under ip netns exec)");
	return 0;
}

/*
 * pin_dir must be on a bpffs. The default is under /sys/fs/bpf, which we
 * mount if needed (ip netns exec hides it); another path must be one already.
 */
static int pin_dir_ready(const char *dir, char *err, size_t errlen)
{
	struct statfs st;

	if (!strncmp(dir, BPFFS "/", strlen(BPFFS "/"))) {
		int r = ensure_bpffs();

		if (r) {
			snprintf(err, errlen, "no bpffs at " BPFFS " and mounting one failed: %s",
				 strerror(-r));
			return r;
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create pin_dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "pin_dir %s is not on a bpffs; mount one: mount -t bpf bpf %s",
			 dir, dir);
		return -ENOTDIR;
	}
	return 0;
}

static uint64_t netns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint64_t)st.st_ino;
}

static bool is_vip_addr(void *ctx, const struct dsrlb_addr *a)
{
	const struct cfg *c = ctx;

	for (int v = 0; v < c->nv; v++)
		if (!addr_cmp(&c->vips[v]->spec.addr, a))
			return true;
	return false;
}

/* Ours on the interface to probe and ask from: not a VIP, not link-local. */
static void find_sources(struct engine *e)
{
	ifaddr_sources(e->m.c.iface, is_vip_addr, &e->m.c, &e->src4, &e->src6);
	resolver_sources(e->res, &e->src4, &e->src6);
}

/* Is the VIP an address of the interface? If not, no router will send it to us. */
static void warn_not_local(const struct engine *e)
{
	struct if_addr *a;
	int n = ifaddr_list(e->m.c.iface, &a), said = 0, more = 0;
	char s[ADDR_STRLEN];

	if (n < 0)
		return; /* cannot tell: do not warn */
	for (int v = 0; v < e->m.c.nv; v++) {
		const struct dsrlb_addr *x = &e->m.c.vips[v]->spec.addr;
		bool dup = false;

		if (ifaddr_has(a, n, x))
			continue;
		for (int w = 0; w < v && !dup; w++)
			dup = !addr_cmp(&e->m.c.vips[w]->spec.addr, x);
		if (dup)
			continue;
		if (said++ >= START_LINES) {
			more++;
			continue;
		}
		addr_str(x, s, sizeof(s));
		log_warnx("VIP %s is not an address of %s, so nothing on the LAN will resolve it to this balancer; add it: ip addr add %s/%d dev %s%s",
			  s, e->m.c.iface, s, x->family == DSRLB_AF_INET ? 32 : 128, e->m.c.iface,
			  x->family == DSRLB_AF_INET6 ? " nodad" : "");
	}
	if (more)
		log_warnx("... and %d more VIP addresses that are not on %s", more, e->m.c.iface);
	free(a);
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

static void log_vip_changes(const struct plan_vip *pv)
{
	const struct app_vip *o = pv->old, *n = pv->next;
	char a[ADDR_STRLEN];

	if (o && !n) {
		log_info("vip '%s' (%s) removed", o->name, vip_spec_str(&o->spec, a, sizeof(a)));
		return;
	}
	if (!o) {
		log_info("vip '%s' (%s) added with %d backends", n->name,
			 vip_spec_str(&n->spec, a, sizeof(a)), n->nm);
	}
	for (int j = 0; o && j < n->nm; j++) {
		const struct app_member *nb = &n->m[j];
		const struct app_member *ob = pv->om[j] >= 0 ? &o->m[pv->om[j]] : NULL;
		bool adopted = o->adopted;

		addr_str(&nb->addr, a, sizeof(a));
		if (!ob && !adopted)
			log_info("vip '%s': backend %s added (%s, weight %u)", n->name, a,
				 cfg_state_name(nb->state), nb->cfg_weight);
		else if (ob && !adopted && (ob->state != nb->state || ob->cfg_weight != nb->cfg_weight))
			log_info("vip '%s': backend %s %s weight %u -> %s weight %u", n->name, a,
				 cfg_state_name(ob->state), ob->cfg_weight, cfg_state_name(nb->state),
				 nb->cfg_weight);
		if (ob && (ob->out == OUT_HEALTH || ob->out == OUT_NEIGH) != (nb->out == OUT_HEALTH || nb->out == OUT_NEIGH) &&
		    !(adopted && !nb->out))
			log_warnx("vip '%s': backend %s %s", n->name, a,
				  nb->out ? "taken out of new-flow scheduling (established flows stay)" :
					    "takes new flows again");
	}
	for (int j = 0; o && !o->adopted && j < o->nm; j++) {
		if (!app_member_find(n, &o->m[j].addr))
			log_info("vip '%s': backend %s removed", n->name,
				 addr_str(&o->m[j].addr, a, sizeof(a)));
	}
	bool wanted = false, takes = false, resolving = false;

	for (int j = 0; j < n->nm; j++) {
		wanted |= n->m[j].cfg_weight > 0;
		takes |= n->m[j].weight > 0;
		resolving |= n->m[j].out == OUT_RESOLVING && n->m[j].cfg_weight;
	}
	if (n->kept[0] && (!o || strcmp(o->kept, n->kept)))
		log_errx("vip '%s': EVERY backend is down; keeping %s, the last to fail, in the table (all_down: keep)",
			 n->name, n->kept);
	else if (wanted && !takes && !resolving && (!o || o->size))
		log_errx("vip '%s': EVERY backend is down; its new flows are dropped (%s)", n->name,
			 n->all_down_drop ? "all_down: drop" : "no backend has a MAC");
	else if (!wanted && (!o || o->size))
		log_warnx("vip '%s' has no backend that takes new flows: its new flows are dropped (all drained, off or weight 0)",
			  n->name);
}

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

		log_vip_changes(pv);
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

/* ---- adoption ----------------------------------------------------------------------------- */

struct adopt {
	struct engine *e;
	struct hmap seen; /* backend id -> 1: an id under two keys is nobody's */
	uint32_t *dup;
	int ndup;
	int nv, nb;
};

static void adopt_vip(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct adopt *ad = ctx;
	struct engine *e = ad->e;
	struct app_vip *v;
	struct spec_key sk;

	if (k->kind != DSRLB_CTL_VIP || id >= DSRLB_MAX_VIPS || e->app.vip[id])
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->id = id;
	v->adopted = true;
	v->spec.addr.family = k->family;
	memcpy(v->spec.addr.bytes, k->addr, sizeof(k->addr));
	v->spec.port = k->port;
	v->spec.protos = k->protos;
	snprintf(v->name, sizeof(v->name), "(adopted %u)", id);
	dp_ring_read(e->dp, id, &v->sched, &v->size, NULL);
	spec_key(&v->spec, &sk);
	if (hmap_put(&e->app.by_spec, &sk, sizeof(sk), v)) {
		free(v);
		return;
	}
	e->app.vip[id] = v;
	e->app.nvips++;
	e->app.table_bytes += dp_ring_bytes(e->dp, id);
	idpool_claim(&e->app.vids, id);
	ad->nv++;
}

static void adopt_backend(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct adopt *ad = ctx;
	struct engine *e = ad->e;
	struct dsrlb_backend be;
	struct app_member *m;
	struct app_vip *v;
	void *p;

	if (k->kind != DSRLB_CTL_BACKEND || k->vip_id >= DSRLB_MAX_VIPS || id >= DSRLB_MAX_BACKENDS)
		return;
	v = e->app.vip[k->vip_id];
	if (!v)
		return;
	if (hmap_get(&ad->seen, &id, sizeof(id))) {
		/* the same id under two keys (a daemon killed mid-change): nobody's */
		p = realloc(ad->dup, sizeof(*ad->dup) * (size_t)(ad->ndup + 1));
		if (p) {
			ad->dup = p;
			ad->dup[ad->ndup++] = id;
		}
		return;
	}
	hmap_put(&ad->seen, &id, sizeof(id), (void *)1);
	p = realloc(v->m, (size_t)(v->nm + 1) * sizeof(*v->m));
	if (!p)
		return;
	v->m = p;
	m = &v->m[v->nm++];
	memset(m, 0, sizeof(*m));
	m->addr.family = k->family;
	memcpy(m->addr.bytes, k->addr, sizeof(k->addr));
	m->id = id;
	m->state = BACKEND_UP;
	dp_backend_read(e->dp, id, &be);
	m->valid = be.flags & DSRLB_BACKEND_F_VALID;
	memcpy(m->mac, be.mac, 6);
	idpool_claim(&e->app.bids, id);
	ad->nb++;
}

static void adopt(struct engine *e)
{
	struct adopt ad = { .e = e };

	dp_ids_foreach(e->dp, adopt_vip, &ad);
	dp_ids_foreach(e->dp, adopt_backend, &ad);
	for (int d = 0; d < ad.ndup; d++)
		for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
			for (int j = 0; e->app.vip[v] && j < e->app.vip[v]->nm; j++)
				if (e->app.vip[v]->m[j].id == ad.dup[d]) {
					struct app_vip *x = e->app.vip[v];

					x->m[j] = x->m[--x->nm];
					ad.nb--;
					j--;
				}
	/* rings of ids the pinned ids do not name: left by a change cut short */
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
		if (!e->app.vip[v] && !dp_ring_read(e->dp, v, NULL, NULL, NULL))
			dp_ring_remove(e->dp, v);
	free(ad.dup);
	hmap_free(&ad.seen);
	/* their addresses, so that re-plans find them */
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
		for (int j = 0; e->app.vip[v] && j < e->app.vip[v]->nm; j++) {
			resolver_want(e->res, &e->app.vip[v]->m[j].addr);
			resolver_use(e->res, &e->app.vip[v]->m[j].addr, v, +1);
		}
	log_info("adopted the data plane pinned at %s (%d VIPs, %d backends); it kept balancing meanwhile",
		 e->pindir, ad.nv, ad.nb);
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
	struct dp_opts o = { .hash_seed = c->hash_seed, .flow_size = c->flow_size,
			     .tcp_timeout = c->tcp_timeout, .udp_timeout = c->udp_timeout,
			     .new_flows_per_sec = c->new_flows_per_sec };
	struct dsrlb_meta pm;
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
	e->started = time(NULL);
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
	warn_not_local(e);
	e->dirty = calloc(DSRLB_MAX_VIPS, sizeof(*e->dirty));
	e->dirtyq = calloc(DSRLB_MAX_VIPS, sizeof(*e->dirtyq));
	if (!e->dirty || !e->dirtyq || idpool_init(&e->app.vids, DSRLB_MAX_VIPS) ||
	    idpool_init(&e->app.bids, DSRLB_MAX_BACKENDS)) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r = pin_dir_ready(e->m.c.pin_dir, err, errlen);
	if (r)
		goto fail;
	snprintf(e->pindir, sizeof(e->pindir), "%s/%s", e->m.c.pin_dir, e->m.c.iface);
	if (!daemon && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "a dsrlb daemon's data plane is pinned at %s (it may still be balancing); remove it first with: dsrlb stop --detach -i %s",
			 e->pindir, e->m.c.iface);
		r = -EEXIST;
		goto fail;
	}
	memcpy(o.ifmac, e->ifmac, 6);
	o.pin_dir = e->pindir;
	o.ifindex = e->ifindex;
	o.netns = netns_inode();
	r = dp_open(&e->dp, &o);
	if (r == -EMEDIUMTYPE && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "the data plane pinned at %s was built for hash_seed %u and flow_table size %u (ABI %u); this config has %u and %u (ABI %u). Nothing was changed. To start over: dsrlb stop --detach -i %s",
			 e->pindir, pm.hash_seed, pm.flow_size, pm.abi, e->m.c.hash_seed,
			 e->m.c.flow_size, DSRLB_ABI_VERSION, e->m.c.iface);
		goto fail;
	}
	if (r == -EXDEV && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "the data plane pinned at %s belongs to another interface or network namespace (interface index %u, namespace %llu; here %d, %llu): two daemons must not share a pin_dir. Nothing was changed; give this one its own pin_dir",
			 e->pindir, pm.ifindex, (unsigned long long)pm.netns, e->ifindex,
			 (unsigned long long)o.netns);
		goto fail;
	}
	if (r) {
		snprintf(err, errlen,
			 "cannot load the XDP program: %s (run as root; -vv shows the verifier log%s)",
			 strerror(-r), daemon ? "; maps pinned by another version are refused, not reset: dsrlb stop --detach removes them" : "");
		goto fail;
	}
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
		adopt(e);
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

static void log_started(const struct engine *e)
{
	char m[18], a[ADDR_STRLEN], line[2048];
	int said = 0;

	log_info("attached to %s (%s mode, MAC %s)", e->m.c.iface,
		 e->used == DP_MODE_SKB ? "skb" : "native", mac_str(e->ifmac, m, sizeof(m)));
	for (int v = 0; v < DSRLB_MAX_VIPS && said < START_LINES; v++) {
		const struct app_vip *vp = e->app.vip[v];
		size_t off;

		if (!vp)
			continue;
		said++;
		off = (size_t)snprintf(line, sizeof(line), "VIP %s (%s, %s) ->",
				       vip_spec_str(&vp->spec, a, sizeof(a)),
				       vp->spec.protos == VIP_PROTO_TCP ? "tcp" :
				       vp->spec.protos == VIP_PROTO_UDP ? "udp" : "tcp+udp",
				       vp->spec.port ? "one port" : "every port");
		for (int j = 0; j < vp->nm && off < sizeof(line); j++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s (%s)",
						j ? "," : "", addr_str(&vp->m[j].addr, a, sizeof(a)),
						vp->m[j].valid ? mac_str(vp->m[j].mac, m, sizeof(m)) :
						vp->m[j].state == BACKEND_OFF ? "off" : "resolving");
		log_info("%s", line);
	}
	if (e->app.nvips > said)
		log_info("... and %d more VIPs", e->app.nvips - said);
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
	log_started(e);
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

void engine_print_stats(struct engine *e, const char *when)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	uint64_t rs[DSRLB_R__MAX];
	char a[ADDR_STRLEN], line[4096];
	int said = 0;

	for (int v = 0; v < DSRLB_MAX_VIPS && said < START_LINES; v++) {
		struct app_vip *vp = e->app.vip[v];
		struct dsrlb_counter c;
		size_t off;

		if (!vp || dp_counters_read(e->dp, DP_VIP_STATS, (uint32_t)v, 1, &c))
			continue;
		said++;
		off = (size_t)snprintf(line, sizeof(line), "%s VIP %s: %llu packets, %llu bytes;",
				       when, vip_spec_str(&vp->spec, a, sizeof(a)),
				       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		for (int j = 0; j < vp->nm && off < sizeof(line); j++) {
			struct dsrlb_counter bc = {};
			int64_t active = 0;

			if (vp->m[j].id != ID_NONE) {
				dp_counters_read(e->dp, DP_BACKEND_STATS, vp->m[j].id, 1, &bc);
				dp_conns_get(e->dp, vp->m[j].id, &active);
			}
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
						addr_str(&vp->m[j].addr, a, sizeof(a)),
						(unsigned long long)bc.packets);
			if (vp->csched == CFG_SCHED_LC && off < sizeof(line))
				off += (size_t)snprintf(line + off, sizeof(line) - off, " (%lld active)",
							(long long)active);
		}
		log_info("%s", line);
	}
	if (!dp_reasons(e->dp, rs)) {
		size_t off = (size_t)snprintf(line, sizeof(line), "%s not balanced:", when);
		int any = 0;

		for (int i = 0; i < DSRLB_R__MAX && off < sizeof(line); i++) {
			if (!rs[i])
				continue;
			any = 1;
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%llu", rnames[i],
						(unsigned long long)rs[i]);
		}
		if (any)
			log_info("%s", line);
	}
	uint64_t fs[DSRLB_FS__MAX];

	if (e->m.c.flow_size && !dp_flow_stats(e->dp, fs) && (fs[DSRLB_FS_NEW] || fs[DSRLB_FS_REFUSED]))
		log_info("%s flow table: %llu hits, %llu new, %llu refused (over %u/s per CPU), %llu placed again",
			 when, (unsigned long long)fs[DSRLB_FS_HIT], (unsigned long long)fs[DSRLB_FS_NEW],
			 (unsigned long long)fs[DSRLB_FS_REFUSED], e->m.c.new_flows_per_sec,
			 (unsigned long long)fs[DSRLB_FS_REPLACED]);
}

int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen)
{
	char dir[300];
	int ifindex = 0, r = iface_info(iface, &ifindex, NULL, NULL);

	if (r) {
		snprintf(err, errlen, "interface '%s' not found (see: ip link show)", iface);
		return -ENODEV;
	}
	r = pin_dir_ready(pin_dir, err, errlen);
	if (r)
		return r;
	r = dp_detach_any(ifindex);
	if (r == -EBUSY) {
		snprintf(err, errlen, "the XDP program on %s is not dsrlb's; left alone", iface);
		return r;
	}
	if (r && r != -ENOENT) {
		snprintf(err, errlen, "cannot detach from %s: %s", iface, strerror(-r));
		return r;
	}
	snprintf(dir, sizeof(dir), "%s/%s", pin_dir, iface);
	dp_unpin_dir(dir);
	log_info("%s: %s; pinned maps under %s removed", iface,
		 r == -ENOENT ? "no dsrlb program was attached" : "dsrlb detached", dir);
	return 0;
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
