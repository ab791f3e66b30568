// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

static enum log_level cur_level = LOG_LVL_INFO;

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

/*
 * Under systemd, stderr is a stream to the journal ($JOURNAL_STREAM names its
 * device and inode): a "<N>" before each line gives it its priority (err,
 * warning, info, debug), so journalctl -p warning shows exactly the errors
 * and warnings. Anywhere else the lines stay as they are.
 */
static bool to_journal(void)
{
	static int known = -1;
	const char *js;
	unsigned long dev, ino;
	struct stat st;

	if (known >= 0)
		return known;
	js = getenv("JOURNAL_STREAM");
	known = js && sscanf(js, "%lu:%lu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
		(unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino;
	return known;
}

void log_msg(enum log_level lvl, int err, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	static const char *const prio[] = { "<3>", "<4>", "<6>", "<7>" };
	va_list ap;

	if (lvl > cur_level)
		return;
	fprintf(stderr, "%sdsrlb: %s", to_journal() ? prio[lvl] : "", prefix[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
}
