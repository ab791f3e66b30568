/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What client.c and trace.c share: the options every command takes, the socket. */
#ifndef DSRLB_CLIENT_INT_H
#define DSRLB_CLIENT_INT_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct opts {
	const char *sock;
	bool json;
};

/* -s, -j and -h, in every command's getopt_long table */
#define COMMON_LONG                                                     \
	{ "socket", required_argument, NULL, 's' },                     \
	{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }

extern const char *const client_common_help;
/* A common option: 0 taken, 3 help printed (exit 0), 2 a usage error printed. */
int client_opt(int c, struct opts *o, const char *help);
/* Connect and send one request (HTTP/1.0: the answer ends at EOF). The socket, or -errno. */
int client_send(const char *sock, const char *method, const char *path, const char *body);
/* "cannot reach the daemon at SOCK: why (is 'dsrlb run' going? ...)" on stderr */
void client_unreachable(const char *sock, int r);
/* s for a URL's path or query: anything but letters, digits and -._~: as %XX. */
const char *client_url_part(const char *s, char *out, size_t size);
void client_print_json(const json_t *j);
/* Call; on an API error print its message. The answer as JSON, or NULL (then *rc is set). */
json_t *client_request(const struct opts *o, const char *method, const char *path, json_t *body,
		       int *rc);
/* dsrlb maintenance (ha.c) */
int client_maintenance(int argc, char **argv);
int client_peers(int argc, char **argv);
/* dsrlb trace */
int client_trace(int argc, char **argv);

/* A string member, or "-" when it is missing. */
static inline const char *json_str_or_dash(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

#endif
