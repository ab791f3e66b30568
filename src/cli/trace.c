// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb trace: the daemon's /api/v1/trace stream (one JSON record a line),
 * printed as it comes until Ctrl-C, a count or a time limit.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/client_int.h"
#include "config/config.h"
#include "lib/num.h"

struct trace_args {
	struct opts o;
	const char *vip;
	long count, seconds; /* -1: no limit */
};

static volatile sig_atomic_t trace_stop;

static void on_trace_signal(int sig)
{
	(void)sig;
	trace_stop = 1;
}

static void print_record(const json_t *r)
{
	double t = json_number_value(json_object_get(r, "time"));
	time_t sec = (time_t)t;
	const char *ev = json_str_or_dash(r, "event"), *vip = json_string_value(json_object_get(r, "vip"));
	struct tm tm;
	char hms[16];

	localtime_r(&sec, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	printf("%s.%06ld  %-8s %-16s %-3s %s -> %s  ", hms, (long)((t - (double)sec) * 1e6), ev,
	       vip ? vip : "-", json_str_or_dash(r, "protocol"), json_str_or_dash(r, "client"),
	       json_str_or_dash(r, "to"));
	if (!strcmp(ev, "drop"))
		printf("dropped: %s\n", json_str_or_dash(r, "reason"));
	else
		printf("backend %s%s\n", json_str_or_dash(r, "backend"),
		       !strcmp(ev, "replaced") ? " (its entry was stale)" :
		       !strcmp(ev, "unkept")   ? " (not remembered)" :
		       !strcmp(ev, "icmp")     ? " (an ICMP error about the flow)" : "");
}

/* 0 to go on, else the exit status (help: 0 through *done). */
static int trace_args(int argc, char **argv, struct trace_args *t, bool *done)
{
	static const struct option lo[] = { COMMON_LONG, { "vip", required_argument, NULL, 'v' },
					    { "count", required_argument, NULL, 'n' },
					    { "seconds", required_argument, NULL, 't' }, { 0 } };
	static const char help[] =
		"Usage: dsrlb trace [--vip NAME] [-n COUNT] [-t SECONDS] [-s PATH] [-j]\n"
		"Watch decisions live: the backend each new flow got, and each frame dropped\n"
		"with its reason (packets that follow their flow are not shown). Records are\n"
		"written only while someone traces. Ctrl-C stops.\n"
		"  --vip NAME          only this VIP's flows and drops\n"
		"  -n, --count COUNT   stop after COUNT records\n"
		"  -t, --seconds S     stop after S seconds\n";
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jhn:t:", lo, NULL)) != -1) {
		uint64_t v;

		if (c == 'v') {
			t->vip = optarg;
		} else if (c == 'n' || c == 't') {
			if (num_arg(c == 'n' ? "--count" : "--seconds", optarg, 1,
				    c == 'n' ? 1000000000 : 31536000, &v))
				return 2;
			*(c == 'n' ? &t->count : &t->seconds) = (long)v;
		} else if ((rc = client_opt(c, &t->o, help))) {
			*done = rc == 3;
			return rc == 3 ? 0 : rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dsrlb: error: unexpected '%s'\n%s%s", argv[optind], help,
			client_common_help);
		return 2;
	}
	return 0;
}

/* The stream, past its headers; NULL when the daemon refused (said on stderr). */
static FILE *trace_open(const struct trace_args *t)
{
	char path[256], line[4096];
	int fd, status = 0;
	size_t len;
	FILE *in;

	snprintf(path, sizeof(path), "/api/v1/trace%s%s", t->vip ? "?vip=" : "",
		 t->vip ? client_url_part(t->vip, line, sizeof(line)) : "");
	fd = client_send(t->o.sock, "GET", path, NULL);
	if (fd < 0) {
		client_unreachable(t->o.sock, fd);
		return NULL;
	}
	in = fdopen(fd, "r");
	if (!in) {
		close(fd);
		return NULL;
	}
	/* the status line and headers; an error's JSON follows them */
	if (!fgets(line, sizeof(line), in) || sscanf(line, "HTTP/%*s %d", &status) != 1) {
		fprintf(stderr, "dsrlb: error: the daemon at %s did not answer\n", t->o.sock);
		fclose(in);
		return NULL;
	}
	while (fgets(line, sizeof(line), in) && strcmp(line, "\r\n"))
		;
	if (status != 200) {
		json_t *j;

		len = fread(line, 1, sizeof(line) - 1, in);
		line[len] = 0;
		j = json_loads(line, 0, NULL);
		fprintf(stderr, "dsrlb: error: %s (HTTP %d)\n",
			json_string_value(json_object_get(j, "error")) ?: "the daemon refused", status);
		json_decref(j);
		fclose(in);
		return NULL;
	}
	return in;
}

/* Print records until a limit or a signal. The exit status. */
static int trace_follow(const struct trace_args *t, FILE *in)
{
	struct sigaction sa = { .sa_handler = on_trace_signal };
	char line[4096];
	long got = 0;

	/* no SA_RESTART: a signal ends the read below, and the loop */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (t->seconds > 0)
		alarm((unsigned)t->seconds);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!trace_stop && (t->count < 0 || got < t->count) && fgets(line, sizeof(line), in)) {
		const char *ev;
		json_t *r;

		if (line[0] == '\n')
			continue; /* the daemon's keep-alive */
		r = json_loads(line, 0, NULL);
		if (!r)
			continue;
		ev = json_str_or_dash(r, "event");
		if (!strcmp(ev, "start")) {
			fprintf(stderr, "tracing %s on %s; %s\n", t->vip ? t->vip : "every VIP",
				json_str_or_dash(r, "interface"),
				t->count > 0 || t->seconds > 0 ? "stops by itself or on Ctrl-C" : "Ctrl-C stops");
		} else if (!strcmp(ev, "lost")) {
			fprintf(stderr, "dsrlb: %lld records lost (the kernel's ring was full), %lld not sent (this terminal reads too slowly)\n",
				json_integer_value(json_object_get(r, "ring_full")),
				json_integer_value(json_object_get(r, "client_slow")));
		} else {
			got++;
			if (t->o.json)
				json_dumpf(r, stdout, JSON_COMPACT | JSON_REAL_PRECISION(16)), putchar('\n');
			else
				print_record(r);
		}
		json_decref(r);
	}
	if (!trace_stop && (t->count < 0 || got < t->count)) {
		fprintf(stderr, "dsrlb: error: the daemon ended the trace (did it stop?)\n");
		return 1;
	}
	return 0;
}

int client_trace(int argc, char **argv)
{
	struct trace_args t = { .o = { cfg_api_socket_default(), false }, .count = -1, .seconds = -1 };
	bool done = false;
	int rc = trace_args(argc, argv, &t, &done);
	FILE *in;

	if (rc || done)
		return rc;
	in = trace_open(&t);
	if (!in)
		return 1;
	rc = trace_follow(&t, in);
	fclose(in);
	return rc;
}
