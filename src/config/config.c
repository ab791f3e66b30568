// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config file: YAML (JSON is YAML too), one schema, every error reported
 * with its line and column, nothing applied unless all of it is valid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config/config.h"
#include "engine/maglev.h"

struct errs {
	char *buf;
	size_t len, cap;
	int n;
	const char *name;
};

__attribute__((format(printf, 4, 5))) static void err_at(struct errs *e, int line, int col,
							 const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int k;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->n++;
	if (line > 0)
		k = snprintf(NULL, 0, "%s:%d:%d: %s\n", e->name, line, col, msg);
	else
		k = snprintf(NULL, 0, "%s: %s\n", e->name, msg);
	if (e->len + (size_t)k + 1 > e->cap) {
		size_t cap = (e->cap + (size_t)k + 1) * 2;
		char *n = realloc(e->buf, cap);

		if (!n)
			return;
		e->buf = n;
		e->cap = cap;
	}
	if (line > 0)
		e->len += (size_t)sprintf(e->buf + e->len, "%s:%d:%d: %s\n", e->name, line, col, msg);
	else
		e->len += (size_t)sprintf(e->buf + e->len, "%s: %s\n", e->name, msg);
}

void cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = DP_MODE_AUTO;
	c->table_size = DSRLB_RING_SIZE_DEFAULT;
	c->hash_seed = 0x64737231u; /* "dsr1"; the same on every balancer by default */
	c->resolve_timeout_ms = 3000;
	strcpy(c->pin_dir, "/sys/fs/bpf/dsrlb");
	c->flow_size = 1000000;
	c->tcp_timeout = 300;
	c->udp_timeout = 30;
	c->new_flows_per_sec = 100000;
	snprintf(c->api.socket, sizeof(c->api.socket), "%s", cfg_api_socket_default());
}

const char *cfg_api_socket_default(void)
{
	const char *env = getenv("DSRLB_SOCKET");

	return env && env[0] == '/' && strlen(env) < sizeof(((struct cfg_api *)0)->socket) ?
		       env :
		       CFG_API_SOCKET_DEFAULT;
}

void cfg_free(struct cfg *c)
{
	for (int i = 0; i < c->nv; i++)
		free(c->vips[i].b);
	free(c->vips);
	c->vips = NULL;
	c->nv = 0;
}

/*
 * The words of each enumerated key, indexed by its value: the parser reads
 * them (want_enum) and the writers print them (cfg_*_name), from one table.
 */
#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
static const char *const *const sched_names =
	NAMES([SCHED_MAGLEV] = "maglev", [SCHED_RR] = "rr", [SCHED_WRR] = "wrr",
	      [SCHED_SH] = "sh", [SCHED_LC] = "lc");
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

int cfg_copy(struct cfg *dst, const struct cfg *src)
{
	*dst = *src;
	dst->vips = calloc(src->nv ? (size_t)src->nv : 1, sizeof(*dst->vips));
	if (!dst->vips)
		return -ENOMEM;
	for (int i = 0; i < src->nv; i++) {
		dst->vips[i] = src->vips[i];
		dst->vips[i].b = calloc(src->vips[i].nb ? (size_t)src->vips[i].nb : 1,
					sizeof(*dst->vips[i].b));
		if (!dst->vips[i].b) {
			dst->nv = i;
			cfg_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->vips[i].b, src->vips[i].b, sizeof(*src->vips[i].b) * (size_t)src->vips[i].nb);
	}
	return 0;
}

void cfg_check_init(struct cfg_check *c)
{
	memset(c, 0, sizeof(*c));
	c->type = CHECK_NONE;
	strcpy(c->path, "/");
	c->expect_status = 200;
	strcpy(c->payload, "dsrlb health check");
	c->interval_ms = 2000;
	c->timeout_ms = 1000;
	c->rise = 2;
	c->fall = 3;
}

const char *cfg_sched_name(enum cfg_sched s)
{
	return name_of(sched_names, s);
}

/* ---- walking the YAML tree ---------------------------------------------- */

struct walk {
	yaml_document_t *doc;
	struct errs *e;
};

#define LINE(n) ((int)(n)->start_mark.line + 1)
#define COL(n) ((int)(n)->start_mark.column + 1)

static yaml_node_t *node(struct walk *w, int i)
{
	return yaml_document_get_node(w->doc, i);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool want_scalar(struct walk *w, yaml_node_t *n, const char *what, const char **out)
{
	*out = scalar(n);
	if (!*out) {
		err_at(w->e, LINE(n), COL(n), "%s must be a single value", what);
		return false;
	}
	return true;
}

static bool want_uint(struct walk *w, yaml_node_t *n, const char *what, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	const char *s;
	char *end;

	if (!want_scalar(w, n, what, &s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || *out < min || *out > max) {
		err_at(w->e, LINE(n), COL(n), "%s '%s' must be a number from %lu to %lu", what, s,
		       min, max);
		return false;
	}
	return true;
}

/*
 * One of the words in names (NULL-terminated; case does not matter): its
 * index in *out. Otherwise an error that lists them: "unknown WHAT 'x' (a, b or c)".
 */
static bool want_enum(struct walk *w, yaml_node_t *n, const char *what,
		      const char *const *names, unsigned *out)
{
	char list[160] = "";
	const char *s;
	unsigned i;

	if (!want_scalar(w, n, what, &s))
		return false;
	for (i = 0; names[i]; i++) {
		if (!strcasecmp(s, names[i])) {
			*out = i;
			return true;
		}
	}
	for (unsigned j = 0; j < i; j++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 !j ? "" : j + 1 < i ? ", " : " or ", names[j]);
	err_at(w->e, LINE(n), COL(n), "unknown %s '%s' (%s)", what, s, list);
	return false;
}

static void unknown_key(struct walk *w, yaml_node_t *k, const char *where, const char *known)
{
	err_at(w->e, LINE(k), COL(k), "unknown key '%s' in %s (known: %s)",
	       scalar(k) ? scalar(k) : "?", where, known);
}

/* Seconds, decimals allowed ("0.5"), into milliseconds within [min_ms, max_ms]. */
static bool want_seconds(struct walk *w, yaml_node_t *n, const char *what, uint32_t min_ms,
			 uint32_t max_ms, uint32_t *out)
{
	const char *s;
	char *end;
	double d;

	if (!want_scalar(w, n, what, &s))
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (errno || !*s || *end || d * 1000 < min_ms || d * 1000 > max_ms) {
		err_at(w->e, LINE(n), COL(n), "%s '%s' must be seconds from %g to %g", what, s,
		       min_ms / 1000.0, max_ms / 1000.0);
		return false;
	}
	*out = (uint32_t)(d * 1000 + 0.5);
	return true;
}

static void want_text(struct walk *w, yaml_node_t *n, const char *what, char *out, size_t size)
{
	const char *s;

	if (!want_scalar(w, n, what, &s))
		return;
	if (strlen(s) >= size)
		err_at(w->e, LINE(n), COL(n), "%s is longer than %zu characters", what, size - 1);
	else
		strcpy(out, s);
}

#define CHECK_KEYS "type, port, target, path, expect_status, payload, expect, interval, timeout, rise, fall"

/* health_check: a mapping over c (which holds the defaults, or the VIP's). */
static void parse_check(struct walk *w, yaml_node_t *n, struct cfg_check *c)
{
	if (n->type != YAML_MAPPING_NODE) {
		err_at(w->e, LINE(n), COL(n), "health_check is a mapping (" CHECK_KEYS ")");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		unsigned long u;
		unsigned e;

		if (!key) {
			err_at(w->e, LINE(k), COL(k), "keys must be plain words");
		} else if (!strcmp(key, "type")) {
			if (want_enum(w, val, "health_check type", check_names, &e))
				c->type = (enum cfg_check_type)e;
		} else if (!strcmp(key, "port")) {
			if (want_uint(w, val, "health_check port", 1, 65535, &u))
				c->port = (uint16_t)u;
		} else if (!strcmp(key, "target")) {
			/* vip: VIP:port at the backend's MAC; real: the backend's own address */
			if (want_enum(w, val, "health_check target", NAMES("vip", "real"), &e))
				c->real = e == 1;
		} else if (!strcmp(key, "path")) {
			want_text(w, val, "path", c->path, sizeof(c->path));
			if (c->path[0] != '/' || strpbrk(c->path, " \r\n"))
				err_at(w->e, LINE(val), COL(val),
				       "path '%s' must start with '/' and hold no spaces", c->path);
		} else if (!strcmp(key, "expect_status")) {
			if (want_uint(w, val, "expect_status", 100, 599, &u))
				c->expect_status = (int)u;
		} else if (!strcmp(key, "payload")) {
			want_text(w, val, "payload", c->payload, sizeof(c->payload));
		} else if (!strcmp(key, "expect")) {
			want_text(w, val, "expect", c->expect, sizeof(c->expect));
		} else if (!strcmp(key, "interval")) {
			want_seconds(w, val, "interval", 50, 3600000, &c->interval_ms);
		} else if (!strcmp(key, "timeout")) {
			want_seconds(w, val, "timeout", 10, 60000, &c->timeout_ms);
		} else if (!strcmp(key, "rise")) {
			if (want_uint(w, val, "rise", 1, 100, &u))
				c->rise = (uint32_t)u;
		} else if (!strcmp(key, "fall")) {
			if (want_uint(w, val, "fall", 1, 100, &u))
				c->fall = (uint32_t)u;
		} else {
			unknown_key(w, k, "health_check", CHECK_KEYS);
		}
	}
}

static void parse_backend(struct walk *w, yaml_node_t *n, const struct cfg_vip *v,
			  struct cfg_backend *b)
{
	const char *s;

	memset(b, 0, sizeof(*b));
	b->weight = 1;
	b->state = BACKEND_UP;
	b->check = v->check;
	b->line = LINE(n);
	b->col = COL(n);
	if (n->type == YAML_SCALAR_NODE) { /* shorthand: just the address */
		s = scalar(n);
		if (addr_parse(s, &b->addr))
			err_at(w->e, LINE(n), COL(n), "backend '%s' is not an IPv4 or IPv6 address", s);
		goto family;
	}
	if (n->type != YAML_MAPPING_NODE) {
		err_at(w->e, LINE(n), COL(n), "a backend is an address or a mapping with 'address'");
		return;
	}
	bool have_addr = false;

	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		unsigned long u;
		unsigned e;

		if (!key) {
			err_at(w->e, LINE(k), COL(k), "keys must be plain words");
		} else if (!strcmp(key, "address")) {
			if (want_scalar(w, val, "address", &s)) {
				have_addr = true;
				if (addr_parse(s, &b->addr))
					err_at(w->e, LINE(val), COL(val),
					       "backend '%s' is not an IPv4 or IPv6 address", s);
			}
		} else if (!strcmp(key, "weight")) {
			if (want_uint(w, val, "weight", 0, 65535, &u))
				b->weight = (uint32_t)u;
		} else if (!strcmp(key, "state")) {
			if (want_enum(w, val, "backend state", state_names, &e))
				b->state = (enum cfg_backend_state)e;
		} else if (!strcmp(key, "health_check")) {
			parse_check(w, val, &b->check);
		} else {
			unknown_key(w, k, "a backend", "address, weight, state, health_check");
		}
	}
	if (!have_addr) {
		err_at(w->e, LINE(n), COL(n), "a backend needs an 'address'");
		return;
	}
family:
	if (b->addr.family && v->spec.addr.family && b->addr.family != v->spec.addr.family) {
		char a[ADDR_STRLEN];

		err_at(w->e, LINE(n), COL(n), "backend %s is IPv%d but vip '%s' is IPv%d",
		       addr_str(&b->addr, a, sizeof(a)), b->addr.family, v->name,
		       v->spec.addr.family);
	}
}

void cfg_vip_init(struct cfg_vip *v)
{
	memset(v, 0, sizeof(*v));
	cfg_check_init(&v->check);
	v->hold_down_ms = 5000;
	v->spec.protos = VIP_PROTO_TCP | VIP_PROTO_UDP;
	v->sched = SCHED_MAGLEV;
}

static void parse_vip(struct walk *w, yaml_node_t *n, struct cfg_vip *v)
{
	yaml_node_t *backends = NULL;
	bool have_addr = false;
	const char *s;

	cfg_vip_init(v);
	v->line = LINE(n);
	v->col = COL(n);
	if (n->type != YAML_MAPPING_NODE) {
		err_at(w->e, LINE(n), COL(n), "a vip is a mapping (name, address, backends, ...)");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		unsigned long u;
		unsigned e;

		if (!key) {
			err_at(w->e, LINE(k), COL(k), "keys must be plain words");
		} else if (!strcmp(key, "name")) {
			if (want_scalar(w, val, "name", &s)) {
				if (!*s || strlen(s) >= CFG_NAME_MAX || strpbrk(s, " \t/"))
					err_at(w->e, LINE(val), COL(val),
					       "vip name '%s' must be 1-%d characters without spaces or '/'",
					       s, CFG_NAME_MAX - 1);
				else
					strcpy(v->name, s);
			}
		} else if (!strcmp(key, "address")) {
			if (want_scalar(w, val, "address", &s)) {
				have_addr = true;
				if (addr_parse(s, &v->spec.addr))
					err_at(w->e, LINE(val), COL(val),
					       "vip address '%s' is not an IPv4 or IPv6 address", s);
			}
		} else if (!strcmp(key, "port")) {
			if (want_uint(w, val, "port", 0, 65535, &u))
				v->spec.port = (uint16_t)u;
		} else if (!strcmp(key, "protocol")) {
			static const unsigned protos[] = { VIP_PROTO_TCP, VIP_PROTO_UDP,
							   VIP_PROTO_TCP | VIP_PROTO_UDP };

			if (want_enum(w, val, "protocol", NAMES("tcp", "udp", "both"), &e))
				v->spec.protos = protos[e];
		} else if (!strcmp(key, "scheduler")) {
			if (want_enum(w, val, "scheduler", sched_names, &e))
				v->sched = (enum cfg_sched)e;
		} else if (!strcmp(key, "tcp_timeout")) {
			if (want_uint(w, val, "tcp_timeout", 1, 86400, &u))
				v->tcp_timeout = (uint32_t)u;
		} else if (!strcmp(key, "udp_timeout")) {
			if (want_uint(w, val, "udp_timeout", 1, 86400, &u))
				v->udp_timeout = (uint32_t)u;
		} else if (!strcmp(key, "health_check")) {
			parse_check(w, val, &v->check);
		} else if (!strcmp(key, "hold_down")) {
			want_seconds(w, val, "hold_down", 0, 3600000, &v->hold_down_ms);
		} else if (!strcmp(key, "all_down")) {
			if (want_enum(w, val, "all_down", NAMES("keep", "drop"), &e))
				v->all_down_drop = e == 1;
		} else if (!strcmp(key, "backends")) {
			backends = val;
		} else {
			unknown_key(w, k, "a vip",
				    "name, address, port, protocol, scheduler, tcp_timeout, udp_timeout, health_check, hold_down, all_down, backends");
		}
	}
	if (!v->name[0])
		err_at(w->e, LINE(n), COL(n), "a vip needs a 'name'");
	if (!have_addr)
		err_at(w->e, LINE(n), COL(n), "vip '%s' needs an 'address'", v->name);
	if (!backends || backends->type != YAML_SEQUENCE_NODE ||
	    backends->data.sequence.items.top == backends->data.sequence.items.start) {
		err_at(w->e, backends ? LINE(backends) : LINE(n), backends ? COL(backends) : COL(n),
		       "vip '%s' needs 'backends': a list of at least one address", v->name);
		return;
	}
	int nb = (int)(backends->data.sequence.items.top - backends->data.sequence.items.start);

	if (nb > CFG_MAX_BACKENDS_PER_VIP) {
		err_at(w->e, LINE(backends), COL(backends), "vip '%s' has %d backends (at most %d)",
		       v->name, nb, CFG_MAX_BACKENDS_PER_VIP);
		return;
	}
	v->b = calloc((size_t)nb, sizeof(*v->b));
	if (!v->b)
		return;
	for (int i = 0; i < nb; i++) {
		yaml_node_t *bn = node(w, backends->data.sequence.items.start[i]);

		parse_backend(w, bn, v, &v->b[v->nb]);
		for (int j = 0; j < v->nb; j++) {
			if (!addr_cmp(&v->b[j].addr, &v->b[v->nb].addr)) {
				char a[ADDR_STRLEN];

				err_at(w->e, LINE(bn), COL(bn),
				       "backend %s is listed twice in vip '%s' (first on line %d)",
				       addr_str(&v->b[j].addr, a, sizeof(a)), v->name, v->b[j].line);
			}
		}
		v->nb++;
	}
}

static void parse_flow_table(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	if (n->type != YAML_MAPPING_NODE) {
		err_at(w->e, LINE(n), COL(n),
		       "flow_table is a mapping (size, tcp_timeout, udp_timeout, new_flows_per_second)");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		unsigned long u;

		if (!key)
			err_at(w->e, LINE(k), COL(k), "keys must be plain words");
		else if (!strcmp(key, "size")) {
			if (want_uint(w, val, "flow_table size", 0, 100000000, &u))
				c->flow_size = (uint32_t)u;
		} else if (!strcmp(key, "tcp_timeout")) {
			if (want_uint(w, val, "tcp_timeout", 1, 86400, &u))
				c->tcp_timeout = (uint32_t)u;
		} else if (!strcmp(key, "udp_timeout")) {
			if (want_uint(w, val, "udp_timeout", 1, 86400, &u))
				c->udp_timeout = (uint32_t)u;
		} else if (!strcmp(key, "new_flows_per_second")) {
			if (want_uint(w, val, "new_flows_per_second", 1, 100000000, &u))
				c->new_flows_per_sec = (uint32_t)u;
		} else {
			unknown_key(w, k, "flow_table",
				    "size, tcp_timeout, udp_timeout, new_flows_per_second");
		}
	}
}

static void parse_api(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
		{ "socket", offsetof(struct cfg_api, socket), sizeof(c->api.socket) },
		{ "group", offsetof(struct cfg_api, group), sizeof(c->api.group) },
		{ "listen", offsetof(struct cfg_api, listen), sizeof(c->api.listen) },
		{ "token_file", offsetof(struct cfg_api, token_file), sizeof(c->api.token_file) },
		{ "web_dir", offsetof(struct cfg_api, web_dir), sizeof(c->api.web_dir) },
	};

	if (n->type != YAML_MAPPING_NODE) {
		err_at(w->e, LINE(n), COL(n),
		       "api is a mapping (socket, group, listen, token_file, web_dir)");
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		size_t i = 0;

		while (key && i < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[i].key))
			i++;
		if (!key || i == sizeof(keys) / sizeof(keys[0])) {
			unknown_key(w, k, "api", "socket, group, listen, token_file, web_dir");
			continue;
		}
		want_text(w, val, keys[i].key, (char *)&c->api + keys[i].off, keys[i].size);
	}
	if (c->api.socket[0] != '/')
		err_at(w->e, LINE(n), COL(n), "api socket '%s' must be an absolute path",
		       c->api.socket);
	if ((c->api.token_file[0] && c->api.token_file[0] != '/') ||
	    (c->api.web_dir[0] && c->api.web_dir[0] != '/'))
		err_at(w->e, LINE(n), COL(n), "api token_file and web_dir must be absolute paths");
	if (c->api.listen[0]) {
		struct sockaddr_storage ss;

		if (cfg_api_listen_parse(c->api.listen, &ss))
			err_at(w->e, LINE(n), COL(n),
			       "api listen '%s' is not ADDR:PORT (e.g. 127.0.0.1:9180 or [::1]:9180)",
			       c->api.listen);
	}
}

int cfg_api_listen_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -EINVAL;
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

static void parse_root(struct walk *w, yaml_node_t *root, struct cfg *c)
{
	yaml_node_t *vips = NULL;
	const char *s;

	if (!root || root->type != YAML_MAPPING_NODE) {
		err_at(w->e, root ? LINE(root) : 0, root ? COL(root) : 0,
		       "the config is a mapping with 'interface' and 'vips'");
		return;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(w, p->key), *val = node(w, p->value);
		const char *key = scalar(k);
		unsigned long u;

		if (!key) {
			err_at(w->e, LINE(k), COL(k), "keys must be plain words");
		} else if (!strcmp(key, "interface")) {
			if (want_scalar(w, val, "interface", &s)) {
				if (!*s || strlen(s) >= IF_NAMESIZE)
					err_at(w->e, LINE(val), COL(val), "interface '%s' is not a valid name", s);
				else
					strcpy(c->iface, s);
			}
		} else if (!strcmp(key, "mode")) {
			if (!want_scalar(w, val, "mode", &s))
				continue;
			if (!strcmp(s, "native"))
				c->mode = DP_MODE_AUTO;
			else if (!strcmp(s, "skb"))
				c->mode = DP_MODE_SKB;
			else
				err_at(w->e, LINE(val), COL(val), "unknown mode '%s' (native or skb)", s);
		} else if (!strcmp(key, "table_size")) {
			if (want_uint(w, val, "table_size", 2, DSRLB_RING_SIZE_MAX, &u)) {
				if (!maglev_is_prime((uint32_t)u))
					err_at(w->e, LINE(val), COL(val),
					       "table_size %lu is not prime (e.g. 65537, 131071)", u);
				c->table_size = (uint32_t)u;
			}
		} else if (!strcmp(key, "hash_seed")) {
			if (want_uint(w, val, "hash_seed", 0, UINT32_MAX, &u))
				c->hash_seed = (uint32_t)u;
		} else if (!strcmp(key, "resolve_timeout")) {
			if (want_uint(w, val, "resolve_timeout", 1, 60, &u))
				c->resolve_timeout_ms = (int)u * 1000;
		} else if (!strcmp(key, "pin_dir")) {
			if (want_scalar(w, val, "pin_dir", &s)) {
				if (s[0] != '/' || strlen(s) >= sizeof(c->pin_dir))
					err_at(w->e, LINE(val), COL(val),
					       "pin_dir '%s' must be an absolute path (on a bpffs)", s);
				else
					strcpy(c->pin_dir, s);
			}
		} else if (!strcmp(key, "flow_table")) {
			parse_flow_table(w, val, c);
		} else if (!strcmp(key, "api")) {
			parse_api(w, val, c);
		} else if (!strcmp(key, "vips")) {
			vips = val;
		} else {
			unknown_key(w, k, "the config",
				    "interface, mode, table_size, hash_seed, resolve_timeout, pin_dir, flow_table, api, vips");
		}
	}
	if (!c->iface[0])
		err_at(w->e, LINE(root), COL(root), "the config needs an 'interface'");
	if (!vips || vips->type != YAML_SEQUENCE_NODE) {
		err_at(w->e, vips ? LINE(vips) : LINE(root), vips ? COL(vips) : COL(root),
		       "the config needs 'vips': a list of VIPs");
		return;
	}
	int nv = (int)(vips->data.sequence.items.top - vips->data.sequence.items.start);

	if (nv > DSRLB_MAX_VIPS) {
		err_at(w->e, LINE(vips), COL(vips), "%d vips (at most %d)", nv, DSRLB_MAX_VIPS);
		return;
	}
	c->vips = calloc(nv ? (size_t)nv : 1, sizeof(*c->vips));
	if (!c->vips)
		return;
	for (int i = 0; i < nv; i++)
		parse_vip(w, node(w, vips->data.sequence.items.start[i]), &c->vips[c->nv++]);
}

static void validate(const struct cfg *c, struct errs *e);

static int load(yaml_parser_t *parser, const char *name, struct cfg *c, char **errors)
{
	struct errs e = { .name = name };
	yaml_document_t doc;
	struct walk w = { .doc = &doc, .e = &e };

	cfg_init(c);
	if (!yaml_parser_load(parser, &doc)) {
		err_at(&e, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1,
		       "not valid YAML: %s%s%s", parser->problem ? parser->problem : "?",
		       parser->context ? " " : "", parser->context ? parser->context : "");
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&doc);

		if (!root)
			err_at(&e, 0, 0, "the file is empty");
		else
			parse_root(&w, root, c);
		yaml_document_delete(&doc);
		if (!e.n)
			validate(c, &e);
	}
	yaml_parser_delete(parser);
	if (e.n)
		cfg_free(c);
	*errors = e.buf;
	return e.n;
}

int cfg_load(const char *path, struct cfg *c, char **errors)
{
	yaml_parser_t parser;
	FILE *f = fopen(path, "r");
	int n;

	if (!f) {
		struct errs e = { .name = path };

		cfg_init(c);
		err_at(&e, 0, 0, "cannot read it: %s", strerror(errno));
		*errors = e.buf;
		return 1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	n = load(&parser, path, c, errors);
	fclose(f);
	return n;
}

int cfg_load_string(const char *name, const char *text, struct cfg *c, char **errors)
{
	yaml_parser_t parser;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	return load(&parser, name, c, errors);
}

static bool protos_overlap(const struct vip_spec *a, const struct vip_spec *b)
{
	return !addr_cmp(&a->addr, &b->addr) && a->port == b->port && (a->protos & b->protos);
}

static void validate(const struct cfg *c, struct errs *ep)
{
	struct errs *e = ep;
	char a[ADDR_STRLEN];
	long ids = 0;

	for (int i = 0; i < c->nv; i++) {
		const struct cfg_vip *v = &c->vips[i];

		ids += v->nb;
		if ((v->sched == SCHED_RR || v->sched == SCHED_WRR || v->sched == SCHED_LC) &&
		    !c->flow_size)
			err_at(e, v->line, v->col,
			       "vip '%s': scheduler %s decides when a flow starts and needs the flow table (flow_table size > 0)",
			       v->name, cfg_sched_name(v->sched));
		if (v->sched == SCHED_WRR) {
			uint32_t g = 0;
			uint64_t sum = 0;

			for (int j = 0; j < v->nb; j++)
				g = maglev_gcd(g, v->b[j].weight);
			for (int j = 0; j < v->nb && g; j++)
				sum += v->b[j].weight / g;
			if (sum > c->table_size)
				err_at(e, v->line, v->col,
				       "vip '%s': wrr weights reduce to a sequence of %llu, more than table_size %u; use smaller weights",
				       v->name, (unsigned long long)sum, c->table_size);
		}
		for (int j = 0; j < v->nb; j++) {
			const struct cfg_check *k = &v->b[j].check;
			unsigned need = k->type == CHECK_UDP ? VIP_PROTO_UDP : VIP_PROTO_TCP;

			if (k->type == CHECK_NONE)
				continue;
			if (!k->port && !v->spec.port)
				err_at(e, v->b[j].line, v->b[j].col,
				       "vip '%s': a %s health check needs health_check.port (the VIP serves every port)",
				       v->name, cfg_check_name(k->type));
			if (!(v->spec.protos & need))
				err_at(e, v->b[j].line, v->b[j].col,
				       "vip '%s' does not serve %s, so a %s health check cannot reach it",
				       v->name, need == VIP_PROTO_UDP ? "udp" : "tcp",
				       cfg_check_name(k->type));
		}
		if (v->nb > (int)c->table_size)
			err_at(e, v->line, v->col, "vip '%s' has %d backends, more than table_size %u",
			       v->name, v->nb, c->table_size);
		for (int j = 0; j < i; j++) {
			const struct cfg_vip *o = &c->vips[j];

			if (!strcmp(o->name, v->name) && o->line) /* flags name VIPs by their spec */
				err_at(e, v->line, v->col, "vip name '%s' is used twice (first on line %d)",
				       v->name, o->line);
			if (protos_overlap(&o->spec, &v->spec)) {
				char where[24] = "";

				if (o->line)
					snprintf(where, sizeof(where), " (line %d)", o->line);
				err_at(e, v->line, v->col, "vip '%s' duplicates vip '%s'%s: both serve %s",
				       v->name, o->name, where, vip_spec_str(&v->spec, a, sizeof(a)));
			}
		}
	}
	if (ids > DSRLB_MAX_BACKENDS)
		err_at(e, 0, 0, "%ld backends in all (at most %d)", ids, DSRLB_MAX_BACKENDS);
}

int cfg_validate(const struct cfg *c, const char *name, char **errors)
{
	struct errs e = { .name = name };

	validate(c, &e);
	*errors = e.buf;
	return e.n;
}
