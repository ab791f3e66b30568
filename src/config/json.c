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

static const char *proto_name(uint8_t protos)
{
	return protos == VIP_PROTO_TCP ? "tcp" : protos == VIP_PROTO_UDP ? "udp" : "both";
}

/* ,"key": one separator and key; first says whether a comma goes before it. */
static void key(struct strbuf *b, bool *first, const char *k)
{
	if (!*first)
		sb_put(b, ",", 1);
	*first = false;
	sb_put(b, "\"", 1);
	sb_str(b, k);
	sb_put(b, "\":", 2);
}

/* Seconds from milliseconds: an integer when whole, else a decimal. */
static void seconds(struct strbuf *b, uint32_t ms)
{
	sb_num(b, ms / 1000.0);
}

/* The keys of k that differ from ref (all of them when ref is NULL), as an object; false if none. */
static bool check_render(struct strbuf *b, const char *name, bool *first, const struct cfg_check *k,
			 const struct cfg_check *ref)
{
	size_t at = b->len;
	bool f = true, was = *first;

#define DIFF(x) (!ref || ref->x != k->x)
#define DIFFS(x) (!ref || strcmp(ref->x, k->x))
	key(b, first, name);
	sb_put(b, "{", 1);
	if (DIFF(type)) {
		key(b, &f, "type");
		sb_jstr(b, cfg_check_name(k->type));
	}
	if (DIFF(port) && (k->port || ref)) {
		key(b, &f, "port");
		sb_u64(b, k->port);
	}
	if (DIFF(real)) {
		key(b, &f, "target");
		sb_jstr(b, k->real ? "real" : "vip");
	}
	if (DIFFS(path)) {
		key(b, &f, "path");
		sb_jstr(b, k->path);
	}
	if (DIFF(expect_status)) {
		key(b, &f, "expect_status");
		sb_u64(b, (uint64_t)k->expect_status);
	}
	if (DIFFS(payload)) {
		key(b, &f, "payload");
		sb_jstr(b, k->payload);
	}
	if (DIFFS(expect)) {
		key(b, &f, "expect");
		sb_jstr(b, k->expect);
	}
	if (DIFF(interval_ms)) {
		key(b, &f, "interval");
		seconds(b, k->interval_ms);
	}
	if (DIFF(timeout_ms)) {
		key(b, &f, "timeout");
		seconds(b, k->timeout_ms);
	}
	if (DIFF(rise)) {
		key(b, &f, "rise");
		sb_u64(b, k->rise);
	}
	if (DIFF(fall)) {
		key(b, &f, "fall");
		sb_u64(b, k->fall);
	}
#undef DIFF
#undef DIFFS
	if (f && !b->oom) { /* nothing differs: no key at all */
		b->len = at;
		b->s[at] = 0;
		*first = was;
		return false;
	}
	sb_put(b, "}", 1);
	return true;
}

/* hold_down, all_down, flow_table: each where it is not the default (or full). */
static void vip_modes_render(struct strbuf *b, bool *first, const struct cfg_vip *v, bool full,
			     uint32_t def_hold_down_ms)
{
	if (full || v->hold_down_ms != def_hold_down_ms) {
		key(b, first, "hold_down");
		seconds(b, v->hold_down_ms);
	}
	if (full || v->all_down_drop) {
		key(b, first, "all_down");
		sb_jstr(b, v->all_down_drop ? "drop" : "keep");
	}
	if (full || v->stateless) {
		key(b, first, "flow_table");
		sb_jstr(b, v->stateless ? "off" : "on");
	}
}

void model_vip_render(struct strbuf *b, const struct cfg_vip *v, bool full,
		      const struct render_hooks *h)
{
	static struct cfg_vip def;
	static struct cfg_check defcheck;
	char a[ADDR_STRLEN];
	bool first = true;

	if (!def.hold_down_ms) {
		cfg_vip_init(&def);
		cfg_check_init(&defcheck);
	}
	sb_put(b, "{", 1);
	key(b, &first, "name");
	sb_jstr(b, v->name);
	key(b, &first, "address");
	sb_jstr(b, addr_str(&v->spec.addr, a, sizeof(a)));
	if (full || v->spec.port) {
		key(b, &first, "port");
		sb_u64(b, v->spec.port);
	}
	if (full || v->spec.protos != def.spec.protos) {
		key(b, &first, "protocol");
		sb_jstr(b, proto_name((uint8_t)v->spec.protos));
	}
	if (full || v->sched != def.sched) {
		key(b, &first, "scheduler");
		sb_jstr(b, cfg_sched_name(v->sched));
	}
	if (v->table_size) {
		key(b, &first, "table_size");
		sb_u64(b, v->table_size);
	}
	if (v->tcp_timeout) {
		key(b, &first, "tcp_timeout");
		sb_u64(b, v->tcp_timeout);
	}
	if (v->udp_timeout) {
		key(b, &first, "udp_timeout");
		sb_u64(b, v->udp_timeout);
	}
	check_render(b, "health_check", &first, &v->check, full ? NULL : &defcheck);
	vip_modes_render(b, &first, v, full, def.hold_down_ms);
	if (h && h->vip)
		h->vip(b, v, h->ctx);
	key(b, &first, "backends");
	sb_put(b, "[", 1);
	for (int j = 0; j < v->nb; j++) {
		const struct cfg_backend *bk = &v->b[j];
		bool bf = true, plain = !full && bk->weight == 1 && bk->state == BACKEND_UP &&
				      (!bk->check || !memcmp(bk->check, &v->check, sizeof(v->check)));

		if (j)
			sb_put(b, ",", 1);
		/* the file's shorthand for a backend with nothing but an address */
		if (plain) {
			sb_jstr(b, addr_str(&bk->addr, a, sizeof(a)));
			continue;
		}
		sb_put(b, "{", 1);
		key(b, &bf, "address");
		sb_jstr(b, addr_str(&bk->addr, a, sizeof(a)));
		if (full || bk->weight != 1) {
			key(b, &bf, "weight");
			sb_u64(b, bk->weight);
		}
		if (full || bk->state != BACKEND_UP) {
			key(b, &bf, "state");
			sb_jstr(b, cfg_state_name(bk->state));
		}
		check_render(b, "health_check", &bf, cfg_backend_check(v, bk), &v->check);
		if (h && h->backend)
			h->backend(b, v, j, h->ctx);
		sb_put(b, "}", 1);
	}
	sb_put(b, "]}", 2);
}

json_t *model_vip_json(const struct cfg_vip *v, bool full)
{
	struct strbuf b = {};
	json_t *j;

	model_vip_render(&b, v, full, NULL);
	j = b.oom ? NULL : json_loadb(b.s, b.len, 0, NULL);
	sb_free(&b);
	return j;
}

/* The sections for several balancers, as they were read (keys at their defaults left out). */
static void ha_json(json_t *o, const struct cfg *c, const struct cfg *def)
{
	if (c->announce.table) {
		json_t *a = json_pack("{s:I}", "table", (json_int_t)c->announce.table);

		if (c->announce.withdraw_wait_ms != def->announce.withdraw_wait_ms)
			json_object_set_new(a, "withdraw_wait", json_real(c->announce.withdraw_wait_ms / 1000.0));
		json_object_set_new(o, "announce", a);
	}
	if (c->vrrp.track_file[0]) {
		json_t *v = json_pack("{s:s}", "track_file", c->vrrp.track_file);

		if (c->vrrp.vips_on_lo != def->vrrp.vips_on_lo)
			json_object_set_new(v, "vips_on_lo", json_boolean(c->vrrp.vips_on_lo));
		json_object_set_new(o, "vrrp", v);
	}
	if (c->sync.listen[0]) {
		json_t *s = json_pack("{s:s, s:s}", "listen", c->sync.listen, "secret_file",
				      c->sync.secret_file), *peers = json_array();

		for (int i = 0; i < c->sync.npeers; i++)
			json_array_append_new(peers, json_string(c->sync.peers[i]));
		json_object_set_new(s, "peers", peers);
		if (c->sync.node[0])
			json_object_set_new(s, "node", json_string(c->sync.node));
		if (c->sync.learn_timeout_ms != def->sync.learn_timeout_ms)
			json_object_set_new(s, "learn_timeout", json_real(c->sync.learn_timeout_ms / 1000.0));
		json_object_set_new(o, "sync", s);
	}
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
	if (strcmp(c->state_dir, def.state_dir))
		json_object_set_new(o, "state_dir", json_string(c->state_dir));
	ha_json(o, c, &def);
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
