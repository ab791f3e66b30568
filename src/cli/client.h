/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DSRLB_CLIENT_H
#define DSRLB_CLIENT_H

/* One HTTP request to the daemon's Unix socket: 0 (status, answer set) or -errno. */
int client_call(const char *sock, const char *method, const char *path, const char *body,
		int *status, char **answer);

/* dsrlb status|stats|vip|backend ...: argv[0] is the subcommand. Exit status. */
int client_main(int argc, char **argv);

#endif
