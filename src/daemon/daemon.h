/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Running the engine: the loop, signals (as a signalfd on the loop), the
 * wait for the backends' MACs, the API, systemd's notifications, reloads.
 */
#ifndef DSRLB_DAEMON_H
#define DSRLB_DAEMON_H

#include "config/config.h"

/*
 * Run c until SIGINT/SIGTERM (c's contents are taken). With path it is the
 * daemon: SIGHUP reloads path, the API serves, and at exit the data plane
 * stays for the next daemon. Without, the quick start: at exit it detaches.
 * The exit status.
 */
int daemon_serve(struct cfg *c, const char *path, int verbose, int stats_interval);

#endif
