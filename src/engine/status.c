// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "config/json.h"
#include "engine/engine_int.h"
#include "engine/status.h"

const struct app_vip *engine_app_vip(const struct engine *e, const struct vip_spec *s)
{
	return app_find(&e->app, s);
}

static json_t *flow_table_json(const struct engine *e)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "size", (json_int_t)e->m.c.flow_size,
			 "entries", (json_int_t)e->live, "hits", (json_int_t)e->fstats[DSRLB_FS_HIT],
			 "new", (json_int_t)e->fstats[DSRLB_FS_NEW], "refused",
			 (json_int_t)e->fstats[DSRLB_FS_REFUSED], "placed_again",
			 (json_int_t)e->fstats[DSRLB_FS_REPLACED]);
}

json_t *engine_summary_json(const struct engine *e)
{
	json_t *o = json_object();
	long nb = 0;

	for (int i = 0; i < e->m.c.nv; i++)
		nb += e->m.c.vips[i]->nb;
	json_object_set_new(o, "interface", json_string(e->m.c.iface));
	json_object_set_new(o, "mode", json_string(engine_mode(e)));
	json_object_set_new(o, "vips", json_integer(e->m.c.nv));
	json_object_set_new(o, "backends", json_integer(nb));
	json_object_set_new(o, "table_bytes", json_integer((json_int_t)e->app.table_bytes));
	json_object_set_new(o, "table_memory", json_integer((json_int_t)e->m.c.table_memory));
	if (e->m.c.flow_size)
		json_object_set_new(o, "flow_table", flow_table_json(e));
	{
		struct engine_serve_status ss;

		engine_serve_status(e, &ss);
		json_object_set_new(o, "ready", json_boolean(ss.ready));
		json_object_set_new(o, "maintenance", json_boolean(ss.maintenance));
		json_object_set_new(o, "vips_serving", json_integer(ss.vips_serving));
		if (ss.announcing)
			json_object_set_new(o, "announce", json_pack("{s:I, s:i}", "table",
					    (json_int_t)e->m.c.announce.table, "announced", ss.announced));
		if (e->m.c.vrrp.track_file[0])
			json_object_set_new(o, "vrrp", json_pack("{s:s, s:i}", "track_file",
					    e->m.c.vrrp.track_file, "track", ss.track));
	}
	return o;
}
