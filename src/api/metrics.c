// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* GET /metrics: the engine's figures in Prometheus' text format (README, "Metrics"). */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "engine/status.h"
#include "lib/strbuf.h"
#include "lib/version.h"

/* A label value: backslash, quote and newline escaped. */
static const char *lv(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; s && *s && o + 3 < size; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			out[o++] = '\\';
			out[o++] = *s == '\n' ? 'n' : *s;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = 0;
	return out;
}

static void head(struct strbuf *b, const char *name, const char *type, const char *help)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static json_int_t ival(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

char *api_metrics_text(const struct engine *e, const struct loop *l)
{
	json_t *st = engine_stats_json(e);
	static const struct {
		const char *name, *type, *help, *key;
		bool backend;
	} per[] = {
		{ "dsrlb_vip_packets_total", "counter", "Packets sent on to a backend, per VIP.", "packets", false },
		{ "dsrlb_vip_bytes_total", "counter", "Bytes sent on to a backend, per VIP.", "bytes", false },
		{ "dsrlb_backend_packets_total", "counter", "Packets sent to the backend.", "packets", true },
		{ "dsrlb_backend_bytes_total", "counter", "Bytes sent to the backend.", "bytes", true },
		{ "dsrlb_backend_weight", "gauge", "The backend's configured weight.", "weight", true },
		{ "dsrlb_backend_table_weight", "gauge", "The backend's weight in the table now (0: takes no new flows).", "table_weight", true },
		{ "dsrlb_backend_active_flows", "gauge", "Live flows on the backend in the flow table.", "active_flows", true },
		{ "dsrlb_vip_table_slots", "gauge", "Slots of the VIP's live table.", "table_slots", false },
		{ "dsrlb_vip_table_bytes", "gauge", "Memory of the VIP's table (both halves).", "table_bytes", false },
	};
	struct strbuf b = {};
	const json_t *vips = json_object_get(st, "vips"), *v, *x;
	static const char *const drop_reasons[] = { "l4_truncated", "ipv4_options", "fragment",
						    "ipv6_exthdr", "no_backend" };
	char l1[256], l2[256], l3[256];
	size_t i, j;
	const char *k;

	head(&b, "dsrlb_build_info", "gauge", "The version of dsrlb; always 1.");
	sb_printf(&b, "dsrlb_build_info{version=\"%s\"} 1\n", DSRLB_VERSION);
	for (size_t m = 0; m < sizeof(per) / sizeof(per[0]); m++) {
		head(&b, per[m].name, per[m].type, per[m].help);
		json_array_foreach(vips, i, v) {
			const char *vn = lv(json_string_value(json_object_get(v, "name")), l1, sizeof(l1));

			if (!per[m].backend) {
				sb_printf(&b, "%s{vip=\"%s\",address=\"%s\",port=\"%lld\",protocol=\"%s\"} %lld\n",
				     per[m].name, vn,
				     lv(json_string_value(json_object_get(v, "address")), l2, sizeof(l2)),
				     (long long)ival(v, "port"),
				     lv(json_string_value(json_object_get(v, "protocol")), l3, sizeof(l3)),
				     (long long)ival(v, per[m].key));
				continue;
			}
			json_array_foreach(json_object_get(v, "backends"), j, x)
				sb_printf(&b, "%s{vip=\"%s\",backend=\"%s\"} %lld\n", per[m].name, vn,
				     lv(json_string_value(json_object_get(x, "address")), l2, sizeof(l2)),
				     (long long)ival(x, per[m].key));
		}
	}
	head(&b, "dsrlb_backend_up", "gauge", "1 if the backend takes new flows (state up, healthy, resolved), else 0.");
	json_array_foreach(vips, i, v)
		json_array_foreach(json_object_get(v, "backends"), j, x)
			sb_printf(&b, "dsrlb_backend_up{vip=\"%s\",backend=\"%s\"} %d\n",
			     lv(json_string_value(json_object_get(v, "name")), l1, sizeof(l1)),
			     lv(json_string_value(json_object_get(x, "address")), l2, sizeof(l2)),
			     !strcmp(json_string_value(json_object_get(x, "status")), "active"));
	head(&b, "dsrlb_health_checks_total", "counter", "Health probes by result.");
	json_array_foreach(vips, i, v)
		json_array_foreach(json_object_get(v, "backends"), j, x) {
			const json_t *h = json_object_get(x, "health");

			if (!json_is_object(h))
				continue;
			lv(json_string_value(json_object_get(v, "name")), l1, sizeof(l1));
			lv(json_string_value(json_object_get(x, "address")), l2, sizeof(l2));
			sb_printf(&b, "dsrlb_health_checks_total{vip=\"%s\",backend=\"%s\",result=\"passed\"} %lld\n",
			     l1, l2, (long long)ival(h, "passed"));
			sb_printf(&b, "dsrlb_health_checks_total{vip=\"%s\",backend=\"%s\",result=\"failed\"} %lld\n",
			     l1, l2, (long long)ival(h, "failed"));
		}
	head(&b, "dsrlb_health_check_duration_seconds", "gauge", "How long the last health probe took.");
	json_array_foreach(vips, i, v)
		json_array_foreach(json_object_get(v, "backends"), j, x) {
			const json_t *h = json_object_get(x, "health");

			if (json_is_object(h))
				sb_printf(&b, "dsrlb_health_check_duration_seconds{vip=\"%s\",backend=\"%s\"} %g\n",
				     lv(json_string_value(json_object_get(v, "name")), l1, sizeof(l1)),
				     lv(json_string_value(json_object_get(x, "address")), l2, sizeof(l2)),
				     json_real_value(json_object_get(h, "last_duration_seconds")));
		}
	head(&b, "dsrlb_dropped_packets_total", "counter", "Frames to a VIP the data plane dropped, by reason.");
	for (i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++)
		sb_printf(&b, "dsrlb_dropped_packets_total{reason=\"%s\"} %lld\n", drop_reasons[i],
		     (long long)ival(json_object_get(st, "not_balanced"), drop_reasons[i]));
	head(&b, "dsrlb_passed_packets_total", "counter", "Frames the data plane handed to the kernel unbalanced, by reason.");
	json_object_foreach((json_t *)json_object_get(st, "not_balanced"), k, x) {
		bool drop = false;

		for (i = 0; i < sizeof(drop_reasons) / sizeof(drop_reasons[0]); i++)
			drop |= !strcmp(k, drop_reasons[i]);
		if (!drop)
			sb_printf(&b, "dsrlb_passed_packets_total{reason=\"%s\"} %lld\n", k,
			     (long long)json_integer_value(x));
	}
	x = json_object_get(st, "flow_table");
	if (x) {
		head(&b, "dsrlb_flow_table_size", "gauge", "Flow table capacity (entries).");
		sb_printf(&b, "dsrlb_flow_table_size %lld\n", (long long)ival(x, "size"));
		head(&b, "dsrlb_flow_table_entries", "gauge", "Live flows in the flow table.");
		sb_printf(&b, "dsrlb_flow_table_entries %lld\n", (long long)ival(x, "entries"));
		head(&b, "dsrlb_flow_table_new_total", "counter", "Flows placed in the flow table.");
		sb_printf(&b, "dsrlb_flow_table_new_total %lld\n", (long long)ival(x, "new"));
		head(&b, "dsrlb_flow_table_refused_total", "counter", "New flows refused (over new_flows_per_second per CPU).");
		sb_printf(&b, "dsrlb_flow_table_refused_total %lld\n", (long long)ival(x, "refused"));
	}
	{
		struct loop_stats ls;

		loop_stats(l, &ls);
		head(&b, "dsrlb_loop_longest_callback_seconds", "gauge", "The longest the daemon's loop ran one callback.");
		sb_printf(&b, "dsrlb_loop_longest_callback_seconds %g\n", ls.longest_ns / 1e9);
		head(&b, "dsrlb_loop_latest_timer_seconds", "gauge", "The latest a timer of the daemon's loop fired.");
		sb_printf(&b, "dsrlb_loop_latest_timer_seconds %g\n", ls.latest_timer_ms / 1000.0);
	}
	json_decref(st);
	return b.oom ? NULL : b.s;
}
