// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The checks that span keys and VIPs. Each VIP is checked alone
 * (cfg_vip_validate, which the API runs on the one VIP it changes); names
 * and services are checked across VIPs through indexes, so 10,000 VIPs cost
 * 10,000 lookups, not 50 million comparisons.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine/maglev.h"
#include "lib/hmap.h"

const char *cfg_addr_unusable(const struct dsrlb_addr *a)
{
	static const uint8_t zero[16];
	const uint8_t *b = a->bytes;

	if (a->family == DSRLB_AF_INET) {
		if (!memcmp(b, zero, 4) || b[0] == 0)
			return "unspecified (0.0.0.0/8)";
		if (b[0] == 127)
			return "a loopback address";
		if (b[0] >= 224 && b[0] <= 239)
			return "a multicast address";
		if (b[0] >= 240)
			return b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255 ?
				       "the broadcast address" : "reserved (240.0.0.0/4)";
		if (b[0] == 169 && b[1] == 254)
			return "link-local";
		return NULL;
	}
	if (!memcmp(b, zero, 16))
		return "unspecified (::)";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "the loopback address";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if (!memcmp(b, zero, 10) && b[10] == 0xff && b[11] == 0xff)
		return "an IPv4-mapped address (write the IPv4 address)";
	return NULL;
}

int cfg_vip_ids(const struct cfg_vip *v)
{
	int n = 0;

	for (int j = 0; j < v->nb; j++)
		n += v->b[j].state != BACKEND_OFF;
	return n;
}

int cfg_vip_routes(const struct cfg_vip *v, struct cfg_route out[2])
{
	int n = 0;

	for (int p = 0; p < 2; p++) {
		unsigned bit = p ? VIP_PROTO_UDP : VIP_PROTO_TCP;

		if (!(v->spec.protos & bit))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].family = v->spec.addr.family;
		out[n].proto = p ? IPPROTO_UDP : IPPROTO_TCP;
		out[n].port = v->spec.port;
		memcpy(out[n].addr, v->spec.addr.bytes, 16);
		n++;
	}
	return n;
}

void cfg_vip_validate(const struct cfg *c, const struct cfg_vip *v, struct cfg_errs *e)
{
	uint32_t size = cfg_vip_table_size(c, v);
	char a[ADDR_STRLEN];
	const char *why;

	if (v->spec.addr.family && (why = cfg_addr_unusable(&v->spec.addr)))
		cfg_err(e, v->line, v->col, "vip '%s': its address %s is %s; a VIP is a unicast address",
			v->name, addr_str(&v->spec.addr, a, sizeof(a)), why);
	if ((v->sched == CFG_SCHED_RR || v->sched == CFG_SCHED_WRR || v->sched == CFG_SCHED_LC) && !c->flow_size)
		cfg_err(e, v->line, v->col,
			"vip '%s': scheduler %s decides when a flow starts and needs the flow table (flow_table size > 0)",
			v->name, cfg_sched_name(v->sched));
	else if ((v->sched == CFG_SCHED_RR || v->sched == CFG_SCHED_WRR || v->sched == CFG_SCHED_LC) &&
		 v->stateless)
		cfg_err(e, v->line, v->col,
			"vip '%s': scheduler %s decides when a flow starts and needs the flow table; flow_table: off is for maglev and sh",
			v->name, cfg_sched_name(v->sched));
	if (v->sched == CFG_SCHED_WRR) {
		uint32_t g = 0, bound = v->table_size ? v->table_size :
					c->table_size ? c->table_size : DSRLB_RING_SIZE_MAX;
		uint64_t sum = 0;

		for (int j = 0; j < v->nb; j++)
			g = maglev_gcd(g, v->b[j].weight);
		for (int j = 0; j < v->nb && g; j++)
			sum += v->b[j].weight / g;
		if (sum > bound)
			cfg_err(e, v->line, v->col,
				"vip '%s': wrr weights reduce to a sequence of %llu, more than %u slots; use smaller weights",
				v->name, (unsigned long long)sum, bound);
	}
	if ((v->sched == CFG_SCHED_MAGLEV || v->sched == CFG_SCHED_SH) && v->nb > (int)size)
		cfg_err(e, v->line, v->col, "vip '%s' has %d backends, more than its table_size %u",
			v->name, v->nb, size);
	for (int j = 0; j < v->nb; j++) {
		const struct cfg_backend *b = &v->b[j];
		const struct cfg_check *k = cfg_backend_check(v, b);
		unsigned need = k->type == CHECK_UDP ? VIP_PROTO_UDP : VIP_PROTO_TCP;

		if (b->addr.family && (why = cfg_addr_unusable(&b->addr)))
			cfg_err(e, b->line, b->col, "vip '%s': backend %s is %s; a backend is a unicast address",
				v->name, addr_str(&b->addr, a, sizeof(a)), why);
		else if (!addr_cmp(&b->addr, &v->spec.addr))
			cfg_err(e, b->line, b->col,
				"vip '%s': backend %s is the VIP's own address (a backend is another host)",
				v->name, addr_str(&b->addr, a, sizeof(a)));
		if (k->type == CHECK_NONE)
			continue;
		if (!k->port && !v->spec.port)
			cfg_err(e, b->line, b->col,
				"vip '%s': a %s health check needs health_check.port (the VIP serves every port)",
				v->name, cfg_check_name(k->type));
		if (!(v->spec.protos & need))
			cfg_err(e, b->line, b->col,
				"vip '%s' does not serve %s, so a %s health check cannot reach it", v->name,
				need == VIP_PROTO_UDP ? "udp" : "tcp", cfg_check_name(k->type));
	}
}

void cfg_validate_into(const struct cfg *c, struct cfg_errs *e)
{
	struct hmap names = {}, routes = {};
	char a[ADDR_STRLEN];
	long ids = 0;

	for (int i = 0; i < c->nv; i++) {
		const struct cfg_vip *v = c->vips[i], *o;
		struct cfg_route r[2];
		int nr = cfg_vip_routes(v, r);

		ids += cfg_vip_ids(v);
		cfg_vip_validate(c, v, e);
		o = hmap_get(&names, v->name, strlen(v->name));
		if (o && v->name[0])
			cfg_err(e, v->line, v->col, "vip name '%s' is used twice (first on line %d)",
				v->name, o->line);
		else if (v->name[0])
			hmap_put(&names, v->name, strlen(v->name), (void *)v);
		for (int k = 0; k < nr; k++) {
			char where[24] = "";

			o = hmap_get(&routes, &r[k], sizeof(r[k]));
			if (!o) {
				hmap_put(&routes, &r[k], sizeof(r[k]), (void *)v);
				continue;
			}
			if (k == 1 && nr == 2 && o == hmap_get(&routes, &r[0], sizeof(r[0])))
				continue; /* the same pair of VIPs, said once */
			if (o->line)
				snprintf(where, sizeof(where), " (line %d)", o->line);
			cfg_err(e, v->line, v->col, "vip '%s' duplicates vip '%s'%s: both serve %s",
				v->name, o->name, where, vip_spec_str(&v->spec, a, sizeof(a)));
		}
	}
	if (ids > DSRLB_MAX_BACKENDS)
		cfg_err(e, 0, 0, "%ld backends in all (at most %d: one id each that is not off)", ids,
			DSRLB_MAX_BACKENDS);
	hmap_free(&names);
	hmap_free(&routes);
}

int cfg_validate(const struct cfg *c, const char *name, char **errors)
{
	struct cfg_errs e = { .name = name };

	cfg_validate_into(c, &e);
	*errors = cfg_errs_text(&e);
	return e.n;
}
