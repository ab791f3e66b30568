// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The planner (see plan.h). Three passes over the VIPs asked for: (1) ids,
 * kept for what stays and taken for what is new; (2) ids for what is new
 * when the pool is empty, taken over from backends this very change removes
 * (apply.c then writes them in a second phase); (3) what each backend's MAC,
 * neighbour and health allow, the tables, and the writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/plan.h"
#include "engine/tables.h"
#include "lib/fault.h"

void ctl_vip_key(struct dsrlb_ctl_key *k, const struct vip_spec *s)
{
	memset(k, 0, sizeof(*k));
	k->kind = DSRLB_CTL_VIP;
	k->family = s->addr.family;
	k->protos = (uint8_t)s->protos;
	k->port = s->port;
	memcpy(k->addr, s->addr.bytes, sizeof(k->addr));
}

void ctl_backend_key(struct dsrlb_ctl_key *k, uint32_t vip, const struct dsrlb_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->kind = DSRLB_CTL_BACKEND;
	k->family = a->family;
	k->vip_id = vip;
	memcpy(k->addr, a->bytes, sizeof(k->addr));
}

/* Room for one more element in an array of the plan. */
static int grow(void **arr, int n, int *cap, size_t size)
{
	void *q;
	int c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	q = frealloc(*arr, (size_t)c * size);
	if (!q)
		return -ENOMEM;
	*arr = q;
	*cap = c;
	return 0;
}

#define GROW(p, arr, n, cap) grow((void **)&(p)->arr, (p)->n, &(p)->cap, sizeof(*(p)->arr))

static int oom(struct plan *p)
{
	snprintf(p->err, sizeof(p->err), "out of memory planning the change");
	return -ENOMEM;
}

static int put_key(struct plan *p, const struct dsrlb_ctl_key *k, uint32_t id)
{
	int cap = p->capput;

	if (GROW(p, put_k, nput, capput))
		return -ENOMEM;
	if (cap != p->capput) { /* put_id follows put_k's capacity */
		void *q = frealloc(p->put_id, (size_t)p->capput * sizeof(*p->put_id));

		if (!q)
			return -ENOMEM;
		p->put_id = q;
	}
	p->put_k[p->nput] = *k;
	p->put_id[p->nput++] = id;
	return 0;
}

static int del_key(struct plan *p, const struct dsrlb_ctl_key *k)
{
	if (GROW(p, del_k, ndel, capdel))
		return -ENOMEM;
	p->del_k[p->ndel++] = *k;
	return 0;
}

static int retire(struct plan *p, uint32_t vip, const struct app_member *m)
{
	struct dsrlb_ctl_key k;

	if (m->id == ID_NONE)
		return 0;
	int cap = p->capretire;

	ctl_backend_key(&k, vip, &m->addr);
	if (GROW(p, retire, nretire, capretire))
		return -ENOMEM;
	if (cap != p->capretire) {
		void *q = frealloc(p->retire_was, (size_t)p->capretire * sizeof(*p->retire_was));

		if (!q)
			return -ENOMEM;
		p->retire_was = q;
	}
	p->retire_was[p->nretire] = (struct dp_backend_write){ .id = m->id, .valid = m->valid };
	memcpy(p->retire_was[p->nretire].mac, m->mac, 6);
	p->retire[p->nretire++] = m->id;
	return del_key(p, &k);
}

static int push_bw(struct plan *p, const struct dp_backend_write *w,
		   const struct dp_backend_write *undo, bool phase2)
{
	int cap = p->capbw;

	if (GROW(p, bw, nbw, capbw))
		return -ENOMEM;
	if (cap != p->capbw) { /* the parallel arrays follow bw's capacity */
		void *u = frealloc(p->undo, (size_t)p->capbw * sizeof(*p->undo));
		void *f = u ? frealloc(p->bw_phase2, (size_t)p->capbw * sizeof(*p->bw_phase2)) : NULL;

		if (u)
			p->undo = u;
		if (!u || !f)
			return -ENOMEM;
		p->bw_phase2 = f;
	}
	p->bw[p->nbw] = *w;
	p->undo[p->nbw] = undo ? *undo : (struct dp_backend_write){ .id = w->id };
	p->bw_phase2[p->nbw++] = phase2;
	return 0;
}

static int take(struct plan *p, struct idpool *pool, bool vip, uint32_t *out)
{
	uint32_t id = idpool_take(pool);

	*out = id;
	if (id == ID_NONE)
		return 0;
	if (vip ? grow((void **)&p->taken_v, p->ntv, &p->captv, sizeof(uint32_t)) :
		  grow((void **)&p->taken_b, p->ntb, &p->captb, sizeof(uint32_t))) {
		idpool_release(pool, id);
		return -ENOMEM;
	}
	if (vip)
		p->taken_v[p->ntv++] = id;
	else
		p->taken_b[p->ntb++] = id;
	return 0;
}

static struct plan_vip *new_pv(struct plan *p, uint32_t id, struct app_vip *old)
{
	struct plan_vip *pv;

	if (GROW(p, v, nv, capv))
		return NULL;
	pv = &p->v[p->nv++];
	memset(pv, 0, sizeof(*pv));
	pv->id = id;
	pv->old = old;
	return pv;
}

/* The applied VIP old goes: its ids retire, its keys go, the index changes. */
static int plan_delete(struct plan *p, struct app_vip *old)
{
	struct dsrlb_ctl_key k;

	if (!new_pv(p, old->id, old))
		return oom(p);
	for (int j = 0; j < old->nm; j++)
		if (retire(p, old->id, &old->m[j]))
			return oom(p);
	ctl_vip_key(&k, &old->spec);
	if (del_key(p, &k))
		return oom(p);
	p->index = true;
	return 0;
}

/*
 * Pass 1 for one VIP's backends: each keeps its id, or takes a new one (and
 * its pinned key); what was dropped or turned off retires.
 */
static int plan_members(struct plan *p, struct app *a, struct plan_vip *pv, struct app_vip *old)
{
	const struct cfg_vip *want = pv->want;
	struct app_vip *next = pv->next;
	uint32_t id = next->id;
	struct hmap olds = {};
	int r = 0;

	/* the old backends by address: a VIP may have thousands */
	for (int j = 0; old && j < old->nm && !r; j++)
		r = hmap_put(&olds, &old->m[j].addr, sizeof(old->m[j].addr), &old->m[j]);
	for (int j = 0; j < want->nb && !r; j++) {
		const struct cfg_backend *b = &want->b[j];
		struct app_member *m = &next->m[next->nm++];
		struct app_member *om = hmap_get(&olds, &b->addr, sizeof(b->addr));

		m->addr = b->addr;
		m->state = b->state;
		m->cfg_weight = b->state == BACKEND_UP ? b->weight : 0;
		m->id = ID_NONE;
		pv->om[j] = om ? (int)(om - old->m) : -1;
		if (om) {
			m->valid = om->valid;
			memcpy(m->mac, om->mac, 6);
			hmap_del(&olds, &b->addr, sizeof(b->addr));
		}
		if (b->state == BACKEND_OFF) {
			if (om)
				r = retire(p, id, om);
			m->valid = false;
			continue;
		}
		if (om && om->id != ID_NONE) {
			m->id = om->id;
			continue;
		}
		r = take(p, &a->bids, false, &m->id);
		m->valid = false;
		if (!r && m->id != ID_NONE) {
			struct dsrlb_ctl_key k;

			ctl_backend_key(&k, id, &m->addr);
			r = put_key(p, &k, m->id);
		}
	}
	/* what the VIP no longer has */
	for (size_t it = 0; !r && old;) {
		void *v;

		if (!hmap_next(&olds, &it, NULL, NULL, &v))
			break;
		r = retire(p, id, v);
	}
	hmap_free(&olds);
	return r;
}

/* Pass 1: the planned VIP with its backends and their ids (ID_NONE: none left yet). */
static int plan_ids(struct plan *p, struct app *a, const struct plan_env *env,
		    const struct cfg_vip *want, struct app_vip *old)
{
	const struct cfg *g = env->globals;
	struct app_vip *next;
	struct plan_vip *pv;
	uint32_t id = old ? old->id : ID_NONE;
	int r;

	if (!old) {
		if (take(p, &a->vids, true, &id))
			return oom(p);
		if (id == ID_NONE) {
			snprintf(p->err, sizeof(p->err), "no free VIP id for vip '%s' (at most %d)",
				 want->name, DSRLB_MAX_VIPS);
			return -ENOSPC;
		}
	}
	pv = new_pv(p, id, old);
	next = fcalloc(1, sizeof(*next));
	if (!pv || !next || !(next->m = fcalloc(want->nb ? (size_t)want->nb : 1, sizeof(*next->m))) ||
	    !(pv->om = fcalloc(want->nb ? (size_t)want->nb : 1, sizeof(*pv->om)))) {
		if (next)
			free(next->m);
		free(next);
		return oom(p);
	}
	pv->next = next;
	pv->want = want;
	next->id = id;
	snprintf(next->name, sizeof(next->name), "%s", want->name);
	next->spec = want->spec;
	next->csched = want->sched;
	next->sched = tables_sched(want->sched);
	next->tcp_timeout = want->tcp_timeout ? want->tcp_timeout : g->tcp_timeout;
	next->udp_timeout = want->udp_timeout ? want->udp_timeout : g->udp_timeout;
	next->hold_down_ms = want->hold_down_ms;
	next->all_down_drop = want->all_down_drop;
	next->stateless = want->stateless;
	if (old && old->stateless != next->stateless)
		p->index = true; /* the index's entries say it */
	r = plan_members(p, a, pv, old);
	if (r)
		return oom(p);
	for (int j = 0; env->refuse && j < want->nb; j++) {
		const char *why = want->b[j].state == BACKEND_OFF ? NULL : env->refuse(env->ctx, &want->b[j].addr);
		char s[ADDR_STRLEN];

		if (why) {
			snprintf(p->err, sizeof(p->err), "vip '%s': backend %s %s; a backend is one host",
				 want->name, addr_str(&want->b[j].addr, s, sizeof(s)), why);
			return -EINVAL;
		}
	}
	if (!old) {
		struct dsrlb_ctl_key k;

		ctl_vip_key(&k, &want->spec);
		if (put_key(p, &k, id))
			return oom(p);
		p->index = true;
	}
	return 0;
}

/* Pass 2: backends still without an id take over ids this change retires. */
static int plan_recycle(struct plan *p, const struct app *a)
{
	for (int i = 0; i < p->nv; i++) {
		struct app_vip *next = p->v[i].next;

		for (int j = 0; next && j < next->nm; j++) {
			struct app_member *m = &next->m[j];
			struct dsrlb_ctl_key k;

			if (m->state == BACKEND_OFF || m->id != ID_NONE)
				continue;
			if (!p->nretire) {
				char s[ADDR_STRLEN];

				snprintf(p->err, sizeof(p->err),
					 "no free backend id for backend %s of vip '%s' (at most %u in all)",
					 addr_str(&m->addr, s, sizeof(s)), next->name, a->bids.cap);
				return -ENOSPC;
			}
			if (!p->v[i].was &&
			    !(p->v[i].was = fcalloc((size_t)next->nm, sizeof(*p->v[i].was))))
				return oom(p);
			m->id = p->retire[--p->nretire]; /* it is not cleared: it changes owner */
			p->v[i].was[j] = p->retire_was[p->nretire];
			m->recycled = true;
			p->v[i].phase2 = true;
			p->recycles = true;
			ctl_backend_key(&k, next->id, &m->addr);
			if (put_key(p, &k, m->id))
				return oom(p);
		}
	}
	return 0;
}

/* A backend's entry: written for a new owner, or when its MAC or validity changed. */
static int plan_entry(struct plan *p, struct plan_vip *pv, int j, const struct app_member *om)
{
	const struct app_member *m = &pv->next->m[j];

	if (m->id == ID_NONE)
		return 0;
	if (!om || om->id != m->id || m->recycled) {
		struct dp_backend_write w = { .id = m->id, .valid = m->valid, .new_owner = true };

		memcpy(w.mac, m->mac, 6);
		return push_bw(p, &w, m->recycled ? &pv->was[j] : NULL, m->recycled);
	}
	if (om->valid != m->valid || (m->valid && memcmp(om->mac, m->mac, 6))) {
		struct dp_backend_write w = { .id = m->id, .valid = m->valid };
		struct dp_backend_write u = { .id = m->id, .valid = om->valid };

		memcpy(w.mac, m->mac, 6);
		memcpy(u.mac, om->mac, 6);
		return push_bw(p, &w, &u, false);
	}
	return 0;
}

/* Pass 3 for one VIP: what takes new flows, its table, its backends' entries. */
static int plan_tables(struct plan *p, const struct plan_env *env, struct plan_vip *pv)
{
	const struct cfg_vip *want = pv->want;
	struct app_vip *next = pv->next, *old = pv->old;
	int eligible = 0, wanted = 0, keep = -1;
	uint64_t latest = 0;
	uint32_t size;
	int64_t n;

	for (int j = 0; j < next->nm; j++) {
		struct app_member *m = &next->m[j];
		const struct app_member *om = pv->om[j] >= 0 ? &old->m[pv->om[j]] : NULL;
		uint8_t mac[6];
		uint64_t since = 0;
		int ns;
		bool up;

		m->out = OUT_NO;
		m->weight = m->cfg_weight;
		if (m->state == BACKEND_OFF)
			continue;
		ns = env->neigh(env->ctx, &m->addr, mac);
		if (ns == NEIGH_OK) {
			m->valid = true;
			memcpy(m->mac, mac, 6);
		} else if (ns == NEIGH_FAILED) {
			/* established flows keep the MAC they had; no new ones */
			m->out = OUT_NEIGH;
		} else if (!m->valid) {
			m->out = OUT_RESOLVING;
			if (!GROW(p, resolve, nresolve, capresolve))
				p->resolve[p->nresolve++] = m->addr;
		}
		up = env->health_up(env->ctx, next->id, &m->addr, &since);
		if (!m->out && !up)
			m->out = OUT_HEALTH;
		if (!m->cfg_weight)
			goto entry;
		wanted++;
		if (!m->out) {
			eligible++;
		} else {
			m->weight = 0;
			if (m->out == OUT_HEALTH && m->valid && (keep < 0 || since >= latest)) {
				latest = since;
				keep = j;
			}
		}
entry:
		if (plan_entry(p, pv, j, om))
			return oom(p);
	}
	/* all_down: keep the backend that failed last (fail open), or drop */
	next->kept[0] = 0;
	if (wanted && !eligible && keep >= 0 && !next->all_down_drop) {
		next->m[keep].weight = next->m[keep].cfg_weight;
		addr_str(&next->m[keep].addr, next->kept, sizeof(next->kept));
	}
	size = next->sched == DSRLB_SCHED_MAGLEV || next->sched == DSRLB_SCHED_SH ?
		       cfg_vip_table_size(env->globals, want) : 0;
	next->inputs = tables_inputs(next, size);
	pv->timeouts = !old || old->tcp_timeout != next->tcp_timeout ||
		       old->udp_timeout != next->udp_timeout;
	if (old && !old->adopted && old->inputs == next->inputs) {
		next->size = old->size;
		return 0;
	}
	n = tables_build(next, size, &pv->slots);
	if (n < 0) {
		snprintf(p->err, sizeof(p->err), "vip '%s': cannot build its table: %s", next->name,
			 n == -E2BIG ? "its wrr sequence is too long" : strerror((int)-n));
		return (int)n;
	}
	next->size = (uint32_t)n;
	pv->write = true;
	return 0;
}

int plan_make(struct plan *p, struct app *a, const struct plan_env *env,
	      const struct plan_req *req, int nreq)
{
	int64_t bytes = (int64_t)a->table_bytes;
	int r = 0;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < nreq && !r; i++) {
		struct app_vip *old = req[i].old ? app_find(a, req[i].old) :
				      req[i].want ? app_find(a, &req[i].want->spec) : NULL;

		if (!req[i].want)
			r = old ? plan_delete(p, old) : 0;
		else
			r = plan_ids(p, a, env, req[i].want, old);
	}
	if (!r)
		r = plan_recycle(p, a);
	for (int i = 0; i < p->nv && !r; i++)
		if (p->v[i].next)
			r = plan_tables(p, env, &p->v[i]);
	for (int i = 0; i < p->nv && !r; i++) {
		const struct plan_vip *pv = &p->v[i];

		if (pv->old)
			bytes -= (int64_t)dp_ring_bytes_for(pv->old->sched, pv->old->size);
		if (pv->next)
			bytes += (int64_t)dp_ring_bytes_for(pv->next->sched, pv->next->size);
	}
	p->table_bytes = bytes > 0 ? (uint64_t)bytes : 0;
	if (!r && hmap_reserve(&a->by_spec, (size_t)p->ntv + 1))
		r = oom(p); /* apply_commit must not fail */
	if (!r && p->table_bytes > env->globals->table_memory &&
	    p->table_bytes > a->table_bytes) {
		snprintf(p->err, sizeof(p->err),
			 "the VIPs' tables would take %.1f MB, more than table_memory %.1f MB (%d VIPs); raise table_memory or set smaller table_size",
			 p->table_bytes / 1048576.0, env->globals->table_memory / 1048576.0,
			 a->nvips + p->ntv);
		r = -ENOSPC;
	}
	if (r)
		plan_abort(p, a);
	return r;
}

void plan_abort(struct plan *p, struct app *a)
{
	/* last taken, first given back: the pool is as it was, and the next plan takes the same ids */
	for (int i = p->ntv; i-- > 0;)
		idpool_release(&a->vids, p->taken_v[i]);
	for (int i = p->ntb; i-- > 0;)
		idpool_release(&a->bids, p->taken_b[i]);
	p->ntv = p->ntb = 0;
}

void plan_free(struct plan *p)
{
	for (int i = 0; i < p->nv; i++) {
		app_vip_free(p->v[i].next);
		free(p->v[i].slots);
		free(p->v[i].om);
		free(p->v[i].was);
	}
	free(p->v);
	free(p->bw);
	free(p->undo);
	free(p->bw_phase2);
	free(p->retire);
	free(p->retire_was);
	free(p->put_k);
	free(p->put_id);
	free(p->del_k);
	free(p->resolve);
	free(p->taken_v);
	free(p->taken_b);
	memset(p, 0, sizeof(*p));
}
