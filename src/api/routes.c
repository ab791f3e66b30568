// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The resources: status, stats, VIPs and their backends, the trace, metrics, the web page. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api_int.h"
#include "config/json.h"
#include "engine/render.h"
#include "engine/status.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/version.h"

/*
 * The field a config error concerns, for the web form: the first known key
 * the message names ("vip address '…'", "unknown key 'x'", "port").
 */
const char *error_field(const char *msg)
{
	static const char *const keys[] = { "health_check", "backend", "address", "port",
					    "protocol", "scheduler", "tcp_timeout",
					    "udp_timeout", "hold_down", "all_down", "flow_table", "weight",
					    "state", "name", "interval", "timeout", "rise",
					    "fall", "path", "expect_status", "payload", "table_size" };
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
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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

static json_t *vip_state(struct api *a, const struct cfg_vip *cv)
{
	struct strbuf b = {};
	json_t *j;

	render_vip_json(&b, a->e, cv);
	j = b.oom ? NULL : json_loadb(b.s, b.len, 0, NULL);
	sb_free(&b);
	return j;
}

/* /vips */
static enum MHD_Result vips(const struct call *k)
{
	const char *n;

	if (is(k, "GET"))
		return snap_respond(k->a, k->c, SNAP_VIPS, false, "application/json");
	if (!is(k, "POST"))
		return send_error(k->c, 405, NULL, "%s %s: use GET or POST", k->method, k->url);
	if (!json_is_object(k->body))
		return send_error(k->c, 400, NULL,
				  "the body must be a vip: a JSON object with name, address, backends, ...");
	n = json_string_value(json_object_get(k->body, "name"));
	return api_change(k, NULL, k->body, 201,
			  json_pack("{s:s++}", "done", "vip '", n ? n : "?", "' created"));
}

/* /vips/NAME; vipj is the VIP as the file says it */
static enum MHD_Result vip(const struct call *k, const struct cfg_vip *cv, json_t *vipj)
{
	json_t *next;
	enum MHD_Result r;

	if (is(k, "GET"))
		return send_json(k->c, 200, vip_state(k->a, cv));
	if (is(k, "DELETE"))
		return api_change(k, cv->name, NULL, 200,
				  json_pack("{s:s++}", "done", "vip '", cv->name, "' deleted"));
	if (!is(k, "PATCH") && !is(k, "PUT"))
		return send_error(k->c, 405, NULL, "%s %s: use GET, PATCH, PUT or DELETE", k->method,
				  k->url);
	if (!json_is_object(k->body))
		return send_error(k->c, 400, NULL, "the body must be a JSON object of the keys to change");
	next = api_compose_vip(vipj, k->body, is(k, "PUT"), cv->name);
	if (!next)
		return send_error(k->c, 500, NULL, "out of memory");
	r = api_change(k, cv->name, next, 200,
		       json_pack("{s:s++}", "done", "vip '", cv->name, "' changed"));
	json_decref(next);
	return r;
}

/* /vips/NAME/backends */
static enum MHD_Result backends(const struct call *k, const struct cfg_vip *cv, json_t *vipj)
{
	const json_t *ad = json_is_string(k->body) ? k->body : json_object_get(k->body, "address");
	char err[300];
	int r;

	if (is(k, "GET")) {
		json_t *v = vip_state(k->a, cv), *b = json_incref(json_object_get(v, "backends"));

		json_decref(v);
		return send_json(k->c, 200, b);
	}
	if (!is(k, "POST"))
		return send_error(k->c, 405, NULL, "%s %s: use GET or POST", k->method, k->url);
	r = api_compose_backend_add(vipj, k->body, err, sizeof(err));
	if (r == -EEXIST)
		return send_error(k->c, 409, "address", "backend %s is in vip '%s' already (PATCH it to change it)",
				  json_string_value(ad), cv->name);
	if (r)
		return send_error(k->c, r == -EINVAL ? 400 : 500, NULL, "%s", r == -ENOMEM ? "out of memory" : err);
	return api_change(k, cv->name, vipj, 201,
			  json_pack("{s:s++++}", "done", "vip '", cv->name, "': backend ",
				    json_is_string(ad) ? json_string_value(ad) : "?", " added"));
}

/* /vips/NAME/backends/ADDR */
static enum MHD_Result backend(const struct call *k, const struct cfg_vip *cv, json_t *vipj,
			       const char *baddr)
{
	json_t *bs = json_object_get(vipj, "backends");
	struct dsrlb_addr x;
	char err[300];
	int bi, r;

	if (addr_parse(baddr, &x))
		return send_error(k->c, 400, "address", "'%s' is not an IPv4 or IPv6 address", baddr);
	bi = api_backend_index(bs, &x);
	if (bi < 0)
		return send_error(k->c, 404, "address", "vip '%s' has no backend %s", cv->name, baddr);
	if (is(k, "GET")) {
		json_t *v = vip_state(k->a, cv);
		json_t *b = json_incref(json_array_get(json_object_get(v, "backends"), (size_t)bi));

		json_decref(v);
		return send_json(k->c, 200, b);
	}
	if (is(k, "DELETE")) {
		if (json_array_size(bs) == 1)
			return send_error(k->c, 409, "backends",
					  "backend %s is the last of vip '%s'; a vip needs one (delete the vip instead)",
					  baddr, cv->name);
		json_array_remove(bs, (size_t)bi);
		return api_change(k, cv->name, vipj, 200,
				  json_pack("{s:s++++}", "done", "vip '", cv->name, "': backend ", baddr,
					    " deleted"));
	}
	if (!is(k, "PATCH"))
		return send_error(k->c, 405, NULL, "%s %s: use GET, PATCH or DELETE", k->method, k->url);
	r = api_compose_backend_patch(vipj, baddr, k->body, err, sizeof(err));
	if (r)
		return send_error(k->c, r == -EINVAL ? 400 : 500, json_object_get(k->body, "address") ? "address" : NULL,
				  "%s", r == -ENOMEM ? "out of memory" : err);
	return api_change(k, cv->name, vipj, 200,
			  json_pack("{s:s++++}", "done", "vip '", cv->name, "': backend ", baddr,
				    " changed"));
}

static enum MHD_Result status_json(const struct call *k);

static bool text(const struct call *k)
{
	const char *f = MHD_lookup_connection_value(k->c, MHD_GET_ARGUMENT_KIND, "format");

	return f && !strcmp(f, "text");
}

static enum MHD_Result status(const struct call *k)
{
	if (text(k))
		return snap_respond(k->a, k->c, SNAP_STATUS, false, "text/plain; charset=utf-8");
	return status_json(k);
}

static enum MHD_Result status_json(const struct call *k)
{
	json_t *o = engine_summary_json(k->a->e);

	json_object_set_new(o, "version", json_string(DSRLB_VERSION));
	json_object_set_new(o, "config", json_string(k->a->path));
	json_object_set_new(o, "uptime_seconds", json_integer((json_int_t)((clock_ms() - k->a->started) / 1000)));
	{
		struct loop_stats ls;

		json_t *slow = json_array();
		uint64_t now = clock_ms();

		loop_stats(k->a->loop, &ls);
		for (uint64_t i = ls.slow_n > LOOP_SLOW_KEPT ? ls.slow_n - LOOP_SLOW_KEPT : 0; i < ls.slow_n; i++) {
			const struct loop_slow *s = &ls.slow[i % LOOP_SLOW_KEPT];

			json_array_append_new(slow, json_pack("{s:s, s:f, s:f, s:f}", "callback", s->what,
							      "seconds", s->ns / 1e9, "cpu_seconds",
							      s->cpu_ns / 1e9, "ago_seconds",
							      (now - s->at_ms) / 1000.0));
		}
		json_object_set_new(o, "loop",
				    json_pack("{s:f, s:s, s:f, s:I, s:I, s:I, s:o}", "longest_callback_seconds",
					      ls.longest_ns / 1e9, "longest_callback", ls.longest_what,
					      "latest_timer_seconds", ls.latest_timer_ms / 1000.0,
					      "fds", (json_int_t)ls.fds, "timers", (json_int_t)ls.timers,
					      "slow_callbacks", (json_int_t)ls.slow_n, "slow", slow));
	}
	return send_json(k->c, 200, o);
}

/* /maintenance: {"enabled": bool}; POST sets it (withdraw every VIP, keep forwarding) */
static enum MHD_Result maintenance(const struct call *k)
{
	const json_t *en = json_object_get(k->body, "enabled");
	char err[600];
	bool on;

	if (is(k, "GET"))
		return send_json(k->c, 200, json_pack("{s:b}", "enabled", engine_in_maintenance(k->a->e)));
	if (!is(k, "POST"))
		return send_error(k->c, 405, NULL, "%s %s: use GET or POST", k->method, k->url);
	if (!json_is_boolean(en))
		return send_error(k->c, 400, "enabled", "the body must be {\"enabled\": true} or {\"enabled\": false}");
	on = json_is_true(en);
	if (engine_maintenance(k->a->e, on, err, sizeof(err)))
		return send_error(k->c, 500, NULL, "%s", err);
	log_info("api: maintenance %s", on ? "on" : "off");
	return send_json(k->c, 200, json_pack("{s:b, s:s}", "enabled", on, "done",
					       on ? "maintenance on: every VIP withdrawn, traffic that still arrives is forwarded" :
						    "maintenance off: announcing what can be served"));
}

enum MHD_Result api_route(struct api *a, struct MHD_Connection *c, struct req *rq,
			  const char *url, const char *method, json_t *body)
{
	const struct call k = { a, c, rq, method, url, body };
	const struct model *m = engine_model(a->e);
	char path[512], *seg[5], *save = NULL;
	const struct cfg_vip *cv;
	int n = 0;

	if (!strcmp(url, "/metrics") && is(&k, "GET"))
		return snap_respond(a, c, SNAP_METRICS, false, "text/plain; version=0.0.4; charset=utf-8");
	if (strncmp(url, API_PREFIX "/", strlen(API_PREFIX) + 1)) {
		if (is(&k, "GET"))
			return serve_file(a, c, url);
		return send_error(c, 404, NULL, "no such resource: %s (the API is under " API_PREFIX "/)", url);
	}
	/* the path after the prefix, in segments: vips / NAME / backends / ADDR */
	snprintf(path, sizeof(path), "%s", url + strlen(API_PREFIX));
	for (char *t = strtok_r(path, "/", &save); t && n < 5; t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	if (n == 1 && !strcmp(seg[0], "status") && is(&k, "GET"))
		return status(&k);
	if (n == 1 && !strcmp(seg[0], "trace"))
		return trace_start(&k);
	if (n == 1 && !strcmp(seg[0], "stats") && is(&k, "GET"))
		return text(&k) ? snap_respond(a, c, SNAP_TABLE, false, "text/plain; charset=utf-8") :
				  snap_respond(a, c, SNAP_VIPS, true, "application/json");
	if (n == 1 && !strcmp(seg[0], "vips"))
		return vips(&k);
	if (n == 1 && !strcmp(seg[0], "maintenance"))
		return maintenance(&k);
	if (n == 1 && !strcmp(seg[0], "peers") && is(&k, "GET"))
		return send_json(c, 200, engine_peers_json(a->e));
	if (n < 2 || n > 4 || strcmp(seg[0], "vips") || (n > 2 && strcmp(seg[2], "backends")))
		return send_error(c, 404, NULL, "no such resource: %s", url);
	cv = model_find(m, seg[1]);
	if (!cv)
		return send_error(c, 404, "name", "no vip named '%s' (GET " API_PREFIX "/vips lists them)",
				  seg[1]);

	json_t *vipj = model_vip_json(cv, false);
	enum MHD_Result r = n == 2 ? vip(&k, cv, vipj) :
			    n == 3 ? backends(&k, cv, vipj) :
				     backend(&k, cv, vipj, seg[3]);

	json_decref(vipj);
	return r;
}
