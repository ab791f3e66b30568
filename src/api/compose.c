// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a request body makes of a VIP, before the config parser sees it:
 * the JSON the API's resources hand to api_change(). Pure (no connection, no
 * engine), so that the fuzzer (tests/fuzz/fuzz_api.c) drives exactly what
 * the routes do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "lib/addr.h"

/* The index of the backend at addr in a VIP's "backends" (-1: none). */
int api_backend_index(const json_t *backends, const struct dsrlb_addr *addr)
{
	size_t i;
	json_t *b;

	json_array_foreach(backends, i, b) {
		const json_t *s = json_is_object(b) ? json_object_get(b, "address") : b;
		struct dsrlb_addr x;

		if (json_is_string(s) && !addr_parse(json_string_value(s), &x) && !addr_cmp(&x, addr))
			return (int)i;
	}
	return -1;
}

json_t *api_compose_vip(json_t *vipj, const json_t *body, bool replace, const char *name)
{
	json_t *next;

	if (!json_is_object(body))
		return NULL;
	if (replace) { /* PUT: what the body does not say is default */
		next = json_deep_copy(body);
		if (next && !json_object_get(next, "name"))
			json_object_set_new(next, "name", json_string(name));
		return next;
	}
	next = json_deep_copy(vipj);
	if (next)
		json_object_update(next, (json_t *)body);
	return next;
}

int api_compose_backend_add(json_t *vipj, const json_t *body, char *err, size_t errlen)
{
	json_t *bs = json_object_get(vipj, "backends");
	const json_t *ad = json_is_string(body) ? body : json_object_get(body, "address");
	struct dsrlb_addr x;

	if (!json_is_object(body) && !json_is_string(body)) {
		snprintf(err, errlen, "the body must be a backend: {\"address\": ..., \"weight\": ...} or an address");
		return -EINVAL;
	}
	if (json_is_string(ad) && !addr_parse(json_string_value(ad), &x) && api_backend_index(bs, &x) >= 0) {
		snprintf(err, errlen, "backend %s is in the vip already (PATCH it to change it)",
			 json_string_value(ad));
		return -EEXIST;
	}
	return json_array_append(bs, (json_t *)body) ? -ENOMEM : 0;
}

int api_compose_backend_patch(json_t *vipj, const char *baddr, const json_t *body, char *err,
			      size_t errlen)
{
	json_t *bs = json_object_get(vipj, "backends"), *ba, *nb;
	struct dsrlb_addr x, y;
	int bi;

	if (addr_parse(baddr, &x)) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", baddr);
		return -EINVAL;
	}
	bi = api_backend_index(bs, &x);
	if (bi < 0) {
		snprintf(err, errlen, "the vip has no backend %s", baddr);
		return -ENOENT;
	}
	if (!json_is_object(body)) {
		snprintf(err, errlen, "the body must be a JSON object of the keys to change (weight, state, health_check)");
		return -EINVAL;
	}
	ba = json_object_get(body, "address");
	if (ba && (!json_is_string(ba) || addr_parse(json_string_value(ba), &y) || addr_cmp(&x, &y))) {
		snprintf(err, errlen, "a backend's address cannot change; add the new one and delete %s", baddr);
		return -EINVAL;
	}
	nb = json_array_get(bs, (size_t)bi);
	nb = json_is_string(nb) ? json_pack("{s:O}", "address", nb) : json_deep_copy(nb);
	if (!nb)
		return -ENOMEM;
	json_object_update(nb, (json_t *)body);
	json_array_set_new(bs, (size_t)bi, nb);
	return 0;
}
