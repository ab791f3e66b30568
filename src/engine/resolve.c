// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/resolve.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "net/neigh.h"

/* How often every address in use is asked for (a changed MAC is seen within). */
#define PROBE_MS 1000
/* Probes sent per loop pass at most: 10,000 backends must not stall the loop. */
#define PROBE_BATCH 256

struct nentry {
	struct dsrlb_addr addr;
	uint8_t mac[6];
	int state;          /* NEIGH_* */
	bool created;       /* we made the kernel's entry */
	bool timed_out, said;
	uint64_t asked_ms;
	uint32_t *vips;     /* the VIPs that use it (one per use) */
	int nvips, cap;
};

struct resolver {
	struct loop *l;
	char iface[IF_NAMESIZE];
	int ifindex, timeout_ms;
	struct neigh *n;
	struct hmap by_addr;
	struct dsrlb_addr src4, src6;
	resolver_changed_fn changed;
	void *ctx;
	struct loop_timer probe, timeouts;
	size_t probe_it; /* where the probe round is */
};

static void changed(struct resolver *r, struct nentry *e)
{
	if (e->nvips)
		r->changed(r->ctx, e->vips, e->nvips);
}

static void on_event(const struct neigh_event *ev, void *data)
{
	struct resolver *r = data;
	struct nentry *e = ev->ifindex == r->ifindex ? hmap_get(&r->by_addr, &ev->addr, sizeof(ev->addr)) : NULL;
	char a[ADDR_STRLEN], m1[18], m2[18];

	if (!e)
		return;
	addr_str(&ev->addr, a, sizeof(a));
	if (ev->has_mac && (ev->mac[0] & 1)) {
		/* a broadcast or multicast MAC (a LAN's broadcast address, a forged answer):
		 * every host would get every frame of the VIP */
		if (e->state != NEIGH_FAILED || !e->said)
			log_warnx("backend %s resolves to %s, a broadcast or multicast MAC: refused; it takes no new flows (is it the LAN's broadcast address?)",
				  a, mac_str(ev->mac, m1, sizeof(m1)));
		e->said = true;
		if (e->state != NEIGH_FAILED) {
			e->state = NEIGH_FAILED;
			changed(r, e);
		}
		return;
	}
	if (ev->has_mac) {
		bool moved = e->state == NEIGH_OK && memcmp(e->mac, ev->mac, 6);

		if (e->state == NEIGH_OK && !moved)
			return;
		if (e->state == NEIGH_FAILED || e->timed_out)
			log_info("backend %s resolves again (%s)", a, mac_str(ev->mac, m1, sizeof(m1)));
		else if (moved)
			log_warnx("backend %s moved from MAC %s to %s; following it", a,
				  mac_str(e->mac, m1, sizeof(m1)), mac_str(ev->mac, m2, sizeof(m2)));
		else
			log_debug("backend %s is at %s", a, mac_str(ev->mac, m1, sizeof(m1)));
		memcpy(e->mac, ev->mac, 6);
		e->state = NEIGH_OK;
		e->timed_out = e->said = false;
		changed(r, e);
	} else if (ev->failed && e->state != NEIGH_FAILED) {
		e->state = NEIGH_FAILED;
		log_warnx("backend %s: no answer to ARP/NDP on %s (neighbour entry failed); it takes no new flows until it answers",
			  a, r->iface);
		changed(r, e);
	} else if (ev->deleted) {
		/* someone flushed it: ask for a managed entry again; the MAC stays meanwhile */
		if (neigh_request(r->n, &ev->addr) == 1)
			e->created = true;
	}
}

static void on_watch(void *ctx, int fd, uint32_t events)
{
	struct resolver *r = ctx;

	(void)fd;
	(void)events;
	if (neigh_watch_read(r->n, on_event, r) == -ENOBUFS)
		log_warnx("neighbour events were lost (ENOBUFS); the next ARP/NDP round catches up");
}

/* A round of probes, PROBE_BATCH at a time, then again in PROBE_MS. */
static void on_probe(void *ctx)
{
	struct resolver *r = ctx;
	int sent = 0;
	void *v;

	while (sent < PROBE_BATCH && hmap_next(&r->by_addr, &r->probe_it, NULL, NULL, &v)) {
		struct nentry *e = v;

		neigh_probe(r->n, e->addr.family == DSRLB_AF_INET ? &r->src4 : &r->src6, &e->addr);
		sent++;
	}
	if (sent == PROBE_BATCH) {
		loop_timer_at(r->l, &r->probe, clock_ms());
		return;
	}
	r->probe_it = 0;
	loop_timer_at(r->l, &r->probe, clock_ms() + PROBE_MS);
}

/* Addresses resolving for longer than resolve_timeout: said once, and shown unreachable. */
static void on_timeouts(void *ctx)
{
	struct resolver *r = ctx;
	uint64_t now = clock_ms(), next = 0;
	char a[ADDR_STRLEN];
	size_t it = 0;
	void *v;

	while (hmap_next(&r->by_addr, &it, NULL, NULL, &v)) {
		struct nentry *e = v;
		uint64_t due = e->asked_ms + (uint64_t)r->timeout_ms;

		if (e->state != NEIGH_RESOLVING || e->timed_out)
			continue;
		if (now < due) {
			next = !next || due < next ? due : next;
			continue;
		}
		e->timed_out = true;
		if (!e->said) {
			e->said = true;
			addr_str(&e->addr, a, sizeof(a));
			log_warnx("backend %s: no MAC after %d s on %s; is it up and on the same LAN as %s? It takes no new flows until it answers (check: ip neigh show %s dev %s)",
				  a, r->timeout_ms / 1000, r->iface, r->iface, a, r->iface);
		}
		changed(r, e);
	}
	if (next)
		loop_timer_at(r->l, &r->timeouts, next);
}

int resolver_open(struct resolver **out, struct loop *l, const char *iface, int ifindex,
		  const uint8_t ifmac[6], int timeout_ms, resolver_changed_fn fn, void *ctx)
{
	struct resolver *r = calloc(1, sizeof(*r));
	int e;

	if (!r)
		return -ENOMEM;
	r->l = l;
	snprintf(r->iface, sizeof(r->iface), "%s", iface);
	r->ifindex = ifindex;
	r->timeout_ms = timeout_ms;
	r->changed = fn;
	r->ctx = ctx;
	e = neigh_open(&r->n, ifindex, ifmac);
	if (!e && l)
		e = loop_fd_add(l, neigh_watch_fd(r->n), EPOLLIN, on_watch, r, "neighbour events");
	if (e) {
		neigh_close(r->n);
		free(r);
		return e;
	}
	loop_timer_init(&r->probe, on_probe, r, "ARP/NDP round");
	loop_timer_init(&r->timeouts, on_timeouts, r, "resolve timeouts");
	if (l)
		loop_timer_at(l, &r->probe, clock_ms() + PROBE_MS);
	*out = r;
	return 0;
}

static void entry_free(struct resolver *r, struct nentry *e, bool forget)
{
	if (forget && e->created)
		neigh_forget(r->n, &e->addr);
	free(e->vips);
	free(e);
}

void resolver_close(struct resolver *r, bool forget)
{
	size_t it = 0;
	void *v;

	if (!r)
		return;
	while (hmap_next(&r->by_addr, &it, NULL, NULL, &v))
		entry_free(r, v, forget);
	hmap_free(&r->by_addr);
	if (r->l) {
		loop_timer_stop(r->l, &r->probe);
		loop_timer_stop(r->l, &r->timeouts);
		loop_fd_del(r->l, neigh_watch_fd(r->n));
	}
	neigh_close(r->n);
	free(r);
}

int resolver_state(void *rv, const struct dsrlb_addr *a, uint8_t mac[6])
{
	struct resolver *r = rv;
	struct nentry *e = hmap_get(&r->by_addr, a, sizeof(*a));

	if (!e)
		return NEIGH_RESOLVING;
	if (e->state == NEIGH_OK)
		memcpy(mac, e->mac, 6);
	return e->state;
}

int resolver_want(struct resolver *r, const struct dsrlb_addr *a)
{
	struct nentry *e = hmap_get(&r->by_addr, a, sizeof(*a));
	int k;

	if (e)
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->addr = *a;
	e->asked_ms = clock_ms();
	if (hmap_put(&r->by_addr, &e->addr, sizeof(e->addr), e)) {
		free(e);
		return -ENOMEM;
	}
	/* the kernel may know it already: a netlink answer, not a wait */
	if (!neigh_lookup(r->n, a, e->mac)) {
		e->state = NEIGH_OK;
		return 0;
	}
	e->state = NEIGH_RESOLVING;
	k = neigh_request(r->n, a);
	if (k == 1)
		e->created = true;
	else if (k < 0)
		return k; /* the entry stays resolving; the next event or probe may still find it */
	if (r->l && (!loop_timer_armed(&r->timeouts) ||
		     r->timeouts.at > e->asked_ms + (uint64_t)r->timeout_ms))
		loop_timer_at(r->l, &r->timeouts, e->asked_ms + (uint64_t)r->timeout_ms);
	return 0;
}

void resolver_use(struct resolver *r, const struct dsrlb_addr *a, uint32_t vip, int delta)
{
	struct nentry *e = hmap_get(&r->by_addr, a, sizeof(*a));

	if (!e)
		return;
	if (delta > 0) {
		if (e->nvips == e->cap) {
			int cap = e->cap ? e->cap * 2 : 2;
			void *p = realloc(e->vips, sizeof(*e->vips) * (size_t)cap);

			if (!p)
				return; /* it misses this VIP's re-plans; the VIP's own changes still plan it */
			e->vips = p;
			e->cap = cap;
		}
		e->vips[e->nvips++] = vip;
		return;
	}
	for (int i = 0; i < e->nvips; i++) {
		if (e->vips[i] != vip)
			continue;
		e->vips[i] = e->vips[--e->nvips];
		break;
	}
	if (!e->nvips) {
		hmap_del(&r->by_addr, a, sizeof(*a));
		r->probe_it = 0; /* the map changed under the round */
		entry_free(r, e, true);
	}
}

void resolver_timeout(struct resolver *r, int timeout_ms)
{
	r->timeout_ms = timeout_ms;
}

void resolver_sources(struct resolver *r, const struct dsrlb_addr *src4,
		      const struct dsrlb_addr *src6)
{
	r->src4 = *src4;
	r->src6 = *src6;
}

void resolver_view(const struct resolver *r, const struct dsrlb_addr *a, struct resolver_view *out)
{
	const struct nentry *e = hmap_get(&r->by_addr, a, sizeof(*a));

	memset(out, 0, sizeof(*out));
	if (!e)
		return;
	out->known = true;
	out->state = e->state;
	out->timed_out = e->timed_out;
	memcpy(out->mac, e->mac, 6);
}

int resolver_pending(const struct resolver *r)
{
	size_t it = 0;
	void *v;
	int n = 0;

	while (hmap_next(&r->by_addr, &it, NULL, NULL, &v))
		n += ((struct nentry *)v)->state == NEIGH_RESOLVING && !((struct nentry *)v)->timed_out;
	return n;
}

void resolver_foreach_unresolved(const struct resolver *r,
				 void (*fn)(void *ctx, const struct dsrlb_addr *a), void *ctx)
{
	size_t it = 0;
	void *v;

	while (hmap_next(&r->by_addr, &it, NULL, NULL, &v))
		if (((struct nentry *)v)->state != NEIGH_OK)
			fn(ctx, &((struct nentry *)v)->addr);
}
