/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's REST/JSON API (libmicrohttpd, in the daemon's own loop: no
 * threads). A Unix socket always (mode 0660, group api.group); TCP only if
 * api.listen is set, and then a bearer token from api.token_file unless the
 * address is loopback. Every change goes through the config parser and
 * checks, is applied to the engine, and is written back to the file that
 * holds it, atomically; a change that fails at any step leaves everything as
 * it was.
 *
 *   http.c     listeners, authentication, bodies
 *   routes.c   the resources
 *   change.c   a change: parse, apply, write back, or undo
 *   trace.c    GET /api/v1/trace, a stream of the data plane's decisions
 *   snapshot.c the listings (stats, status, /metrics), rendered once a second a slice at a time
 */
#ifndef DSRLB_API_H
#define DSRLB_API_H

#include <jansson.h>

#include "config/config.h"
#include "daemon/loop.h"
#include "engine/engine.h"

#define API_BODY_MAX (64 * 1024)  /* bytes; a larger request body gets 413 */
#define API_TIMEOUT_S 10          /* an idle connection is closed after */
#define API_DEADLINE_MS 10000     /* a request must arrive whole within this (slow senders) */
#define API_PER_CLIENT 16         /* TCP connections from one address at a time */

struct api;

/* Open the listeners of c->api on the loop. config_path is where changes are written. */
int api_open(struct api **out, struct loop *l, const struct cfg *c, struct engine *e,
	     const char *config_path, char *err, size_t errlen);
/* Close the listeners and remove the Unix socket. */
/* Stopping: changes under way finish, a new one is refused (503). */
void api_drain(struct api *a);
void api_close(struct api *a);

#endif
