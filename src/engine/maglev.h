/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016).
 *
 * The table is a pure function of the set of {address, weight}: backends are
 * put in a canonical order (by address) before filling, and each backend's
 * permutation comes only from its address, so the order of input, the
 * instance that builds it and the time it is built do not matter.
 */
#ifndef DSRLB_MAGLEV_H
#define DSRLB_MAGLEV_H

#include <stdint.h>

#include "lib/addr.h"

struct maglev_backend {
	struct dsrlb_addr addr;
	uint32_t weight; /* 0 = takes no slots */
};

/* Greatest common divisor (weights are divided by it; gcd(0, b) = b). */
uint32_t maglev_gcd(uint32_t a, uint32_t b);

/* Is n prime? (table sizes must be, for every skip to cover the table) */
int maglev_is_prime(uint32_t n);

/*
 * Fill table[0..size) with indexes into b[]. size must be prime and at least
 * the number of weighted backends. Returns 0, -EINVAL (bad size, duplicate
 * address), -ENOENT (no backend with weight > 0) or -ENOMEM.
 */
int maglev_build(const struct maglev_backend *b, int n, uint32_t size, uint32_t *table);

#endif
