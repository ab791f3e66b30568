/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A growing string: printf onto its end. On allocation failure oom is set and s freed. */
#ifndef DSRLB_STRBUF_H
#define DSRLB_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
