// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Agreement you can see (issue 14): this balancer's fingerprints against
 * its peers' (sync), for GET /api/v1/peers, dsrlb peers and /metrics. Two
 * balancers agree on a VIP when it has the same fingerprint on both: the
 * same seed, schedulers, table size and backends with their weights, hence
 * the same table, hence the same backend for every new flow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/render.h"
#include "engine/status.h"
#include "ha/sync.h"
#include "lib/strbuf.h"

#define DIFFER_MAX 100 /* VIPs named per peer; the rest are counted */

static json_t *differ(const struct engine *e, int peer, const struct sync_peer_status *ps, int *ndiff)
{
	json_t *a = json_array();
	size_t n;
	const struct sync_fp *l = sync_peer_fps(e->sync, peer, &n);
	struct hmap theirs = { 0 };
	char buf[ADDR_STRLEN + 16];

	*ndiff = 0;
	if (ps->digest == e->fp_digest)
		return a;
	for (size_t i = 0; i < n; i++) {
		const struct app_vip *v = app_find(&e->app, &l[i].spec);
		struct spec_key k;

		spec_key(&l[i].spec, &k);
		hmap_put(&theirs, &k, sizeof(k), (void *)&l[i]);
		if (v && v->fp == l[i].fp)
			continue;
		if ((*ndiff)++ < DIFFER_MAX)
			json_array_append_new(a, json_pack("{s:s, s:s}", "vip",
					      v ? v->name : vip_spec_str(&l[i].spec, buf, sizeof(buf)), "why",
					      !v ? "only on the peer" : !v->fp ? "adopted here, not yet planned" :
					      "tables differ (seed, size, backends or weights)"));
	}
	for (uint32_t i = 0; i < e->app.vids.hw; i++) {
		const struct app_vip *v = e->app.vip[i];
		struct spec_key k;

		if (!v)
			continue;
		spec_key(&v->spec, &k);
		if (hmap_get(&theirs, &k, sizeof(k)))
			continue;
		if ((*ndiff)++ < DIFFER_MAX)
			json_array_append_new(a, json_pack("{s:s, s:s}", "vip", v->name, "why", "only here"));
	}
	hmap_free(&theirs);
	return a;
}

static json_t *dropped_json(const struct sync_status *st)
{
	static const char *const names[] = SYNC_DROP_NAMES;
	json_t *o = json_object();

	for (int i = 0; i < SYNC_DROP__MAX; i++)
		json_object_set_new(o, names[i], json_integer((json_int_t)st->dropped[i]));
	return o;
}

json_t *engine_peers_json(const struct engine *e)
{
	struct sync_status st;
	json_t *o, *peers = json_array();
	char dg[17];

	sync_status(e->sync, &st);
	snprintf(dg, sizeof(dg), "%016" PRIx64, e->fp_digest);
	o = json_pack("{s:b, s:s, s:s, s:i, s:b}", "sync", e->sync != NULL, "node", st.node, "digest", dg,
		      "vips", e->app.nvips, "learned", st.learned);
	json_object_set_new(o, "sent", json_pack("{s:I, s:I}", "messages", (json_int_t)st.sent_msgs, "flows",
						 (json_int_t)st.sent_flows));
	json_object_set_new(o, "received", json_pack("{s:I, s:I, s:I, s:I}", "messages",
						     (json_int_t)st.recv_msgs, "flows", (json_int_t)st.recv_flows,
						     "learned", (json_int_t)e->sync_learned_flows, "unmatched",
						     (json_int_t)e->sync_unmatched));
	json_object_set_new(o, "dropped", dropped_json(&st));
	json_object_set_new(o, "exceptions", json_integer((json_int_t)e->nexc));
	for (int i = 0; i < st.npeers; i++) {
		const struct sync_peer_status *p = &st.peer[i];
		int nd;
		json_t *d = differ(e, i, p, &nd);
		char pd[17];

		snprintf(pd, sizeof(pd), "%016" PRIx64, p->digest);
		json_array_append_new(peers, json_pack("{s:s, s:s, s:b, s:b, s:b, s:O?, s:i, s:s, s:b, s:i, s:o}",
			"address", p->addr, "node", p->node, "up", p->up, "ready", p->ready,
			"learned", p->learned,
			"heard_ms", p->heard_ms == UINT64_MAX ? NULL : json_integer((json_int_t)p->heard_ms),
			"vips", (int)p->vips, "digest", pd, "agrees", p->heard_ms != UINT64_MAX && !nd,
			"differ_count", nd, "differ", d));
	}
	json_object_set_new(o, "peers", peers);
	return o;
}

/* /metrics: the sync's counters, each peer's state and agreement. */
void render_metrics_ha(struct strbuf *b, const struct engine *e)
{
	static const char *const names[] = SYNC_DROP_NAMES;
	struct sync_status st;

	sb_printf(b, "# HELP dsrlb_tables_digest_info The digest of every VIP's fingerprint; always 1.\n"
		     "# TYPE dsrlb_tables_digest_info gauge\ndsrlb_tables_digest_info{digest=\"%016" PRIx64 "\"} 1\n",
		  e->fp_digest);
	if (!e->sync)
		return;
	sync_status(e->sync, &st);
	sb_printf(b, "# HELP dsrlb_sync_messages_total Sync messages, by direction.\n# TYPE dsrlb_sync_messages_total counter\n"
		     "dsrlb_sync_messages_total{direction=\"sent\"} %" PRIu64 "\n"
		     "dsrlb_sync_messages_total{direction=\"received\"} %" PRIu64 "\n"
		     "# HELP dsrlb_sync_flows_total Exceptions sent, received, and written into the flow table.\n"
		     "# TYPE dsrlb_sync_flows_total counter\n"
		     "dsrlb_sync_flows_total{direction=\"sent\"} %" PRIu64 "\n"
		     "dsrlb_sync_flows_total{direction=\"received\"} %" PRIu64 "\n"
		     "dsrlb_sync_flows_total{direction=\"learned\"} %" PRIu64 "\n"
		     "dsrlb_sync_flows_total{direction=\"unmatched\"} %" PRIu64 "\n"
		     "# HELP dsrlb_sync_exceptions Flows of this balancer whose backend is not its table's (the last walk).\n"
		     "# TYPE dsrlb_sync_exceptions gauge\ndsrlb_sync_exceptions %zu\n"
		     "# HELP dsrlb_sync_dropped_total Sync messages ignored, by reason.\n"
		     "# TYPE dsrlb_sync_dropped_total counter\n",
		  st.sent_msgs, st.recv_msgs, st.sent_flows, st.recv_flows, e->sync_learned_flows,
		  e->sync_unmatched, e->nexc);
	for (int i = 0; i < SYNC_DROP__MAX; i++)
		sb_printf(b, "dsrlb_sync_dropped_total{reason=\"%s\"} %" PRIu64 "\n", names[i], st.dropped[i]);
	sb_str(b, "# HELP dsrlb_sync_peer_up 1 if the peer was heard from in the last 3 s.\n"
		  "# TYPE dsrlb_sync_peer_up gauge\n");
	for (int i = 0; i < st.npeers; i++)
		sb_printf(b, "dsrlb_sync_peer_up{peer=\"%s\"} %d\n", st.peer[i].addr, st.peer[i].up);
	sb_str(b, "# HELP dsrlb_sync_peer_agrees 1 if the peer's tables digest equals ours.\n"
		  "# TYPE dsrlb_sync_peer_agrees gauge\n");
	for (int i = 0; i < st.npeers; i++)
		sb_printf(b, "dsrlb_sync_peer_agrees{peer=\"%s\"} %d\n", st.peer[i].addr,
			  st.peer[i].heard_ms != UINT64_MAX && st.peer[i].digest == e->fp_digest);
}

void render_status_ha(struct strbuf *b, const struct engine *e)
{
	struct engine_serve_status ss;
	struct sync_status st;
	int up = 0, agree = 0;

	engine_serve_status(e, &ss);
	sb_printf(b, "%s%s; %d of %d VIPs can be served; tables digest %016" PRIx64 "\n",
		  ss.ready ? "ready" : "not ready yet (MACs, health or peers' flows pending)",
		  ss.maintenance ? ", in maintenance (announcing nothing)" : "", ss.vips_serving, e->m.c.nv,
		  e->fp_digest);
	if (ss.announcing)
		sb_printf(b, "announce: %d addresses in kernel table %u\n", ss.announced, e->m.c.announce.table);
	if (e->m.c.vrrp.track_file[0])
		sb_printf(b, "vrrp: %s says %d\n", e->m.c.vrrp.track_file, ss.track);
	if (!e->sync)
		return;
	sync_status(e->sync, &st);
	for (int i = 0; i < st.npeers; i++) {
		up += st.peer[i].up;
		agree += st.peer[i].up && st.peer[i].digest == e->fp_digest;
	}
	sb_printf(b, "sync: %d of %d peers heard, %d agree; %zu exceptions sent each walk, %" PRIu64 " flows learned\n",
		  up, st.npeers, agree, e->nexc, e->sync_learned_flows);
}
