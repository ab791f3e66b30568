// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * GET /api/v1/trace: the data plane's decisions as JSON lines. The first
 * client switches its records on (trace_on), the last one off. Records wait
 * in each client's buffer until libmicrohttpd sends them (a suspended
 * connection is resumed when there is something to send).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "engine/trace.h"
#include "lib/clock.h"
#include "lib/log.h"

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

static void trace_run(struct api *a);

static void on_ring(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	trace_run(ctx);
}

static void on_tick(void *ctx)
{
	trace_run(ctx);
}

/* ---- trace -------------------------------------------------------------------------- */

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
	t->last_ms = clock_ms();
	if (t->suspended) {
		t->suspended = false;
		MHD_resume_connection(t->c);
		api_kick(t->a);
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
		if (loop_fd_add(a->loop, ring_buffer__epoll_fd(a->rb), EPOLLIN, on_ring, a, "trace")) {
			ring_buffer__free(a->rb);
			a->rb = NULL;
			return -ENOMEM;
		}
		ring_buffer__consume(a->rb); /* records of an earlier trace: nobody's now */
		a->lost_seen = engine_trace_lost(a->e);
		engine_trace_enable(a->e, true);
		loop_timer_at(a->loop, &a->trace_tick, clock_ms() + 1000);
		log_info("trace: on (a client follows decisions)");
	} else if (!on && a->rb) {
		engine_trace_enable(a->e, false);
		loop_fd_del(a->loop, ring_buffer__epoll_fd(a->rb));
		ring_buffer__free(a->rb);
		a->rb = NULL;
		loop_timer_stop(a->loop, &a->trace_tick);
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

enum MHD_Result trace_start(const struct call *k)
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
			  engine_iface(a->e), "vip", vip);
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
	loop_timer_at(a->loop, &a->trace_tick, clock_ms() + 1000);
	/* a followed VIP deleted, or made again (maybe with another id) */
	for (struct tracer *t = a->tracers; t; t = t->next)
		if (t->vip_name[0] && !engine_trace_vip_is(a->e, t->vip, t->vip_name))
			t->vip = engine_trace_vip(a->e, t->vip_name);
	ring_buffer__consume(a->rb);
	lost = engine_trace_lost(a->e);
	now = clock_ms();
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


void trace_init(struct api *a)
{
	loop_timer_init(&a->trace_tick, on_tick, a, "trace");
}

void trace_close(struct api *a)
{
	/* a suspended connection must be resumed before its daemon stops */
	for (struct tracer *t = a->tracers; t; t = t->next)
		if (t->suspended) {
			t->suspended = false;
			MHD_resume_connection(t->c);
		}
	loop_timer_stop(a->loop, &a->trace_tick);
}
