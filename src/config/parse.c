// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config file's schema: YAML (JSON is YAML too) into a struct cfg, each
 * error with its line and column, nothing guessed. Numbers are plain decimal
 * scalars (hex only for hash_seed; "5" in quotes is a string, not a number);
 * a key given twice, a second document, a NUL or a control character in a
 * name are errors. Nesting is limited before libyaml spends time on it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <yaml.h>

#include "config/config.h"
#include "config/parse.h"
#include "config/walk.h"
#include "engine/maglev.h"
#include "lib/num.h"

/*
 * The words of each enumerated key, indexed by its value: the parser reads
 * them (want_enum) and the writers print them (cfg_*_name), from one table.
 */
static const char *const *const sched_names =
	NAMES([CFG_SCHED_MAGLEV] = "maglev", [CFG_SCHED_RR] = "rr", [CFG_SCHED_WRR] = "wrr",
	      [CFG_SCHED_SH] = "sh", [CFG_SCHED_LC] = "lc");
static const char *const *const state_names =
	NAMES([BACKEND_UP] = "up", [BACKEND_DRAIN] = "drain", [BACKEND_OFF] = "off");
static const char *const *const check_names =
	NAMES([CHECK_NONE] = "none", [CHECK_TCP] = "tcp", [CHECK_HTTP] = "http",
	      [CHECK_UDP] = "udp");

static const char *name_of(const char *const *names, unsigned v)
{
	for (unsigned i = 0; names[i]; i++)
		if (i == v)
			return names[i];
	return "?";
}

const char *cfg_state_name(enum cfg_backend_state s)
{
	return name_of(state_names, s);
}

const char *cfg_check_name(enum cfg_check_type t)
{
	return name_of(check_names, t);
}

const char *cfg_sched_name(enum cfg_sched s)
{
	return name_of(sched_names, s);
}

/* health_check: a mapping over c (which holds the defaults, or the VIP's). */
static void parse_check(struct walk *w, yaml_node_t *n, struct cfg_check *c)
{
	static const char *const keys[] = { "type", "port", "target", "path", "expect_status",
					     "payload", "expect", "interval", "timeout", "rise",
					     "fall", NULL };
	uint64_t seen = 0, u;
	unsigned e;

	if (!want_map(w, n, "health_check is a mapping (type, port, target, path, expect_status, payload, expect, interval, timeout, rise, fall)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "health_check", &seen)) {
		case 0:
			if (want_enum(w, val, "health_check type", check_names, &e))
				c->type = (enum cfg_check_type)e;
			break;
		case 1:
			if (want_uint(w, val, "health_check port", 1, 65535, &u))
				c->port = (uint16_t)u;
			break;
		case 2: /* vip: VIP:port at the backend's MAC; real: the backend's own address */
			if (want_enum(w, val, "health_check target", NAMES("vip", "real"), &e))
				c->real = e == 1;
			break;
		case 3:
			want_text(w, val, "path", c->path, sizeof(c->path));
			if (c->path[0] != '/' || strpbrk(c->path, " \r\n"))
				cfg_err(w->e, LINE(val), COL(val),
					"path '%.60s' must start with '/' and hold no spaces", c->path);
			break;
		case 4:
			if (want_uint(w, val, "expect_status", 100, 599, &u))
				c->expect_status = (int)u;
			break;
		case 5:
			want_text(w, val, "payload", c->payload, sizeof(c->payload));
			break;
		case 6:
			want_text(w, val, "expect", c->expect, sizeof(c->expect));
			break;
		case 7:
			want_seconds(w, val, "interval", 50, 3600000, &c->interval_ms);
			break;
		case 8:
			want_seconds(w, val, "timeout", 10, 60000, &c->timeout_ms);
			break;
		case 9:
			if (want_uint(w, val, "rise", 1, 100, &u))
				c->rise = (uint32_t)u;
			break;
		case 10:
			if (want_uint(w, val, "fall", 1, 100, &u))
				c->fall = (uint32_t)u;
			break;
		}
	}
}

static void parse_backend(struct walk *w, yaml_node_t *n, const struct cfg_vip *v,
			  struct cfg_backend *b)
{
	static const char *const keys[] = { "address", "weight", "state", "health_check", NULL };
	bool have_addr = false;
	uint64_t seen = 0, u;
	const char *s;
	unsigned e;

	memset(b, 0, sizeof(*b));
	b->weight = 1;
	b->state = BACKEND_UP;
	b->line = LINE(n);
	b->col = COL(n);
	if (n->type == YAML_SCALAR_NODE) { /* shorthand: just the address */
		if (want_scalar(w, n, "backend", &s) && addr_parse(s, &b->addr))
			cfg_err(w->e, LINE(n), COL(n), "backend '%.60s' is not an IPv4 or IPv6 address", s);
		goto family;
	}
	if (!want_map(w, n, "a backend is an address or a mapping with 'address'"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "a backend", &seen)) {
		case 0:
			if (want_scalar(w, val, "address", &s)) {
				have_addr = true;
				if (addr_parse(s, &b->addr))
					cfg_err(w->e, LINE(val), COL(val),
						"backend '%.60s' is not an IPv4 or IPv6 address", s);
			}
			break;
		case 1:
			if (want_uint(w, val, "weight", 0, 65535, &u))
				b->weight = (uint32_t)u;
			break;
		case 2:
			if (want_enum(w, val, "backend state", state_names, &e))
				b->state = (enum cfg_backend_state)e;
			break;
		case 3:
			if (!b->check && !(b->check = malloc(sizeof(*b->check)))) {
				cfg_err(w->e, LINE(val), COL(val), "out of memory");
				break;
			}
			*b->check = v->check;
			parse_check(w, val, b->check);
			break;
		}
	}
	if (!have_addr) {
		cfg_err(w->e, LINE(n), COL(n), "a backend needs an 'address'");
		return;
	}
family:
	if (b->addr.family && v->spec.addr.family && b->addr.family != v->spec.addr.family) {
		char a[ADDR_STRLEN];

		cfg_err(w->e, LINE(n), COL(n), "backend %s is IPv%d but vip '%s' is IPv%d",
			addr_str(&b->addr, a, sizeof(a)), b->addr.family, v->name,
			v->spec.addr.family);
	}
}

static void parse_backends(struct walk *w, yaml_node_t *backends, yaml_node_t *vn,
			   struct cfg_vip *v)
{
	struct hmap seen = {};
	int nb;

	if (!backends || backends->type != YAML_SEQUENCE_NODE ||
	    backends->data.sequence.items.top == backends->data.sequence.items.start) {
		cfg_err(w->e, backends ? LINE(backends) : LINE(vn), backends ? COL(backends) : COL(vn),
			"vip '%s' needs 'backends': a list of at least one address", v->name);
		return;
	}
	nb = (int)(backends->data.sequence.items.top - backends->data.sequence.items.start);
	if (nb > CFG_MAX_BACKENDS_PER_VIP) {
		cfg_err(w->e, LINE(backends), COL(backends), "vip '%s' has %d backends (at most %d)",
			v->name, nb, CFG_MAX_BACKENDS_PER_VIP);
		return;
	}
	v->b = calloc((size_t)nb, sizeof(*v->b));
	if (!v->b) {
		cfg_err(w->e, LINE(backends), COL(backends), "out of memory");
		return;
	}
	for (int i = 0; i < nb; i++) {
		yaml_node_t *bn = walk_node(w, backends->data.sequence.items.start[i]);
		struct cfg_backend *b = &v->b[v->nb], *first;

		parse_backend(w, bn, v, b);
		v->nb++;
		if (!b->addr.family)
			continue;
		first = hmap_get(&seen, &b->addr, sizeof(b->addr));
		if (first) {
			char a[ADDR_STRLEN];

			cfg_err(w->e, LINE(bn), COL(bn),
				"backend %s is listed twice in vip '%s' (first on line %d)",
				addr_str(&b->addr, a, sizeof(a)), v->name, first->line);
		} else if (hmap_put(&seen, &b->addr, sizeof(b->addr), b)) {
			cfg_err(w->e, LINE(bn), COL(bn), "out of memory");
		}
	}
	hmap_free(&seen);
}

static void parse_vip(struct walk *w, yaml_node_t *n, struct cfg_vip *v)
{
	static const char *const keys[] = { "name", "address", "port", "protocol", "scheduler",
					     "tcp_timeout", "udp_timeout", "health_check",
					     "hold_down", "all_down", "backends", "table_size",
					     "flow_table", NULL };
	static const unsigned protos[] = { VIP_PROTO_TCP, VIP_PROTO_UDP, VIP_PROTO_TCP | VIP_PROTO_UDP };
	yaml_node_t *backends = NULL;
	bool have_addr = false;
	uint64_t seen = 0, u;
	const char *s;
	unsigned e;

	cfg_vip_init(v);
	v->line = LINE(n);
	v->col = COL(n);
	v->origin = w->origin;
	if (!want_map(w, n, "a vip is a mapping (name, address, backends, ...)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "a vip", &seen)) {
		case 0:
			want_name(w, val, v->name);
			break;
		case 1:
			if (want_scalar(w, val, "address", &s)) {
				have_addr = true;
				if (addr_parse(s, &v->spec.addr))
					cfg_err(w->e, LINE(val), COL(val),
						"vip address '%.60s' is not an IPv4 or IPv6 address", s);
			}
			break;
		case 2:
			if (want_uint(w, val, "port", 0, 65535, &u))
				v->spec.port = (uint16_t)u;
			break;
		case 3:
			if (want_enum(w, val, "protocol", NAMES("tcp", "udp", "both"), &e))
				v->spec.protos = protos[e];
			break;
		case 4:
			if (want_enum(w, val, "scheduler", sched_names, &e))
				v->sched = (enum cfg_sched)e;
			break;
		case 5:
			if (want_uint(w, val, "tcp_timeout", 1, 86400, &u))
				v->tcp_timeout = (uint32_t)u;
			break;
		case 6:
			if (want_uint(w, val, "udp_timeout", 1, 86400, &u))
				v->udp_timeout = (uint32_t)u;
			break;
		case 7:
			parse_check(w, val, &v->check);
			break;
		case 8:
			want_seconds(w, val, "hold_down", 0, 3600000, &v->hold_down_ms);
			break;
		case 9:
			if (want_enum(w, val, "all_down", NAMES("keep", "drop"), &e))
				v->all_down_drop = e == 1;
			break;
		case 10:
			backends = val;
			break;
		case 12:
			if (want_enum(w, val, "vip flow_table", NAMES("on", "off"), &e))
				v->stateless = e == 1;
			break;
		case 11:
			want_table_size(w, val, &v->table_size);
			break;
		}
	}
	if (!v->name[0])
		cfg_err(w->e, LINE(n), COL(n), "a vip needs a 'name'");
	if (!have_addr)
		cfg_err(w->e, LINE(n), COL(n), "vip '%s' needs an 'address'", v->name);
	parse_backends(w, backends, n, v);
}

static void parse_flow_table(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const char *const keys[] = { "size", "tcp_timeout", "udp_timeout",
					     "new_flows_per_second", NULL };
	uint64_t seen = 0, u;

	if (!want_map(w, n, "flow_table is a mapping (size, tcp_timeout, udp_timeout, new_flows_per_second)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "flow_table", &seen)) {
		case 0:
			if (want_uint(w, val, "flow_table size", 0, 100000000, &u))
				c->flow_size = (uint32_t)u;
			break;
		case 1:
			if (want_uint(w, val, "tcp_timeout", 1, 86400, &u))
				c->tcp_timeout = (uint32_t)u;
			break;
		case 2:
			if (want_uint(w, val, "udp_timeout", 1, 86400, &u))
				c->udp_timeout = (uint32_t)u;
			break;
		case 3:
			if (want_uint(w, val, "new_flows_per_second", 1, 100000000, &u))
				c->new_flows_per_sec = (uint32_t)u;
			break;
		}
	}
}

static void parse_api(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const char *const keys[] = { "socket", "group", "listen", "token_file", "web_dir",
					     NULL };
	static const struct {
		size_t off, size;
	} at[] = {
		{ offsetof(struct cfg_api, socket), sizeof(c->api.socket) },
		{ offsetof(struct cfg_api, group), sizeof(c->api.group) },
		{ offsetof(struct cfg_api, listen), sizeof(c->api.listen) },
		{ offsetof(struct cfg_api, token_file), sizeof(c->api.token_file) },
		{ offsetof(struct cfg_api, web_dir), sizeof(c->api.web_dir) },
	};
	uint64_t seen = 0;

	if (!want_map(w, n, "api is a mapping (socket, group, listen, token_file, web_dir)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);
		int i = key_index(w, k, keys, "api", &seen);

		if (i >= 0)
			want_text(w, val, keys[i], (char *)&c->api + at[i].off, at[i].size);
	}
	if (c->api.socket[0] != '/')
		cfg_err(w->e, LINE(n), COL(n), "api socket '%s' must be an absolute path",
			c->api.socket);
	if ((c->api.token_file[0] && c->api.token_file[0] != '/') ||
	    (c->api.web_dir[0] && c->api.web_dir[0] != '/'))
		cfg_err(w->e, LINE(n), COL(n), "api token_file and web_dir must be absolute paths");
	if (c->api.listen[0]) {
		struct sockaddr_storage ss;

		if (cfg_api_listen_parse(c->api.listen, &ss))
			cfg_err(w->e, LINE(n), COL(n),
				"api listen '%s' is not ADDR:PORT (e.g. 127.0.0.1:9180 or [::1]:9180)",
				c->api.listen);
	}
}

/* A list of VIPs (the main file's vips, or a vips_dir file's). */
static void parse_vips(struct walk *w, yaml_node_t *vips)
{
	int nv = (int)(vips->data.sequence.items.top - vips->data.sequence.items.start);

	if (nv + w->c->nv > DSRLB_MAX_VIPS) {
		cfg_err(w->e, LINE(vips), COL(vips), "%d vips (at most %d in all)", nv + w->c->nv,
			DSRLB_MAX_VIPS);
		return;
	}
	for (int i = 0; i < nv; i++) {
		struct cfg_vip *v = cfg_vip_new();

		if (!v || cfg_add_vip(w->c, v)) {
			cfg_vip_free(v);
			cfg_err(w->e, LINE(vips), COL(vips), "out of memory");
			return;
		}
		parse_vip(w, walk_node(w, vips->data.sequence.items.start[i]), v);
	}
}

/* The top-level keys, one case each (long by choice: the schema reads as a list). */
static void parse_root(struct walk *w, yaml_node_t *root, struct cfg *c)
{
	static const char *const keys[] = { "interface", "mode", "table_size", "hash_seed",
					     "resolve_timeout", "pin_dir", "flow_table", "api",
					     "vips", "vips_dir", "table_memory", "state_dir", "announce",
					     "vrrp", "sync", NULL };
	yaml_node_t *vips = NULL;
	uint64_t seen = 0, u;
	const char *s;
	char why[128];
	unsigned e;

	if (!root || root->type != YAML_MAPPING_NODE) {
		cfg_err(w->e, root ? LINE(root) : 0, root ? COL(root) : 0,
			"the config is a mapping with 'interface' and 'vips'");
		return;
	}
	FOR_PAIRS(root, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "the config", &seen)) {
		case 0:
			if (want_scalar(w, val, "interface", &s)) {
				if (!*s || strlen(s) >= IF_NAMESIZE || strpbrk(s, " /\t"))
					cfg_err(w->e, LINE(val), COL(val), "interface '%.40s' is not a valid name", s);
				else
					strcpy(c->iface, s);
			}
			break;
		case 1:
			if (want_enum(w, val, "mode", NAMES("native", "skb"), &e))
				c->mode = e ? DP_MODE_SKB : DP_MODE_AUTO;
			break;
		case 2:
			if (walk_scalar(val) && !strcmp(walk_scalar(val), "auto")) {
				c->table_size = 0;
			} else if (want_uint(w, val, "table_size", 2, DSRLB_RING_SIZE_MAX, &u)) {
				if (!maglev_is_prime((uint32_t)u))
					cfg_err(w->e, LINE(val), COL(val),
						"table_size %llu is not prime (e.g. 1021, 65537), or auto",
						(unsigned long long)u);
				c->table_size = (uint32_t)u;
			}
			break;
		case 3:
			if (want_num(w, val, "hash_seed", 0, UINT32_MAX, true, &u))
				c->hash_seed = (uint32_t)u;
			break;
		case 4:
			if (want_uint(w, val, "resolve_timeout", 1, 60, &u))
				c->resolve_timeout_ms = (int)u * 1000;
			break;
		case 5:
			want_path(w, val, "pin_dir", c->pin_dir, sizeof(c->pin_dir));
			break;
		case 6:
			parse_flow_table(w, val, c);
			break;
		case 7:
			parse_api(w, val, c);
			break;
		case 8:
			vips = val;
			break;
		case 9:
			want_path(w, val, "vips_dir", c->vips_dir, sizeof(c->vips_dir));
			break;
		case 10:
			if (want_plain(w, val, "table_memory", &s) &&
			    num_bytes(s, 1ull << 20, 1ull << 40, &c->table_memory, why, sizeof(why)))
				cfg_err(w->e, LINE(val), COL(val), "table_memory '%s' %s (like 512M or 2G)", s, why);
			break;
		case 11:
			want_path(w, val, "state_dir", c->state_dir, sizeof(c->state_dir));
			break;
		case 12:
			parse_announce(w, val, c);
			break;
		case 13:
			parse_vrrp(w, val, c);
			break;
		case 14:
			parse_sync(w, val, c);
			break;
		}
	}
	if (!c->iface[0])
		cfg_err(w->e, LINE(root), COL(root), "the config needs an 'interface'");
	if (!vips && c->vips_dir[0])
		return;
	if (!vips || vips->type != YAML_SEQUENCE_NODE) {
		cfg_err(w->e, vips ? LINE(vips) : LINE(root), vips ? COL(vips) : COL(root),
			"the config needs 'vips': a list of VIPs (or a vips_dir with VIP files)");
		return;
	}
	parse_vips(w, vips);
}

/* A vips_dir file: one VIP (a mapping with a name), or a mapping with 'vips'. */
static void parse_vip_file(struct walk *w, yaml_node_t *root)
{
	yaml_node_t *vips = NULL;

	if (root && root->type == YAML_MAPPING_NODE) {
		FOR_PAIRS(root, p) {
			const char *k = walk_scalar(walk_node(w, p->key));

			if (k && !strcmp(k, "vips"))
				vips = walk_node(w, p->value);
		}
	}
	if (vips && root->data.mapping.pairs.top - root->data.mapping.pairs.start == 1 &&
	    vips->type == YAML_SEQUENCE_NODE) {
		parse_vips(w, vips);
		return;
	}
	if (!root || root->type != YAML_MAPPING_NODE) {
		cfg_err(w->e, root ? LINE(root) : 0, root ? COL(root) : 0,
			"a VIP file holds one vip (a mapping with name, address, backends) or 'vips': a list");
		return;
	}
	struct cfg_vip *v = cfg_vip_new();

	if (!v || cfg_add_vip(w->c, v)) {
		cfg_vip_free(v);
		cfg_err(w->e, 0, 0, "out of memory");
		return;
	}
	parse_vip(w, root, v);
}

int cfg_parse_text(struct cfg *c, const char *name, const char *text, size_t len, bool vip_file,
		   struct cfg_errs *e)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct walk w = { .doc = &doc, .e = e, .c = c };
	int line, before = e->n;

	if (walk_nesting(text, len, &line) > NEST_MAX) {
		cfg_err(e, line, 1, "nested deeper than %d levels; nothing was read", NEST_MAX);
		return e->n - before;
	}
	if (vip_file && !(w.origin = cfg_origin(c, name))) {
		cfg_err(e, 0, 0, "out of memory");
		return e->n - before;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_err(e, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
			"not valid YAML: %s%s%s", parser.problem ? parser.problem : "?",
			parser.context ? " " : "", parser.context ? parser.context : "");
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		yaml_document_t more;

		if (!root)
			cfg_err(e, 0, 0, "the file is empty");
		else if (vip_file)
			parse_vip_file(&w, root);
		else
			parse_root(&w, root, c);
		yaml_document_delete(&doc);
		/* a second document would be ignored: say so instead */
		if (root && yaml_parser_load(&parser, &more)) {
			yaml_node_t *r2 = yaml_document_get_root_node(&more);

			if (r2)
				cfg_err(e, LINE(r2), COL(r2),
					"a second YAML document ('---') would not be read; one document per file");
			yaml_document_delete(&more);
		} else if (root && parser.error != YAML_NO_ERROR) {
			cfg_err(e, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
				"not valid YAML after the first document: %s",
				parser.problem ? parser.problem : "?");
		}
	}
	yaml_parser_delete(&parser);
	return e->n - before;
}
