/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dsrlb trace, the engine's half: switch the data plane's trace records on
 * and off, and say what a record means in the model's words (VIP name,
 * backend address, drop reason). The API streams them (api.c).
 */
#ifndef DSRLB_TRACE_H
#define DSRLB_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "dsrlb_abi.h"
#include "engine/engine.h"

int engine_trace_fd(struct engine *e);
void engine_trace_enable(struct engine *e, bool on);
uint64_t engine_trace_lost(struct engine *e);

/* The VIP id of the VIP named name now, or -1. */
int engine_trace_vip(struct engine *e, const char *name);
/* Is vip_id (-1: none) the VIP named name? (cheap: no search) */
bool engine_trace_vip_is(struct engine *e, int vip_id, const char *name);
/*
 * Does the record concern VIP vip_id? A frame dropped before a VIP was
 * chosen (bad header, fragment) concerns every VIP on its address.
 */
bool engine_trace_match(struct engine *e, const struct dsrlb_trace_event *ev, int vip_id);
/* The record as JSON (README, "dsrlb trace"). */
json_t *engine_trace_json(struct engine *e, const struct dsrlb_trace_event *ev);

#endif
