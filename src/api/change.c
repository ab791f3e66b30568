// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A change through the API: the body is parsed by the config file's own
 * parser and checks, applied by the engine (planned for the one VIP it
 * touches), then written back to the one file that holds that VIP. If the
 * file cannot be written, the engine takes the VIP back: model, data plane
 * and file stay as they were.
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

static unsigned status_of(int r)
{
	return r == -EEXIST || r == -ENOSPC ? 409 : r == -EINVAL ? 400 : r == -ENOENT ? 404 :
	       r == -ENOMEM ? 500 : 409;
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

enum MHD_Result api_change(struct api *a, struct MHD_Connection *c, const char *old_name,
			   json_t *vipj, unsigned ok_status, json_t *answer)
{
	const struct model *m = engine_model(a->e);
	const struct cfg_vip *was = old_name ? model_find(m, old_name) : NULL;
	struct cfg_vip *v = NULL, *gone = NULL, *back = NULL;
	char *errors = NULL, err[1024], old[CFG_NAME_MAX] = "", e2[512];
	const char *field = NULL, *origin, *gone_origin;
	enum MHD_Result res;
	int r;

	if (old_name)
		snprintf(old, sizeof(old), "%s", old_name); /* the VIP it names goes away below */
	if (vipj && model_vip_parse(&m->c, vipj, &v, &errors)) {
		res = send_error(c, 400, error_field(errors), "%s", errors);
		free(errors);
		json_decref(answer);
		return res;
	}
	if (v) {
		origin = origin_for(a, was, v->name);
		if (!was && m->c.vips_dir[0] && !origin) {
			cfg_vip_free(v);
			json_decref(answer);
			return send_error(c, 500, NULL, "out of memory");
		}
		v->origin = origin;
	}
	r = engine_change(a->e, old_name ? old : NULL, v, &gone, err, sizeof(err), &field);
	if (r) {
		json_decref(answer);
		return send_error(c, status_of(r), field ? field : r == -EINVAL ? error_field(err) : NULL,
				  "%s", err);
	}
	/* v is the engine's now; write the file that holds it (or held what was deleted) */
	gone_origin = gone ? gone->origin : NULL;
	m = engine_model(a->e);
	r = cfg_write_origin(&m->c, a->path, v ? v->origin : gone_origin, err, sizeof(err));
	if (r) {
		/* take it back: the engine then holds what the file says */
		const char *f2;

		if (engine_change(a->e, v ? v->name : NULL, gone, &back, e2, sizeof(e2), &f2))
			log_errx("api: could not undo a change the file did not take: %s", e2);
		cfg_vip_free(back);
		json_decref(answer);
		return send_error(c, 500, NULL, "%s (the change was undone)", err);
	}
	cfg_vip_free(gone);
	log_info("api: %s", json_string_value(json_object_get(answer, "done")));
	return send_json(c, ok_status, answer);
}
