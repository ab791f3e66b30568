// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The CLI's side of the API: dsrlb status, stats, vip add|set|del and
 * backend add|set|drain|del talk to a running daemon over its Unix socket.
 * Text output and -j/--json print the same answer, fetched once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/client_int.h"
#include "config/config.h"
#include "lib/num.h"

/* Connect and send one request (HTTP/1.0: the answer ends at EOF). The socket, or -errno. */
int client_send(const char *sock, const char *method, const char *path, const char *body)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 15 };
	char *req = NULL;
	int fd, n;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int r = -errno;

		close(fd);
		return r;
	}
	n = asprintf(&req,
		     "%s %s HTTP/1.0\r\nHost: dsrlb\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, body ? strlen(body) : 0, body ? body : "");
	if (n < 0 || write(fd, req, (size_t)n) != n) {
		free(req);
		close(fd);
		return -EIO;
	}
	free(req);
	return fd;
}

int client_call(const char *sock, const char *method, const char *path, const char *body,
		int *status, char **answer)
{
	char *buf = NULL, *p;
	size_t len = 0, cap = 0;
	int fd = client_send(sock, method, path, body);

	*answer = NULL;
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t k;

		if (len + 4097 > cap) {
			char *nb = realloc(buf, cap = (cap + 4097) * 2);

			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = read(fd, buf + len, cap - len - 1);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (!buf)
		return -EPROTO;
	buf[len] = 0;
	if (sscanf(buf, "HTTP/%*s %d", status) != 1 || !(p = strstr(buf, "\r\n\r\n"))) {
		free(buf);
		return -EPROTO;
	}
	*answer = strdup(p + 4);
	free(buf);
	return *answer ? 0 : -ENOMEM;
}

/* ---- the commands -------------------------------------------------------------------- */

/* s for a URL's path or query: anything but letters, digits and -._~: as %XX. */
const char *client_url_part(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~:", ch)) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = 0;
	return out;
}

void client_unreachable(const char *sock, int r)
{
	fprintf(stderr, "dsrlb: error: cannot reach the daemon at %s: %s (is 'dsrlb run' going? another socket: -s PATH)\n",
		sock, strerror(-r));
}

/* Call; on an API error print its message. The answer as JSON, or NULL (then *rc is set). */
json_t *client_request(const struct opts *o, const char *method, const char *path, json_t *body,
		      int *rc)
{
	char *b = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL, *ans = NULL;
	int st = 0, r = client_call(o->sock, method, path, b, &st, &ans);
	json_t *j;

	free(b);
	if (r) {
		client_unreachable(o->sock, r);
		*rc = 1;
		return NULL;
	}
	j = json_loads(ans, JSON_DECODE_ANY, NULL);
	free(ans);
	if (st >= 300) {
		const char *m = json_string_value(json_object_get(j, "error"));

		fprintf(stderr, "dsrlb: error: %s (HTTP %d)\n", m ? m : "the daemon refused", st);
		if (o->json && j)
			json_dumpf(j, stdout, JSON_INDENT(2)), putchar('\n');
		json_decref(j);
		*rc = 1;
		return NULL;
	}
	if (!j) {
		fprintf(stderr, "dsrlb: error: the daemon's answer is not JSON\n");
		*rc = 1;
	}
	return j;
}

void client_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	putchar('\n');
}

const char *const client_common_help =
	"  -s, --socket PATH   the daemon's API socket (default $DSRLB_SOCKET, else " CFG_API_SOCKET_DEFAULT ")\n"
	"  -j, --json          print the daemon's answer as JSON\n"
	"  -h, --help          this text\n";

int client_opt(int c, struct opts *o, const char *help)
{
	switch (c) {
	case 's':
		o->sock = optarg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'h':
		printf("%s%s", help, client_common_help);
		return 3;
	default:
		fprintf(stderr, "%s%s", help, client_common_help);
		return 2;
	}
}

static int cmd_show(int argc, char **argv, bool stats)
{
	static const struct option lo[] = { COMMON_LONG, { 0 } };
	const char *help = stats ?
		"Usage: dsrlb stats [-s PATH] [-j]\n"
		"Per VIP and backend: state, weight, active flows, packets, bytes and rates\n"
		"(the last second), like ipvsadm -Ln --stats.\n" :
		"Usage: dsrlb status [-s PATH] [-j]\n"
		"The daemon's version, interface, uptime and config file, and per VIP how many\n"
		"backends take new flows (and why the others do not).\n";
	struct opts o = { cfg_api_socket_default(), false };
	int c, rc = 0, status = 0, r;
	char *ans = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", lo, NULL)) != -1)
		if ((rc = client_opt(c, &o, help)))
			return rc == 3 ? 0 : rc;
	if (optind < argc) {
		fprintf(stderr, "dsrlb: error: unexpected '%s'\n%s%s", argv[optind], help, client_common_help);
		return 2;
	}
	/* the daemon renders text and JSON (one print path for both, like iproute2): sent on as it is */
	r = client_call(o.sock, "GET", o.json ? (stats ? "/api/v1/stats" : "/api/v1/status") :
				       (stats ? "/api/v1/stats?format=text" : "/api/v1/status?format=text"),
			NULL, &status, &ans);
	if (r) {
		client_unreachable(o.sock, r);
		return 1;
	}
	if (status != 200) {
		json_t *j = json_loads(ans, 0, NULL);

		fprintf(stderr, "dsrlb: error: %s (HTTP %d)\n",
			json_string_value(json_object_get(j, "error")) ?: "the daemon refused", status);
		json_decref(j);
		free(ans);
		return 1;
	}
	fputs(ans, stdout);
	free(ans);
	return 0;
}

/*
 * --all-down X -> "all_down": "X" (the option is the config key). Numbers go
 * as JSON numbers, checked here as the config file checks them: the API
 * takes "5" in quotes for a string, as the file does. 0, or 2 (bad usage).
 */
static int key_opt(json_t *body, const char *opt, const char *val)
{
	static const char *const ints[] = { "port", "weight", NULL };
	char key[32], why[128];
	uint64_t u;
	uint32_t ms;
	size_t i;

	for (i = 0; opt[i] && i + 1 < sizeof(key); i++)
		key[i] = opt[i] == '-' ? '_' : opt[i];
	key[i] = 0;
	for (i = 0; ints[i]; i++) {
		if (strcmp(key, ints[i]))
			continue;
		if (num_uint(val, 0, 65535, false, &u, why, sizeof(why))) {
			fprintf(stderr, "dsrlb: error: --%s '%s' %s\n", opt, val, why);
			return 2;
		}
		json_object_set_new(body, key, json_integer((json_int_t)u));
		return 0;
	}
	if (!strcmp(key, "hold_down")) {
		if (num_seconds(val, 0, 3600000, &ms, why, sizeof(why))) {
			fprintf(stderr, "dsrlb: error: --%s '%s' %s\n", opt, val, why);
			return 2;
		}
		json_object_set_new(body, key, ms % 1000 ? json_real(ms / 1000.0) : json_integer(ms / 1000));
		return 0;
	}
	json_object_set_new(body, key, json_string(val));
	return 0;
}

/* What a change did: the daemon's answer as JSON, or its one-line summary */
static void print_done(const struct opts *o, json_t *ans)
{
	if (!ans)
		return;
	if (o->json)
		client_print_json(ans);
	else
		printf("%s\n", json_str_or_dash(ans, "done"));
	json_decref(ans);
}

/* "ADDR" or "ADDR=WEIGHT" into a backend object */
static json_t *backend_arg(const char *s)
{
	const char *eq = strrchr(s, '=');

	uint64_t w;

	if (!eq)
		return json_pack("{s:s}", "address", s);
	if (num_uint(eq + 1, 0, 65535, false, &w, NULL, 0))
		return NULL;
	return json_pack("{s:s%, s:I}", "address", s, (size_t)(eq - s), "weight", (json_int_t)w);
}

static int cmd_vip(int argc, char **argv)
{
	static const struct option lo[] = {
		COMMON_LONG,
		{ "address", required_argument, NULL, 'k' },
		{ "port", required_argument, NULL, 'k' },
		{ "protocol", required_argument, NULL, 'k' },
		{ "scheduler", required_argument, NULL, 'k' },
		{ "all-down", required_argument, NULL, 'k' },
		{ "hold-down", required_argument, NULL, 'k' },
		{ "flow-table", required_argument, NULL, 'k' },
		{ "backend", required_argument, NULL, 'b' },
		{ 0 }
	};
	const char *help =
		"Usage: dsrlb vip add NAME --address ADDR [--port N] [--protocol tcp|udp|both]\n"
		"                 [--scheduler maglev|rr|wrr|lc|sh] --backend ADDR[=WEIGHT]...\n"
		"       dsrlb vip set NAME [--address ..] [--port ..] [--protocol ..] [--scheduler ..]\n"
		"                 [--all-down keep|drop] [--hold-down S] [--flow-table on|off]\n"
		"                 [--backend ADDR[=WEIGHT]...]\n"
		"       dsrlb vip del NAME\n"
		"Changes the running daemon and its config file (the same checks as the file).\n"
		"set changes only what it is given; --backend on set replaces the backend list.\n"
		"Example: dsrlb vip add web --address 198.18.178.15 --port 8000 --protocol tcp \\\n"
		"             --backend 198.18.178.11 --backend 198.18.178.12=2\n";
	struct opts o = { cfg_api_socket_default(), false };
	json_t *body = json_object(), *bs = json_array(), *ans;
	const char *verb, *name;
	char path[400], n1[200];
	int c, rc = 0, li = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", lo, &li)) != -1) {
		if (c == 'b') {
			json_t *b = backend_arg(optarg);

			if (!b) {
				fprintf(stderr, "dsrlb: error: --backend '%s': the weight after '=' is a number from 0 to 65535\n",
					optarg);
				rc = 2;
				goto out;
			}
			json_array_append_new(bs, b);
		} else if (c == 'k') {
			if ((rc = key_opt(body, lo[li].name, optarg)))
				goto out;
		} else if ((rc = client_opt(c, &o, help))) {
			goto out;
		}
	}
	if (argc - optind != 2 || (strcmp(argv[optind], "add") && strcmp(argv[optind], "set") &&
				   strcmp(argv[optind], "del"))) {
		fprintf(stderr, "dsrlb: error: say add, set or del, and the VIP's name\n%s%s", help, client_common_help);
		rc = 2;
		goto out;
	}
	verb = argv[optind];
	name = argv[optind + 1];
	if (json_array_size(bs))
		json_object_set(body, "backends", bs);
	if (!strcmp(verb, "add")) {
		json_object_set_new(body, "name", json_string(name));
		ans = client_request(&o, "POST", "/api/v1/vips", body, &rc);
	} else {
		snprintf(path, sizeof(path), "/api/v1/vips/%s", client_url_part(name, n1, sizeof(n1)));
		if (!strcmp(verb, "set") && !json_object_size(body)) {
			fprintf(stderr, "dsrlb: error: vip set needs something to change\n%s%s", help, client_common_help);
			rc = 2;
			goto out;
		}
		ans = client_request(&o, !strcmp(verb, "set") ? "PATCH" : "DELETE", path,
			   !strcmp(verb, "set") ? body : NULL, &rc);
	}
	print_done(&o, ans);
out:
	json_decref(body);
	json_decref(bs);
	return rc == 3 ? 0 : rc;
}

int client_backend(int argc, char **argv)
{
	static const struct option lo[] = {
		COMMON_LONG,
		{ "weight", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 'k' },
		{ 0 }
	};
	const char *help =
		"Usage: dsrlb backend add VIP ADDR [--weight N] [--state up|drain|off]\n"
		"       dsrlb backend set VIP ADDR [--weight N] [--state up|drain|off]\n"
		"       dsrlb backend drain VIP ADDR    (no new flows; established ones finish)\n"
		"       dsrlb backend del VIP ADDR\n"
		"       dsrlb backend setup ...         (on a backend; see dsrlb backend setup --help)\n"
		"Changes the running daemon and its config file (the same checks as the file).\n"
		"Example: dsrlb backend drain web 198.18.178.11\n";
	struct opts o = { cfg_api_socket_default(), false };
	json_t *body = json_object(), *ans;
	const char *verb, *vip, *addr;
	char path[600], n1[200], n2[200];
	int c, rc = 0, li = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", lo, &li)) != -1) {
		if (c == 'k') {
			if ((rc = key_opt(body, lo[li].name, optarg)))
				goto out;
		} else if ((rc = client_opt(c, &o, help))) {
			goto out;
		}
	}
	if (argc - optind != 3 ||
	    (strcmp(argv[optind], "add") && strcmp(argv[optind], "set") &&
	     strcmp(argv[optind], "del") && strcmp(argv[optind], "drain"))) {
		fprintf(stderr, "dsrlb: error: say add, set, drain or del, the VIP's name and the backend's address\n%s%s",
			help, client_common_help);
		rc = 2;
		goto out;
	}
	verb = argv[optind];
	vip = argv[optind + 1];
	addr = argv[optind + 2];
	if (!strcmp(verb, "add")) {
		json_object_set_new(body, "address", json_string(addr));
		snprintf(path, sizeof(path), "/api/v1/vips/%s/backends", client_url_part(vip, n1, sizeof(n1)));
		ans = client_request(&o, "POST", path, body, &rc);
	} else {
		snprintf(path, sizeof(path), "/api/v1/vips/%s/backends/%s", client_url_part(vip, n1, sizeof(n1)),
			 client_url_part(addr, n2, sizeof(n2)));
		if (!strcmp(verb, "drain"))
			json_object_set_new(body, "state", json_string("drain"));
		if (!strcmp(verb, "set") && !json_object_size(body)) {
			fprintf(stderr, "dsrlb: error: backend set needs --weight or --state\n%s%s", help, client_common_help);
			rc = 2;
			goto out;
		}
		ans = client_request(&o, !strcmp(verb, "del") ? "DELETE" : "PATCH", path,
			   !strcmp(verb, "del") ? NULL : body, &rc);
	}
	print_done(&o, ans);
out:
	json_decref(body);
	return rc == 3 ? 0 : rc;
}

int client_main(int argc, char **argv)
{
	if (!strcmp(argv[0], "trace"))
		return client_trace(argc, argv);
	if (!strcmp(argv[0], "status"))
		return cmd_show(argc, argv, false);
	if (!strcmp(argv[0], "stats"))
		return cmd_show(argc, argv, true);
	if (!strcmp(argv[0], "vip"))
		return cmd_vip(argc, argv);
	if (!strcmp(argv[0], "maintenance"))
		return client_maintenance(argc, argv);
	if (!strcmp(argv[0], "peers"))
		return client_peers(argc, argv);
	return client_backend(argc, argv);
}
