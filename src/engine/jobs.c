// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine's changes, one at a time (see engine.h): an API change, a
 * reload, the re-plan of VIPs whose backends' health or MAC changed, and the
 * retirement of what changes left behind. Each is a job in a queue; the one
 * running plans on the loop, applies (apply.c: its waits go to the worker),
 * commits, and for an API change writes the VIP's file on the worker too,
 * undoing the change if the file cannot be written. Then the next one. The
 * model changes only in a job, so the worker may read it while one runs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/write.h"
#include "engine/engine_int.h"
#include "lib/clock.h"
#include "lib/log.h"

enum job_kind { JOB_CHANGE, JOB_RELOAD, JOB_REPLAN, JOB_RETIRE, JOB_ATTACH };
enum job_phase { PH_APPLY, PH_PERSIST, PH_UNDO };

struct job {
	struct engine *e;
	enum job_kind kind;
	enum job_phase phase;
	engine_done_fn done;
	void *ctx;
	struct job *next;
	/* JOB_CHANGE: v takes the place of the VIP named old; gone is the one it replaced */
	bool has_old;
	char old[CFG_NAME_MAX], undo_old[CFG_NAME_MAX];
	struct cfg_vip *v, *gone;
	char *persist;      /* the main config's path: write the VIP's file back */
	const char *origin; /* the file that holds the VIP (NULL: the main one) */
	struct worker_job wj;
	int wr;             /* the write's result, and why */
	char werr[600];
	/* JOB_RELOAD: the model it plans (moved into the engine once applied) */
	struct model nm;
	bool nm_owned;
	/* what is planned */
	struct plan_req req2[2], *req;
	int nreq;
	/* the result */
	const char *field;
	char err[1200];
};

static void job_applied(struct apply_run *run);

static void kick(struct engine *e)
{
	loop_timer_at(e->l, &e->kick, clock_ms());
}

static void job_free(struct job *j)
{
	cfg_vip_free(j->v);
	cfg_vip_free(j->gone);
	if (j->nm_owned)
		model_free(&j->nm);
	if (j->req != j->req2)
		free(j->req);
	free(j->persist);
	free(j);
}

/* The running job is over: its caller hears, and the next one may start. */
static void job_end(struct engine *e, int r)
{
	struct job *j = e->cur;
	struct engine_result res = { .r = r, .err = r ? j->err : NULL, .field = r ? j->field : NULL };

	e->cur = NULL;
	engine_serve_changed(e); /* the track file's count, the peers' exceptions */
	if (j->done)
		j->done(j->ctx, &res);
	job_free(j);
	kick(e);
}

/* After a change applied: ids given up are retired now or retried; the janitor runs later. */
static void retire_soon(struct engine *e)
{
	if (apply_pending(e->dp, &e->app))
		loop_timer_at(e->l, &e->pending, clock_ms() + 1000);
	else
		loop_timer_at(e->l, &e->pending, clock_ms() + 5000); /* the janitor for removed rings */
}

/* Plan the job's reqs against the applied state and apply them; job_applied follows. */
static void plan_apply(struct engine *e, struct job *j, const struct cfg *globals)
{
	struct plan_env env = { .globals = globals, .neigh = engine_env_neigh, .health_up = engine_env_health,
				.refuse = engine_env_refuse, .ctx = e };
	int r;

	engine_prefetch(e, j->req, j->nreq);
	r = plan_make(&e->plan, &e->app, &env, j->req, j->nreq);
	e->run = (struct apply_run){ .dp = e->dp, .a = &e->app, .p = &e->plan,
				     .w = j->kind == JOB_ATTACH ? NULL : e->w, .l = e->l,
				     .done = job_applied, .ctx = e };
	if (r) {
		snprintf(e->run.err, sizeof(e->run.err), "%s", e->plan.err);
		plan_free(&e->plan);
		e->run.r = r;
		job_applied(&e->run);
		return;
	}
	e->planned = true;
	apply_start(&e->run);
}

/* ---- one VIP's change --------------------------------------------------------------------- */

/* The reqs of one VIP's change (in place, or the old one out and the new one in), applied. */
static int change_plan(struct engine *e, struct job *j, const char *old, const struct cfg_vip *v)
{
	const struct cfg_vip *was = old ? model_find(&e->m, old) : NULL;
	int r;

	j->field = NULL;
	j->nreq = 0;
	j->req = j->req2;
	if (old && !was) {
		snprintf(j->err, sizeof(j->err), "no vip named '%s'", old);
		return -ENOENT;
	}
	r = model_check(&e->m, v, old, j->err, sizeof(j->err), &j->field);
	if (!r && model_prepare(&e->m, v)) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		r = -ENOMEM;
	}
	if (r)
		return r;
	if (was && v && vip_spec_eq(&was->spec, &v->spec)) {
		j->req[j->nreq++] = (struct plan_req){ .want = v, .old = &was->spec };
	} else {
		if (was)
			j->req[j->nreq++] = (struct plan_req){ .old = &was->spec };
		if (v)
			j->req[j->nreq++] = (struct plan_req){ .want = v };
	}
	plan_apply(e, j, &e->m.c);
	return 0;
}

/* On the worker: the file that holds the VIP, rendered from the model and written. */
static void persist_work(struct worker_job *wj)
{
	struct job *j = (struct job *)((char *)wj - offsetof(struct job, wj));

	j->wr = cfg_write_origin(&j->e->m.c, j->persist, j->origin, j->werr, sizeof(j->werr));
}

static void persisted(struct worker_job *wj)
{
	struct job *j = (struct job *)((char *)wj - offsetof(struct job, wj));
	struct engine *e = j->e;
	int r;

	if (!j->wr) {
		job_end(e, 0);
		return;
	}
	/* take it back: the engine then holds what the file says */
	j->phase = PH_UNDO;
	r = change_plan(e, j, j->undo_old[0] ? j->undo_old : NULL, j->gone);
	if (r) {
		log_errx("api: could not undo a change the file did not take: %s", j->err);
		snprintf(j->err, sizeof(j->err), "%s (and undoing the change failed; the file and the running state differ until the next reload)",
			 j->werr);
		job_end(e, -EIO);
	}
}

static void change_applied(struct engine *e, struct job *j, int r)
{
	struct cfg_vip *v = j->v;

	if (j->phase == PH_UNDO) {
		if (r) {
			log_errx("api: could not undo a change the file did not take: %s", j->err);
			snprintf(j->err, sizeof(j->err), "%s (and undoing the change failed: the file and the running state differ until the next reload)",
				 j->werr);
		} else {
			cfg_vip_free(model_commit(&e->m, j->undo_old[0] ? j->undo_old : NULL, j->gone));
			j->gone = NULL;
			snprintf(j->err, sizeof(j->err), "%s (the change was undone)", j->werr);
		}
		job_end(e, -EIO);
		return;
	}
	if (r) {
		job_end(e, r);
		return;
	}
	j->v = NULL; /* the model's now */
	j->gone = model_commit(&e->m, j->has_old ? j->old : NULL, v);
	if (!j->persist) {
		job_end(e, 0);
		return;
	}
	j->origin = v ? v->origin : j->gone ? j->gone->origin : NULL;
	snprintf(j->undo_old, sizeof(j->undo_old), "%s", v ? v->name : "");
	j->phase = PH_PERSIST;
	j->wj = (struct worker_job){ .work = persist_work, .done = persisted, .what = "write a VIP's file" };
	worker_run(e->w, &j->wj);
}

/* ---- a reload, a re-plan, a retirement ---------------------------------------------------- */

static int reload_start(struct engine *e, struct job *j)
{
	j->nreq = engine_all_reqs(e, &j->nm, &j->req);
	if (j->nreq < 0) {
		j->req = NULL;
		snprintf(j->err, sizeof(j->err), "out of memory");
		return -ENOMEM;
	}
	resolver_timeout(e->res, j->nm.c.resolve_timeout_ms);
	/* the planner reads the settings of the model it plans */
	plan_apply(e, j, &j->nm.c);
	return 0;
}

static void reload_applied(struct engine *e, struct job *j, int r)
{
	struct model old = e->m;

	if (r) {
		resolver_timeout(e->res, old.c.resolve_timeout_ms);
		job_end(e, r);
		return;
	}
	e->m = j->nm;
	e->m.version = old.version + 1;
	j->nm_owned = false;
	model_free(&old);
	engine_find_sources(e);
	job_end(e, 0);
}

static int replan_start(struct engine *e, struct job *j)
{
	j->req = calloc((size_t)e->ndirty + 1, sizeof(*j->req));
	if (!j->req) {
		loop_timer_at(e->l, &e->replan, clock_ms() + 1000);
		return -ENOMEM;
	}
	for (int i = 0; i < e->ndirty; i++) {
		const struct app_vip *v = e->app.vip[e->dirtyq[i]];
		const struct cfg_vip *want = v ? model_find(&e->m, v->name) : NULL;

		e->dirty[e->dirtyq[i]] = false;
		if (want && vip_spec_eq(&want->spec, &v->spec))
			j->req[j->nreq++] = (struct plan_req){ .want = want, .old = &v->spec };
	}
	e->ndirty = 0;
	if (!j->nreq)
		return 1; /* nothing left to do */
	plan_apply(e, j, &e->m.c);
	return 0;
}

static void replan_applied(struct engine *e, struct job *j, int r)
{
	if (r) {
		log_errx("cannot apply the health/neighbour change: %s (retrying in 1 s)", j->err);
		for (int i = 0; i < j->nreq; i++) {
			const struct app_vip *v = app_find(&e->app, j->req[i].old);

			if (v)
				engine_mark_dirty(e, v->id);
		}
		loop_timer_at(e->l, &e->replan, clock_ms() + 1000);
	}
	job_end(e, r);
}

static void retire_work(struct worker_job *wj)
{
	struct job *j = (struct job *)((char *)wj - offsetof(struct job, wj));

	dp_swap_run(&j->e->swap);
}

static void retired(struct worker_job *wj)
{
	struct job *j = (struct job *)((char *)wj - offsetof(struct job, wj));
	struct engine *e = j->e;

	dp_swap_finish(e->dp, &e->swap);
	job_end(e, 0);
}

/* Ids and keys given up, then removed VIPs' rings out (one batch, on the worker). */
static void retire_start(struct engine *e, struct job *j)
{
	int r = apply_pending(e->dp, &e->app);

	if (r == -EAGAIN || (r && r != -ENOMEM)) {
		loop_timer_at(e->l, &e->pending, clock_ms() + 1000);
		job_end(e, 0);
		return;
	}
	if (dp_rings_stage(e->dp, &e->swap) || !e->swap.n) {
		dp_swap_finish(e->dp, &e->swap);
		job_end(e, 0);
		return;
	}
	j->wj = (struct worker_job){ .work = retire_work, .done = retired, .what = "remove rings" };
	worker_run(e->w, &j->wj);
}

/* ---- the queue ------------------------------------------------------------------------------ */

static void job_applied(struct apply_run *run)
{
	struct engine *e = run->ctx;
	struct job *j = e->cur;
	int r = run->r;

	if (r)
		snprintf(j->err, sizeof(j->err), "%s", run->err);
	if (e->planned && (r == -ENOMEM || r == -EPERM)) {
		size_t n = strlen(j->err);

		/* the kernel's memory for maps: the cgroup's limit (or memlock, on old kernels) */
		snprintf(j->err + n, sizeof(j->err) - n,
			 " (the VIPs' tables would take %.1f MB in all; is the memory limit of dsrlb's cgroup, or its memlock limit, lower?)",
			 e->plan.table_bytes / 1048576.0);
	}
	if (e->planned) {
		if (r) {
			plan_abort(&e->plan, &e->app);
		} else {
			engine_after_apply(e, &e->plan);
			apply_commit(&e->app, &e->plan);
			engine_catch_up(e, &e->plan);
		}
		plan_free(&e->plan);
		e->planned = false;
		if (!r)
			retire_soon(e);
	}
	switch (j->kind) {
	case JOB_CHANGE:
		change_applied(e, j, r);
		break;
	case JOB_RELOAD:
		reload_applied(e, j, r);
		break;
	case JOB_REPLAN:
		replan_applied(e, j, r);
		break;
	default:
		job_end(e, r);
	}
}

static void job_start(struct engine *e, struct job *j)
{
	int r = 0;

	e->cur = j;
	switch (j->kind) {
	case JOB_CHANGE:
		r = change_plan(e, j, j->has_old ? j->old : NULL, j->v);
		break;
	case JOB_RELOAD: /* it may end (and free) j before it returns */
		r = reload_start(e, j);
		break;
	case JOB_ATTACH:
		j->nreq = engine_all_reqs(e, &e->m, &j->req);
		if (j->nreq < 0) {
			j->req = NULL;
			snprintf(j->err, sizeof(j->err), "out of memory");
			r = -ENOMEM;
		} else {
			plan_apply(e, j, &e->m.c);
		}
		break;
	case JOB_REPLAN:
		r = replan_start(e, j);
		if (r > 0)
			r = 0, job_end(e, 0);
		break;
	case JOB_RETIRE:
		retire_start(e, j);
		break;
	}
	if (r)
		job_end(e, r);
}

static struct job *job_new(struct engine *e, enum job_kind kind, engine_done_fn done, void *ctx)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->e = e;
	j->kind = kind;
	j->done = done;
	j->ctx = ctx;
	j->req = j->req2;
	return j;
}

static void enqueue(struct engine *e, struct job *j)
{
	*e->q_tail = j;
	e->q_tail = &j->next;
	kick(e);
}

/* The next job: the queue's first, else a re-plan that is due, else a retirement. */
static void on_kick(void *ctx)
{
	struct engine *e = ctx;
	struct job *j;

	if (e->cur)
		return;
	if (e->q) {
		j = e->q;
		e->q = j->next;
		if (!e->q)
			e->q_tail = &e->q;
		j->next = NULL;
		job_start(e, j);
		return;
	}
	if (e->replan_due && e->ndirty) {
		e->replan_due = false;
		if ((j = job_new(e, JOB_REPLAN, NULL, NULL)))
			job_start(e, j);
		else
			loop_timer_at(e->l, &e->replan, clock_ms() + 1000);
		return;
	}
	if (e->retire_due) {
		e->retire_due = false;
		if ((j = job_new(e, JOB_RETIRE, NULL, NULL)))
			job_start(e, j);
		else
			loop_timer_at(e->l, &e->pending, clock_ms() + 1000);
	}
}

static void on_replan(void *ctx)
{
	struct engine *e = ctx;

	e->replan_due = true;
	on_kick(e);
}

static void on_pending(void *ctx)
{
	struct engine *e = ctx;

	e->retire_due = true;
	on_kick(e);
}

void engine_jobs_init(struct engine *e)
{
	e->q_tail = &e->q;
	loop_timer_init(&e->kick, on_kick, e, "engine: next job");
	loop_timer_init(&e->replan, on_replan, e, "engine: re-plan");
	loop_timer_init(&e->pending, on_pending, e, "engine: retire");
}

void engine_jobs_close(struct engine *e)
{
	loop_timer_stop(e->l, &e->kick);
	loop_timer_stop(e->l, &e->replan);
	loop_timer_stop(e->l, &e->pending);
	worker_close(e->w); /* a job's wait in the kernel ends first */
	e->w = NULL;
	if (e->run.slice.fn)
		loop_timer_stop(e->l, &e->run.slice);
	if (e->planned) {
		plan_abort(&e->plan, &e->app);
		plan_free(&e->plan);
		e->planned = false;
	}
	if (e->cur)
		job_free(e->cur);
	e->cur = NULL;
	while (e->q) {
		struct job *j = e->q;

		e->q = j->next;
		job_free(j);
	}
	e->q_tail = &e->q;
}

/* ---- entry points ----------------------------------------------------------------------------- */

static bool needs_restart(const struct cfg *a, const struct cfg *b)
{
	return strcmp(a->iface, b->iface) || a->mode != b->mode || a->hash_seed != b->hash_seed ||
	       strcmp(a->pin_dir, b->pin_dir) || a->flow_size != b->flow_size ||
	       a->new_flows_per_sec != b->new_flows_per_sec || engine_serve_cfg_differs(a, b);
}

int engine_reload(struct engine *e, struct cfg *c, engine_done_fn done, void *ctx, char *err,
		  size_t errlen)
{
	struct job *j;

	if (needs_restart(&e->m.c, c)) {
		snprintf(err, errlen,
			 "interface, mode, hash_seed, pin_dir, flow_table.size, flow_table.new_flows_per_second, state_dir, announce, vrrp and sync need a restart to change; nothing was changed");
		cfg_free(c);
		return -EINVAL;
	}
	j = job_new(e, JOB_RELOAD, done, ctx);
	if (!j || model_init(&j->nm, c)) {
		free(j);
		cfg_free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	j->nm_owned = true;
	enqueue(e, j);
	return 0;
}

int engine_change(struct engine *e, const char *old, struct cfg_vip *v, const char *persist,
		  engine_done_fn done, void *ctx)
{
	struct job *j = job_new(e, JOB_CHANGE, done, ctx);

	if (!j || (persist && !(j->persist = strdup(persist)))) {
		free(j);
		cfg_vip_free(v);
		return -ENOMEM;
	}
	j->has_old = old != NULL;
	snprintf(j->old, sizeof(j->old), "%s", old ? old : "");
	j->v = v;
	enqueue(e, j);
	return 0;
}

struct attach_result {
	int r;
	char *err;
	size_t errlen;
};

static void attach_planned(void *ctx, const struct engine_result *res)
{
	struct attach_result *a = ctx;

	a->r = res->r;
	if (res->r)
		snprintf(a->err, a->errlen, "%s", res->err);
}

int engine_apply_all(struct engine *e, char *err, size_t errlen)
{
	struct attach_result a = { .r = -EINPROGRESS, .err = err, .errlen = errlen };
	struct job *j;

	if (e->cur || e->q) {
		snprintf(err, errlen, "the engine is busy");
		return -EBUSY;
	}
	j = job_new(e, JOB_ATTACH, attach_planned, &a);
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	job_start(e, j); /* no worker: it waits in place, and is over when this returns */
	return a.r;
}

bool engine_idle(const struct engine *e)
{
	return !e->cur && !e->q;
}

void engine_forget(struct engine *e, void *ctx)
{
	for (struct job *j = e->q; j; j = j->next)
		if (j->ctx == ctx)
			j->done = NULL;
	if (e->cur && e->cur->ctx == ctx)
		e->cur->done = NULL;
}
