// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine's side of flow-state sync (ha/sync.h): which flows are
 * exceptions, and what a peer's exceptions become here.
 *
 * The flow-table walk (figures.c, every 5 s, and at once after a table
 * changes) finds them: a flow whose backend is not the one its VIP's live
 * table gives it now. For maglev that is the slot's backend, from the slot
 * hash the flow's key keeps (dsrlb_flow_key_hash) and the mmapped ring; the
 * table keeps no tuple, so sh's source hash is unknown and every sh flow is
 * one, as every flow of rr, wrr and lc is (they place by state no peer
 * shares). Flows learned from a peer and not seen here since (the learned
 * region) are not sent back.
 * Each walk's list goes to every peer, and to a peer that asks (it starts or
 * returns).
 *
 * A peer's exception is written into the flow table's learned region under
 * this balancer's own ids: its VIP by address, port and protocols (its id
 * mixed into the key), its backend by address, the generation of that
 * backend's entry now, its timeout and idle time kept. A flow this balancer
 * carries itself keeps its own entry.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb_hash.h"
#include "engine/engine_int.h"
#include "engine/tables.h"
#include "ha/sync.h"
#include "lib/clock.h"
#include "lib/log.h"

static const struct app_member *member_by_id(const struct app_vip *v, uint32_t id)
{
	for (int j = 0; j < v->nm; j++)
		if (v->m[j].id == id)
			return &v->m[j];
	return NULL;
}

static const struct app_member *member_by_addr(const struct app_vip *v, const struct dsrlb_addr *a)
{
	for (int j = 0; j < v->nm; j++)
		if (!addr_cmp(&v->m[j].addr, a))
			return &v->m[j];
	return NULL;
}

static int push(struct sync_flow **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct sync_flow *x = realloc(*v, c * sizeof(*x));

		if (!x)
			return -ENOMEM;
		*v = x;
		*cap = c;
	}
	return 0;
}

void share_walk_start(struct engine *e)
{
	uint32_t hw = e->app.bids.hw;

	e->nexc_next = 0;
	if (!e->sync)
		return;
	/* which VIP each backend id belongs to: a flow-table entry names only its backend */
	if (e->capbid_vip < hw) {
		uint32_t *x = realloc(e->bid_vip, sizeof(*x) * hw);

		if (!x)
			return;
		e->bid_vip = x;
		e->capbid_vip = hw;
	}
	for (uint32_t i = 0; i < hw; i++)
		e->bid_vip[i] = DSRLB_VIP_NONE;
	for (uint32_t v = 0; v < e->app.vids.hw; v++)
		for (int j = 0; e->app.vip[v] && j < e->app.vip[v]->nm; j++)
			if (e->app.vip[v]->m[j].id < hw)
				e->bid_vip[e->app.vip[v]->m[j].id] = v;
}

void share_walk_flow(struct engine *e, const struct dp_flow *f, uint16_t now)
{
	uint32_t vid = f->backend < e->capbid_vip ? e->bid_vip[f->backend] : DSRLB_VIP_NONE;
	const struct app_vip *v = vid < DSRLB_MAX_VIPS ? e->app.vip[vid] : NULL;
	const struct app_member *m;
	struct sync_flow *x;
	uint64_t ticks;

	if (!e->sync || !v || !v->size || f->learned)
		return; /* a peer's flow not seen here is not sent back */
	/* maglev: the table gives it, and every peer with this table agrees (sh's source hash is not kept) */
	if (v->sched == DSRLB_SCHED_MAGLEV &&
	    dp_ring_get(e->dp, v->id, DSRLB_SLOT(dsrlb_flow_key_hash(f->key, v->id), v->size)) == f->backend)
		return;
	m = member_by_id(v, f->backend);
	if (!m || push(&e->exc_next, &e->nexc_next, &e->capexc_next))
		return;
	x = &e->exc_next[e->nexc_next++];
	x->hash = f->key ^ dsrlb_flow_vipmix(v->id);
	x->vip = v->spec;
	x->timeout = (uint32_t)(((uint64_t)f->timeout << DSRLB_FLOW_TICK_SHIFT) / 1000000000u);
	x->timeout = x->timeout ? x->timeout : 1;
	x->backend = m->addr;
	ticks = (uint16_t)(now - f->seen);
	ticks = (ticks << DSRLB_FLOW_TICK_SHIFT) / 1000000000u;
	x->idle = (uint16_t)(ticks > 0xffff ? 0xffff : ticks);
}

void share_walk_done(struct engine *e)
{
	struct sync_flow *t = e->exc;
	size_t c = e->capexc;

	if (!e->sync)
		return;
	e->exc = e->exc_next;
	e->nexc = e->nexc_next;
	e->capexc = e->capexc_next;
	e->exc_next = t;
	e->capexc_next = c;
	e->nexc_next = 0;
	sync_send_flows(e->sync, -1, e->exc, e->nexc);
	if (e->rewalk) {
		e->rewalk = false;
		loop_timer_at(e->l, &e->recount, clock_ms());
	}
}

void share_changed(struct engine *e)
{
	if (!e->sync || !e->m.c.flow_size)
		return;
	if (e->walking)
		e->rewalk = true;
	else
		loop_timer_at(e->l, &e->recount, clock_ms());
	share_self(e);
}

static void learn_one(struct engine *e, const struct sync_flow *x, uint16_t now)
{
	const struct app_vip *v = app_find(&e->app, &x->vip);
	const struct app_member *m = v ? member_by_addr(v, &x->backend) : NULL;
	struct dsrlb_backend be;
	struct dp_flow f, mine;

	if (!m || m->id == ID_NONE || dp_backend_read(e->dp, m->id, &be) ||
	    !(be.flags & DSRLB_BACKEND_F_VALID)) {
		e->sync_unmatched++; /* not a VIP or backend here (yet): nothing to follow */
		return;
	}
	f = (struct dp_flow){ .key = dsrlb_flow_key64(x->hash, v->id), .backend = m->id,
			      .gen = be.gen & 0xff, .flags = DSRLB_FLOW_F_SYNCED };
	if (!dp_flow_get(e->dp, f.key, &mine) && !mine.learned)
		return; /* it runs here: our entry decides */
	f.timeout = dsrlb_flow_ticks(x->timeout);
	f.seen = (uint16_t)(now - (uint16_t)(((uint64_t)x->idle * 1000000000u) >> DSRLB_FLOW_TICK_SHIFT));
	if (!dp_flow_put(e->dp, &f))
		e->sync_learned_flows++;
}

static void on_learn(void *ctx, const struct sync_flow *f, int n)
{
	struct engine *e = ctx;
	uint16_t now = dp_flow_now();

	for (int i = 0; i < n; i++)
		learn_one(e, &f[i], now);
}

static void on_dump(void *ctx, int peer)
{
	struct engine *e = ctx;

	sync_send_flows(e->sync, peer, e->exc, e->nexc);
	sync_end(e->sync, peer);
}

static void on_fps(void *ctx, int peer)
{
	struct engine *e = ctx;
	struct sync_fp *l = calloc(e->app.nvips ? (size_t)e->app.nvips : 1, sizeof(*l));
	size_t n = 0;

	if (!l)
		return;
	for (uint32_t i = 0; i < e->app.vids.hw && n < (size_t)e->app.nvips; i++) {
		const struct app_vip *v = e->app.vip[i];

		if (v) {
			l[n].spec = v->spec;
			l[n++].fp = v->fp;
		}
	}
	sync_send_fps(e->sync, peer, l, n);
	free(l);
}

static const struct sync_ops ops = { .learn = on_learn, .dump = on_dump, .fps = on_fps };

int share_open(struct engine *e, char *err, size_t errlen)
{
	if (!e->l || !e->m.c.sync.listen[0])
		return 0;
	return sync_open(&e->sync, &e->m.c.sync, e->l, &ops, e, err, errlen);
}

void share_close(struct engine *e)
{
	sync_close(e->sync);
	e->sync = NULL;
	free(e->exc);
	free(e->exc_next);
	free(e->bid_vip);
	e->bid_vip = NULL;
	e->capbid_vip = 0;
	e->exc = e->exc_next = NULL;
	e->nexc = e->nexc_next = e->capexc = e->capexc_next = 0;
}

void share_self(struct engine *e)
{
	sync_set_self(e->sync, e->ready, (uint32_t)e->app.nvips, e->fp_digest);
}

bool engine_sync_learned(const struct engine *e)
{
	return sync_learned(e->sync);
}
