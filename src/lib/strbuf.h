/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A growing string: printf onto its end, or, for the listings of 100,000
 * backends, plain appends without printf (sb_put, sb_u64, sb_jstr), which
 * cost a tenth. On allocation failure oom is set and s freed.
 */
#ifndef DSRLB_STRBUF_H
#define DSRLB_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes (and a terminator). false when out of memory. */
bool sb_room(struct strbuf *b, size_t n);
void sb_put(struct strbuf *b, const char *s, size_t n);
void sb_str(struct strbuf *b, const char *s);
void sb_u64(struct strbuf *b, uint64_t v);
void sb_i64(struct strbuf *b, int64_t v);
/* A double with up to 3 decimals, no exponent (rates, seconds). */
void sb_num(struct strbuf *b, double v);
/* s as a JSON string, quotes included. */
void sb_jstr(struct strbuf *b, const char *s);
void sb_free(struct strbuf *b);

#endif
