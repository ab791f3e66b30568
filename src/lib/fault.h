/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Faults injected on purpose, for the tests that show a failure is reported,
 * rolled back and retried (TESTPLAN 16). DSRLB_TEST_FAULT=KIND:N[:COUNT]
 * makes the Nth call of that kind fail (and the COUNT - 1 after it), e.g.
 * map_write:5 or alloc:12:3. Kinds: map_write (every write the data plane
 * layer makes), alloc (the engine's allocations of a change). Unset, each
 * check is one load and a branch.
 */
#ifndef DSRLB_FAULT_H
#define DSRLB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_kind { FAULT_MAP_WRITE, FAULT_ALLOC, FAULT__MAX };

/* Read DSRLB_TEST_FAULT (the program calls it once at start; tests may call fault_set). */
void fault_init(void);
void fault_set(enum fault_kind k, uint64_t nth, uint64_t count);
/* Count one call of kind k; true if it must fail. */
bool fault_hit(enum fault_kind k);
uint64_t fault_calls(enum fault_kind k);

/* malloc/calloc/realloc that fail on cue (FAULT_ALLOC). */
void *fmalloc(size_t n);
void *fcalloc(size_t n, size_t size);
void *frealloc(void *p, size_t n);

#endif
