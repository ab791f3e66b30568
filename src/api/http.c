// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The API's listeners on the loop: libmicrohttpd in external epoll mode (its
 * epoll fd is one fd of ours, its timeouts one timer), authentication, and
 * the request body gathered up to API_BODY_MAX.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api_int.h"
#include "lib/clock.h"
#include "lib/log.h"

enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
			  const char *text, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY);
	enum MHD_Result r;

	json_decref(j);
	if (!s)
		return MHD_NO;
	r = send_text(c, status, "application/json", s, strlen(s));
	free(s);
	return r;
}

/* {"error": msg[, "field": f]}: what a person can act on, and where */
enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *field,
			   const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_json(c, status, error_json(field, msg));
}

json_t *error_json(const char *field, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);

	if (j && field)
		json_object_set_new(j, "field", json_string(field));
	return j;
}

static bool token_ok(struct api *a, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	size_t n = strlen(a->token);
	unsigned char diff = 0;

	/* the scheme is case-insensitive (RFC 9110), one or more spaces after it */
	if (!n || !h || strncasecmp(h, "Bearer", 6) || (h[6] != ' ' && h[6] != '\t'))
		return false;
	for (h += 6; *h == ' ' || *h == '\t'; h++)
		;
	if (strlen(h) != n)
		return false;
	for (size_t i = 0; i < n; i++) /* the same time for every wrong token */
		diff |= (unsigned char)(h[i] ^ a->token[i]);
	return !diff;
}

/* What only reads: everything else changes the balancer. */
static bool reads_only(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

/*
 * A page on another site can make the browser send requests to loopback;
 * one whose name resolves to 127.0.0.1 (DNS rebinding) can even read the
 * answers. On loopback, only a Host header that names this listener
 * (or localhost) is served.
 */
static bool host_ok(const struct listener *l, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	char local[32];

	if (!h)
		return false;
	snprintf(local, sizeof(local), "localhost:%u", l->port);
	return !strcasecmp(h, l->what) || !strcasecmp(h, local);
}

/* A body only as JSON: a form on another site cannot send that without asking (CORS). */
static bool json_body(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	return t && !strncasecmp(t, "application/json", 16) && (!t[16] || t[16] == ';');
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct listener *l = cls;
	struct api *a = l->api;
	struct req *rq = *con_cls;
	json_t *body = NULL;
	json_error_t je;
	enum MHD_Result r;

	(void)version;
	if (!rq) { /* the first call: headers only */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		bool is_api = !strncmp(url, "/api/", 5) || !strcmp(url, "/metrics");

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		/* any local user can reach a loopback port: only root and api.group the socket */
		if (l->tcp && !reads_only(method) && !token_ok(a, c))
			return send_error(c, 401, NULL, a->token[0] ?
					  "a change over TCP needs 'Authorization: Bearer TOKEN' (the token is in api.token_file on the balancer)" :
					  "changes over TCP need a token: set api.token_file (a root-only file with the bearer token), or use the Unix socket %s",
					  a->socket);
		if (l->loopback_tcp && !host_ok(l, c))
			return send_error(c, 403, NULL,
					  "Host '%s' is not this listener: use http://%s/ (requests naming another host are refused, against DNS rebinding)",
					  MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host") ?: "",
					  l->what);
		/* the page itself is public; what it reads and changes is not */
		if (l->need_token && is_api && !token_ok(a, c))
			return send_error(c, 401, NULL,
					  "this address needs 'Authorization: Bearer TOKEN' (the token is in api.token_file on the balancer)");
		if (cl && strtoull(cl, NULL, 10) > API_BODY_MAX)
			return send_error(c, 413, NULL, "the body is larger than %d bytes", API_BODY_MAX);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size <= API_BODY_MAX) {
			char *n = realloc(rq->body, rq->len + *upload_size + 1);

			if (!n)
				return MHD_NO;
			rq->body = n;
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = 0;
		} else {
			rq->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->answer) { /* made while it waited (change.c) */
		json_t *j = rq->answer;

		rq->answer = NULL;
		return send_json(c, rq->status, j);
	}
	if (rq->too_big)
		return send_error(c, 413, NULL, "the body is larger than %d bytes", API_BODY_MAX);
	if (rq->len && !json_body(c))
		return send_error(c, 415, NULL,
				  "send the body as JSON, with 'Content-Type: application/json'");
	if (rq->len) {
		body = json_loadb(rq->body, rq->len, JSON_DECODE_ANY, &je);
		if (!body)
			return send_error(c, 400, NULL, "the body is not valid JSON: %s (line %d, column %d)",
					  je.text, je.line, je.column);
	}
	if (conn_of(c))
		conn_of(c)->busy = true; /* arrived whole: the deadline is met */
	r = api_route(a, c, rq, url, method, body);
	json_decref(body);
	return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;
	struct conn *k = conn_of(c);

	(void)cls;
	(void)toe;
	if (k) { /* answered: the next request on this connection has its own deadline */
		k->busy = false;
		k->since = clock_ms();
	}
	if (rq) {
		free(rq->body);
		json_decref(rq->answer);
		free(rq);
		*con_cls = NULL;
	}
}

/* Each connection's record, from accept to close. */
static void on_conn(void *cls, struct MHD_Connection *c, void **socket_context,
		    enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* no deadline for this one: MHD's idle timeout still holds */
		k->fd = i ? i->connect_fd : -1;
		k->since = clock_ms();
		k->next = l->conns;
		if (l->conns)
			l->conns->prev = k;
		l->conns = k;
		*socket_context = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		if (k->prev)
			k->prev->next = k->next;
		else
			l->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		free(k);
		*socket_context = NULL;
	}
}

/*
 * Slow senders: a request that has not arrived whole API_DEADLINE_MS after
 * its connection opened (or its last answer) is cut off, however often it
 * trickles a byte (MHD's timeout is for idleness only).
 */
static void on_deadline(void *ctx)
{
	struct api *a = ctx;
	uint64_t now = clock_ms();
	bool cut = false;

	for (int i = 0; i < a->nl; i++)
		for (struct conn *k = a->l[i].conns; k; k = k->next)
			if (!k->busy && k->fd >= 0 && now - k->since > API_DEADLINE_MS) {
				shutdown(k->fd, SHUT_RDWR); /* MHD sees the end and closes it */
				k->fd = -1;
				cut = true;
			}
	if (cut)
		api_kick(a);
	loop_timer_at(a->loop, &a->deadline, now + 1000);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char m[512];
	size_t n;

	(void)cls;
	vsnprintf(m, sizeof(m), fmt, ap);
	n = strlen(m);
	while (n && m[n - 1] == '\n')
		m[--n] = 0;
	log_debug("api: %s", m);
}

/* ---- on the loop -------------------------------------------------------------------- */

static void run_mhd(struct api *a)
{
	uint64_t soonest = UINT64_MAX;

	for (int i = 0; i < a->nl; i++) {
		MHD_UNSIGNED_LONG_LONG t;

		MHD_run(a->l[i].d);
		if (MHD_get_timeout(a->l[i].d, &t) == MHD_YES && t < soonest)
			soonest = t;
	}
	if (soonest != UINT64_MAX)
		loop_timer_at(a->loop, &a->mhd, clock_ms() + soonest);
	else
		loop_timer_stop(a->loop, &a->mhd);
}

static void on_epoll(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	run_mhd(ctx);
}

static void on_mhd_timer(void *ctx)
{
	run_mhd(ctx);
}

void api_kick(struct api *a)
{
	loop_timer_at(a->loop, &a->mhd, clock_ms());
}

/* ---- listeners -------------------------------------------------------------------- */

static int unix_listener(const struct cfg_api *conf, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)], *slash;
	struct group *g = NULL;
	int fd, probe;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", conf->socket);
	snprintf(dir, sizeof(dir), "%s", conf->socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "api: cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (conf->group[0] && !(g = getgrnam(conf->group))) {
		snprintf(err, errlen, "api: group '%s' does not exist (api.group)", conf->group);
		return -1;
	}
	/* a socket left by a daemon that died: remove it; one that answers: refuse */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sun, sizeof(sun))) {
		close(probe);
		snprintf(err, errlen, "api: %s answers: another dsrlb daemon is running (or set api.socket)",
			 conf->socket);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(conf->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(conf->socket, 0660) || (g && chown(conf->socket, 0, g->gr_gid)) ||
	    listen(fd, 64)) {
		snprintf(err, errlen, "api: cannot listen on %s: %s", conf->socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int read_token(const char *path, char *out, size_t size, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;

	if (!path[0]) {
		snprintf(err, errlen, "api: listen on a non-loopback address needs api.token_file (a root-only file with the bearer token)");
		return -1;
	}
	f = fopen(path, "re");
	if (!f || fstat(fileno(f), &st)) {
		snprintf(err, errlen, "api: cannot read token_file %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		fclose(f);
		snprintf(err, errlen, "api: token_file %s must be a regular file owned by root with mode 0600 (now %04o, uid %u); fix: chown root:root %s; chmod 600 %s",
			 path, st.st_mode & 07777, st.st_uid, path, path);
		return -1;
	}
	if (!fgets(out, (int)size, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\r\n")] = 0;
	if (strlen(out) < 16) {
		snprintf(err, errlen, "api: the token in %s is shorter than 16 characters (make one: head -c 32 /dev/urandom | base64 > %s)",
			 path, path);
		return -1;
	}
	return 0;
}

static int start(struct api *a, int i, unsigned flags, int fd, const struct sockaddr *sa,
		 char *err, size_t errlen)
{
	struct listener *l = &a->l[i];
	const union MHD_DaemonInfo *info;

	l->api = a;
	l->d = MHD_start_daemon(flags | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
				on_request, l, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_NOTIFY_CONNECTION, on_conn, l,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_TIMEOUT_S,
				MHD_OPTION_CONNECTION_LIMIT, 64u,
				/* one client cannot take every slot (0: none, on the Unix socket) */
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->tcp ? (unsigned)API_PER_CLIENT : 0u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
				fd >= 0 ? (intptr_t)fd : (intptr_t)sa, MHD_OPTION_END);
	if (!l->d) {
		snprintf(err, errlen, "api: cannot serve on %s", l->what);
		return -1;
	}
	a->nl = i + 1;
	info = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
	l->epfd = info ? info->epoll_fd : -1;
	if (l->epfd < 0 || loop_fd_add(a->loop, l->epfd, EPOLLIN, on_epoll, a, "api")) {
		snprintf(err, errlen, "api: cannot watch %s", l->what);
		return -1;
	}
	return 0;
}

int api_open(struct api **out, struct loop *loop, const struct cfg *c, struct engine *e,
	     const char *config_path, char *err, size_t errlen)
{
	struct api *a = calloc(1, sizeof(*a));
	int fd;

	*out = NULL;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->e = e;
	a->loop = loop;
	a->started = clock_ms();
	loop_timer_init(&a->mhd, on_mhd_timer, a, "api timeouts");
	loop_timer_init(&a->deadline, on_deadline, a, "api deadlines");
	trace_init(a);
	if (snap_open(a)) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(a->path, sizeof(a->path), "%s", config_path);
	snprintf(a->socket, sizeof(a->socket), "%s", c->api.socket);
	snprintf(a->web_dir, sizeof(a->web_dir), "%s", c->api.web_dir);
	fd = unix_listener(&c->api, err, errlen);
	if (fd < 0) {
		free(a);
		return -EINVAL;
	}
	snprintf(a->l[0].what, sizeof(a->l[0].what), "%s", c->api.socket);
	if (start(a, 0, 0, fd, NULL, err, errlen)) {
		if (!a->nl)
			close(fd);
		api_close(a);
		return -EINVAL;
	}
	log_info("api: listening on %s (mode 0660%s%s)", c->api.socket,
		 c->api.group[0] ? ", group " : "", c->api.group);
	if (c->api.listen[0]) {
		struct sockaddr_storage ss;
		struct listener *l = &a->l[1];

		cfg_api_listen_parse(c->api.listen, &ss);
		snprintf(l->what, sizeof(l->what), "%s", c->api.listen);
		l->tcp = true;
		l->need_token = !is_loopback(&ss);
		if ((l->need_token || c->api.token_file[0]) &&
		    read_token(c->api.token_file, a->token, sizeof(a->token), err, errlen)) {
			api_close(a);
			return -EINVAL;
		}
		l->loopback_tcp = !l->need_token; /* with a token or without: Host must be ours */
		l->need_token |= c->api.token_file[0] != 0;
		l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
							   ((struct sockaddr_in *)&ss)->sin_port);
		if (start(a, 1, ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0, -1,
			  (struct sockaddr *)&ss, err, errlen)) {
			snprintf(err, errlen, "api: cannot listen on %s: %s", c->api.listen,
				 strerror(errno));
			api_close(a);
			return -EINVAL;
		}
		log_info("api: listening on http://%s/%s", c->api.listen,
			 l->need_token ? " (bearer token required)" : "");
	}
	run_mhd(a);
	loop_timer_at(loop, &a->deadline, clock_ms() + 1000);
	*out = a;
	return 0;
}

void api_close(struct api *a)
{
	if (!a)
		return;
	api_changes_close(a);
	trace_close(a);
	snap_close(a);
	loop_timer_stop(a->loop, &a->mhd);
	loop_timer_stop(a->loop, &a->deadline);
	for (int i = 0; i < a->nl; i++) {
		if (a->l[i].epfd >= 0)
			loop_fd_del(a->loop, a->l[i].epfd);
		if (a->l[i].d)
			MHD_stop_daemon(a->l[i].d);
	}
	if (a->nl)
		unlink(a->socket);
	free(a);
}
