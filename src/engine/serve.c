// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What this balancer can serve, told to the routers (announce) and to
 * keepalived (the track file): see ha/ha.h. A VIP can be served while a
 * backend of it takes new flows (up, resolved, healthy, weight above 0). The
 * gate opens once the engine is ready (attached, every backend's MAC settled,
 * every health check answered for real, the peers' flows learned), and
 * closes for maintenance, kept in state_dir across restarts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/tables.h"
#include "ha/ha.h"
#include "lib/clock.h"
#include "lib/log.h"

/* How often readiness is looked at until it comes. */
#define READY_POLL_MS 100

static bool serving(const struct app_vip *v)
{
	for (int j = 0; v && j < v->nm; j++)
		if (v->m[j].out == OUT_NO && v->m[j].weight > 0 && v->m[j].state == BACKEND_UP &&
		    v->m[j].valid)
			return true;
	return false;
}

static void maintenance_path(const struct engine *e, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.maintenance", e->m.c.state_dir, e->m.c.iface);
}

void engine_serve_update(struct engine *e)
{
	enum ha_gate g = !e->ready ? HA_WAIT : e->maintenance ? HA_CLOSED : HA_OPEN;

	ha_gate(e->ha, g, e->m.c.nv, e->nserving);
	share_self(e);
}

/* A reload cannot change how this balancer takes part among several: that needs a restart. */
bool engine_serve_cfg_differs(const struct cfg *a, const struct cfg *b)
{
	const struct cfg_sync *x = &a->sync, *y = &b->sync;
	bool peers = x->npeers != y->npeers;

	for (int i = 0; i < x->npeers && !peers; i++)
		peers = strcmp(x->peers[i], y->peers[i]);
	return strcmp(a->state_dir, b->state_dir) || a->announce.table != b->announce.table ||
	       a->announce.withdraw_wait_ms != b->announce.withdraw_wait_ms ||
	       strcmp(a->vrrp.track_file, b->vrrp.track_file) || a->vrrp.vips_on_lo != b->vrrp.vips_on_lo ||
	       strcmp(x->listen, y->listen) || peers || strcmp(x->secret_file, y->secret_file) ||
	       strcmp(x->node, y->node) || x->learn_timeout_ms != y->learn_timeout_ms;
}

/* A change is over: what can be served now, and the exceptions it made, to the peers. */
void engine_serve_changed(struct engine *e)
{
	engine_serve_update(e);
	share_changed(e);
}

/* After a plan was applied: what each VIP of it now is (called before its commit). */
void engine_serve_vip(struct engine *e, const struct app_vip *old, const struct app_vip *next)
{
	/* an adopted VIP was never counted: the daemon before us counted it */
	bool was_in = old && !old->adopted, now_in = next != NULL;
	bool was = was_in && old->serving, now = serving(next);

	if (old && old->fp)
		e->fp_digest -= tables_fp_mix(old);
	if (next) {
		struct app_vip *n = (struct app_vip *)next;

		n->serving = now;
		n->fp = tables_fingerprint(next, e->m.c.hash_seed);
		if (n->fp)
			e->fp_digest += tables_fp_mix(next);
	}
	if (was_in != now_in)
		ha_use(e->ha, now_in ? &next->spec.addr : &old->spec.addr, now_in ? 1 : -1);
	if (was && (!now || addr_cmp(&old->spec.addr, &next->spec.addr))) {
		ha_serve(e->ha, &old->spec.addr, -1);
		e->nserving--;
	}
	if (now && (!was || addr_cmp(&old->spec.addr, &next->spec.addr))) {
		ha_serve(e->ha, &next->spec.addr, +1);
		e->nserving++;
	}
}

static void on_ready_poll(void *ctx)
{
	struct engine *e = ctx;
	size_t unsettled;
	int pending;

	if (e->ready)
		return;
	pending = resolver_pending(e->res);
	unsettled = health_unsettled(e->health);
	if (!e->attached || pending > 0 || unsettled > 0 || !engine_sync_learned(e)) {
		loop_timer_at(e->l, &e->ready_poll, clock_ms() + READY_POLL_MS);
		return;
	}
	e->ready = true;
	log_info("ready: every backend's MAC and health known%s; %s", e->sync ? ", the peers' flows learned" : "",
		 e->maintenance ? "in maintenance: announcing nothing" :
		 e->ha_on ? "announcing what can be served" : "serving");
	engine_serve_update(e);
}

int engine_serve_open(struct engine *e, char *err, size_t errlen)
{
	char path[512];
	struct stat st;
	int r;

	e->ha_on = e->m.c.announce.table || e->m.c.vrrp.track_file[0];
	maintenance_path(e, path, sizeof(path));
	e->maintenance = !stat(path, &st);
	loop_timer_init(&e->ready_poll, on_ready_poll, e, "engine: ready?");
	if (!e->ha_on)
		return 0;
	r = ha_open(&e->ha, &e->m.c, dp_adopted(e->dp), err, errlen);
	if (r)
		return r;
	if (e->maintenance)
		log_warnx("in maintenance (%s exists): this balancer announces nothing; dsrlb maintenance off ends it",
			  path);
	engine_serve_update(e);
	return 0;
}

/* Called once attached: readiness is looked at until it comes. */
void engine_serve_start(struct engine *e)
{
	loop_timer_at(e->l, &e->ready_poll, clock_ms());
}

void engine_serve_close(struct engine *e)
{
	if (e->l && e->ready_poll.fn) /* not set up when the engine failed before */
		loop_timer_stop(e->l, &e->ready_poll);
	ha_close(e->ha);
	e->ha = NULL;
}

int engine_maintenance(struct engine *e, bool on, char *err, size_t errlen)
{
	char path[512];

	maintenance_path(e, path, sizeof(path));
	if (on) {
		char dir[300];
		FILE *f;

		snprintf(dir, sizeof(dir), "%s", e->m.c.state_dir);
		if (mkdir(dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "cannot create state_dir %s: %s", dir, strerror(errno));
			return -errno;
		}
		f = fopen(path, "we");
		if (!f || fclose(f)) {
			snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
			return -errno;
		}
	} else if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
		return -errno;
	}
	if (e->maintenance != on)
		log_info(on ? "maintenance: withdrawing every VIP; what still arrives is forwarded" :
			      "maintenance over: announcing what can be served");
	e->maintenance = on;
	engine_serve_update(e);
	return 0;
}

bool engine_in_maintenance(const struct engine *e)
{
	return e->maintenance;
}

void engine_serve_status(const struct engine *e, struct engine_serve_status *out)
{
	struct ha_status hs;

	ha_status(e->ha, &hs);
	out->ready = e->ready;
	out->maintenance = e->maintenance;
	out->vips_serving = e->nserving;
	out->announcing = hs.announcing;
	out->announced = hs.announced;
	out->track = hs.track;
}
