// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine's side of flow-state sync (ha/sync.h): which flows are
 * exceptions, and what a peer's exceptions become here.
 *
 * The flow-table walk (figures.c, every 5 s, and at once after a table
 * changes) finds them: a flow whose backend is not the one its VIP's live
 * table gives it now. For maglev and sh that is the slot's backend,
 * computed here with the program's own hash and read from the mmapped ring;
 * rr, wrr and lc place by state no peer shares, so every flow of theirs is
 * one. Flows learned from a peer and not seen here since are not sent back.
 * Each walk's list goes to every peer, and to a peer that asks (it starts or
 * returns).
 *
 * A peer's exception is written into the flow table under this balancer's
 * own ids: its VIP by address, port and protocol, its backend by address,
 * the generation of that backend's entry now, and its idle time kept. A flow
 * this balancer carries itself keeps its own entry.
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

/* The program's hash of the flow (sched.h), for the slot its table gives. */
static uint32_t flow_hash(uint32_t seed, const struct dsrlb_flow_key *k, bool source_only)
{
	uint32_t s[4], d[4];
	static const uint32_t none[4];

	memcpy(s, k->saddr, 16);
	memcpy(d, k->daddr, 16);
	if (k->family == DSRLB_AF_INET)
		return source_only ? dsrlb_hash_v4(seed, s[0], 0, 0, 0) :
				     dsrlb_hash_v4(seed, s[0], d[0], k->ports, k->proto);
	return source_only ? dsrlb_hash_v6(seed, s, none, 0, 0) : dsrlb_hash_v6(seed, s, d, k->ports, k->proto);
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
	e->nexc_next = 0;
}

void share_walk_flow(struct engine *e, const struct dsrlb_flow_key *k, const struct dsrlb_flow *f,
		     uint32_t now)
{
	const struct app_vip *v = f->vip < DSRLB_MAX_VIPS ? e->app.vip[f->vip] : NULL;
	const struct app_member *m;
	struct sync_flow *x;

	if (!e->sync || !v || !v->size || (f->flags & DSRLB_FLOW_F_SYNCED))
		return;
	if (v->sched == DSRLB_SCHED_MAGLEV || v->sched == DSRLB_SCHED_SH) {
		uint32_t h = flow_hash(e->m.c.hash_seed, k, v->sched == DSRLB_SCHED_SH);

		if (dp_ring_get(e->dp, v->id, DSRLB_SLOT(h, v->size)) == f->backend)
			return; /* the table gives it: every peer with this table agrees */
	}
	m = member_by_id(v, f->backend);
	if (!m || push(&e->exc_next, &e->nexc_next, &e->capexc_next))
		return;
	x = &e->exc_next[e->nexc_next++];
	x->key = *k;
	x->backend = m->addr;
	x->idle = (uint16_t)(now - f->seen > 0xffff ? 0xffff : now - f->seen);
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

/* The VIP a flow to k's destination belongs to here, as the program's index finds it. */
static const struct app_vip *vip_of(const struct engine *e, const struct dsrlb_flow_key *k)
{
	unsigned proto = k->proto == IPPROTO_TCP ? VIP_PROTO_TCP : VIP_PROTO_UDP;
	uint16_t dport;
	struct vip_spec s = { .addr.family = k->family };
	const struct app_vip *v;

	memcpy(s.addr.bytes, k->daddr, 16);
	/* host-order word of the packet's ports: source port first, then destination */
	memcpy(&dport, (const uint8_t *)&k->ports + 2, 2);
	dport = ntohs(dport);
	for (int any = 0; any < 2; any++) {
		s.port = any ? 0 : dport;
		s.protos = proto;
		if ((v = app_find(&e->app, &s)))
			return v;
		s.protos = VIP_PROTO_TCP | VIP_PROTO_UDP;
		if ((v = app_find(&e->app, &s)))
			return v;
	}
	return NULL;
}

static void learn_one(struct engine *e, const struct sync_flow *x, uint32_t now)
{
	const struct app_vip *v = vip_of(e, &x->key);
	const struct app_member *m = v ? member_by_addr(v, &x->backend) : NULL;
	struct dsrlb_backend be;
	struct dsrlb_flow f, mine;

	if (!m || m->id == ID_NONE || dp_backend_read(e->dp, m->id, &be) ||
	    !(be.flags & DSRLB_BACKEND_F_VALID)) {
		e->sync_unmatched++; /* not a VIP or backend here (yet): nothing to follow */
		return;
	}
	if (!dp_flow_get(e->dp, &x->key, &mine) && !(mine.flags & DSRLB_FLOW_F_SYNCED) &&
	    now - mine.seen <= mine.timeout && mine.vip == v->id)
		return; /* it runs here: our entry decides */
	f = (struct dsrlb_flow){
		.backend = m->id,
		.gen = be.gen,
		.seen = now - (x->idle < now ? x->idle : now),
		.vip = v->id,
		.timeout = x->key.proto == IPPROTO_TCP ? v->tcp_timeout : v->udp_timeout,
		.flags = DSRLB_FLOW_F_SYNCED,
	};
	if (!f.timeout)
		f.timeout = x->key.proto == IPPROTO_TCP ? e->m.c.tcp_timeout : e->m.c.udp_timeout;
	if (!dp_flow_put(e->dp, &x->key, &f))
		e->sync_learned_flows++;
}

static void on_learn(void *ctx, const struct sync_flow *f, int n)
{
	struct engine *e = ctx;
	uint32_t now = dp_now();

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
