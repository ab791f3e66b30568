// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/json.h"
#include "config/parse.h"
#include "lib/strbuf.h"

/* Seconds from milliseconds: an integer when whole, else a decimal. */
static json_t *seconds(uint32_t ms)
{
	return ms % 1000 ? json_real(ms / 1000.0) : json_integer(ms / 1000);
}

static const char *proto_name(uint8_t protos)
{
	return protos == VIP_PROTO_TCP ? "tcp" : protos == VIP_PROTO_UDP ? "udp" : "both";
}

/* The keys of k that differ from ref (all of them when ref is NULL). */
static json_t *check_json(const struct cfg_check *k, const struct cfg_check *ref)
{
	json_t *o = json_object();

#define DIFF(f) (!ref || ref->f != k->f)
#define DIFFS(f) (!ref || strcmp(ref->f, k->f))
	if (DIFF(type))
		json_object_set_new(o, "type", json_string(cfg_check_name(k->type)));
	if (DIFF(port) && (k->port || ref))
		json_object_set_new(o, "port", json_integer(k->port));
	if (DIFF(real))
		json_object_set_new(o, "target", json_string(k->real ? "real" : "vip"));
	if (DIFFS(path))
		json_object_set_new(o, "path", json_string(k->path));
	if (DIFF(expect_status))
		json_object_set_new(o, "expect_status", json_integer(k->expect_status));
	if (DIFFS(payload))
		json_object_set_new(o, "payload", json_string(k->payload));
	if (DIFFS(expect))
		json_object_set_new(o, "expect", json_string(k->expect));
	if (DIFF(interval_ms))
		json_object_set_new(o, "interval", seconds(k->interval_ms));
	if (DIFF(timeout_ms))
		json_object_set_new(o, "timeout", seconds(k->timeout_ms));
	if (DIFF(rise))
		json_object_set_new(o, "rise", json_integer(k->rise));
	if (DIFF(fall))
		json_object_set_new(o, "fall", json_integer(k->fall));
#undef DIFF
#undef DIFFS
	return o;
}

json_t *model_vip_json(const struct cfg_vip *v, bool full)
{
	struct cfg_vip def;
	struct cfg_check defcheck;
	char a[ADDR_STRLEN];
	json_t *o = json_object(), *bs = json_array(), *hc;

	cfg_vip_init(&def);
	cfg_check_init(&defcheck);
	json_object_set_new(o, "name", json_string(v->name));
	json_object_set_new(o, "address", json_string(addr_str(&v->spec.addr, a, sizeof(a))));
	if (full || v->spec.port)
		json_object_set_new(o, "port", json_integer(v->spec.port));
	if (full || v->spec.protos != def.spec.protos)
		json_object_set_new(o, "protocol", json_string(proto_name(v->spec.protos)));
	if (full || v->sched != def.sched)
		json_object_set_new(o, "scheduler", json_string(cfg_sched_name(v->sched)));
	if (v->table_size)
		json_object_set_new(o, "table_size", json_integer(v->table_size));
	if (v->tcp_timeout)
		json_object_set_new(o, "tcp_timeout", json_integer(v->tcp_timeout));
	if (v->udp_timeout)
		json_object_set_new(o, "udp_timeout", json_integer(v->udp_timeout));
	hc = check_json(&v->check, full ? NULL : &defcheck);
	if (json_object_size(hc))
		json_object_set(o, "health_check", hc);
	json_decref(hc);
	if (full || v->hold_down_ms != def.hold_down_ms)
		json_object_set_new(o, "hold_down", seconds(v->hold_down_ms));
	if (full || v->all_down_drop)
		json_object_set_new(o, "all_down", json_string(v->all_down_drop ? "drop" : "keep"));
	for (int j = 0; j < v->nb; j++) {
		const struct cfg_backend *b = &v->b[j];
		json_t *bo = json_object();

		json_object_set_new(bo, "address", json_string(addr_str(&b->addr, a, sizeof(a))));
		if (full || b->weight != 1)
			json_object_set_new(bo, "weight", json_integer(b->weight));
		if (full || b->state != BACKEND_UP)
			json_object_set_new(bo, "state", json_string(cfg_state_name(b->state)));
		hc = check_json(cfg_backend_check(v, b), &v->check);
		if (json_object_size(hc))
			json_object_set(bo, "health_check", hc);
		json_decref(hc);
		/* the file's shorthand for a backend with nothing but an address */
		if (!full && json_object_size(bo) == 1)
			json_array_append(bs, json_object_get(bo, "address"));
		else
			json_array_append(bs, bo);
		json_decref(bo);
	}
	json_object_set_new(o, "backends", bs);
	return o;
}

json_t *model_globals_json(const struct cfg *c)
{
	struct cfg def;
	json_t *o = json_object(), *ft = json_object(), *api = json_object();

	cfg_init(&def);
	json_object_set_new(o, "interface", json_string(c->iface));
	if (c->mode != def.mode)
		json_object_set_new(o, "mode", json_string(c->mode == DP_MODE_SKB ? "skb" : "native"));
	if (c->table_size != def.table_size)
		json_object_set_new(o, "table_size", json_integer(c->table_size));
	if (c->table_memory != def.table_memory)
		json_object_set_new(o, "table_memory",
				    json_sprintf("%lluM", (unsigned long long)(c->table_memory >> 20)));
	if (c->hash_seed != def.hash_seed)
		json_object_set_new(o, "hash_seed", json_integer(c->hash_seed));
	if (c->resolve_timeout_ms != def.resolve_timeout_ms)
		json_object_set_new(o, "resolve_timeout", json_integer(c->resolve_timeout_ms / 1000));
	if (strcmp(c->pin_dir, def.pin_dir))
		json_object_set_new(o, "pin_dir", json_string(c->pin_dir));
	if (c->vips_dir[0])
		json_object_set_new(o, "vips_dir", json_string(c->vips_dir));
	if (c->flow_size != def.flow_size)
		json_object_set_new(ft, "size", json_integer(c->flow_size));
	if (c->tcp_timeout != def.tcp_timeout)
		json_object_set_new(ft, "tcp_timeout", json_integer(c->tcp_timeout));
	if (c->udp_timeout != def.udp_timeout)
		json_object_set_new(ft, "udp_timeout", json_integer(c->udp_timeout));
	if (c->new_flows_per_sec != def.new_flows_per_sec)
		json_object_set_new(ft, "new_flows_per_second", json_integer(c->new_flows_per_sec));
	if (json_object_size(ft))
		json_object_set(o, "flow_table", ft);
	json_decref(ft);
#define API_KEY(f)                                                   \
	if (strcmp(c->api.f, def.api.f))                             \
		json_object_set_new(api, #f, json_string(c->api.f));
	API_KEY(socket)
	API_KEY(group)
	API_KEY(listen)
	API_KEY(token_file)
	API_KEY(web_dir)
#undef API_KEY
	if (json_object_size(api))
		json_object_set(o, "api", api);
	json_decref(api);
	return o;
}

json_t *model_cfg_json(const struct cfg *c)
{
	json_t *o = model_globals_json(c), *vips = json_array();

	for (int v = 0; v < c->nv; v++)
		json_array_append_new(vips, model_vip_json(c->vips[v], false));
	json_object_set_new(o, "vips", vips);
	return o;
}

/* ---- parsing one VIP -------------------------------------------------------- */

int model_vip_parse(const struct cfg *base, const json_t *vip, struct cfg_vip **out,
		    char **errors)
{
	/* reals as seconds: 9 digits say 0.1 as 0.1, where jansson's default says 0.10000000000000001 */
	char *body = json_dumps(vip, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(9));
	struct cfg_errs e = { .name = "request" };
	struct cfg tmp;
	char *text = NULL;

	*out = NULL;
	*errors = NULL;
	cfg_init(&tmp);
	if (!body || asprintf(&text, "interface: %s\nvips:\n  - %s\n", base->iface, body) < 0) {
		free(body);
		*errors = strdup("out of memory");
		return 1;
	}
	free(body);
	tmp.flow_size = base->flow_size;
	tmp.table_size = base->table_size;
	cfg_parse_text(&tmp, "request", text, strlen(text), false, &e);
	free(text);
	if (!e.n && tmp.nv != 1)
		cfg_err(&e, 0, 0, "expected one vip");
	if (!e.n)
		cfg_vip_validate(base, tmp.vips[0], &e);
	if (e.n) {
		/* "request:4:20: what" -> "what": positions in a text the client never saw */
		struct strbuf b = {};
		char *raw = cfg_errs_text(&e);

		for (char *line = raw ? strtok(raw, "\n") : NULL; line; line = strtok(NULL, "\n")) {
			char *msg = line;

			if (!strncmp(msg, "request:", 8)) {
				msg += 8;
				while ((*msg >= '0' && *msg <= '9') || *msg == ':')
					msg++;
				while (*msg == ' ')
					msg++;
			}
			sb_printf(&b, "%s%s", b.len ? "\n" : "", msg);
		}
		free(raw);
		cfg_free(&tmp);
		*errors = b.s ? b.s : strdup("invalid vip");
		return e.n;
	}
	free(e.buf);
	*out = tmp.vips[0];
	(*out)->line = (*out)->col = 0;
	(*out)->origin = NULL;
	for (int j = 0; j < (*out)->nb; j++)
		(*out)->b[j].line = (*out)->b[j].col = 0;
	tmp.nv = 0; /* the VIP is the caller's now */
	cfg_free(&tmp);
	return 0;
}
