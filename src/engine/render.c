// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "config/json.h"
#include "engine/engine_int.h"
#include "engine/render.h"

static const struct fig nofig;

/* The applied backend j of v (NULL until v is applied). */
static const struct app_member *member(const struct app_vip *a, const struct cfg_vip *v, int j)
{
	if (!a)
		return NULL;
	if (j < a->nm && !addr_cmp(&a->m[j].addr, &v->b[j].addr))
		return &a->m[j];
	return app_member_find(a, &v->b[j].addr);
}

/* What the table does with a backend, and why. */
static const char *status_of(const struct app_member *m, enum cfg_backend_state state,
			     const struct resolver_view *rv)
{
	if (state == BACKEND_OFF)
		return "off";
	if (state == BACKEND_DRAIN)
		return "draining";
	if (!m)
		return "resolving";
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

static const char *neighbour_of(const struct resolver_view *rv)
{
	return !rv->known ? "none" : rv->state == NEIGH_FAILED ? "failed" :
	       rv->state == NEIGH_RESOLVING ? (rv->timed_out ? "failed" : "resolving") : "ok";
}

static void kv(struct strbuf *b, const char *k)
{
	sb_put(b, ",\"", 2);
	sb_str(b, k);
	sb_put(b, "\":", 2);
}

static void counters(struct strbuf *b, const struct fig *f)
{
	kv(b, "packets");
	sb_u64(b, f->packets);
	kv(b, "bytes");
	sb_u64(b, f->bytes);
	kv(b, "packets_per_second");
	sb_num(b, f->pps);
	kv(b, "bits_per_second");
	sb_num(b, f->bps);
}

static void hook_vip(struct strbuf *b, const struct cfg_vip *v, void *ctx)
{
	const struct engine *e = ctx;
	const struct app_vip *a = app_find(&e->app, &v->spec);

	counters(b, a ? figures_vip(e, a->id) : &nofig);
	kv(b, "icmp_forwarded");
	sb_u64(b, a ? figures_vip(e, a->id)->icmp_forwarded : 0);
	kv(b, "icmp_unmatched");
	sb_u64(b, a ? figures_vip(e, a->id)->icmp_unmatched : 0);
	kv(b, "table_slots");
	sb_u64(b, a ? a->size : 0);
	kv(b, "table_bytes");
	sb_u64(b, a ? dp_ring_bytes(e->dp, a->id) : 0);
	kv(b, "fingerprint");
	if (a && a->fp)
		sb_printf(b, "\"%016llx\"", (unsigned long long)a->fp);
	else
		sb_str(b, "null");
}

static void hook_backend(struct strbuf *b, const struct cfg_vip *v, int j, void *ctx)
{
	const struct engine *e = ctx;
	const struct app_vip *a = app_find(&e->app, &v->spec);
	const struct app_member *m = member(a, v, j);
	bool has = m && m->id != ID_NONE;
	struct resolver_view rv;
	struct hc_status hs;
	char mac[18];

	resolver_view(e->res, &v->b[j].addr, &rv);
	kv(b, "mac");
	if (m && m->valid)
		sb_jstr(b, mac_str(m->mac, mac, sizeof(mac)));
	else if (rv.known && rv.state == NEIGH_OK)
		sb_jstr(b, mac_str(rv.mac, mac, sizeof(mac)));
	else
		sb_str(b, "null");
	kv(b, "neighbour");
	sb_jstr(b, neighbour_of(&rv));
	kv(b, "health");
	if (a && health_status(e->health, a->id, &v->b[j].addr, &hs)) {
		sb_str(b, "{\"type\":");
		sb_jstr(b, cfg_check_name(hs.type));
		sb_str(b, hs.up ? ",\"up\":true" : ",\"up\":false");
		sb_str(b, hs.check_up ? ",\"passing\":true" : ",\"passing\":false");
		kv(b, "passed");
		sb_u64(b, hs.passed);
		kv(b, "failed");
		sb_u64(b, hs.failed);
		kv(b, "last_duration_seconds");
		sb_num(b, hs.last_ms / 1000.0);
		kv(b, "last_failure");
		sb_jstr(b, hs.reason ? hs.reason : "");
		sb_put(b, "}", 1);
	} else {
		sb_str(b, "null");
	}
	kv(b, "status");
	sb_jstr(b, status_of(m, v->b[j].state, &rv));
	kv(b, "table_weight");
	sb_u64(b, m ? m->weight : 0);
	kv(b, "active_flows");
	sb_i64(b, !has ? 0 : v->sched == CFG_SCHED_LC ? e->conns[m->id] : e->active[m->id]);
	counters(b, has ? figures_backend(e, m->id) : &nofig);
}

void render_vip_json(struct strbuf *b, const struct engine *e, const struct cfg_vip *v)
{
	struct render_hooks h = { hook_vip, hook_backend, (void *)e };

	model_vip_render(b, v, true, &h);
}

static void flow_table(struct strbuf *b, const struct engine *e)
{
	sb_str(b, "{\"size\":");
	sb_u64(b, e->m.c.flow_size);
	kv(b, "entries");
	sb_u64(b, e->live);
	kv(b, "hits");
	sb_u64(b, e->fstats[DSRLB_FS_HIT]);
	kv(b, "new");
	sb_u64(b, e->fstats[DSRLB_FS_NEW]);
	kv(b, "refused");
	sb_u64(b, e->fstats[DSRLB_FS_REFUSED]);
	kv(b, "placed_again");
	sb_u64(b, e->fstats[DSRLB_FS_REPLACED]);
	kv(b, "evicted");
	sb_u64(b, e->fstats[DSRLB_FS_EVICTED]);
	kv(b, "moved_cpu");
	sb_u64(b, e->fstats[DSRLB_FS_MOVED]);
	kv(b, "bytes");
	sb_u64(b, dp_flow_bytes(e->dp));
	sb_put(b, "}", 1);
}

void render_stats_head(struct strbuf *b, const struct engine *e)
{
	sb_str(b, "{\"interface\":");
	sb_jstr(b, e->m.c.iface);
	kv(b, "mode");
	sb_jstr(b, engine_mode(e));
	kv(b, "vips");
}

void render_stats_tail(struct strbuf *b, const struct engine *e)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;

	kv(b, "not_balanced");
	for (int i = 0; i < DSRLB_R__MAX; i++) {
		sb_put(b, i ? ",\"" : "{\"", 2);
		sb_str(b, rnames[i]);
		sb_put(b, "\":", 2);
		sb_u64(b, e->reasons[i]);
	}
	sb_put(b, "}", 1);
	if (e->m.c.flow_size) {
		kv(b, "flow_table");
		flow_table(b, e);
	}
	sb_put(b, "}\n", 2);
}

/* ---- the stats table ------------------------------------------------------------------ */

static void pad(struct strbuf *b, const char *s, int width, bool right)
{
	int n = (int)strlen(s);

	if (right)
		for (int i = n; i < width; i++)
			sb_put(b, " ", 1);
	sb_put(b, s, (size_t)n);
	if (!right)
		for (int i = n; i < width; i++)
			sb_put(b, " ", 1);
}

/* 1234567 -> "1.2M": rates and counters in a column */
static const char *human(double v, char *out, size_t size)
{
	static const char *const unit[] = { "", "K", "M", "G", "T", "P" };
	int u = 0;

	while (v >= 10000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0 && v == (double)(long long)v)
		snprintf(out, size, "%lld", (long long)v);
	else
		snprintf(out, size, "%.*f%s", v < 100 ? 1 : 0, v, unit[u]);
	return out;
}

static void cols(struct strbuf *b, const struct fig *f)
{
	char x[24];

	sb_put(b, " ", 1);
	pad(b, human((double)f->packets, x, sizeof(x)), 9, true);
	sb_put(b, " ", 1);
	pad(b, human((double)f->bytes, x, sizeof(x)), 9, true);
	sb_put(b, " ", 1);
	pad(b, human(f->pps, x, sizeof(x)), 8, true);
	sb_put(b, " ", 1);
	pad(b, human(f->bps, x, sizeof(x)), 9, true);
	sb_put(b, "\n", 1);
}

void render_table_head(struct strbuf *b)
{
	sb_printf(b, "%-4s %-34s %-9s %-11s %6s %7s %9s %9s %8s %9s\n", "Prot", "VIP / -> Backend",
		  "Sched", "State", "Weight", "Active", "Packets", "Bytes", "PPS", "bits/s");
}

void render_table_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v)
{
	const struct app_vip *a = app_find(&e->app, &v->spec);
	char spec[128], addr[ADDR_STRLEN], num[24];

	addr_str(&v->spec.addr, addr, sizeof(addr));
	if (!v->spec.port)
		snprintf(spec, sizeof(spec), "%s:* (%s)", addr, v->name);
	else
		snprintf(spec, sizeof(spec), v->spec.addr.family == DSRLB_AF_INET6 ? "[%s]:%u (%s)" :
										    "%s:%u (%s)",
			 addr, v->spec.port, v->name);
	pad(b, v->spec.protos == VIP_PROTO_TCP ? "tcp" : v->spec.protos == VIP_PROTO_UDP ? "udp" : "both",
	    4, false);
	sb_put(b, " ", 1);
	pad(b, spec, 34, false);
	sb_put(b, " ", 1);
	pad(b, cfg_sched_name(v->sched), 9, false);
	sb_put(b, "                            ", 27);
	cols(b, a ? figures_vip(e, a->id) : &nofig);
	if (a && (figures_vip(e, a->id)->icmp_forwarded || figures_vip(e, a->id)->icmp_unmatched))
		sb_printf(b, "       icmp errors: %llu sent to their flows' backends, %llu unmatched\n",
			  (unsigned long long)figures_vip(e, a->id)->icmp_forwarded,
			  (unsigned long long)figures_vip(e, a->id)->icmp_unmatched);
	for (int j = 0; j < v->nb; j++) {
		const struct app_member *m = member(a, v, j);
		bool has = m && m->id != ID_NONE;
		struct resolver_view rv;

		resolver_view(e->res, &v->b[j].addr, &rv);
		sb_put(b, "       -> ", 10);
		pad(b, addr_str(&v->b[j].addr, addr, sizeof(addr)), 29, false);
		sb_put(b, "           ", 11);
		pad(b, status_of(m, v->b[j].state, &rv), 11, false);
		sb_put(b, " ", 1);
		snprintf(num, sizeof(num), "%u", v->b[j].weight);
		pad(b, num, 6, true);
		sb_put(b, " ", 1);
		snprintf(num, sizeof(num), "%lld",
			 (long long)(!has ? 0 : v->sched == CFG_SCHED_LC ? e->conns[m->id] : e->active[m->id]));
		pad(b, num, 7, true);
		cols(b, has ? figures_backend(e, m->id) : &nofig);
	}
}

void render_table_tail(struct strbuf *b, const struct engine *e)
{
	if (e->m.c.flow_size)
		sb_printf(b, "flow table: %llu live (%u per CPU, %d CPUs, %.0f MB); %llu new, %llu refused, %llu evicted\n",
			  (unsigned long long)e->live, e->m.c.flow_size, (int)dp_flow_regions(e->dp) - 1,
			  (double)dp_flow_bytes(e->dp) / 1e6, (unsigned long long)e->fstats[DSRLB_FS_NEW],
			  (unsigned long long)e->fstats[DSRLB_FS_REFUSED],
			  (unsigned long long)e->fstats[DSRLB_FS_EVICTED]);
}

/* ---- status --------------------------------------------------------------------------- */

void render_status_head(struct strbuf *b, const struct engine *e, const char *version,
			long uptime, const char *config)
{
	long nb = 0;

	for (int i = 0; i < e->m.c.nv; i++)
		nb += e->m.c.vips[i]->nb;
	sb_printf(b, "dsrlb %s on %s (%s mode), up %lds; config %s\n", version, e->m.c.iface,
		  engine_mode(e), uptime, config);
	sb_printf(b, "%d VIPs, %ld backends; tables %.1f MB of %.0f MB\n", e->m.c.nv, nb,
		  e->app.table_bytes / 1048576.0, e->m.c.table_memory / 1048576.0);
	render_status_ha(b, e);
}

void render_status_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v)
{
	const struct app_vip *a = app_find(&e->app, &v->spec);
	char addr[ADDR_STRLEN], x[ADDR_STRLEN];
	int up = 0;

	for (int j = 0; a && j < v->nb; j++) {
		const struct app_member *m = member(a, v, j);

		up += m && m->weight && v->b[j].state == BACKEND_UP;
	}
	addr_str(&v->spec.addr, addr, sizeof(addr));
	sb_printf(b, "  %-16s %s%s%s port %u/%s  %s%s  table %u slots of %u B, %.0f KB  %d of %d backends take new flows\n",
		  v->name, v->spec.addr.family == DSRLB_AF_INET6 ? "[" : "", addr,
		  v->spec.addr.family == DSRLB_AF_INET6 ? "]" : "", v->spec.port,
		  v->spec.protos == VIP_PROTO_TCP ? "tcp" : v->spec.protos == VIP_PROTO_UDP ? "udp" : "both",
		  cfg_sched_name(v->sched), v->stateless ? " (flow_table: off)" : "", a ? a->size : 0,
		  a ? dp_ring_slot_bytes(e->dp, a->id) : 0, a ? (double)dp_ring_bytes(e->dp, a->id) / 1024.0 : 0.0, up, v->nb);
	if (a && a->fp)
		sb_printf(b, "    fingerprint %016llx\n", (unsigned long long)a->fp);
	for (int j = 0; j < v->nb; j++) {
		const struct app_member *m = member(a, v, j);
		const char *st, *why = "";
		struct resolver_view rv;
		struct hc_status hs;

		resolver_view(e->res, &v->b[j].addr, &rv);
		st = status_of(m, v->b[j].state, &rv);
		if (!strcmp(st, "active"))
			continue;
		if (a && health_status(e->health, a->id, &v->b[j].addr, &hs))
			why = hs.reason;
		sb_printf(b, "    %s: %s%s%s\n", addr_str(&v->b[j].addr, x, sizeof(x)), st,
			  why[0] ? ", last check: " : "", why);
	}
}

/* ---- metrics -------------------------------------------------------------------------- */

static const struct family {
	const char *name, *type, *help;
} families[RENDER_FAMILIES] = {
	{ "dsrlb_vip_packets_total", "counter", "Packets sent on to a backend, per VIP." },
	{ "dsrlb_vip_bytes_total", "counter", "Bytes sent on to a backend, per VIP." },
	{ "dsrlb_backend_packets_total", "counter", "Packets sent to the backend." },
	{ "dsrlb_backend_bytes_total", "counter", "Bytes sent to the backend." },
	{ "dsrlb_backend_weight", "gauge", "The backend's configured weight." },
	{ "dsrlb_backend_table_weight", "gauge", "The backend's weight in the table now (0: takes no new flows)." },
	{ "dsrlb_backend_active_flows", "gauge", "Live flows on the backend in the flow table." },
	{ "dsrlb_vip_table_slots", "gauge", "Slots of the VIP's live table." },
	{ "dsrlb_vip_table_bytes", "gauge", "Memory of the VIP's table (both halves)." },
	{ "dsrlb_backend_up", "gauge", "1 if the backend takes new flows (state up, healthy, resolved), else 0." },
	{ "dsrlb_health_checks_total", "counter", "Health probes by result." },
	{ "dsrlb_health_check_duration_seconds", "gauge", "How long the last health probe took." },
	{ "dsrlb_vip_icmp_errors_total", "counter", "ICMP errors about the VIP's flows: sent on to the flow's backend, or unmatched (no flow entry for rr/wrr/lc, no backend)." },
	{ "dsrlb_vip_table_info", "gauge", "The fingerprint of the VIP's table (seed, schedulers, size, backends and weights); always 1." },
};

/* A label value: backslash, quote and newline escaped. */
static void label(struct strbuf *b, const char *k, const char *v, bool first)
{
	const char *run = v;

	sb_put(b, first ? "{" : ",", 1);
	sb_str(b, k);
	sb_put(b, "=\"", 2);
	for (; *v; v++) {
		if (*v != '\\' && *v != '"' && *v != '\n')
			continue;
		sb_put(b, run, (size_t)(v - run));
		sb_put(b, "\\", 1);
		sb_put(b, *v == '\n' ? "n" : v, 1);
		run = v + 1;
	}
	sb_put(b, run, (size_t)(v - run));
	sb_put(b, "\"", 1);
}

void render_metrics_family_head(struct strbuf *b, int f)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", families[f].name, families[f].help,
		  families[f].name, families[f].type);
}

static void sample(struct strbuf *b, int f, const char *vip, const char *backend,
		   const char *result)
{
	sb_str(b, families[f].name);
	label(b, "vip", vip, true);
	if (backend)
		label(b, "backend", backend, false);
	if (result)
		label(b, "result", result, false);
	sb_put(b, "} ", 2);
}

static void fingerprint_sample(struct strbuf *b, const struct app_vip *a, const struct cfg_vip *v)
{
	char fp[17];

	if (!a || !a->fp)
		return;
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)a->fp);
	sb_str(b, families[13].name);
	label(b, "vip", v->name, true);
	label(b, "fingerprint", fp, false);
	sb_put(b, "} 1\n", 4);
}

void render_metrics_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v, int f)
{
	const struct app_vip *a = app_find(&e->app, &v->spec);
	const struct fig *fv = a ? figures_vip(e, a->id) : &nofig;
	char addr[ADDR_STRLEN], port[8];

	if (f == 13) {
		fingerprint_sample(b, a, v);
		return;
	}
	if (f == 12) {
		sample(b, f, v->name, NULL, "forwarded");
		sb_u64(b, fv->icmp_forwarded);
		sb_put(b, "\n", 1);
		sample(b, f, v->name, NULL, "unmatched");
		sb_u64(b, fv->icmp_unmatched);
		sb_put(b, "\n", 1);
		return;
	}
	if (f <= 1 || f == 7 || f == 8) {
		sb_str(b, families[f].name);
		label(b, "vip", v->name, true);
		label(b, "address", addr_str(&v->spec.addr, addr, sizeof(addr)), false);
		snprintf(port, sizeof(port), "%u", v->spec.port);
		label(b, "port", port, false);
		label(b, "protocol", v->spec.protos == VIP_PROTO_TCP ? "tcp" :
				     v->spec.protos == VIP_PROTO_UDP ? "udp" : "both", false);
		sb_put(b, "} ", 2);
		sb_u64(b, f == 0 ? fv->packets : f == 1 ? fv->bytes : f == 7 ? (a ? a->size : 0) :
		       (a ? dp_ring_bytes(e->dp, a->id) : 0));
		sb_put(b, "\n", 1);
		return;
	}
	for (int j = 0; j < v->nb; j++) {
		const struct app_member *m = member(a, v, j);
		bool has = m && m->id != ID_NONE;
		const struct fig *fb = has ? figures_backend(e, m->id) : &nofig;
		struct hc_status hs;

		addr_str(&v->b[j].addr, addr, sizeof(addr));
		if (f >= 10) {
			if (!a || !health_status(e->health, a->id, &v->b[j].addr, &hs))
				continue;
			if (f == 10) {
				sample(b, f, v->name, addr, "passed");
				sb_u64(b, hs.passed);
				sb_put(b, "\n", 1);
				sample(b, f, v->name, addr, "failed");
				sb_u64(b, hs.failed);
			} else {
				sample(b, f, v->name, addr, NULL);
				sb_num(b, hs.last_ms / 1000.0);
			}
			sb_put(b, "\n", 1);
			continue;
		}
		sample(b, f, v->name, addr, NULL);
		switch (f) {
		case 2:
			sb_u64(b, fb->packets);
			break;
		case 3:
			sb_u64(b, fb->bytes);
			break;
		case 4:
			sb_u64(b, v->b[j].weight);
			break;
		case 5:
			sb_u64(b, m ? m->weight : 0);
			break;
		case 6:
			sb_i64(b, !has ? 0 : v->sched == CFG_SCHED_LC ? e->conns[m->id] : e->active[m->id]);
			break;
		case 9:
			sb_put(b, m && m->weight && v->b[j].state == BACKEND_UP ? "1" : "0", 1);
			break;
		}
		sb_put(b, "\n", 1);
	}
}

void render_metrics_tail(struct strbuf *b, const struct engine *e, const char *version)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	/* the verdicts that drop (README, "Verdicts"); the others pass */
	static const bool drops[DSRLB_R__MAX] = { [DSRLB_R_L4_TRUNCATED] = true,
						  [DSRLB_R_IPV4_OPTIONS] = true,
						  [DSRLB_R_FRAGMENT] = true,
						  [DSRLB_R_IPV6_EXTHDR] = true,
						  [DSRLB_R_NO_BACKEND] = true };

	sb_printf(b, "# HELP dsrlb_build_info The version of dsrlb; always 1.\n# TYPE dsrlb_build_info gauge\n"
		     "dsrlb_build_info{version=\"%s\"} 1\n", version);
	sb_str(b, "# HELP dsrlb_dropped_packets_total Frames to a VIP the data plane dropped, by reason.\n"
		  "# TYPE dsrlb_dropped_packets_total counter\n");
	for (int i = 0; i < DSRLB_R__MAX; i++)
		if (drops[i])
			sb_printf(b, "dsrlb_dropped_packets_total{reason=\"%s\"} %llu\n", rnames[i],
				  (unsigned long long)e->reasons[i]);
	sb_str(b, "# HELP dsrlb_passed_packets_total Frames the data plane handed to the kernel unbalanced, by reason.\n"
		  "# TYPE dsrlb_passed_packets_total counter\n");
	for (int i = 0; i < DSRLB_R__MAX; i++)
		if (!drops[i])
			sb_printf(b, "dsrlb_passed_packets_total{reason=\"%s\"} %llu\n", rnames[i],
				  (unsigned long long)e->reasons[i]);
	if (e->m.c.flow_size)
		sb_printf(b, "# HELP dsrlb_flow_table_size Flow table capacity (entries).\n# TYPE dsrlb_flow_table_size gauge\n"
			     "dsrlb_flow_table_size %u\n"
			     "# HELP dsrlb_flow_table_entries Live flows in the flow table.\n# TYPE dsrlb_flow_table_entries gauge\n"
			     "dsrlb_flow_table_entries %llu\n"
			     "# HELP dsrlb_flow_table_new_total Flows placed in the flow table.\n# TYPE dsrlb_flow_table_new_total counter\n"
			     "dsrlb_flow_table_new_total %llu\n"
			     "# HELP dsrlb_flow_table_refused_total New flows refused (over new_flows_per_second per CPU).\n# TYPE dsrlb_flow_table_refused_total counter\n"
			     "dsrlb_flow_table_refused_total %llu\n"
			     "# HELP dsrlb_flow_table_evicted_total Live flows that gave their way to a new one (both of its buckets were full).\n# TYPE dsrlb_flow_table_evicted_total counter\n"
			     "dsrlb_flow_table_evicted_total %llu\n"
			     "# HELP dsrlb_flow_table_moved_total Flows found in another CPU's region (or learned from a peer) and moved to the CPU that sees them.\n# TYPE dsrlb_flow_table_moved_total counter\n"
			     "dsrlb_flow_table_moved_total %llu\n"
			     "# HELP dsrlb_flow_table_bytes Memory of the flow table (every CPU's region and the learned one).\n# TYPE dsrlb_flow_table_bytes gauge\n"
			     "dsrlb_flow_table_bytes %llu\n",
			  e->m.c.flow_size, (unsigned long long)e->live,
			  (unsigned long long)e->fstats[DSRLB_FS_NEW],
			  (unsigned long long)e->fstats[DSRLB_FS_REFUSED],
			  (unsigned long long)e->fstats[DSRLB_FS_EVICTED],
			  (unsigned long long)e->fstats[DSRLB_FS_MOVED],
			  (unsigned long long)dp_flow_bytes(e->dp));
	sb_printf(b, "# HELP dsrlb_tables_bytes Memory of every VIP's table.\n# TYPE dsrlb_tables_bytes gauge\n"
		     "dsrlb_tables_bytes %llu\n", (unsigned long long)e->app.table_bytes);
	render_metrics_ha(b, e);
}
