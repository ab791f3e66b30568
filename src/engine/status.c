// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "config/json.h"
#include "engine/engine_int.h"
#include "engine/status.h"

const struct app_vip *engine_app_vip(const struct engine *e, const struct vip_spec *s)
{
	return app_find(&e->app, s);
}

static void counters(json_t *o, const struct fig *f)
{
	json_object_set_new(o, "packets", json_integer((json_int_t)f->packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)f->bytes));
	json_object_set_new(o, "packets_per_second", json_real(f->pps));
	json_object_set_new(o, "bits_per_second", json_real(f->bps));
}

/* What the table does with a backend, and why. */
static const char *status_of(const struct app_member *m, const struct resolver_view *rv)
{
	if (m->state == BACKEND_OFF)
		return "off";
	if (m->state == BACKEND_DRAIN)
		return "draining";
	if (m->weight)
		return "active"; /* all_down keep included: it takes new flows */
	if (m->out == OUT_NEIGH || (m->out == OUT_RESOLVING && rv->timed_out))
		return "unreachable";
	if (m->out == OUT_RESOLVING)
		return "resolving";
	if (m->out == OUT_HEALTH)
		return "down";
	return "weight 0";
}

static json_t *health_json(const struct engine *e, uint32_t vip, const struct dsrlb_addr *a)
{
	struct hc_status s;

	if (!health_status(e->health, vip, a, &s))
		return json_null();
	return json_pack("{s:s, s:b, s:b, s:I, s:I, s:f, s:s}", "type", cfg_check_name(s.type), "up",
			 s.up, "passing", s.check_up, "passed", (json_int_t)s.passed, "failed",
			 (json_int_t)s.failed, "last_duration_seconds", s.last_ms / 1000.0,
			 "last_failure", s.reason ? s.reason : "");
}

json_t *engine_vip_json(const struct engine *e, const struct cfg_vip *cv)
{
	const struct app_vip *v = app_find(&e->app, &cv->spec);
	json_t *vj = model_vip_json(cv, true), *bs;
	static const struct fig none;
	char m[18];

	counters(vj, v ? figures_vip(e, v->id) : &none);
	json_object_set_new(vj, "table_slots", json_integer(v ? v->size : 0));
	json_object_set_new(vj, "table_bytes",
			    json_integer(v ? (json_int_t)dp_ring_bytes(e->dp, v->id) : 0));
	bs = json_object_get(vj, "backends");
	for (int j = 0; j < cv->nb && j < (int)json_array_size(bs); j++) {
		const struct app_member *b = v && j < v->nm && !addr_cmp(&v->m[j].addr, &cv->b[j].addr) ?
						     &v->m[j] : app_member_find(v, &cv->b[j].addr);
		struct app_member unknown = { .addr = cv->b[j].addr, .state = cv->b[j].state,
					      .id = ID_NONE, .out = OUT_RESOLVING };
		json_t *bj = json_array_get(bs, (size_t)j);
		struct resolver_view rv;
		bool lc = cv->sched == SCHED_LC, has = false;

		if (!b)
			b = &unknown; /* not applied yet */
		has = b->id != ID_NONE;
		resolver_view(e->res, &b->addr, &rv);
		json_object_set_new(bj, "mac", b->valid ? json_string(mac_str(b->mac, m, sizeof(m))) :
					      rv.state == 0 && rv.known ? json_string(mac_str(rv.mac, m, sizeof(m))) :
									    json_null());
		json_object_set_new(bj, "neighbour",
				    json_string(!rv.known ? "none" : rv.state == NEIGH_FAILED ? "failed" :
						rv.state == NEIGH_RESOLVING ? (rv.timed_out ? "failed" : "resolving") :
									      "ok"));
		json_object_set_new(bj, "health", v ? health_json(e, v->id, &b->addr) : json_null());
		json_object_set_new(bj, "status", json_string(status_of(b, &rv)));
		json_object_set_new(bj, "table_weight", json_integer(b->weight));
		json_object_set_new(bj, "active_flows",
				    json_integer(!has ? 0 : lc ? e->conns[b->id] : e->active[b->id]));
		counters(bj, has ? figures_backend(e, b->id) : &none);
	}
	return vj;
}

json_t *engine_vips_json(const struct engine *e)
{
	json_t *a = json_array();

	for (int i = 0; i < e->m.c.nv; i++)
		json_array_append_new(a, engine_vip_json(e, e->m.c.vips[i]));
	return a;
}

static json_t *flow_table_json(const struct engine *e)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "size", (json_int_t)e->m.c.flow_size,
			 "entries", (json_int_t)e->live, "hits", (json_int_t)e->fstats[DSRLB_FS_HIT],
			 "new", (json_int_t)e->fstats[DSRLB_FS_NEW], "refused",
			 (json_int_t)e->fstats[DSRLB_FS_REFUSED], "placed_again",
			 (json_int_t)e->fstats[DSRLB_FS_REPLACED]);
}

json_t *engine_stats_json(const struct engine *e)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	json_t *o = json_object(), *reasons = json_object();

	json_object_set_new(o, "interface", json_string(e->m.c.iface));
	json_object_set_new(o, "mode", json_string(engine_mode(e)));
	json_object_set_new(o, "vips", engine_vips_json(e));
	for (int i = 0; i < DSRLB_R__MAX; i++)
		json_object_set_new(reasons, rnames[i], json_integer((json_int_t)e->reasons[i]));
	json_object_set_new(o, "not_balanced", reasons);
	if (e->m.c.flow_size)
		json_object_set_new(o, "flow_table", flow_table_json(e));
	return o;
}

json_t *engine_summary_json(const struct engine *e)
{
	json_t *o = json_object();
	long nb = 0;

	for (int i = 0; i < e->m.c.nv; i++)
		nb += e->m.c.vips[i]->nb;
	json_object_set_new(o, "interface", json_string(e->m.c.iface));
	json_object_set_new(o, "mode", json_string(engine_mode(e)));
	json_object_set_new(o, "vips", json_integer(e->m.c.nv));
	json_object_set_new(o, "backends", json_integer(nb));
	json_object_set_new(o, "table_bytes", json_integer((json_int_t)e->app.table_bytes));
	json_object_set_new(o, "table_memory", json_integer((json_int_t)e->m.c.table_memory));
	if (e->m.c.flow_size)
		json_object_set_new(o, "flow_table", flow_table_json(e));
	return o;
}
