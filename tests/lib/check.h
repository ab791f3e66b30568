/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A minimal test harness: each CHECK prints "ok - name" or "not ok - name"
 * (TAP style) and check_done() prints this suite's tally as a comment;
 * tests/run.sh adds up the ok/not ok lines of every suite.
 */
#ifndef DSRLB_CHECK_H
#define DSRLB_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_passed, check_failed;

__attribute__((format(printf, 4, 5))) static int check_report(int ok, const char *file,
							      int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf("  (%s:%d)", file, line);
	printf("\n");
	fflush(stdout);
	if (ok)
		check_passed++;
	else
		check_failed++;
	return ok;
}

#define CHECK(cond, ...) check_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline int check_done(void)
{
	printf("# %d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
