/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Logging for the program (never for library code, which returns -errno).
 * log_warn appends strerror(errno) like warn(3); log_warnx does not.
 */
#ifndef DSRLB_LOG_H
#define DSRLB_LOG_H

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_msg(enum log_level lvl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(err, ...) log_msg(LOG_LVL_ERROR, (err), __VA_ARGS__)
#define log_errx(...) log_msg(LOG_LVL_ERROR, 0, __VA_ARGS__)
#define log_warn(err, ...) log_msg(LOG_LVL_WARN, (err), __VA_ARGS__)
#define log_warnx(...) log_msg(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, 0, __VA_ARGS__)

#endif
