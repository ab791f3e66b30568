// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "api/api.h"
#include "config/write.h"
#include "daemon/daemon.h"
#include "daemon/loop.h"
#include "engine/engine.h"
#include "lib/clock.h"
#include "lib/log.h"

/* How long a stopping daemon waits for a change under way. */
#define DRAIN_MS 5000

struct daemon {
	struct loop *l;
	struct engine *e;
	const char *path;
	int sfd, stop, verbose, stats_interval;
	struct loop_timer stats;
};

static void print_errors(const char *errors)
{
	const char *p = errors;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		log_errx("%.*s", n, p);
		p = nl ? nl + 1 : p + n;
	}
}

static void reloaded(void *ctx, const struct engine_result *res)
{
	struct daemon *d = ctx;

	if (res->r)
		log_errx("reload rejected: %s", res->err);
	else
		log_info("reloaded %s", d->path);
	sd_notify(0, "READY=1\nSTATUS=balancing");
}

static void reload(struct daemon *d)
{
	char *errors = NULL, err[512];
	struct cfg nc;

	sd_notify(0, "RELOADING=1\nSTATUS=reloading");
	log_info("SIGHUP: reloading %s", d->path);
	if (cfg_load(d->path, &nc, &errors)) {
		print_errors(errors);
		log_errx("reload rejected: %s is not valid; nothing was changed", d->path);
		sd_notify(0, "READY=1\nSTATUS=balancing");
	} else if (engine_reload(d->e, &nc, reloaded, d, err, sizeof(err))) {
		log_errx("reload rejected: %s", err);
		sd_notify(0, "READY=1\nSTATUS=balancing");
	}
	free(errors);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP && d->path)
			reload(d);
		else if (si.ssi_signo != SIGHUP)
			d->stop = (int)si.ssi_signo;
	}
}

static void on_stats(void *ctx)
{
	struct daemon *d = ctx;

	engine_print_stats(d->e, "stats:");
	loop_timer_at(d->l, &d->stats, clock_ms() + (uint64_t)d->stats_interval * 1000);
}

/* Every probe holds an fd while it runs: 10,000 checks need more than the usual 1024. */
static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/*
 * The engine opened on c (the engine's from now on), the backends' MACs
 * waited for, the data plane attached, the API open. 0, or -1 with the
 * reason logged and everything stopped.
 */
static int start(struct daemon *d, struct cfg *c, struct api **api)
{
	struct cfg api_cfg = *c; /* the api settings (and interface), read before the engine takes c */
	int timeout_ms = c->resolve_timeout_ms;
	uint64_t deadline;
	char err[512];

	api_cfg.vips = NULL;
	api_cfg.nv = 0;
	api_cfg.origins = NULL;
	api_cfg.norigins = 0;
	api_cfg.origin_index = (struct hmap){ 0 };
	if (d->path) { /* no write is under way: what a kill -9 left goes */
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", d->path);
		cfg_sweep_temps(dirname(dir));
		if (c->vips_dir[0])
			cfg_sweep_temps(c->vips_dir);
	}
	if (engine_open(&d->e, d->l, c, d->path != NULL, err, sizeof(err))) {
		log_errx("%s", err);
		return -1;
	}
	/*
	 * The backends' MACs: the loop runs (neighbour events) until they are
	 * known. Each has the whole timeout from its request, which engine_open
	 * sent last: loading the program before it can take seconds, and a
	 * deadline counted from before the load left the backends a second.
	 * The resolver gives up on each by itself; the deadline is a backstop.
	 */
	deadline = clock_ms() + (uint64_t)timeout_ms + 1000;
	while (engine_resolving(d->e) && clock_ms() < deadline && !d->stop)
		loop_run_once(d->l, 50);
	if (d->stop) {
		engine_stop(d->e, true);
		return -1;
	}
	if (engine_attach(d->e, d->path == NULL, err, sizeof(err))) {
		log_errx("%s", err);
		engine_stop(d->e, true);
		return -1;
	}
	if (d->path && api_open(api, d->l, &api_cfg, d->e, d->path, err, sizeof(err))) {
		log_errx("%s", err);
		engine_stop(d->e, false);
		return -1;
	}
	return 0;
}

int daemon_serve(struct cfg *c, const char *path, int verbose, int stats_interval)
{
	struct daemon d = { .path = path, .sfd = -1, .verbose = verbose,
			    .stats_interval = stats_interval };
	struct api *api = NULL;
	char iface[IF_NAMESIZE];
	sigset_t set;
	uint64_t deadline;
	int r, rc = 1;

	raise_nofile();
	/*
	 * Listings of 10,000 VIPs grow buffers of tens of MB. Mapped on their
	 * own, such a buffer grows by mremap; from the heap (where glibc's
	 * moving threshold would put them after the first is freed) each
	 * doubling copies it, 10-20 ms of one callback.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	r = loop_new(&d.l);
	d.sfd = r ? -1 : signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r || d.sfd < 0 || loop_fd_add(d.l, d.sfd, EPOLLIN, on_signal, &d, "signals")) {
		log_errx("cannot set up the event loop: %s", strerror(r ? -r : errno));
		cfg_free(c);
		goto out;
	}
	snprintf(iface, sizeof(iface), "%s", c->iface);
	if (start(&d, c, &api))
		goto out;
	log_info("balancing; SIGINT or SIGTERM detaches and exits%s",
		 path ? ", SIGHUP reloads the config" : "");
	fflush(stderr);
	sd_notifyf(0, "READY=1\nSTATUS=balancing on %s\nMAINPID=%lu", iface, (unsigned long)getpid());
	loop_timer_init(&d.stats, on_stats, &d, "stats print");
	if (verbose)
		loop_timer_at(d.l, &d.stats, clock_ms() + (uint64_t)stats_interval * 1000);
	while (!d.stop)
		loop_run_once(d.l, -1);
	loop_timer_stop(d.l, &d.stats);
	/* a change under way finishes (and is answered); no new one starts */
	api_drain(api);
	deadline = clock_ms() + DRAIN_MS;
	while (!engine_idle(d.e) && clock_ms() < deadline)
		loop_run_once(d.l, 50);
	api_close(api);
	sd_notify(0, "STOPPING=1");
	log_info("%s received; %s %s", strsignal(d.stop), path ? "leaving" : "detaching from", iface);
	engine_print_stats(d.e, "total:");
	rc = engine_stop(d.e, path == NULL) ? 1 : 0;
out:
	if (d.sfd >= 0)
		close(d.sfd);
	loop_free(d.l);
	return rc;
}
