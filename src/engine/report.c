// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What the engine says in the log: at start, after each change, at stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "ha/ha.h"
#include "lib/log.h"
#include "net/ifaddr.h"

/* Is the VIP an address of the interface? If not, no router will send it to us. */
void engine_warn_not_local(const struct engine *e)
{
	struct if_addr *a;
	int n = ifaddr_list(e->m.c.iface, &a), said = 0, more = 0;
	char s[ADDR_STRLEN];

	if (n < 0 || ha_vips_on_lo(&e->m.c))
		return; /* cannot tell, or on lo by design (routers or keepalived bring the traffic): do not warn */
	for (int v = 0; v < e->m.c.nv; v++) {
		const struct dsrlb_addr *x = &e->m.c.vips[v]->spec.addr;
		bool dup = false;

		if (ifaddr_has(a, n, x))
			continue;
		for (int w = 0; w < v && !dup; w++)
			dup = !addr_cmp(&e->m.c.vips[w]->spec.addr, x);
		if (dup)
			continue;
		if (said++ >= START_LINES) {
			more++;
			continue;
		}
		addr_str(x, s, sizeof(s));
		log_warnx("VIP %s is not an address of %s, so nothing on the LAN will resolve it to this balancer; add it: ip addr add %s/%d dev %s%s",
			  s, e->m.c.iface, s, x->family == DSRLB_AF_INET ? 32 : 128, e->m.c.iface,
			  x->family == DSRLB_AF_INET6 ? " nodad" : "");
	}
	if (more)
		log_warnx("... and %d more VIP addresses that are not on %s", more, e->m.c.iface);
	free(a);
}

void engine_log_changes(const struct plan_vip *pv)
{
	const struct app_vip *o = pv->old, *n = pv->next;
	char a[ADDR_STRLEN];

	if (o && !n) {
		log_info("vip '%s' (%s) removed", o->name, vip_spec_str(&o->spec, a, sizeof(a)));
		return;
	}
	if (!o) {
		log_info("vip '%s' (%s) added with %d backends", n->name,
			 vip_spec_str(&n->spec, a, sizeof(a)), n->nm);
	}
	for (int j = 0; o && j < n->nm; j++) {
		const struct app_member *nb = &n->m[j];
		const struct app_member *ob = pv->om[j] >= 0 ? &o->m[pv->om[j]] : NULL;
		bool adopted = o->adopted;

		addr_str(&nb->addr, a, sizeof(a));
		if (!ob && !adopted)
			log_info("vip '%s': backend %s added (%s, weight %u)", n->name, a,
				 cfg_state_name(nb->state), nb->cfg_weight);
		else if (ob && !adopted && (ob->state != nb->state || ob->cfg_weight != nb->cfg_weight))
			log_info("vip '%s': backend %s %s weight %u -> %s weight %u", n->name, a,
				 cfg_state_name(ob->state), ob->cfg_weight, cfg_state_name(nb->state),
				 nb->cfg_weight);
		if (ob && (ob->out == OUT_HEALTH || ob->out == OUT_NEIGH) != (nb->out == OUT_HEALTH || nb->out == OUT_NEIGH) &&
		    !(adopted && !nb->out))
			log_warnx("vip '%s': backend %s %s", n->name, a,
				  nb->out ? "taken out of new-flow scheduling (established flows stay)" :
					    "takes new flows again");
	}
	for (int j = 0; o && !o->adopted && j < o->nm; j++) {
		if (!app_member_find(n, &o->m[j].addr))
			log_info("vip '%s': backend %s removed", n->name,
				 addr_str(&o->m[j].addr, a, sizeof(a)));
	}
	bool wanted = false, takes = false, resolving = false;

	for (int j = 0; j < n->nm; j++) {
		wanted |= n->m[j].cfg_weight > 0;
		takes |= n->m[j].weight > 0;
		resolving |= n->m[j].out == OUT_RESOLVING && n->m[j].cfg_weight;
	}
	if (n->kept[0] && (!o || strcmp(o->kept, n->kept)))
		log_errx("vip '%s': EVERY backend is down; keeping %s, the last to fail, in the table (all_down: keep)",
			 n->name, n->kept);
	else if (wanted && !takes && !resolving && (!o || o->size))
		log_errx("vip '%s': EVERY backend is down; its new flows are dropped (%s)", n->name,
			 n->all_down_drop ? "all_down: drop" : "no backend has a MAC");
	else if (!wanted && (!o || o->size))
		log_warnx("vip '%s' has no backend that takes new flows: its new flows are dropped (all drained, off or weight 0)",
			  n->name);
}

void engine_log_started(const struct engine *e)
{
	char m[18], a[ADDR_STRLEN], line[2048];
	int said = 0;

	log_info("attached to %s (%s mode, MAC %s)", e->m.c.iface,
		 e->used == DP_MODE_SKB ? "skb" : "native", mac_str(e->ifmac, m, sizeof(m)));
	for (int v = 0; v < DSRLB_MAX_VIPS && said < START_LINES; v++) {
		const struct app_vip *vp = e->app.vip[v];
		size_t off;

		if (!vp)
			continue;
		said++;
		off = (size_t)snprintf(line, sizeof(line), "VIP %s (%s, %s) ->",
				       vip_spec_str(&vp->spec, a, sizeof(a)),
				       vp->spec.protos == VIP_PROTO_TCP ? "tcp" :
				       vp->spec.protos == VIP_PROTO_UDP ? "udp" : "tcp+udp",
				       vp->spec.port ? "one port" : "every port");
		for (int j = 0; j < vp->nm && off < sizeof(line); j++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s (%s)",
						j ? "," : "", addr_str(&vp->m[j].addr, a, sizeof(a)),
						vp->m[j].valid ? mac_str(vp->m[j].mac, m, sizeof(m)) :
						vp->m[j].state == BACKEND_OFF ? "off" : "resolving");
		log_info("%s", line);
	}
	if (e->app.nvips > said)
		log_info("... and %d more VIPs", e->app.nvips - said);
}

void engine_print_stats(struct engine *e, const char *when)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	uint64_t rs[DSRLB_R__MAX];
	char a[ADDR_STRLEN], line[4096];
	int said = 0;

	for (int v = 0; v < DSRLB_MAX_VIPS && said < START_LINES; v++) {
		struct app_vip *vp = e->app.vip[v];
		struct dsrlb_counter c;
		size_t off;

		if (!vp || dp_counters_read(e->dp, DP_VIP_STATS, (uint32_t)v, 1, &c))
			continue;
		said++;
		off = (size_t)snprintf(line, sizeof(line), "%s VIP %s: %llu packets, %llu bytes;",
				       when, vip_spec_str(&vp->spec, a, sizeof(a)),
				       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		for (int j = 0; j < vp->nm && off < sizeof(line); j++) {
			struct dsrlb_counter bc = {};
			int64_t active = 0;

			if (vp->m[j].id != ID_NONE) {
				dp_counters_read(e->dp, DP_BACKEND_STATS, vp->m[j].id, 1, &bc);
				dp_conns_get(e->dp, vp->m[j].id, &active);
			}
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
						addr_str(&vp->m[j].addr, a, sizeof(a)),
						(unsigned long long)bc.packets);
			if (vp->csched == CFG_SCHED_LC && off < sizeof(line))
				off += (size_t)snprintf(line + off, sizeof(line) - off, " (%lld active)",
							(long long)active);
		}
		log_info("%s", line);
	}
	if (!dp_reasons(e->dp, rs)) {
		size_t off = (size_t)snprintf(line, sizeof(line), "%s not balanced:", when);
		int any = 0;

		for (int i = 0; i < DSRLB_R__MAX && off < sizeof(line); i++) {
			if (!rs[i])
				continue;
			any = 1;
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%llu", rnames[i],
						(unsigned long long)rs[i]);
		}
		if (any)
			log_info("%s", line);
	}
	uint64_t fs[DSRLB_FS__MAX];

	if (e->m.c.flow_size && !dp_flow_stats(e->dp, fs) && (fs[DSRLB_FS_NEW] || fs[DSRLB_FS_REFUSED]))
		log_info("%s flow table: %llu hits, %llu new, %llu refused (over %u/s per CPU), %llu placed again",
			 when, (unsigned long long)fs[DSRLB_FS_HIT], (unsigned long long)fs[DSRLB_FS_NEW],
			 (unsigned long long)fs[DSRLB_FS_REFUSED], e->m.c.new_flows_per_sec,
			 (unsigned long long)fs[DSRLB_FS_REPLACED]);
}
