// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the running engine shows: the model it applied, each backend's MAC,
 * health and place in the table, and the data plane's counters with rates.
 * One JSON snapshot feeds the API, the CLI (text and -j) and the metrics.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "config/model.h"
#include "engine/stats.h"

/* Counters sampled once a second; rates are the last second's difference. */
struct rate {
	uint64_t packets, bytes, t_ms;
	double pps, bps;
};

struct rates {
	struct rate vip[DSRLB_MAX_VIPS], be[DSRLB_MAX_BACKENDS];
};

static void sample(struct dp *dp, enum dp_counter_map which, uint32_t id, struct rate *r,
		   uint64_t now)
{
	struct dsrlb_counter c;

	if (dp_counter_sum(dp, which, id, &c))
		return;
	if (r->t_ms && now > r->t_ms && c.packets >= r->packets) {
		r->pps = (double)(c.packets - r->packets) * 1000.0 / (double)(now - r->t_ms);
		r->bps = (double)(c.bytes - r->bytes) * 8000.0 / (double)(now - r->t_ms);
	} else {
		r->pps = r->bps = 0;
	}
	r->packets = c.packets;
	r->bytes = c.bytes;
	r->t_ms = now;
}

void engine_sample_rates(struct engine *e)
{
	uint64_t now = health_now_ms();

	if (!e->rates && !(e->rates = calloc(1, sizeof(*e->rates))))
		return;
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = e->vips[v];

		if (!vp)
			continue;
		sample(e->dp, DP_VIP_STATS, (uint32_t)v, &e->rates->vip[v], now);
		for (int j = 0; j < vp->nb; j++)
			if (vp->b[j].state != BACKEND_OFF)
				sample(e->dp, DP_BACKEND_STATS, vp->b[j].id,
				       &e->rates->be[vp->b[j].id], now);
	}
}

struct hc_find {
	const struct vip_spec *spec;
	const struct dsrlb_addr *backend;
	json_t *out;
};

static void hc_one(const struct hc_status *s, void *data)
{
	struct hc_find *f = data;

	if (f->out || addr_cmp(&s->backend, f->backend) || !vip_spec_eq(&s->spec, f->spec))
		return;
	f->out = json_pack("{s:s, s:b, s:b, s:I, s:I, s:f, s:s}", "type", cfg_check_name(s->type),
			   "up", s->up, "passing", s->check_up, "passed", (json_int_t)s->passed,
			   "failed", (json_int_t)s->failed, "last_duration_seconds",
			   s->last_ms / 1000.0, "last_failure", s->reason ? s->reason : "");
}

static void counters(json_t *o, struct dp *dp, enum dp_counter_map which, uint32_t id,
		     const struct rate *r)
{
	struct dsrlb_counter c = {};

	dp_counter_sum(dp, which, id, &c);
	json_object_set_new(o, "packets", json_integer((json_int_t)c.packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c.bytes));
	json_object_set_new(o, "packets_per_second", json_real(r ? r->pps : 0));
	json_object_set_new(o, "bits_per_second", json_real(r ? r->bps : 0));
}

json_t *engine_status(struct engine *e)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	json_t *o = json_object(), *vips = json_array(), *reasons = json_object();
	int64_t *active = calloc(DSRLB_MAX_BACKENDS, sizeof(*active));
	uint64_t rs[DSRLB_R__MAX], fs[DSRLB_FS__MAX], live = 0;
	char m[18];

	json_object_set_new(o, "interface", json_string(e->base.iface));
	json_object_set_new(o, "mode", json_string(e->used == DP_MODE_SKB ? "skb" : "native"));
	if (active && e->base.flow_size && dp_conns_count(e->dp, active, true, &live))
		live = 0;
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		const struct cfg_vip *cv = NULL;
		struct eng_vip *vp = e->vips[v];
		json_t *vj, *bs;

		if (!vp)
			continue;
		for (int i = 0; i < e->cur.nv && !cv; i++)
			if (vip_spec_eq(&e->cur.vips[i].spec, &vp->spec))
				cv = &e->cur.vips[i];
		if (!cv)
			continue;
		vj = model_vip_json(cv, true);
		counters(vj, e->dp, DP_VIP_STATS, (uint32_t)v, e->rates ? &e->rates->vip[v] : NULL);
		bs = json_object_get(vj, "backends");
		for (int j = 0; j < vp->nb && j < (int)json_array_size(bs); j++) {
			const struct eng_backend *b = &vp->b[j];
			json_t *bj = json_array_get(bs, (size_t)j);
			struct neigh_cache *n = NULL;
			struct hc_find f = { &vp->spec, &b->addr, NULL };
			int64_t lc = 0;
			const char *st;

			for (int k = 0; k < e->nneigh && !n; k++)
				if (!addr_cmp(&e->neigh[k].addr, &b->addr))
					n = &e->neigh[k];
			json_object_set_new(bj, "mac", n ? json_string(mac_str(n->mac, m, sizeof(m)))
							 : json_null());
			json_object_set_new(bj, "neighbour", json_string(!n ? "none" : n->failed ? "failed" : "ok"));
			health_foreach(e->health, hc_one, &f);
			json_object_set_new(bj, "health", f.out ? f.out : json_null());
			/* what the table does with it, and why */
			st = b->state == BACKEND_OFF	? "off" :
			     b->state == BACKEND_DRAIN	? "draining" :
			     b->out && n && n->failed	? "unreachable" :
			     b->out			? "down" :
			     b->weight == 0		? "weight 0" :
							  "active";
			json_object_set_new(bj, "status", json_string(st));
			json_object_set_new(bj, "table_weight", json_integer(b->weight));
			if (vp->sched == SCHED_LC && b->state != BACKEND_OFF)
				dp_conns_get(e->dp, b->id, &lc);
			json_object_set_new(bj, "active_flows",
					    json_integer(vp->sched == SCHED_LC ? lc :
							 active && b->state != BACKEND_OFF ? active[b->id] : 0));
			counters(bj, e->dp, DP_BACKEND_STATS, b->id,
				 e->rates && b->state != BACKEND_OFF ? &e->rates->be[b->id] : NULL);
		}
		json_array_append_new(vips, vj);
	}
	json_object_set_new(o, "vips", vips);
	if (!dp_reasons(e->dp, rs))
		for (int i = 0; i < DSRLB_R__MAX; i++)
			json_object_set_new(reasons, rnames[i], json_integer((json_int_t)rs[i]));
	json_object_set_new(o, "not_balanced", reasons);
	if (e->base.flow_size && !dp_flow_stats(e->dp, fs))
		json_object_set_new(o, "flow_table",
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "size",
					      (json_int_t)e->base.flow_size, "entries", (json_int_t)live,
					      "hits", (json_int_t)fs[DSRLB_FS_HIT], "new",
					      (json_int_t)fs[DSRLB_FS_NEW], "refused",
					      (json_int_t)fs[DSRLB_FS_REFUSED], "placed_again",
					      (json_int_t)fs[DSRLB_FS_REPLACED]));
	free(active);
	return o;
}

const struct cfg *engine_model(const struct engine *e)
{
	return e->have_cur ? &e->cur : NULL;
}
