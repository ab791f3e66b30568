// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Announcing to bird, the track file for keepalived, the VIPs on lo (see ha.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/write.h"
#include "ha/ha.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "net/rtnl.h"
#include "net/sysctl.h"

struct ha {
	struct nl *nl;
	uint32_t table;        /* announce: 0 = off */
	char track_file[256];  /* vrrp: "" = off */
	bool vips_on_lo;
	bool adopted;
	enum ha_gate gate;
	bool reconciled;       /* the table matches want since the gate opened */
	struct hmap want;      /* address -> servable VIPs on it (as a count in the pointer) */
	struct hmap used;      /* address -> VIPs on it (vips_on_lo) */
	int announced;
	int track;             /* written last; -1 none */
};

static int key_len(const struct dsrlb_addr *a)
{
	return (int)sizeof(*a);
}

/* count under a in m, changed by delta; the old count. */
static intptr_t count(struct hmap *m, const struct dsrlb_addr *a, int delta)
{
	intptr_t n = (intptr_t)hmap_get(m, a, (size_t)key_len(a));

	if (n + delta > 0)
		hmap_put(m, a, (size_t)key_len(a), (void *)(n + delta));
	else
		hmap_del(m, a, (size_t)key_len(a));
	return n;
}

static void route(struct ha *h, bool add, const struct dsrlb_addr *a)
{
	char s[ADDR_STRLEN];
	int r = rtnl_route(h->nl, add, a, h->table);

	if (r && !(r == -ESRCH && !add))
		log_warnx("announce: cannot %s the route of %s in table %u: %s", add ? "add" : "remove",
			  addr_str(a, s, sizeof(s)), h->table, strerror(-r));
}

struct listed {
	struct dsrlb_addr *a;
	int n, cap;
};

static void on_listed(const struct dsrlb_addr *a, void *ctx)
{
	struct listed *l = ctx;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->a, sizeof(*l->a) * (size_t)cap);

		if (!p)
			return;
		l->a = p;
		l->cap = cap;
	}
	l->a[l->n++] = *a;
}

/* The table as want says (keep: the servable addresses stay, or every route goes). */
static void reconcile(struct ha *h, bool keep)
{
	struct listed l = { 0 };
	size_t it = 0;
	const void *k;
	size_t kl;
	void *v;

	if (rtnl_routes(h->nl, h->table, on_listed, &l))
		log_warnx("announce: cannot read routing table %u; adding what is servable anyway", h->table);
	for (int i = 0; i < l.n; i++)
		if (!keep || !hmap_get(&h->want, &l.a[i], (size_t)key_len(&l.a[i])))
			route(h, false, &l.a[i]);
	free(l.a);
	h->announced = 0;
	while (keep && hmap_next(&h->want, &it, &k, &kl, &v)) {
		route(h, true, k);
		h->announced++;
	}
	h->reconciled = keep;
}

static void track_write(struct ha *h, int value)
{
	char text[32], err[300];

	if (!h->track_file[0] || value == h->track)
		return;
	snprintf(text, sizeof(text), "%d\n", value);
	if (file_write_atomic(h->track_file, text, err, sizeof(err)))
		log_warnx("vrrp: %s", err);
	else
		h->track = value;
}

int ha_open(struct ha **out, const struct cfg *c, bool adopted, char *err, size_t errlen)
{
	struct ha *h = calloc(1, sizeof(*h));
	int r;

	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->table = c->announce.table;
	snprintf(h->track_file, sizeof(h->track_file), "%s", c->vrrp.track_file);
	h->vips_on_lo = ha_vips_on_lo(c);
	h->adopted = adopted;
	h->track = -1;
	h->gate = HA_WAIT;
	if ((h->table || h->vips_on_lo) && (r = nl_open(&h->nl, 0))) {
		snprintf(err, errlen, "cannot talk to the kernel's routing (rtnetlink): %s", strerror(-r));
		free(h);
		return r;
	}
	/* a fresh data plane serves nothing yet: nothing an earlier life left is announced */
	if (h->table && !adopted)
		reconcile(h, false);
	if (h->vips_on_lo) {
		/* a VIP on lo answers neither ARP (arp_ignore 1) nor NDP (lo is not the asked interface) */
		static const char *const keys[2][2] = { { "arp_ignore", "1" }, { "arp_announce", "2" } };
		char name[96];

		for (int w = 0; w < 2; w++)
			for (int k = 0; k < 2; k++) {
				snprintf(name, sizeof(name), "net.ipv4.conf.%s.%s", w ? c->iface : "all",
					 keys[k][0]);
				if ((r = sysctl_set(name, keys[k][1])))
					log_warnx("vrrp: cannot set %s=%s: %s", name, keys[k][1], strerror(-r));
			}
	}
	*out = h;
	return 0;
}

void ha_close(struct ha *h)
{
	if (!h)
		return;
	hmap_free(&h->want);
	hmap_free(&h->used);
	nl_close(h->nl);
	free(h);
}

void ha_use(struct ha *h, const struct dsrlb_addr *a, int delta)
{
	intptr_t n;
	int r;

	if (!h || !h->vips_on_lo)
		return;
	n = count(&h->used, a, delta);
	if (n == 0 && delta > 0) {
		r = rtnl_lo_addr(h->nl, true, a);
		if (r && r != -EEXIST) {
			char s[ADDR_STRLEN];

			log_warnx("cannot put VIP %s on lo (health checks need the VIP to be an address of this host): %s",
				  addr_str(a, s, sizeof(s)), strerror(-r));
		}
	} else if (n + delta <= 0 && n > 0) {
		rtnl_lo_addr(h->nl, false, a);
	}
}

void ha_serve(struct ha *h, const struct dsrlb_addr *a, int delta)
{
	intptr_t n;

	if (!h || !h->table)
		return;
	n = count(&h->want, a, delta);
	if (h->gate != HA_OPEN || !h->reconciled)
		return;
	if (n == 0 && delta > 0) {
		route(h, true, a);
		h->announced++;
	} else if (n > 0 && n + delta <= 0) {
		route(h, false, a);
		h->announced--;
	}
}

void ha_gate(struct ha *h, enum ha_gate g, int vips, int serving)
{
	enum ha_gate prev;

	if (!h)
		return;
	prev = h->gate;
	h->gate = g;
	if (h->table) {
		if (g == HA_OPEN && !h->reconciled)
			reconcile(h, true);
		else if (g != HA_OPEN && (h->reconciled || (g == HA_CLOSED && prev != HA_CLOSED)))
			reconcile(h, false);
	}
	/* a daemon that took over a serving data plane keeps the last word until it is ready */
	if (g == HA_WAIT && h->adopted && h->track == -1)
		return;
	track_write(h, g == HA_OPEN ? vips - serving : vips > 0 ? vips : 1);
}

void ha_status(const struct ha *h, struct ha_status *out)
{
	memset(out, 0, sizeof(*out));
	out->track = -1;
	if (!h)
		return;
	out->announcing = h->table != 0;
	out->announced = h->gate == HA_OPEN ? h->announced : 0;
	out->track = h->track;
	out->gate = h->gate;
}

int ha_withdraw_all(const struct cfg *c, char *err, size_t errlen)
{
	struct listed l = { 0 };
	struct timespec ts;
	bool said = false;
	int r;

	if (c->vrrp.track_file[0]) { /* keepalived moves the VIPs away */
		char text[32];

		snprintf(text, sizeof(text), "%d\n", c->nv > 0 ? c->nv : 1);
		if (file_write_atomic(c->vrrp.track_file, text, err, errlen))
			return -EIO;
		log_info("vrrp: %s says this balancer can serve nothing", c->vrrp.track_file);
		said = true;
	}
	if (c->announce.table) {
		r = rtnl_routes(NULL, c->announce.table, on_listed, &l);
		if (r) {
			snprintf(err, errlen, "cannot read routing table %u: %s", c->announce.table,
				 strerror(-r));
			return r;
		}
		for (int i = 0; i < l.n; i++)
			rtnl_route(NULL, false, &l.a[i], c->announce.table);
		free(l.a);
		if (l.n)
			log_info("withdrew %d VIP address%s from table %u", l.n, l.n == 1 ? "" : "es",
				 c->announce.table);
		said |= l.n > 0;
	}
	if (said) {
		log_info("waiting %u ms for the routers before detaching", c->announce.withdraw_wait_ms);
		ts.tv_sec = c->announce.withdraw_wait_ms / 1000;
		ts.tv_nsec = (long)(c->announce.withdraw_wait_ms % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * A VIP must be an address of this host for health probes (steer.c sends
 * them from lo): a standby's VIPs are on no interface, nor are those a
 * router reaches through BGP.
 */
bool ha_vips_on_lo(const struct cfg *c)
{
	return (c->vrrp.track_file[0] && c->vrrp.vips_on_lo) || c->announce.table;
}

void ha_forget_lo(const struct cfg *c)
{
	if (!ha_vips_on_lo(c))
		return;
	for (int v = 0; v < c->nv; v++)
		rtnl_lo_addr(NULL, false, &c->vips[v]->spec.addr);
}
