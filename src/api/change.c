// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A change through the API: the body is parsed by the config file's own
 * parser and checks, then handed to the engine, which applies it (planned
 * for the one VIP it touches) and writes back the one file that holds that
 * VIP, taking the change back if the file cannot be written: model, data
 * plane and file stay as they were. Meanwhile the connection is suspended
 * and the loop serves everyone else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "config/json.h"
#include "config/write.h"
#include "engine/engine.h"
#include "lib/log.h"

struct pending_change {
	struct api *a;
	struct MHD_Connection *c;
	struct req *rq;
	unsigned ok_status;
	json_t *answer;
	struct pending_change *next;
};

/*
 * An answer names the first few errors and counts the rest: a body that
 * repeats one mistake thousands of times gets a short answer, whole.
 */
#define ANSWER_ERRORS 5
/* How much of errors to keep (*tail then says how many more there were; "" if none). */
static int cap_errors(const char *errors, char *tail, size_t len)
{
	const char *p = errors, *cut = NULL, *last = errors;
	unsigned long k;
	int lines = 0;

	tail[0] = 0;
	for (; p && *p; lines++) {
		if (lines == ANSWER_ERRORS)
			cut = p;
		last = p;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!cut)
		return (int)strlen(errors);
	/* the parser's own cap: "... and K more errors" on the last line */
	if (sscanf(last, "... and %lu more errors", &k) == 1)
		k += (unsigned long)(lines - ANSWER_ERRORS - 1);
	else
		k = (unsigned long)(lines - ANSWER_ERRORS);
	snprintf(tail, len, "... and %lu more errors", k);
	return (int)(cut - errors);
}

static unsigned status_of(int r)
{
	return r == -EEXIST || r == -ENOSPC ? 409 : r == -EINVAL ? 400 : r == -ENOENT ? 404 :
	       r == -ENOMEM || r == -EIO ? 500 : 409;
}

/* The file a VIP is kept in: where it was, or for a new one its own in vips_dir, or the main file. */
static const char *origin_for(struct api *a, const struct cfg_vip *was, const char *name)
{
	char path[4200];

	if (was)
		return was->origin;
	if (cfg_vip_file(&engine_model(a->e)->c, name, path, sizeof(path)))
		return NULL;
	return engine_origin(a->e, path);
}

static void unlink_change(struct pending_change *pc)
{
	for (struct pending_change **p = &pc->a->changes; *p; p = &(*p)->next)
		if (*p == pc) {
			*p = pc->next;
			break;
		}
}

/* The answer goes with the connection's next call from MHD. */
static void answer(struct pending_change *pc, unsigned status, json_t *j)
{
	pc->rq->status = status;
	pc->rq->answer = j;
	MHD_resume_connection(pc->c);
	api_kick(pc->a);
	unlink_change(pc);
	free(pc);
}

static void on_changed(void *ctx, const struct engine_result *res)
{
	struct pending_change *pc = ctx;
	json_t *j;

	if (res->r) {
		const char *field = res->field ? res->field :
				    res->r == -EINVAL ? error_field(res->err) : NULL;

		json_decref(pc->answer);
		answer(pc, status_of(res->r), error_json(field, res->err));
		return;
	}
	log_info("api: %s", json_string_value(json_object_get(pc->answer, "done")));
	j = pc->answer;
	pc->answer = NULL;
	answer(pc, pc->ok_status, j);
}

enum MHD_Result api_change(const struct call *k, const char *old_name, json_t *vipj,
			   unsigned ok_status, json_t *ans)
{
	struct api *a = k->a;
	const struct model *m = engine_model(a->e);
	const struct cfg_vip *was = old_name ? model_find(m, old_name) : NULL;
	struct pending_change *pc;
	struct cfg_vip *v = NULL;
	char *errors = NULL;
	enum MHD_Result res;

	if (a->draining) {
		json_decref(ans);
		return send_error(k->c, 503, NULL, "the daemon is stopping; try again when it is back");
	}
	if (vipj && model_vip_parse(&m->c, vipj, &v, &errors)) {
		char tail[64];
		int keep = cap_errors(errors, tail, sizeof(tail));

		res = send_error(k->c, 400, error_field(errors), "%.*s%s", keep, errors, tail);
		free(errors);
		json_decref(ans);
		return res;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		goto oom;
	if (v) {
		v->origin = origin_for(a, was, v->name);
		if (!was && m->c.vips_dir[0] && !v->origin)
			goto oom;
	}
	*pc = (struct pending_change){ .a = a, .c = k->c, .rq = k->rq, .ok_status = ok_status,
				       .answer = ans };
	if (engine_change(a->e, old_name, v, a->path, on_changed, pc)) {
		v = NULL; /* freed by the engine */
		goto oom;
	}
	pc->next = a->changes;
	a->changes = pc;
	MHD_suspend_connection(k->c);
	return MHD_YES;
oom:
	free(pc);
	cfg_vip_free(v);
	json_decref(ans);
	return send_error(k->c, 500, NULL, "out of memory");
}

void api_drain(struct api *a)
{
	if (a)
		a->draining = true;
}

void api_changes_close(struct api *a)
{
	while (a->changes) {
		struct pending_change *pc = a->changes;

		engine_forget(a->e, pc);
		json_decref(pc->answer);
		answer(pc, 503, error_json(NULL, "the daemon stopped before the change was done"));
	}
}
