/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A VIP's table from its backends and their weights in the table: a Maglev
 * table (maglev, sh) or a sequence (rr and lc: each backend once, in address
 * order; wrr: the smooth weighted order). Pure: the same backends give the
 * same table on every balancer.
 */
#ifndef DSRLB_TABLES_H
#define DSRLB_TABLES_H

#include <stdint.h>

#include "engine/state.h"

/* The program's scheduler for a configured one. */
uint32_t tables_sched(enum cfg_sched s);
/*
 * Slots of v's table (maglev/sh: size, which must be prime; sequences: their
 * length). Fills *slots (allocated; NULL when 0). -errno on failure.
 */
int64_t tables_build(const struct app_vip *v, uint32_t size, uint32_t **slots);
/* What the table is built from, as a digest: equal digests, equal tables. */
uint64_t tables_inputs(const struct app_vip *v, uint32_t size);
/* Portable: by addresses, for agreement between balancers (0: adopted, unknown). */
uint64_t tables_fingerprint(const struct app_vip *v, uint32_t seed);
uint64_t tables_fp_mix(const struct app_vip *v);

#endif
