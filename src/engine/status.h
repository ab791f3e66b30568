/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The running engine as JSON, from what it keeps (figures.c, the health
 * checks, the resolver): no map is read to answer. Each VIP in the config's
 * shape (every key) with its table, counters and rates, and per backend its
 * MAC, neighbour, health, status, table weight and active flows.
 */
#ifndef DSRLB_STATUS_H
#define DSRLB_STATUS_H

#include <jansson.h>

#include "engine/engine.h"

json_t *engine_vip_json(const struct engine *e, const struct cfg_vip *v);
/* Every VIP, in the model's order. */
json_t *engine_vips_json(const struct engine *e);
/* interface, mode, vips, not_balanced (frames by reason), flow_table. */
json_t *engine_stats_json(const struct engine *e);
/* interface, mode, vips and backends (counts), tables' memory, flow_table. */
json_t *engine_summary_json(const struct engine *e);

#endif
