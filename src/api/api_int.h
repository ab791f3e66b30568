/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The API's state, for its files. */
#ifndef DSRLB_API_INT_H
#define DSRLB_API_INT_H

#include <microhttpd.h>
#include <time.h>

#include "api/api.h"
#include "daemon/loop.h"
#include "lib/addr.h"

#define API_PREFIX "/api/v1"

struct api;

/* A connection, for the request deadline: since when it has been receiving. */
struct conn {
	int fd;
	uint64_t since; /* clock_ms(): accepted, or its last request answered */
	bool busy;      /* a request arrived whole and is being answered */
	struct conn *prev, *next;
};

struct listener {
	struct MHD_Daemon *d;
	struct api *api;
	struct conn *conns;
	bool tcp;
	bool need_token;
	bool loopback_tcp; /* TCP on loopback: Host must be ours (see host_ok) */
	uint16_t port;
	int epfd;
	char what[140];
};

struct tracer;
struct snaps;

/* The listings rendered a slice at a time and shared (snapshot.c). */
enum snap_kind { SNAP_VIPS, SNAP_TABLE, SNAP_STATUS, SNAP_METRICS, SNAP__MAX };

struct api {
	struct listener l[2];
	int nl;
	struct loop *loop;
	struct loop_timer mhd; /* MHD's own timeouts */
	struct loop_timer deadline; /* slow senders cut off (http.c) */
	struct tracer *tracers;
	int ntracers;
	struct ring_buffer *rb;
	struct loop_timer trace_tick;
	uint64_t lost_seen;
	struct engine *e;
	char path[4096];   /* the main config file */
	char socket[108];
	char token[256];
	char web_dir[256];
	uint64_t started; /* clock_ms() */
	struct snaps *snaps;
	struct pending_change *changes; /* waiting for the engine (change.c) */
	bool draining;                  /* stopping: no new change */
};

/* One request: its body, gathered up to API_BODY_MAX; an answer made while it waited. */
struct req {
	char *body;
	size_t len;
	bool too_big;
	unsigned status; /* with answer: sent when MHD calls again after the resume */
	json_t *answer;
};

/* compose.c: what a body makes of a VIP's JSON (pure: the fuzzer drives it too) */
int api_backend_index(const json_t *backends, const struct dsrlb_addr *addr);
/* PATCH (merge into a copy of vipj) or PUT (the body, named); NULL: out of memory */
json_t *api_compose_vip(json_t *vipj, const json_t *body, bool replace, const char *name);
/* POST .../backends: body appended to vipj's backends. -EINVAL, -EEXIST (err says), -ENOMEM */
int api_compose_backend_add(json_t *vipj, const json_t *body, char *err, size_t errlen);
/* PATCH .../backends/ADDR: body merged into that backend. -EINVAL, -ENOENT (err says), -ENOMEM */
int api_compose_backend_patch(json_t *vipj, const char *baddr, const json_t *body, char *err,
			      size_t errlen);

/* One call to a resource. */
struct call {
	struct api *a;
	struct MHD_Connection *c;
	struct req *rq;
	const char *method, *url;
	json_t *body;
};

static inline bool is(const struct call *k, const char *m)
{
	return !strcmp(k->method, m);
}

/* http.c */
enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
			  const char *text, size_t len);
enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j);
enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *field,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* {"error": msg[, "field": field]} */
json_t *error_json(const char *field, const char *msg);
void api_kick(struct api *a); /* run MHD soon (after a resume) */

/* routes.c */
enum MHD_Result api_route(struct api *a, struct MHD_Connection *c, struct req *rq,
			  const char *url, const char *method, json_t *body);
const char *error_field(const char *msg);

/*
 * change.c: the VIP named old (NULL: a new one) becomes vipj (NULL: deleted).
 * The connection waits (suspended) while the engine applies the change and
 * writes the file; answer (taken) is sent with ok_status once it has.
 */
enum MHD_Result api_change(const struct call *k, const char *old, json_t *vipj,
			   unsigned ok_status, json_t *answer);
/* Changes still waiting are answered 503 and forgotten by the engine. */
void api_changes_close(struct api *a);

/* snapshot.c: a listing, fresh (at most a second old, none older than the model), or wait for it */
int snap_open(struct api *a);
void snap_close(struct api *a);
/* wrap: SNAP_VIPS as GET /stats (the VIPs inside its object). */
enum MHD_Result snap_respond(struct api *a, struct MHD_Connection *c, enum snap_kind k,
			     bool wrap, const char *type);

/* trace.c */
enum MHD_Result trace_start(const struct call *k);
void trace_init(struct api *a);
void trace_close(struct api *a);

#endif
