/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DSRLB_STATS_H
#define DSRLB_STATS_H

#include <jansson.h>

#include "engine/engine.h"

/*
 * The running engine as JSON: interface, mode, every VIP in the config's
 * shape (all keys) with packets, bytes and rates, and per backend its MAC,
 * neighbour, health, status, table weight, active flows and counters; the
 * reasons frames were not balanced; the flow table's counters.
 */
json_t *engine_status(struct engine *e);

/* Once a second: counters into rates (engine_wait calls it). */
void engine_sample_rates(struct engine *e);

/* The model the engine applied last (NULL before the first). */
const struct cfg *engine_model(const struct engine *e);

#endif
