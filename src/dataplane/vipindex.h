/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Placing VIP index entries (struct dsrlb_vip_slot) in the open-addressed
 * table the data plane probes. Pure functions, no maps: the table built here
 * is what dataplane.c writes into a fresh inner map and swaps in.
 */
#ifndef DSRLB_VIPINDEX_H
#define DSRLB_VIPINDEX_H

#include <stdint.h>

#include "dsrlb_abi.h"

#define VIPINDEX_TABLE_SLOTS (2 * DSRLB_VIP_INDEX_SLOTS)

/* Absolute home slot of an entry (its region's base included). */
uint32_t vipindex_home(const struct dsrlb_vip_slot *e);

/*
 * Place n entries into table[VIPINDEX_TABLE_SLOTS] (zeroed here). 0, -EEXIST
 * for two entries with the same key, or -ENOSPC if an entry would sit more
 * than DSRLB_VIP_INDEX_PROBES slots from home.
 */
int vipindex_place(const struct dsrlb_vip_slot *e, int n, struct dsrlb_vip_slot *table);

/* The data plane's lookup, in C: the slot index of a key, or -1. */
int vipindex_find(const struct dsrlb_vip_slot *table, const struct dsrlb_vip_slot *key);

#endif
