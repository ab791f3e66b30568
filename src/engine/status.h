/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The running engine's summary as JSON (render.h has the listings). */
#ifndef DSRLB_STATUS_H
#define DSRLB_STATUS_H

#include <jansson.h>

#include "engine/engine.h"

/* interface, mode, vips and backends (counts), tables' memory, flow_table. */
json_t *engine_summary_json(const struct engine *e);
/* peers.c: GET /api/v1/peers (sync, fingerprints, agreement). */
json_t *engine_peers_json(const struct engine *e);

#endif
