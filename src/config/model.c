// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/model.h"
#include "lib/fault.h"

static int index_vip(struct model *m, struct cfg_vip *v)
{
	struct cfg_route r[2];
	int n = cfg_vip_routes(v, r), e = hmap_put(&m->names, v->name, strlen(v->name), v);

	for (int k = 0; k < n && !e; k++)
		e = hmap_put(&m->routes, &r[k], sizeof(r[k]), v);
	m->ids += cfg_vip_ids(v);
	return e;
}

static void unindex_vip(struct model *m, const struct cfg_vip *v)
{
	struct cfg_route r[2];
	int n = cfg_vip_routes(v, r);

	hmap_del(&m->names, v->name, strlen(v->name));
	for (int k = 0; k < n; k++)
		if (hmap_get(&m->routes, &r[k], sizeof(r[k])) == v)
			hmap_del(&m->routes, &r[k], sizeof(r[k]));
	m->ids -= cfg_vip_ids(v);
}

int model_init(struct model *m, struct cfg *c)
{
	memset(m, 0, sizeof(*m));
	if (hmap_reserve(&m->names, (size_t)c->nv + 1) ||
	    hmap_reserve(&m->routes, 2 * (size_t)c->nv + 2))
		goto fail;
	for (int i = 0; i < c->nv; i++)
		if (index_vip(m, c->vips[i]))
			goto fail;
	m->c = *c;
	memset(c, 0, sizeof(*c));
	m->version = 1;
	return 0;
fail:
	hmap_free(&m->names);
	hmap_free(&m->routes);
	return -ENOMEM;
}

void model_free(struct model *m)
{
	cfg_free(&m->c);
	hmap_free(&m->names);
	hmap_free(&m->routes);
	memset(m, 0, sizeof(*m));
}

struct cfg_vip *model_find(const struct model *m, const char *name)
{
	return hmap_get(&m->names, name, strlen(name));
}

int model_check(const struct model *m, const struct cfg_vip *v, const char *old, char *err,
		size_t errlen, const char **field)
{
	const struct cfg_vip *was = old ? model_find(m, old) : NULL, *o;
	struct cfg_route r[2];
	char a[ADDR_STRLEN];
	int n;
	long ids;

	*field = NULL;
	if (!v)
		return 0;
	o = model_find(m, v->name);
	if (o && o != was) {
		*field = "name";
		snprintf(err, errlen, "a vip named '%s' exists already", v->name);
		return -EEXIST;
	}
	n = cfg_vip_routes(v, r);
	for (int k = 0; k < n; k++) {
		o = hmap_get(&m->routes, &r[k], sizeof(r[k]));
		if (o && o != was) {
			*field = "address";
			snprintf(err, errlen, "vip '%s' duplicates vip '%s': both serve %s", v->name,
				 o->name, vip_spec_str(&v->spec, a, sizeof(a)));
			return -EINVAL;
		}
	}
	ids = m->ids - (was ? cfg_vip_ids(was) : 0) + cfg_vip_ids(v);
	if (ids > DSRLB_MAX_BACKENDS) {
		*field = "backends";
		snprintf(err, errlen, "%ld backends in all (at most %d: one id each that is not off)",
			 ids, DSRLB_MAX_BACKENDS);
		return -ENOSPC;
	}
	if (!was && m->c.nv >= DSRLB_MAX_VIPS) {
		*field = "name";
		snprintf(err, errlen, "%d vips already (at most %d)", m->c.nv, DSRLB_MAX_VIPS);
		return -ENOSPC;
	}
	return 0;
}

int model_prepare(struct model *m, const struct cfg_vip *v)
{
	(void)v;
	if (m->c.nv == m->c.capv) {
		int cap = m->c.capv ? m->c.capv * 2 : 16;
		void *p = frealloc(m->c.vips, sizeof(*m->c.vips) * (size_t)cap);

		if (!p)
			return -ENOMEM;
		m->c.vips = p;
		m->c.capv = cap;
	}
	if (fault_hit(FAULT_ALLOC) || hmap_reserve(&m->names, 1) || hmap_reserve(&m->routes, 2))
		return -ENOMEM;
	return 0;
}

struct cfg_vip *model_commit(struct model *m, const char *old, struct cfg_vip *v)
{
	struct cfg_vip *was = old ? model_find(m, old) : NULL;
	int at = -1;

	if (was) {
		for (int i = 0; i < m->c.nv && at < 0; i++)
			if (m->c.vips[i] == was)
				at = i;
		unindex_vip(m, was);
	}
	if (v) {
		if (at >= 0)
			m->c.vips[at] = v;
		else
			m->c.vips[m->c.nv++] = v; /* room made by model_prepare */
		index_vip(m, v);              /* nor can this fail: reserved */
	} else if (at >= 0) {
		memmove(&m->c.vips[at], &m->c.vips[at + 1],
			sizeof(*m->c.vips) * (size_t)(m->c.nv - at - 1));
		m->c.nv--;
	}
	m->version++;
	return was;
}
