// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "lib/log.h"
#include "config/model.h"
#include "engine/stats.h"
#include "lib/strbuf.h"
#include "engine/trace.h"
#include "lib/version.h"

#define API_PREFIX "/api/v1"

struct listener {
	struct MHD_Daemon *d;
	struct api *api;
	bool need_token;
	bool loopback_tcp; /* TCP on loopback, no token: Host must be ours (see host_ok) */
	uint16_t port;
	char what[140];
};

/* One client of GET /api/v1/trace: records wait in buf until MHD sends them. */
struct tracer {
	struct api *a;
	struct MHD_Connection *c;
	struct tracer *next;
	char *buf;
	size_t off, len, cap;
	uint64_t skipped;   /* records not queued: this client reads too slowly */
	uint64_t last_ms;   /* when something was last queued */
	int vip;            /* VIP id followed, -1 for all */
	char vip_name[CFG_NAME_MAX];
	bool suspended;
};

#define TRACE_BUF_MAX (1u << 20) /* bytes queued per tracer at most */
#define TRACE_MAX 16             /* tracers at once */
#define TRACE_IDLE_MS 5000       /* an idle stream gets a blank line: dead clients show */

struct api {
	struct listener l[2];
	struct tracer *tracers;
	int ntracers;
	struct ring_buffer *rb;
	uint64_t lost_seen;
	int nl;
	struct engine *e;
	char path[4096];   /* the config file changes are written to */
	char socket[108];
	char token[256];
	char web_dir[256];
	time_t started;
};

/* One request: its body, gathered up to API_BODY_MAX. */
struct req {
	char *body;
	size_t len;
	bool too_big;
};

/* ---- responses ------------------------------------------------------------------ */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
				 const char *text, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY);
	enum MHD_Result r;

	json_decref(j);
	if (!s)
		return MHD_NO;
	r = send_text(c, status, "application/json", s, strlen(s));
	free(s);
	return r;
}

/* {"error": msg[, "field": f]}: what a person can act on, and where */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *field,
				  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *field,
				  const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:s}", "error", msg);
	if (field)
		json_object_set_new(j, "field", json_string(field));
	return send_json(c, status, j);
}

/*
 * The field a config error concerns, for the web form: the first known key
 * the message names ("vip address '…'", "unknown key 'x'", "port").
 */
static const char *error_field(const char *msg)
{
	static const char *const keys[] = { "health_check", "backend", "address", "port",
					    "protocol", "scheduler", "tcp_timeout",
					    "udp_timeout", "hold_down", "all_down", "weight",
					    "state", "name", "interval", "timeout", "rise",
					    "fall", "path", "expect_status", "payload" };
	const char *best = NULL, *at = NULL;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *p = strstr(msg, keys[i]);

		if (p && (!at || p < at)) {
			at = p;
			best = keys[i];
		}
	}
	if (best && (!strcmp(best, "backend")))
		return "backends";
	return best;
}

/* ---- changes ---------------------------------------------------------------------- */

/* Validate, apply, write back. On any failure, nothing changed; an HTTP status. */
static unsigned commit(struct api *a, struct cfg *next, char *err, size_t errlen)
{
	const struct cfg *cur = engine_model(a->e);
	struct cfg old;
	char *errors = NULL;

	if (cfg_validate(next, "change", &errors)) {
		/* "change:LINE:COL: what" or "change: what" -> "what" */
		const char *m = errors, *p = strstr(errors, ": ");

		if (p)
			m = p + 2;
		snprintf(err, errlen, "%.*s", (int)strcspn(m, "\n"), m);
		free(errors);
		return 400;
	}
	free(errors);
	if (!cur || cfg_copy(&old, cur)) {
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if (engine_apply(a->e, next, err, errlen)) {
		cfg_free(&old);
		return 409;
	}
	if (model_write(a->path, next, err, errlen)) {
		char e2[256];

		if (engine_apply(a->e, &old, e2, sizeof(e2)))
			log_errx("api: could not undo a change the file did not take: %s", e2);
		cfg_free(&old);
		return 500;
	}
	cfg_free(&old);
	return 0;
}

static int vip_index(const struct cfg *c, const char *name)
{
	for (int i = 0; i < c->nv; i++)
		if (!strcmp(c->vips[i].name, name))
			return i;
	return -1;
}

static int backend_index(const json_t *backends, const struct dsrlb_addr *addr)
{
	size_t i;
	json_t *b;

	json_array_foreach(backends, i, b) {
		const json_t *s = json_is_object(b) ? json_object_get(b, "address") : b;
		struct dsrlb_addr x;

		if (json_is_string(s) && !addr_parse(json_string_value(s), &x) && !addr_cmp(&x, addr))
			return (int)i;
	}
	return -1;
}

/*
 * Make the change: the VIP named old_name (or a new one when NULL) becomes
 * vipj (NULL: deleted). 0 sent nothing; otherwise the response was queued.
 */
static enum MHD_Result change(struct api *a, struct MHD_Connection *c, const char *old_name,
			      json_t *vipj, unsigned ok_status, json_t *answer)
{
	const struct cfg *cur = engine_model(a->e);
	struct cfg next;
	struct cfg_vip v = {};
	char *errors = NULL, err[1024];
	int at = old_name ? vip_index(cur, old_name) : -1;
	unsigned st;

	if (vipj && model_vip_parse(cur, vipj, &v, &errors)) {
		enum MHD_Result r = send_error(c, 400, error_field(errors), "%s", errors);

		free(errors);
		json_decref(answer);
		return r;
	}
	if (vipj) {
		int other = vip_index(cur, v.name);

		if (other >= 0 && other != at) {
			free(v.b);
			json_decref(answer);
			return send_error(c, 409, "name", "a vip named '%s' exists already", v.name);
		}
	}
	if (cfg_copy(&next, cur)) {
		free(v.b);
		json_decref(answer);
		return send_error(c, 500, NULL, "out of memory");
	}
	if (at >= 0) {
		free(next.vips[at].b);
		if (vipj) {
			next.vips[at] = v;
		} else {
			memmove(&next.vips[at], &next.vips[at + 1],
				sizeof(*next.vips) * (size_t)(next.nv - at - 1));
			next.nv--;
		}
	} else if (vipj) {
		struct cfg_vip *n = realloc(next.vips, sizeof(*n) * (size_t)(next.nv + 1));

		if (!n) {
			free(v.b);
			cfg_free(&next);
			json_decref(answer);
			return send_error(c, 500, NULL, "out of memory");
		}
		next.vips = n;
		next.vips[next.nv++] = v;
	}
	st = commit(a, &next, err, sizeof(err));
	cfg_free(&next);
	if (st) {
		json_decref(answer);
		return send_error(c, st, st == 400 ? error_field(err) : NULL, "%s", err);
	}
	log_info("api: %s", json_string_value(json_object_get(answer, "done")));
	return send_json(c, ok_status, answer);
}

/* ---- requests ------------------------------------------------------------------------ */

static bool token_ok(struct api *a, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	size_t n = strlen(a->token);
	unsigned char diff = 0;

	if (!h || strncmp(h, "Bearer ", 7) || strlen(h + 7) != n)
		return false;
	for (size_t i = 0; i < n; i++) /* the same time for every wrong token */
		diff |= (unsigned char)(h[7 + i] ^ a->token[i]);
	return !diff;
}

static enum MHD_Result serve_file(struct api *a, struct MHD_Connection *c, const char *url)
{
	static const struct {
		const char *ext, *type;
	} types[] = { { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript" },
		      { ".css", "text/css" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
		      { ".json", "application/json" } };
	const char *type = "application/octet-stream", *dot;
	char path[600];
	struct stat st;
	int fd;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!a->web_dir[0] || strstr(url, ".."))
		return send_error(c, 404, NULL, "no such page: %s", url);
	snprintf(path, sizeof(path), "%s%s", a->web_dir, strcmp(url, "/") ? url : "/index.html");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return send_error(c, 404, NULL, "no such page: %s", url);
	}
	dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			type = types[i].type;
	r = MHD_create_response_from_fd((size_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET of a part of the status: the VIP named name (its backend i if i >= 0) */
static enum MHD_Result send_status_part(struct api *a, struct MHD_Connection *c,
					const char *name, int i)
{
	json_t *st = engine_status(a->e), *v = NULL, *x;
	size_t k;

	json_array_foreach(json_object_get(st, "vips"), k, x)
		if (!strcmp(json_string_value(json_object_get(x, "name")), name))
			v = x;
	if (v && i >= -1)
		v = i == -1 ? json_object_get(v, "backends") :
			      json_array_get(json_object_get(v, "backends"), (size_t)i);
	json_incref(v);
	json_decref(st);
	return v ? send_json(c, 200, v) : send_error(c, 404, NULL, "gone meanwhile");
}

#define WHOLE_VIP (-2)
#define ITS_BACKENDS (-1)

struct call {
	struct api *a;
	struct MHD_Connection *c;
	const char *method, *url;
	json_t *body;
};

static bool is(const struct call *k, const char *m)
{
	return !strcmp(k->method, m);
}

/* /vips */
static enum MHD_Result vips(const struct call *k)
{
	const char *n;

	if (is(k, "GET")) {
		json_t *st = engine_status(k->a->e), *v = json_incref(json_object_get(st, "vips"));

		json_decref(st);
		return send_json(k->c, 200, v);
	}
	if (!is(k, "POST"))
		return send_error(k->c, 405, NULL, "%s %s: use GET or POST", k->method, k->url);
	if (!json_is_object(k->body))
		return send_error(k->c, 400, NULL,
				  "the body must be a vip: a JSON object with name, address, backends, ...");
	n = json_string_value(json_object_get(k->body, "name"));
	return change(k->a, k->c, NULL, k->body, 201,
		      json_pack("{s:s++}", "done", "vip '", n ? n : "?", "' created"));
}

/* /vips/NAME; vipj is the VIP as the file says it */
static enum MHD_Result vip(const struct call *k, const char *name, json_t *vipj)
{
	json_t *next;
	enum MHD_Result r;

	if (is(k, "GET"))
		return send_status_part(k->a, k->c, name, WHOLE_VIP);
	if (is(k, "DELETE"))
		return change(k->a, k->c, name, NULL, 200,
			      json_pack("{s:s++}", "done", "vip '", name, "' deleted"));
	if (!is(k, "PATCH") && !is(k, "PUT"))
		return send_error(k->c, 405, NULL, "%s %s: use GET, PATCH, PUT or DELETE", k->method,
				  k->url);
	if (!json_is_object(k->body))
		return send_error(k->c, 400, NULL, "the body must be a JSON object of the keys to change");
	if (is(k, "PUT")) { /* replace: what the body does not say is default */
		next = json_deep_copy(k->body);
		if (!json_object_get(next, "name"))
			json_object_set_new(next, "name", json_string(name));
	} else {
		next = json_incref(vipj);
		json_object_update(next, k->body);
	}
	r = change(k->a, k->c, name, next, 200,
		   json_pack("{s:s++}", "done", "vip '", name, "' changed"));
	json_decref(next);
	return r;
}

/* /vips/NAME/backends */
static enum MHD_Result backends(const struct call *k, const char *name, json_t *vipj)
{
	json_t *bs = json_object_get(vipj, "backends");
	const json_t *ad = json_is_string(k->body) ? k->body : json_object_get(k->body, "address");
	struct dsrlb_addr x;

	if (is(k, "GET"))
		return send_status_part(k->a, k->c, name, ITS_BACKENDS);
	if (!is(k, "POST"))
		return send_error(k->c, 405, NULL, "%s %s: use GET or POST", k->method, k->url);
	if (!json_is_object(k->body) && !json_is_string(k->body))
		return send_error(k->c, 400, NULL,
				  "the body must be a backend: {\"address\": ..., \"weight\": ...} or an address");
	if (json_is_string(ad) && !addr_parse(json_string_value(ad), &x) && backend_index(bs, &x) >= 0)
		return send_error(k->c, 409, "address",
				  "backend %s is in vip '%s' already (PATCH it to change it)",
				  json_string_value(ad), name);
	json_array_append(bs, k->body);
	return change(k->a, k->c, name, vipj, 201,
		      json_pack("{s:s++++}", "done", "vip '", name, "': backend ",
				json_is_string(ad) ? json_string_value(ad) : "?", " added"));
}

/* /vips/NAME/backends/ADDR */
static enum MHD_Result backend(const struct call *k, const char *name, json_t *vipj,
			       const char *baddr)
{
	json_t *bs = json_object_get(vipj, "backends"), *ba, *nb;
	struct dsrlb_addr x, y;
	int bi;

	if (addr_parse(baddr, &x))
		return send_error(k->c, 400, "address", "'%s' is not an IPv4 or IPv6 address", baddr);
	bi = backend_index(bs, &x);
	if (bi < 0)
		return send_error(k->c, 404, "address", "vip '%s' has no backend %s", name, baddr);
	if (is(k, "GET"))
		return send_status_part(k->a, k->c, name, bi);
	if (is(k, "DELETE")) {
		if (json_array_size(bs) == 1)
			return send_error(k->c, 409, "backends",
					  "backend %s is the last of vip '%s'; a vip needs one (delete the vip instead)",
					  baddr, name);
		json_array_remove(bs, (size_t)bi);
		return change(k->a, k->c, name, vipj, 200,
			      json_pack("{s:s++++}", "done", "vip '", name, "': backend ", baddr,
					" deleted"));
	}
	if (!is(k, "PATCH"))
		return send_error(k->c, 405, NULL, "%s %s: use GET, PATCH or DELETE", k->method, k->url);
	if (!json_is_object(k->body))
		return send_error(k->c, 400, NULL,
				  "the body must be a JSON object of the keys to change (weight, state, health_check)");
	ba = json_object_get(k->body, "address");
	if (ba && (!json_is_string(ba) || addr_parse(json_string_value(ba), &y) || addr_cmp(&x, &y)))
		return send_error(k->c, 400, "address",
				  "a backend's address cannot change; add the new one and delete %s", baddr);
	nb = json_array_get(bs, (size_t)bi);
	nb = json_is_string(nb) ? json_pack("{s:O}", "address", nb) : json_deep_copy(nb);
	json_object_update(nb, k->body);
	json_array_set_new(bs, (size_t)bi, nb);
	return change(k->a, k->c, name, vipj, 200,
		      json_pack("{s:s++++}", "done", "vip '", name, "': backend ", baddr, " changed"));
}

/* ---- trace -------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Queue one line for t and wake its connection. */
static void trace_queue(struct tracer *t, const char *line, size_t n)
{
	if (t->len + n > TRACE_BUF_MAX) {
		t->skipped++;
		return;
	}
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *nb;

		while (cap < t->len + n)
			cap *= 2;
		nb = realloc(t->buf, cap);
		if (!nb) {
			t->skipped++;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->last_ms = now_ms();
	if (t->suspended) {
		t->suspended = false;
		MHD_resume_connection(t->c);
	}
}

static void trace_queue_json(struct tracer *t, json_t *j)
{
	char *line = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(16));

	if (line) {
		size_t n = strlen(line);

		line[n] = '\n'; /* over the terminator: the line goes with its newline */
		trace_queue(t, line, n + 1);
		free(line);
	}
}

static int trace_record(void *ctx, void *data, size_t size)
{
	struct api *a = ctx;
	json_t *j = NULL;

	if (size < sizeof(struct dsrlb_trace_event))
		return 0;
	for (struct tracer *t = a->tracers; t; t = t->next) {
		if (t->vip_name[0] && (t->vip < 0 || !engine_trace_match(a->e, data, t->vip)))
			continue;
		if (!j && !(j = engine_trace_json(a->e, data)))
			return 0;
		trace_queue_json(t, j);
	}
	json_decref(j);
	return 0;
}

/* The first tracer switches the data plane's records on, the last one off. */
static int trace_switch(struct api *a, bool on)
{
	if (on && !a->rb) {
		a->rb = ring_buffer__new(engine_trace_fd(a->e), trace_record, a, NULL);
		if (!a->rb)
			return -errno;
		ring_buffer__consume(a->rb); /* records of an earlier trace: nobody's now */
		a->lost_seen = engine_trace_lost(a->e);
		engine_trace_enable(a->e, true);
		log_info("trace: on (a client follows decisions)");
	} else if (!on && a->rb) {
		engine_trace_enable(a->e, false);
		ring_buffer__free(a->rb);
		a->rb = NULL;
		log_info("trace: off (no client follows decisions)");
	}
	return 0;
}

static ssize_t trace_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct tracer *t = cls;
	size_t n = t->len - t->off;

	(void)pos;
	if (!n) {
		/* nothing to send: wait, out of MHD's loop, until trace_queue wakes us */
		t->suspended = true;
		MHD_suspend_connection(t->c);
		return 0;
	}
	if (n > max)
		n = max;
	memcpy(buf, t->buf + t->off, n);
	t->off += n;
	if (t->off == t->len)
		t->off = t->len = 0;
	return (ssize_t)n;
}

static void trace_gone(void *cls)
{
	struct tracer *t = cls;
	struct api *a = t->a;

	for (struct tracer **p = &a->tracers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	a->ntracers--;
	if (!a->tracers)
		trace_switch(a, false);
	free(t->buf);
	free(t);
}

static enum MHD_Result trace_start(const struct call *k)
{
	const char *vip = MHD_lookup_connection_value(k->c, MHD_GET_ARGUMENT_KIND, "vip");
	struct api *a = k->a;
	struct MHD_Response *resp;
	struct tracer *t;
	enum MHD_Result r;
	json_t *hello;

	if (!is(k, "GET"))
		return send_error(k->c, 405, NULL, "%s %s: use GET", k->method, k->url);
	if (vip && engine_trace_vip(a->e, vip) < 0)
		return send_error(k->c, 404, "vip", "no vip named '%s' (GET " API_PREFIX "/vips lists them)",
				  vip);
	if (a->ntracers >= TRACE_MAX)
		return send_error(k->c, 503, NULL, "%d clients trace already; end one first", TRACE_MAX);
	if (trace_switch(a, true))
		return send_error(k->c, 500, NULL, "cannot read the data plane's trace ring buffer: %s",
				  strerror(errno));
	t = calloc(1, sizeof(*t));
	if (!t) {
		if (!a->tracers)
			trace_switch(a, false);
		return send_error(k->c, 500, NULL, "out of memory");
	}
	t->a = a;
	t->c = k->c;
	t->vip = vip ? engine_trace_vip(a->e, vip) : -1;
	snprintf(t->vip_name, sizeof(t->vip_name), "%s", vip ? vip : "");
	hello = json_pack("{s:s, s:s, s:s?}", "event", "start", "interface",
			  engine_model(a->e)->iface, "vip", vip);
	trace_queue_json(t, hello);
	json_decref(hello);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, trace_read, t, trace_gone);
	if (!resp) {
		free(t->buf);
		free(t);
		if (!a->tracers)
			trace_switch(a, false);
		return MHD_NO;
	}
	t->next = a->tracers;
	a->tracers = t;
	a->ntracers++;
	MHD_add_response_header(resp, "Content-Type", "application/x-ndjson");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	r = MHD_queue_response(k->c, 200, resp);
	MHD_destroy_response(resp); /* trace_gone runs when the connection is done */
	return r;
}

/* Records from the data plane to the tracers; news of lost ones; keep-alives. */
static void trace_run(struct api *a)
{
	uint64_t lost, now;

	if (!a->rb)
		return;
	/* a followed VIP deleted, or made again (maybe with another id) */
	for (struct tracer *t = a->tracers; t; t = t->next)
		if (t->vip_name[0] && !engine_trace_vip_is(a->e, t->vip, t->vip_name))
			t->vip = engine_trace_vip(a->e, t->vip_name);
	ring_buffer__consume(a->rb);
	lost = engine_trace_lost(a->e);
	now = now_ms();
	for (struct tracer *t = a->tracers; t; t = t->next) {
		if (lost != a->lost_seen || t->skipped) {
			json_t *j = json_pack("{s:s, s:I, s:I}", "event", "lost", "ring_full",
					      (json_int_t)(lost - a->lost_seen), "client_slow",
					      (json_int_t)t->skipped);

			t->skipped = 0;
			trace_queue_json(t, j);
			json_decref(j);
		}
		if (now - t->last_ms >= TRACE_IDLE_MS)
			trace_queue(t, "\n", 1);
	}
	a->lost_seen = lost;
}

static enum MHD_Result route(struct api *a, struct MHD_Connection *c, const char *url,
			     const char *method, json_t *body)
{
	const struct call k = { a, c, method, url, body };
	const struct cfg *cur = engine_model(a->e);
	char path[512], *seg[5], *save = NULL;
	int n = 0, at;

	if (!strcmp(url, "/metrics") && is(&k, "GET")) {
		json_t *st = engine_status(a->e);
		char *text = api_metrics_text(st);
		enum MHD_Result r;

		json_decref(st);
		if (!text)
			return send_error(c, 500, NULL, "out of memory");
		r = send_text(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
		free(text);
		return r;
	}
	if (strncmp(url, API_PREFIX "/", strlen(API_PREFIX) + 1)) {
		if (is(&k, "GET"))
			return serve_file(a, c, url);
		return send_error(c, 404, NULL, "no such resource: %s (the API is under " API_PREFIX "/)", url);
	}
	/* the path after the prefix, in segments: vips / NAME / backends / ADDR */
	snprintf(path, sizeof(path), "%s", url + strlen(API_PREFIX));
	for (char *t = strtok_r(path, "/", &save); t && n < 5; t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	if (n == 1 && !strcmp(seg[0], "status") && is(&k, "GET")) {
		json_t *st = engine_status(a->e), *o, *v;
		size_t nb = 0, i;

		json_array_foreach(json_object_get(st, "vips"), i, v)
			nb += json_array_size(json_object_get(v, "backends"));
		o = json_pack("{s:s, s:s, s:O, s:s, s:I, s:I, s:I}", "version", DSRLB_VERSION,
			      "interface", cur->iface, "mode", json_object_get(st, "mode"), "config",
			      a->path, "uptime_seconds", (json_int_t)(time(NULL) - a->started),
			      "vips", (json_int_t)json_array_size(json_object_get(st, "vips")),
			      "backends", (json_int_t)nb);
		if (json_object_get(st, "flow_table"))
			json_object_set(o, "flow_table", json_object_get(st, "flow_table"));
		json_decref(st);
		return send_json(c, 200, o);
	}
	if (n == 1 && !strcmp(seg[0], "trace"))
		return trace_start(&k);
	if (n == 1 && !strcmp(seg[0], "stats") && is(&k, "GET"))
		return send_json(c, 200, engine_status(a->e));
	if (n == 1 && !strcmp(seg[0], "vips"))
		return vips(&k);
	if (n < 2 || n > 4 || strcmp(seg[0], "vips") || (n > 2 && strcmp(seg[2], "backends")))
		return send_error(c, 404, NULL, "no such resource: %s", url);
	at = vip_index(cur, seg[1]);
	if (at < 0)
		return send_error(c, 404, "name", "no vip named '%s' (GET " API_PREFIX "/vips lists them)",
				  seg[1]);

	json_t *vipj = model_vip_json(&cur->vips[at], false);
	enum MHD_Result r = n == 2 ? vip(&k, seg[1], vipj) :
			    n == 3 ? backends(&k, seg[1], vipj) :
				     backend(&k, seg[1], vipj, seg[3]);

	json_decref(vipj);
	return r;
}

/*
 * A page on another site can make the browser send requests to loopback;
 * one whose name resolves to 127.0.0.1 (DNS rebinding) can even read the
 * answers. Without a token, only a Host header that names this listener
 * (or localhost) is served.
 */
static bool host_ok(const struct listener *l, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	char local[32];

	if (!h)
		return false;
	snprintf(local, sizeof(local), "localhost:%u", l->port);
	return !strcasecmp(h, l->what) || !strcasecmp(h, local);
}

/* A body only as JSON: a form on another site cannot send that without asking (CORS). */
static bool json_body(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	return t && !strncasecmp(t, "application/json", 16) && (!t[16] || t[16] == ';');
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct listener *l = cls;
	struct api *a = l->api;
	struct req *rq = *con_cls;
	json_t *body = NULL;
	json_error_t je;
	enum MHD_Result r;

	(void)version;
	if (!rq) { /* the first call: headers only */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		bool is_api = !strncmp(url, "/api/", 5) || !strcmp(url, "/metrics");

		if (l->loopback_tcp && !host_ok(l, c))
			return send_error(c, 403, NULL,
					  "Host '%s' is not this listener: use http://%s/ (requests naming another host are refused, against DNS rebinding)",
					  MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host") ?: "",
					  l->what);
		/* the page itself is public; what it reads and changes is not */
		if (l->need_token && is_api && !token_ok(a, c))
			return send_error(c, 401, NULL,
					  "this address needs 'Authorization: Bearer TOKEN' (the token is in api.token_file on the balancer)");
		if (cl && strtoull(cl, NULL, 10) > API_BODY_MAX)
			return send_error(c, 413, NULL, "the body is larger than %d bytes", API_BODY_MAX);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size <= API_BODY_MAX) {
			char *n = realloc(rq->body, rq->len + *upload_size + 1);

			if (!n)
				return MHD_NO;
			rq->body = n;
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = 0;
		} else {
			rq->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return send_error(c, 413, NULL, "the body is larger than %d bytes", API_BODY_MAX);
	if (rq->len && !json_body(c))
		return send_error(c, 415, NULL,
				  "send the body as JSON, with 'Content-Type: application/json'");
	if (rq->len) {
		body = json_loadb(rq->body, rq->len, JSON_DECODE_ANY, &je);
		if (!body)
			return send_error(c, 400, NULL, "the body is not valid JSON: %s (line %d, column %d)",
					  je.text, je.line, je.column);
	}
	r = route(a, c, url, method, body);
	json_decref(body);
	return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char m[512];
	size_t n;

	(void)cls;
	vsnprintf(m, sizeof(m), fmt, ap);
	n = strlen(m);
	while (n && m[n - 1] == '\n')
		m[--n] = 0;
	log_debug("api: %s", m);
}

/* ---- listeners -------------------------------------------------------------------- */

static int unix_listener(const struct cfg_api *conf, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)], *slash;
	struct group *g = NULL;
	int fd, probe;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", conf->socket);
	snprintf(dir, sizeof(dir), "%s", conf->socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "api: cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (conf->group[0] && !(g = getgrnam(conf->group))) {
		snprintf(err, errlen, "api: group '%s' does not exist (api.group)", conf->group);
		return -1;
	}
	/* a socket left by a daemon that died: remove it; one that answers: refuse */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sun, sizeof(sun))) {
		close(probe);
		snprintf(err, errlen, "api: %s answers: another dsrlb daemon is running (or set api.socket)",
			 conf->socket);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(conf->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(conf->socket, 0660) || (g && chown(conf->socket, 0, g->gr_gid)) ||
	    listen(fd, 64)) {
		snprintf(err, errlen, "api: cannot listen on %s: %s", conf->socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int read_token(const char *path, char *out, size_t size, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;

	if (!path[0]) {
		snprintf(err, errlen, "api: listen on a non-loopback address needs api.token_file (a root-only file with the bearer token)");
		return -1;
	}
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st)) {
		snprintf(err, errlen, "api: cannot read token_file %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		fclose(f);
		snprintf(err, errlen, "api: token_file %s must be a regular file owned by root with mode 0600 (now %04o, uid %u); fix: chown root:root %s; chmod 600 %s",
			 path, st.st_mode & 07777, st.st_uid, path, path);
		return -1;
	}
	if (!fgets(out, (int)size, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\r\n")] = 0;
	if (strlen(out) < 16) {
		snprintf(err, errlen, "api: the token in %s is shorter than 16 characters (make one: head -c 32 /dev/urandom | base64 > %s)",
			 path, path);
		return -1;
	}
	return 0;
}

static int start(struct api *a, int i, unsigned flags, int fd, const struct sockaddr *sa,
		 char *err, size_t errlen)
{
	struct listener *l = &a->l[i];

	l->api = a;
	l->d = MHD_start_daemon(flags | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				on_request, l, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
				fd >= 0 ? (intptr_t)fd : (intptr_t)sa, MHD_OPTION_END);
	if (!l->d) {
		snprintf(err, errlen, "api: cannot serve on %s", l->what);
		return -1;
	}
	a->nl = i + 1;
	return 0;
}

int api_open(struct api **out, const struct cfg *c, struct engine *e, const char *config_path,
	     char *err, size_t errlen)
{
	struct api *a = calloc(1, sizeof(*a));
	int fd;

	*out = NULL;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->e = e;
	a->started = time(NULL);
	snprintf(a->path, sizeof(a->path), "%s", config_path);
	snprintf(a->socket, sizeof(a->socket), "%s", c->api.socket);
	snprintf(a->web_dir, sizeof(a->web_dir), "%s", c->api.web_dir);
	fd = unix_listener(&c->api, err, errlen);
	if (fd < 0) {
		free(a);
		return -EINVAL;
	}
	snprintf(a->l[0].what, sizeof(a->l[0].what), "%s", c->api.socket);
	if (start(a, 0, 0, fd, NULL, err, errlen)) {
		close(fd);
		api_close(a);
		return -EINVAL;
	}
	log_info("api: listening on %s (mode 0660%s%s)", c->api.socket,
		 c->api.group[0] ? ", group " : "", c->api.group);
	if (c->api.listen[0]) {
		struct sockaddr_storage ss;
		struct listener *l = &a->l[1];

		cfg_api_listen_parse(c->api.listen, &ss);
		snprintf(l->what, sizeof(l->what), "%s", c->api.listen);
		l->need_token = !is_loopback(&ss);
		if ((l->need_token || c->api.token_file[0]) &&
		    read_token(c->api.token_file, a->token, sizeof(a->token), err, errlen)) {
			api_close(a);
			return -EINVAL;
		}
		l->need_token |= c->api.token_file[0] != 0;
		l->loopback_tcp = !l->need_token;
		l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
							   ((struct sockaddr_in *)&ss)->sin_port);
		if (start(a, 1, ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0, -1,
			  (struct sockaddr *)&ss, err, errlen)) {
			snprintf(err, errlen, "api: cannot listen on %s: %s", c->api.listen,
				 strerror(errno));
			api_close(a);
			return -EINVAL;
		}
		log_info("api: listening on http://%s/%s", c->api.listen,
			 l->need_token ? " (bearer token required)" : "");
	}
	*out = a;
	return 0;
}

int api_pollfds(struct api *a, struct pollfd *p, int max)
{
	int n = 0;

	if (a && a->rb && n < max) {
		p[n].fd = ring_buffer__epoll_fd(a->rb);
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}

	for (int i = 0; a && i < a->nl && n < max; i++) {
		const union MHD_DaemonInfo *info =
			MHD_get_daemon_info(a->l[i].d, MHD_DAEMON_INFO_EPOLL_FD);

		if (!info)
			continue;
		p[n].fd = info->epoll_fd;
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}
	return n;
}

void api_run(struct api *a)
{
	if (a)
		trace_run(a);
	for (int i = 0; a && i < a->nl; i++)
		MHD_run(a->l[i].d);
}

void api_close(struct api *a)
{
	if (!a)
		return;
	/* a suspended connection must be resumed before its daemon stops */
	for (struct tracer *t = a->tracers; t; t = t->next)
		if (t->suspended) {
			t->suspended = false;
			MHD_resume_connection(t->c);
		}
	for (int i = 0; i < a->nl; i++)
		if (a->l[i].d)
			MHD_stop_daemon(a->l[i].d);
	if (a->nl)
		unlink(a->socket);
	free(a);
}

/* ---- metrics ------------------------------------------------------------------------ */

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

char *api_metrics_text(const json_t *st)
{
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
	return b.oom ? NULL : b.s;
}
