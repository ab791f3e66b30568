/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The command line: each subcommand in its own file.
 *   main.c    which subcommand, and the usage
 *   quick.c   dsrlb -i IFACE --vip ... --backends ...  (the quick start)
 *   run.c     dsrlb run | check | stop --detach
 *   tools.c   dsrlb backend setup, dsrlb doctor
 *   client.c  dsrlb status | stats | vip | backend | trace (the daemon's API)
 */
#ifndef DSRLB_CLI_H
#define DSRLB_CLI_H

#include <stdarg.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdio.h>

int cmd_quick(int argc, char **argv);
int cmd_check_or_run(int argc, char **argv, bool run);
int cmd_stop(int argc, char **argv);
int cmd_backend(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
void cli_usage(FILE *f);
/* "dsrlb: FILE:LINE:COL: ..." for each line of errors. */
void cli_print_errors(const char *errors);
/* libbpf's messages: warnings always, the rest with -vv. */
int cli_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
