// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "lib/addr.h"
#include "engine/engine_int.h"
#include "engine/trace.h"
#include "lib/clock.h"

int engine_trace_fd(struct engine *e)
{
	return dp_trace_fd(e->dp);
}

void engine_trace_enable(struct engine *e, bool on)
{
	dp_trace_enable(e->dp, on);
}

uint64_t engine_trace_lost(struct engine *e)
{
	return dp_trace_lost(e->dp);
}

int engine_trace_vip(struct engine *e, const char *name)
{
	const struct cfg_vip *cv = model_find(&e->m, name);
	const struct app_vip *v = cv ? app_find(&e->app, &cv->spec) : NULL;

	return v ? (int)v->id : -1;
}

bool engine_trace_vip_is(struct engine *e, int vip_id, const char *name)
{
	return vip_id >= 0 && vip_id < DSRLB_MAX_VIPS && e->app.vip[vip_id] &&
	       !strcmp(e->app.vip[vip_id]->name, name);
}

static void ev_addr(const struct dsrlb_trace_event *ev, const uint8_t *bytes,
		    struct dsrlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ev->family;
	memcpy(a->bytes, bytes, ev->family == DSRLB_AF_INET ? 4 : 16);
}

bool engine_trace_match(struct engine *e, const struct dsrlb_trace_event *ev, int vip_id)
{
	struct dsrlb_addr d;
	const struct app_vip *v;

	if (vip_id < 0)
		return true;
	if (ev->vip != DSRLB_VIP_NONE)
		return ev->vip == (uint32_t)vip_id;
	v = e->app.vip[vip_id];
	ev_addr(ev, ev->daddr, &d);
	return v && !addr_cmp(&v->spec.addr, &d);
}

static const char *const kinds[] = {
	[DSRLB_T_NEW] = "new",
	[DSRLB_T_REPLACED] = "replaced",
	[DSRLB_T_UNKEPT] = "unkept",
	[DSRLB_T_DROP] = "drop",
	[DSRLB_T_ICMP] = "icmp",
};

/* "addr:port" ([v6]:port), or the address alone when the port is unknown. */
static void endpoint(const struct dsrlb_trace_event *ev, const uint8_t *bytes, uint16_t port,
		     char *out, size_t size)
{
	struct dsrlb_addr a;
	char s[ADDR_STRLEN];

	ev_addr(ev, bytes, &a);
	addr_str(&a, s, sizeof(s));
	if (!ev->ports)
		snprintf(out, size, "%s", s);
	else if (ev->family == DSRLB_AF_INET6)
		snprintf(out, size, "[%s]:%u", s, port);
	else
		snprintf(out, size, "%s:%u", s, port);
}

json_t *engine_trace_json(struct engine *e, const struct dsrlb_trace_event *ev)
{
	static const char *const reasons[] = DSRLB_REASON_NAMES;
	const struct app_vip *v = ev->vip < DSRLB_MAX_VIPS ? e->app.vip[ev->vip] : NULL;
	char from[ADDR_STRLEN + 8], to[ADDR_STRLEN + 8], b[ADDR_STRLEN];
	double t = clock_wall(ev->ns); /* the record's monotonic time, as wall-clock time */
	json_t *j;

	endpoint(ev, ev->saddr, ntohs((uint16_t)(ev->ports & 0xffff)), from, sizeof(from));
	endpoint(ev, ev->daddr, ntohs((uint16_t)(ev->ports >> 16)), to, sizeof(to));
	j = json_pack("{s:f, s:s, s:s?, s:s, s:s, s:s}", "time", t, "event",
		      ev->kind < sizeof(kinds) / sizeof(kinds[0]) && kinds[ev->kind] ?
			      kinds[ev->kind] : "unknown",
		      "vip", v ? v->name : NULL, "protocol",
		      ev->proto == IPPROTO_TCP ? "tcp" : ev->proto == IPPROTO_UDP ? "udp" : "other",
		      "client", from, "to", to);
	if (!j)
		return NULL;
	if (ev->kind == DSRLB_T_DROP) {
		json_object_set_new(j, "reason",
				    json_string(ev->reason < DSRLB_R__MAX ? reasons[ev->reason] :
									      "unknown"));
		return j;
	}
	for (int i = 0; v && i < v->nm; i++) {
		if (v->m[i].id != ev->backend)
			continue;
		json_object_set_new(j, "backend", json_string(addr_str(&v->m[i].addr, b, sizeof(b))));
		return j;
	}
	/* the backend left the model after the record was written */
	json_object_set_new(j, "backend", json_sprintf("id %u (since removed)", ev->backend));
	return j;
}
