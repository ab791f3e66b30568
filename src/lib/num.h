/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one strict number parser, for the config file and the command line
 * alike. Decimal only: "0443" is an error, not octal 291, and "0x10" is one
 * only where a key says hex is allowed (hash_seed). No sign, no spaces, no
 * trailing text. Seconds may have decimals ("0.25"); nan and inf are not
 * seconds. Each returns 0, or -EINVAL with a reason a person can act on.
 */
#ifndef DSRLB_NUM_H
#define DSRLB_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int num_uint(const char *s, uint64_t min, uint64_t max, bool hex_ok, uint64_t *out,
	     char *why, size_t whylen);

/* Seconds with up to 3 decimals, into milliseconds within [min_ms, max_ms]. */
int num_seconds(const char *s, uint32_t min_ms, uint32_t max_ms, uint32_t *out_ms, char *why,
		size_t whylen);

/* A size in bytes: digits with an optional K, M, G or T (powers of 1024), e.g. 512M. */
int num_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t whylen);

/* Like num_uint into a narrower type; the message names what (for the CLI). */
int num_arg(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
