// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The API's request bodies on every resource that takes one (libFuzzer).
 * The first byte picks the resource, the rest is the body, read as
 * http.c reads it (json_loadb, any JSON value); then exactly what the route
 * does: the composition (api/compose.c), the config parser and checks of one
 * VIP (model_vip_parse) and the model's check against the others
 * (model_check), on a model of three VIPs.
 *
 *   0 POST /vips               1 PATCH /vips/web          2 PUT /vips/web
 *   3 POST /vips/web/backends  4 PATCH /vips/web/backends/198.18.178.11
 *   5 POST /maintenance        (its body's one key)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "config/config.h"
#include "config/json.h"
#include "config/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base[] =
	"interface: eth0\n"
	"vips:\n"
	"  - {name: web, address: 198.18.178.15, port: 80, protocol: tcp,\n"
	"     health_check: {type: http, path: /}, backends: [198.18.178.11, {address: 198.18.178.12, weight: 2}]}\n"
	"  - {name: web6, address: '2001:2::15', port: 80, backends: ['2001:2::11']}\n"
	"  - {name: dns, address: 198.18.178.15, port: 53, protocol: udp, scheduler: rr, backends: [198.18.178.11]}\n";

static struct model m;

static void once(void)
{
	static int done;
	struct cfg c;
	char *errors = NULL;

	if (done)
		return;
	done = 1;
	if (cfg_load_string("base.yaml", base, &c, &errors) || model_init(&m, &c))
		abort();
	free(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cfg_vip *web;
	json_t *body, *vipj = NULL, *next = NULL;
	struct cfg_vip *v = NULL;
	char err[512], *errors = NULL;
	const char *old = NULL;
	int op;

	once();
	if (!size)
		return 0;
	op = data[0] % 6;
	body = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
	if (!body)
		return 0; /* 400: not JSON */
	web = model_find(&m, "web");
	switch (op) {
	case 0:
		next = json_is_object(body) ? json_incref(body) : NULL;
		break;
	case 1:
	case 2:
		vipj = model_vip_json(web, false);
		next = json_is_object(body) ? api_compose_vip(vipj, body, op == 2, web->name) : NULL;
		old = web->name;
		break;
	case 3:
		vipj = model_vip_json(web, false);
		if (!api_compose_backend_add(vipj, body, err, sizeof(err)))
			next = json_incref(vipj);
		old = web->name;
		break;
	case 4:
		vipj = model_vip_json(web, false);
		if (!api_compose_backend_patch(vipj, "198.18.178.11", body, err, sizeof(err)))
			next = json_incref(vipj);
		old = web->name;
		break;
	case 5: /* {"enabled": bool} or 400: nothing else is read */
		(void)json_is_boolean(json_object_get(body, "enabled"));
		break;
	}
	if (next && !model_vip_parse(&m.c, next, &v, &errors)) {
		const char *field = NULL;

		model_check(&m, v, old, err, sizeof(err), &field);
		cfg_vip_free(v);
	}
	free(errors);
	json_decref(next);
	json_decref(vipj);
	json_decref(body);
	return 0;
}
