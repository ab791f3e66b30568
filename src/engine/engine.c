// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <ifaddrs.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "lib/log.h"
#include "engine/maglev.h"
#include "net/neigh.h"
#include "health/health.h"

#include "engine/engine_int.h"
#include "engine/stats.h"

/* How often every backend's MAC is asked for (a changed MAC is seen within). */
#define NPROBE_MS 1000

/* How often lc's counts are rewritten from the flow table. */
#define LC_RECOUNT_S 5


static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	log_info("mounted a bpffs on " BPFFS " (it was not one, as under ip netns exec)");
	return 0;
}

static int iface_mac(const char *ifname, uint8_t mac[6], bool *up)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!err && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		*up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return err;
}

/* Is the VIP an address of ifname? If not, no router will send it to us. */
static bool vip_is_local(const char *ifname, const struct dsrlb_addr *a)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return true; /* cannot tell; do not warn */
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && a->family == DSRLB_AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr, a->bytes, 4);
		else if (i->ifa_addr->sa_family == AF_INET6 && a->family == DSRLB_AF_INET6)
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, a->bytes,
					16);
	}
	freeifaddrs(ifa);
	return found;
}

static struct neigh_cache *neigh_find(struct engine *e, const struct dsrlb_addr *a)
{
	for (int i = 0; i < e->nneigh; i++)
		if (!addr_cmp(&e->neigh[i].addr, a))
			return &e->neigh[i];
	return NULL;
}

/* Every backend that may carry traffic needs a MAC before anything changes. */
static int resolve_all(struct engine *e, const struct cfg *c, char *err, size_t errlen)
{
	char a[ADDR_STRLEN], m[18];

	for (int v = 0; v < c->nv; v++) {
		for (int j = 0; j < c->vips[v].nb; j++) {
			const struct cfg_backend *b = &c->vips[v].b[j];
			struct neigh_cache n = { .addr = b->addr };
			int r;

			if (b->state == BACKEND_OFF || neigh_find(e, &b->addr))
				continue;
			addr_str(&b->addr, a, sizeof(a));
			r = neigh_resolve(e->ifindex, &b->addr, c->resolve_timeout_ms, n.mac,
					  &n.created);
			if (r && n.created)
				neigh_forget(e->ifindex, &b->addr); /* ours, and useless */
			if (r == -ETIMEDOUT) {
				snprintf(err, errlen,
					 "backend %s: no MAC after %d s on %s; is it up and on the same LAN as %s? (check: ip neigh show %s dev %s)",
					 a, c->resolve_timeout_ms / 1000, e->base.iface, e->base.iface, a,
					 e->base.iface);
				return r;
			}
			if (r) {
				snprintf(err, errlen, "backend %s: cannot resolve its MAC on %s: %s", a,
					 e->base.iface, strerror(-r));
				return r;
			}
			if (e->nneigh == e->capneigh) {
				int cap = e->capneigh ? e->capneigh * 2 : 16;
				void *p = realloc(e->neigh, (size_t)cap * sizeof(*e->neigh));

				if (!p)
					return -ENOMEM;
				e->neigh = p;
				e->capneigh = cap;
			}
			e->neigh[e->nneigh++] = n;
			log_debug("backend %s is at %s", a, mac_str(n.mac, m, sizeof(m)));
		}
	}
	return 0;
}

static int free_vip_id(struct engine *e, const bool *taken)
{
	for (int i = 0; i < DSRLB_MAX_VIPS; i++)
		if (!e->vips[i] && !taken[i])
			return i;
	return -1;
}

static int free_backend_id(struct engine *e)
{
	for (int i = 0; i < BID_NONE; i++)
		if (!e->bid_used[i])
			return i;
	return -1;
}

static void vip_free(struct eng_vip *v)
{
	if (v)
		free(v->b);
	free(v);
}

static bool ring_same(const struct eng_vip *a, const struct eng_vip *b)
{
	if (!a || !b || a->nb != b->nb || a->sched != b->sched)
		return false;
	for (int i = 0; i < a->nb; i++)
		if (a->b[i].id != b->b[i].id || a->b[i].weight != b->b[i].weight)
			return false;
	return true;
}

static int by_addr(const void *x, const void *y)
{
	const struct eng_backend *a = *(const struct eng_backend *const *)x;
	const struct eng_backend *b = *(const struct eng_backend *const *)y;

	return addr_cmp(&a->addr, &b->addr);
}

/*
 * rr and lc: every backend that takes new flows once, in address order (the
 * same order on every balancer). wrr: the smooth weighted order (each round, the
 * backend furthest behind its share goes next), so 3:1 gives a a b a, not
 * a a a b. Returns the sequence's length; 0 if nothing takes new flows.
 */
static uint32_t build_sequence(const struct eng_vip *v, uint32_t *seq, uint32_t max)
{
	const struct eng_backend *b[CFG_MAX_BACKENDS_PER_VIP];
	int64_t cur[CFG_MAX_BACKENDS_PER_VIP] = {0};
	uint32_t w[CFG_MAX_BACKENDS_PER_VIP], g = 0, total = 0, len = 0;
	int n = 0;

	for (int j = 0; j < v->nb; j++)
		if (v->b[j].weight)
			b[n++] = &v->b[j];
	qsort(b, (size_t)n, sizeof(b[0]), by_addr);
	for (int i = 0; i < n; i++) {
		w[i] = v->sched == SCHED_WRR ? b[i]->weight : 1;
		g = maglev_gcd(g, w[i]);
	}
	for (int i = 0; i < n; i++)
		total += w[i] /= g;
	while (len < total && len < max) {
		int best = 0;

		for (int i = 0; i < n; i++) {
			cur[i] += w[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		seq[len++] = b[best]->id;
	}
	return len;
}

/* Fill e->ring for v; returns the rr/wrr sequence length (0 for maglev/sh), or 1<<31 if
 * nothing takes new flows, or -errno. */
static int64_t build_ring(struct engine *e, const struct eng_vip *v)
{
	uint32_t size = dp_ring_size(e->dp);
	struct maglev_backend *mb;
	int r;

	if (v->sched == SCHED_RR || v->sched == SCHED_WRR || v->sched == SCHED_LC) {
		uint32_t len = build_sequence(v, e->ring, size);

		if (!len) {
			for (uint32_t s = 0; s < size; s++)
				e->ring[s] = BID_NONE;
			return 1LL << 31;
		}
		for (uint32_t s = len; s < size; s++) /* repeat to the end of the half */
			e->ring[s] = e->ring[s % len];
		return len;
	}
	mb = calloc(v->nb ? (size_t)v->nb : 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (int j = 0; j < v->nb; j++) {
		mb[j].addr = v->b[j].addr;
		mb[j].weight = v->b[j].weight;
	}
	r = maglev_build(mb, v->nb, size, e->ring);
	free(mb);
	if (r == -ENOENT) {
		/* Nothing may take new flows: every slot drops (no_backend). */
		for (uint32_t s = 0; s < size; s++)
			e->ring[s] = BID_NONE;
		return 1LL << 31;
	}
	if (r)
		return r;
	for (uint32_t s = 0; s < size; s++)
		e->ring[s] = v->b[e->ring[s]].id;
	return 0;
}

static uint32_t dp_sched(enum cfg_sched s)
{
	return s == SCHED_SH ? DSRLB_SCHED_SH :
	       (s == SCHED_RR || s == SCHED_WRR) ? DSRLB_SCHED_RR :
	       s == SCHED_LC ? DSRLB_SCHED_LC : DSRLB_SCHED_MAGLEV;
}

static void ctl_vip_key(struct dsrlb_ctl_key *k, const struct vip_spec *s)
{
	memset(k, 0, sizeof(*k));
	k->kind = DSRLB_CTL_VIP;
	k->family = s->addr.family;
	k->protos = (uint8_t)s->protos;
	k->port = s->port;
	memcpy(k->addr, s->addr.bytes, sizeof(k->addr));
}

static void ctl_backend_key(struct dsrlb_ctl_key *k, uint32_t vip, const struct dsrlb_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->kind = DSRLB_CTL_BACKEND;
	k->family = a->family;
	k->vip_id = vip;
	memcpy(k->addr, a->bytes, sizeof(k->addr));
}

/* Is k part of the engine's current state (with this id)? */
static bool ids_current(struct engine *e, const struct dsrlb_ctl_key *k, uint32_t id)
{
	struct dsrlb_ctl_key c;

	if (k->kind == DSRLB_CTL_VIP) {
		if (id >= DSRLB_MAX_VIPS || !e->vips[id])
			return false;
		ctl_vip_key(&c, &e->vips[id]->spec);
		return !memcmp(&c, k, sizeof(c));
	}
	if (k->vip_id >= DSRLB_MAX_VIPS || !e->vips[k->vip_id])
		return false;
	for (int j = 0; j < e->vips[k->vip_id]->nb; j++) {
		struct eng_backend *b = &e->vips[k->vip_id]->b[j];

		ctl_backend_key(&c, k->vip_id, &b->addr);
		if (b->state != BACKEND_OFF && b->id == id && !memcmp(&c, k, sizeof(c)))
			return true;
	}
	return false;
}

struct stale {
	struct dsrlb_ctl_key *k;
	int n, cap;
	struct engine *e;
};

static void collect_stale(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct stale *st = ctx;

	if (ids_current(st->e, k, id))
		return;
	if (st->n == st->cap) {
		int cap = st->cap ? st->cap * 2 : 64;
		void *p = realloc(st->k, (size_t)cap * sizeof(*st->k));

		if (!p)
			return;
		st->k = p;
		st->cap = cap;
	}
	st->k[st->n++] = *k;
}

/*
 * Keep the pinned id assignments equal to the engine's: the current ones are
 * written before the stale ones go, so a daemon killed in between still
 * finds every id that live rings use.
 */
static void ids_sync(struct engine *e)
{
	struct stale st = { .e = e };
	struct dsrlb_ctl_key k;

	dp_ids_foreach(e->dp, collect_stale, &st);
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = e->vips[v];

		if (!vp)
			continue;
		ctl_vip_key(&k, &vp->spec);
		dp_ids_put(e->dp, &k, (uint32_t)v);
		for (int j = 0; j < vp->nb; j++) {
			if (vp->b[j].state == BACKEND_OFF)
				continue;
			ctl_backend_key(&k, (uint32_t)v, &vp->b[j].addr);
			dp_ids_put(e->dp, &k, vp->b[j].id);
		}
	}
	for (int i = 0; i < st.n; i++)
		dp_ids_del(e->dp, &st.k[i]);
	free(st.k);
}

/* Adoption, pass 1: the VIPs an earlier daemon left, by id. */
static void adopt_vip(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct engine *e = ctx;
	struct eng_vip *v;

	if (k->kind != DSRLB_CTL_VIP || id >= DSRLB_MAX_VIPS || e->vips[id])
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->spec.addr.family = k->family;
	memcpy(v->spec.addr.bytes, k->addr, sizeof(k->addr));
	v->spec.port = k->port;
	v->spec.protos = k->protos;
	snprintf(v->name, sizeof(v->name), "(adopted %u)", id);
	e->vips[id] = v;
}

/* Pass 2: their backends. The weight is unknown: the table is rebuilt. */
static void adopt_backend(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct engine *e = ctx;
	struct eng_vip *v;
	void *p;

	if (k->kind != DSRLB_CTL_BACKEND || k->vip_id >= DSRLB_MAX_VIPS || id >= BID_NONE)
		return;
	v = e->vips[k->vip_id];
	if (!v)
		return;
	p = realloc(v->b, (size_t)(v->nb + 1) * sizeof(*v->b));
	if (!p)
		return;
	v->b = p;
	memset(&v->b[v->nb], 0, sizeof(v->b[v->nb]));
	v->b[v->nb].addr.family = k->family;
	memcpy(v->b[v->nb].addr.bytes, k->addr, sizeof(k->addr));
	v->b[v->nb].id = id;
	v->b[v->nb].weight = UINT32_MAX;
	v->b[v->nb].state = BACKEND_UP;
	v->nb++;
	e->bid_used[id] = 1;
}

void iface_sources(const char *iface, const struct cfg *c, struct dsrlb_addr *src4,
		   struct dsrlb_addr *src6)
{
	struct ifaddrs *ifa, *i;

	memset(src4, 0, sizeof(*src4));
	memset(src6, 0, sizeof(*src6));
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		struct dsrlb_addr a = {};
		bool vip = false;

		if (!i->ifa_addr || strcmp(i->ifa_name, iface))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = DSRLB_AF_INET;
			memcpy(a.bytes, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = DSRLB_AF_INET6;
			memcpy(a.bytes, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			if (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80)
				continue; /* link-local */
		} else {
			continue;
		}
		for (int v = 0; v < c->nv && !vip; v++)
			vip = !addr_cmp(&c->vips[v].spec.addr, &a);
		if (vip)
			continue;
		if (a.family == DSRLB_AF_INET && !src4->family)
			*src4 = a;
		if (a.family == DSRLB_AF_INET6 && !src6->family)
			*src6 = a;
	}
	freeifaddrs(ifa);
}

/* The health checks of these VIPs (by id) from now on. */
static int sync_health(struct engine *e, struct eng_vip *const *vips, char *err, size_t errlen)
{
	struct hc_target *t = NULL;
	int n = 0, cap = 0, r;

	if (!e->health)
		return 0;
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		for (int j = 0; vips[v] && j < vips[v]->nb; j++) {
			const struct eng_backend *b = &vips[v]->b[j];

			if (b->check.type == CHECK_NONE || b->state == BACKEND_OFF)
				continue;
			if (n == cap) {
				void *p = realloc(t, sizeof(*t) * (size_t)(cap = cap ? cap * 2 : 16));

				if (!p) {
					free(t);
					return -ENOMEM;
				}
				t = p;
			}
			t[n++] = (struct hc_target){
				.vip_name = vips[v]->name, .spec = vips[v]->spec, .backend = b->addr,
				.bid = b->id, .check = b->check, .hold_down_ms = vips[v]->hold_down_ms,
				.src = b->addr.family == DSRLB_AF_INET ? e->src4 : e->src6,
			};
		}
	}
	r = health_sync(e->health, t, n, err, errlen);
	free(t);
	return r;
}

/*
 * Health and neighbours: a backend that fails its check (after hold-down) or
 * whose neighbour entry failed takes no new flows. If that leaves a VIP with
 * none, all_down decides: keep the last one to fail, or drop.
 */
static void overlay(struct engine *e, struct eng_vip *const *vips)
{
	char a[ADDR_STRLEN];

	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = vips[v];
		int eligible = 0, wanted = 0, keep = -1;
		uint64_t latest = 0;

		for (int j = 0; vp && j < vp->nb; j++) {
			struct eng_backend *b = &vp->b[j];
			struct neigh_cache *n = neigh_find(e, &b->addr);
			uint64_t since = 0;
			bool nfail = n && n->failed;
			bool hup = health_up(e->health, &vp->spec, &b->addr, &since);

			b->out = false;
			if (!b->cfg_weight)
				continue;
			wanted++;
			if (!nfail && hup) {
				eligible++;
				continue;
			}
			b->weight = 0;
			b->out = true;
			if (!nfail && (keep < 0 || since >= latest)) {
				latest = since;
				keep = j;
			}
		}
		if (!vp || eligible || !wanted)
			continue;
		if (keep >= 0 && !vp->all_down_drop) {
			vp->b[keep].weight = vp->b[keep].cfg_weight;
			vp->b[keep].out = false;
			log_errx("vip '%s': EVERY backend is down; keeping %s, the last to fail, in the table (all_down: keep)",
				 vp->name, addr_str(&vp->b[keep].addr, a, sizeof(a)));
		} else {
			log_errx("vip '%s': EVERY backend is down; its new flows are dropped (%s)", vp->name,
				 vp->all_down_drop ? "all_down: drop" : "no backend has a MAC");
		}
	}
}

int engine_apply(struct engine *e, const struct cfg *c, char *err, size_t errlen)
{
	struct eng_vip *next[DSRLB_MAX_VIPS] = {};
	static bool taken[DSRLB_MAX_VIPS], swapped[DSRLB_MAX_VIPS];
	char a[ADDR_STRLEN];
	int r;

	if (strcmp(c->iface, e->base.iface) || c->mode != e->base.mode ||
	    c->table_size != e->base.table_size || c->hash_seed != e->base.hash_seed ||
	    strcmp(c->pin_dir, e->base.pin_dir) || c->flow_size != e->base.flow_size ||
	    c->new_flows_per_sec != e->base.new_flows_per_sec) {
		snprintf(err, errlen,
			 "interface, mode, table_size, hash_seed, pin_dir, flow_table.size and flow_table.new_flows_per_second need a restart to change; nothing was changed");
		return -EINVAL;
	}
	r = resolve_all(e, c, err, errlen);
	if (r)
		return r;

	/* Ids: a VIP keeps its id (same address, port, protocols), a backend its id. */
	memset(taken, 0, sizeof(taken));
	memset(swapped, 0, sizeof(swapped));
	for (int i = 0; i < c->nv; i++) {
		const struct cfg_vip *cv = &c->vips[i];
		struct eng_vip *nv = calloc(1, sizeof(*nv)), *old = NULL;
		int id = -1;

		if (nv)
			nv->b = calloc(cv->nb ? (size_t)cv->nb : 1, sizeof(*nv->b));
		if (!nv || !nv->b) {
			vip_free(nv);
			r = -ENOMEM;
			goto undo;
		}
		for (int k = 0; k < DSRLB_MAX_VIPS && id < 0; k++)
			if (e->vips[k] && !taken[k] && vip_spec_eq(&e->vips[k]->spec, &cv->spec))
				id = k;
		if (id < 0) {
			/* a new VIP: its counters start at 0, not at the last owner's */
			id = free_vip_id(e, taken);
			if (id >= 0 && dp_counter_reset(e->dp, DP_VIP_STATS, (uint32_t)id)) {
				snprintf(err, errlen, "cannot reset the counters of VIP id %d: %s", id,
					 strerror(errno));
				vip_free(nv);
				r = -EIO;
				goto undo;
			}
		}
		if (id < 0) {
			snprintf(err, errlen, "no free VIP id (at most %d)", DSRLB_MAX_VIPS);
			vip_free(nv);
			r = -ENOSPC;
			goto undo;
		}
		taken[id] = true;
		old = e->vips[id];
		strcpy(nv->name, cv->name);
		nv->spec = cv->spec;
		nv->sched = cv->sched;
		nv->hold_down_ms = cv->hold_down_ms;
		nv->all_down_drop = cv->all_down_drop;
		nv->tcp_timeout = cv->tcp_timeout ? cv->tcp_timeout : c->tcp_timeout;
		nv->udp_timeout = cv->udp_timeout ? cv->udp_timeout : c->udp_timeout;
		for (int j = 0; j < cv->nb; j++) {
			struct eng_backend *nb = &nv->b[nv->nb++];
			int bid = -1;

			nb->addr = cv->b[j].addr;
			nb->state = cv->b[j].state;
			nb->cfg_weight = cv->b[j].state == BACKEND_UP ? cv->b[j].weight : 0;
			nb->weight = nb->cfg_weight;
			nb->check = cv->b[j].check;
			for (int k = 0; old && k < old->nb && bid < 0; k++)
				if (!addr_cmp(&old->b[k].addr, &nb->addr) && old->b[k].state != BACKEND_OFF)
					bid = (int)old->b[k].id;
			if (nb->state == BACKEND_OFF) {
				nb->id = BID_NONE;
				continue;
			}
			if (bid < 0) {
				bid = free_backend_id(e);
				if (bid < 0) {
					snprintf(err, errlen, "no free backend id (at most %d)",
						 DSRLB_MAX_BACKENDS - 1);
					next[id] = nv;
					r = -ENOSPC;
					goto undo;
				}
				e->bid_used[bid] = 2; /* new in this change */
			}
			nb->id = (uint32_t)bid;
		}
		next[id] = nv;
	}

	/* Health checks for the new set, then what they and the neighbours allow. */
	iface_sources(e->base.iface, c, &e->src4, &e->src6);
	r = sync_health(e, next, err, errlen);
	if (r)
		goto undo;
	overlay(e, next);

	/*
	 * The new VIP index, staged and placed before anything is written: the
	 * one failure that is not a failing syscall is known here, not after
	 * live tables changed.
	 */
	dp_vips_reset(e->dp);
	for (int v = 0; v < DSRLB_MAX_VIPS && !r; v++) {
		for (int p = 0; next[v] && p < 2 && !r; p++) {
			unsigned bit = p ? VIP_PROTO_UDP : VIP_PROTO_TCP;

			if (next[v]->spec.protos & bit)
				r = dp_vip_set(e->dp, &next[v]->spec.addr, next[v]->spec.port,
					       p ? IPPROTO_UDP : IPPROTO_TCP, (uint32_t)v);
		}
	}
	if (!r)
		r = dp_vips_check(e->dp);
	if (r) {
		snprintf(err, errlen, "cannot place the VIPs in the VIP index: %s", strerror(-r));
		goto undo;
	}

	/* 1. Backends, before any ring names them. */
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		for (int j = 0; next[v] && j < next[v]->nb; j++) {
			struct eng_backend *b = &next[v]->b[j];
			struct neigh_cache *n;

			if (b->state == BACKEND_OFF)
				continue;
			n = neigh_find(e, &b->addr);
			r = n ? dp_backend_set(e->dp, b->id, n->mac, e->bid_used[b->id] == 2) : -ENOENT;
			if (r) {
				snprintf(err, errlen, "cannot write backend %s: %s",
					 addr_str(&b->addr, a, sizeof(a)), strerror(-r));
				goto undo;
			}
		}
	}
	/* 2. Rings: each built aside and flipped in one step. */
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		if (next[v] && !e->vips[v]) {
			/* a new VIP's timeouts, before anything can reach it */
			r = dp_vip_timeouts(e->dp, (uint32_t)v, next[v]->tcp_timeout,
					    next[v]->udp_timeout);
			if (r) {
				snprintf(err, errlen, "cannot write vip '%s': %s", next[v]->name,
					 strerror(-r));
				goto undo;
			}
		}
		if (!next[v] || ring_same(e->vips[v], next[v]))
			continue;
		int64_t len = build_ring(e, next[v]);

		if (len == 1LL << 31) {
			log_warnx("vip '%s' has no backend that takes new flows: its new flows are dropped (all drained, off or weight 0)",
				  next[v]->name);
			len = 0;
		}
		r = len < 0 ? (int)len :
			      dp_ring_swap_sched(e->dp, (uint32_t)v, e->ring, dp_sched(next[v]->sched),
						 (uint32_t)len);
		if (!r)
			swapped[v] = true;
		if (r) {
			snprintf(err, errlen, "cannot write the table of vip '%s': %s", next[v]->name,
				 strerror(-r));
			goto undo;
		}
	}
	/* 3. The VIP index (staged and checked above): one swap makes it live. */
	r = dp_commit(e->dp);
	if (r) {
		snprintf(err, errlen, "cannot write the VIP index: %s", strerror(-r));
		goto undo;
	}

	/* 4. Retire what is gone: nothing points at it any more. */
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *old = e->vips[v];

		/* Changed timeouts apply to flows that start from now on. */
		if (old && next[v] && (old->tcp_timeout != next[v]->tcp_timeout ||
				       old->udp_timeout != next[v]->udp_timeout) &&
		    dp_vip_timeouts(e->dp, (uint32_t)v, next[v]->tcp_timeout,
				    next[v]->udp_timeout)) {
			log_warnx("vip '%s': cannot write its flow timeouts; new flows keep tcp %us, udp %us until the next reload",
				  next[v]->name, old->tcp_timeout, old->udp_timeout);
			next[v]->tcp_timeout = old->tcp_timeout; /* retried by the next reload */
			next[v]->udp_timeout = old->udp_timeout;
		}

		for (int j = 0; old && j < old->nb; j++) {
			struct eng_backend *ob = &old->b[j];
			bool kept = false;

			if (ob->state == BACKEND_OFF)
				continue;
			for (int k = 0; next[v] && k < next[v]->nb && !kept; k++)
				kept = next[v]->b[k].id == ob->id;
			if (!kept) {
				dp_backend_clear(e->dp, ob->id);
				e->bid_used[ob->id] = 0;
			}
		}
		if (old && !next[v]) {
			dp_ring_del(e->dp, (uint32_t)v);
			log_info("vip '%s' (%s) removed", old->name,
				 vip_spec_str(&old->spec, a, sizeof(a)));
		} else if (!old && next[v]) {
			log_info("vip '%s' (%s) added with %d backends", next[v]->name,
				 vip_spec_str(&next[v]->spec, a, sizeof(a)), next[v]->nb);
		}
		for (int j = 0; old && next[v] && j < next[v]->nb; j++) {
			struct eng_backend *nb = &next[v]->b[j];
			struct eng_backend *ob = NULL;

			for (int k = 0; k < old->nb && !ob; k++)
				if (!addr_cmp(&old->b[k].addr, &nb->addr))
					ob = &old->b[k];
			addr_str(&nb->addr, a, sizeof(a));
			if (!ob)
				log_info("vip '%s': backend %s added (%s, weight %u)", next[v]->name, a,
					 cfg_state_name(nb->state), nb->weight);
			else if (ob->state != nb->state || ob->cfg_weight != nb->cfg_weight)
				log_info("vip '%s': backend %s %s weight %u -> %s weight %u",
					 next[v]->name, a, cfg_state_name(ob->state), ob->cfg_weight,
					 cfg_state_name(nb->state), nb->cfg_weight);
			if (ob && ob->out != nb->out)
				log_warnx("vip '%s': backend %s %s", next[v]->name, a,
					  nb->out ? "taken out of new-flow scheduling (established flows stay)" :
						    "takes new flows again");
		}
		for (int j = 0; old && next[v] && j < old->nb; j++) {
			bool found = false;

			for (int k = 0; k < next[v]->nb && !found; k++)
				found = !addr_cmp(&old->b[j].addr, &next[v]->b[k].addr);
			if (!found)
				log_info("vip '%s': backend %s removed", next[v]->name,
					 addr_str(&old->b[j].addr, a, sizeof(a)));
		}
		vip_free(old);
		e->vips[v] = next[v];
	}
	for (int i = 0; i < BID_NONE; i++)
		if (e->bid_used[i] == 2)
			e->bid_used[i] = 1;
	if (e->pinned)
		ids_sync(e);
	if (c != &e->cur) {
		struct cfg copy;

		if (!cfg_copy(&copy, c)) {
			if (e->have_cur)
				cfg_free(&e->cur);
			e->cur = copy;
			e->have_cur = true;
		}
	}
	return 0;

undo:
	/*
	 * Only a failing syscall gets here after step 1. Put every live table
	 * back on its untouched half and drop the rings of VIPs that were to be
	 * new; then nothing live names an id new in this change.
	 */
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		if (!swapped[v])
			continue;
		if (e->vips[v])
			dp_ring_revert(e->dp, (uint32_t)v);
		else
			dp_ring_del(e->dp, (uint32_t)v);
	}
	for (int i = 0; i < BID_NONE; i++) {
		if (e->bid_used[i] == 2) {
			dp_backend_clear(e->dp, (uint32_t)i);
			e->bid_used[i] = 0;
		}
	}
	for (int v = 0; v < DSRLB_MAX_VIPS; v++)
		vip_free(next[v]);
	{
		char ignored[256];

		sync_health(e, e->vips, ignored, sizeof(ignored)); /* the checks of what stays */
	}
	return r;
}

/*
 * pin_dir must be on a bpffs. The default is under /sys/fs/bpf, which we
 * mount if needed (ip netns exec hides it); another path must be one already.
 */
static int pin_dir_ready(const char *dir, char *err, size_t errlen)
{
	struct statfs st;

	if (!strncmp(dir, BPFFS "/", strlen(BPFFS "/"))) {
		int r = ensure_bpffs();

		if (r) {
			snprintf(err, errlen, "no bpffs at " BPFFS " and mounting one failed: %s",
				 strerror(-r));
			return r;
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create pin_dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "pin_dir %s is not on a bpffs; mount one: mount -t bpf bpf %s",
			 dir, dir);
		return -ENOTDIR;
	}
	return 0;
}

int engine_start(struct engine **out, const struct cfg *c, bool daemon, char *err,
		 size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	struct dp_opts o = { .hash_seed = c->hash_seed, .ring_size = c->table_size,
			     .flow_size = c->flow_size, .tcp_timeout = c->tcp_timeout,
			     .udp_timeout = c->udp_timeout,
			     .new_flows_per_sec = c->new_flows_per_sec };
	struct dsrlb_meta pm;
	char a[ADDR_STRLEN];
	bool up = true;
	int r;

	if (!e)
		return -ENOMEM;
	e->base = *c;
	e->base.vips = NULL;
	e->base.nv = 0;
	e->ifindex = (int)if_nametoindex(c->iface);
	if (!e->ifindex) {
		snprintf(err, errlen, "interface '%s' not found (see: ip link show)", c->iface);
		free(e);
		return -ENODEV;
	}
	r = iface_mac(c->iface, e->ifmac, &up);
	if (r) {
		snprintf(err, errlen, "cannot read the MAC address of %s: %s", c->iface,
			 strerror(-r));
		free(e);
		return r;
	}
	if (!up)
		log_warnx("%s is down; bring it up with: ip link set %s up", c->iface, c->iface);
	for (int v = 0; v < c->nv; v++) {
		if (vip_is_local(c->iface, &c->vips[v].spec.addr))
			continue;
		addr_str(&c->vips[v].spec.addr, a, sizeof(a));
		log_warnx("VIP %s is not an address of %s, so nothing on the LAN will resolve it to this balancer; add it: ip addr add %s/%d dev %s%s",
			  a, c->iface, a, c->vips[v].spec.addr.family == DSRLB_AF_INET ? 32 : 128,
			  c->iface, c->vips[v].spec.addr.family == DSRLB_AF_INET6 ? " nodad" : "");
	}
	e->ring = calloc(c->table_size, sizeof(*e->ring));
	if (!e->ring) {
		free(e);
		return -ENOMEM;
	}
	/* Backend MACs first: refuse to start rather than blackhole a backend. */
	r = resolve_all(e, c, err, errlen);
	if (r)
		goto fail;

	r = pin_dir_ready(c->pin_dir, err, errlen);
	if (r)
		goto fail;
	snprintf(e->pindir, sizeof(e->pindir), "%s/%s", c->pin_dir, c->iface);
	if (!daemon && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "a dsrlb daemon's data plane is pinned at %s (it may still be balancing); remove it first with: dsrlb stop --detach -i %s",
			 e->pindir, c->iface);
		r = -EEXIST;
		goto fail;
	}
	memcpy(o.ifmac, e->ifmac, 6);
	o.pin_dir = e->pindir;
	r = dp_open(&e->dp, &o);
	if (r == -EMEDIUMTYPE && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "the data plane pinned at %s was built for table_size %u, hash_seed %u and flow_table size %u (ABI %u); this config has %u, %u and %u (ABI %u). Nothing was changed. To start over: dsrlb stop --detach -i %s",
			 e->pindir, pm.ring_size, pm.hash_seed, pm.flow_size, pm.abi, c->table_size,
			 c->hash_seed, c->flow_size, DSRLB_ABI_VERSION, c->iface);
		goto fail;
	}
	if (r) {
		snprintf(err, errlen,
			 "cannot load the XDP program: %s (run as root; -vv shows the verifier log%s)",
			 strerror(-r), daemon ? "; maps pinned by another version are refused, not reset: dsrlb stop --detach removes them" : "");
		goto fail;
	}
	e->pinned = true;
	r = health_open(&e->health, c->iface, dp_backends_fd(e->dp));
	if (r) {
		snprintf(err, errlen, "cannot set up health checks on %s: %s", c->iface, strerror(-r));
		goto fail;
	}
	r = neigh_watch_open(&e->nw);
	if (r) {
		snprintf(err, errlen, "cannot follow the neighbour table (rtnetlink): %s", strerror(-r));
		goto fail;
	}
	if (dp_adopted(e->dp)) {
		int nv = 0, nb = 0;

		dp_ids_foreach(e->dp, adopt_vip, e);
		dp_ids_foreach(e->dp, adopt_backend, e);
		for (int v = 0; v < DSRLB_MAX_VIPS; v++)
			if (e->vips[v]) {
				nv++;
				nb += e->vips[v]->nb;
			}
		log_info("adopted the data plane pinned at %s (%d VIPs, %d backends); it kept balancing meanwhile",
			 e->pindir, nv, nb);
	}
	r = engine_apply(e, c, err, errlen);
	if (r)
		goto fail;
	r = dp_attach(e->dp, e->ifindex, c->mode, daemon, &e->used);
	if (r == -EBUSY || r == -EEXIST) {
		snprintf(err, errlen,
			 "%s already has an XDP program; remove it first (a dsrlb daemon's: dsrlb stop --detach -i %s; any other: ip link set dev %s xdp off) or pick another interface",
			 c->iface, c->iface, c->iface);
		goto fail;
	}
	if (r) {
		snprintf(err, errlen, "cannot attach to %s in %s mode: %s", c->iface,
			 c->mode == DP_MODE_SKB ? "skb" : "native or skb", strerror(-r));
		goto fail;
	}
	e->attached = true;
	if (c->mode == DP_MODE_AUTO && e->used == DP_MODE_SKB)
		log_warnx("%s has no native XDP support; running in skb (generic) mode, which is slower",
			  c->iface);
	{
		char m[18];

		log_info("attached to %s (%s mode, MAC %s)", c->iface,
			 e->used == DP_MODE_SKB ? "skb" : "native", mac_str(e->ifmac, m, sizeof(m)));
	}
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = e->vips[v];
		char line[2048], m[18];
		size_t off;

		if (!vp)
			continue;
		off = (size_t)snprintf(line, sizeof(line), "VIP %s (%s, %s) ->",
				       vip_spec_str(&vp->spec, a, sizeof(a)),
				       vp->spec.protos == VIP_PROTO_TCP ? "tcp" :
				       vp->spec.protos == VIP_PROTO_UDP ? "udp" : "tcp+udp",
				       vp->spec.port ? "one port" : "every port");
		for (int j = 0; j < vp->nb && off < sizeof(line); j++) {
			struct neigh_cache *n = neigh_find(e, &vp->b[j].addr);

			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s (%s)",
						j ? "," : "", addr_str(&vp->b[j].addr, a, sizeof(a)),
						n ? mac_str(n->mac, m, sizeof(m)) :
						    cfg_state_name(vp->b[j].state));
		}
		log_info("%s", line);
	}
	*out = e;
	return 0;
fail:
	/*
	 * Leave an adopted data plane as it was: it is still balancing. Anything
	 * we created ourselves goes.
	 */
	if (e->dp && dp_adopted(e->dp))
		e->pinned = false;
	engine_stop(e, true);
	return r;
}

/*
 * lc: rewrite each lc backend's active-flow count from the flow table. The
 * program keeps the counts between recounts (up at a flow's start, down at
 * its FIN or RST); this forgets flows that idled out or vanished without a
 * FIN, and corrects the few that raced with the count.
 */
static void lc_recount(struct engine *e)
{
	int64_t *counts = NULL;
	bool any = false;

	for (int v = 0; v < DSRLB_MAX_VIPS && !any; v++)
		any = e->vips[v] && e->vips[v]->sched == SCHED_LC;
	if (!any)
		return;
	counts = malloc(sizeof(*counts) * DSRLB_MAX_BACKENDS);
	if (!counts || dp_conns_count(e->dp, counts, false, NULL)) {
		log_warnx("lc: cannot count the active flows in the flow table; the counts stay as they are");
		free(counts);
		return;
	}
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = e->vips[v];

		for (int j = 0; vp && vp->sched == SCHED_LC && j < vp->nb; j++)
			if (vp->b[j].state != BACKEND_OFF)
				dp_conns_set(e->dp, vp->b[j].id, counts[vp->b[j].id]);
	}
	free(counts);
}

/* A neighbour table event: follow a backend's MAC, or take it out while it fails. */
static void on_neigh(const struct neigh_event *ev, void *data)
{
	struct engine *e = data;
	struct neigh_cache *n = ev->ifindex == e->ifindex ? neigh_find(e, &ev->addr) : NULL;
	char a[ADDR_STRLEN], m1[18], m2[18];

	if (!n)
		return;
	addr_str(&ev->addr, a, sizeof(a));
	if (ev->has_mac) {
		if (n->failed) {
			n->failed = false;
			e->need_apply = true;
			log_info("backend %s resolves again (%s)", a, mac_str(ev->mac, m1, sizeof(m1)));
		}
		if (!memcmp(n->mac, ev->mac, 6))
			return;
		log_warnx("backend %s moved from MAC %s to %s; following it", a,
			  mac_str(n->mac, m1, sizeof(m1)), mac_str(ev->mac, m2, sizeof(m2)));
		memcpy(n->mac, ev->mac, 6);
		for (int v = 0; v < DSRLB_MAX_VIPS; v++)
			for (int j = 0; e->vips[v] && j < e->vips[v]->nb; j++) {
				struct eng_backend *b = &e->vips[v]->b[j];

				if (b->state != BACKEND_OFF && !addr_cmp(&b->addr, &ev->addr) &&
				    dp_backend_set(e->dp, b->id, ev->mac, false))
					log_errx("backend %s: cannot write its new MAC", a);
			}
	} else if (ev->failed && !n->failed) {
		n->failed = true;
		e->need_apply = true;
		log_warnx("backend %s: no answer to ARP/NDP on %s (neighbour entry failed); it takes no new flows until it answers",
			  a, e->base.iface);
	} else if (ev->deleted) {
		/* someone flushed it: ask for a managed entry again; the MAC stays meanwhile */
		neigh_request(e->ifindex, &ev->addr);
	}
}

static void engine_tick(struct engine *e);

int engine_wait(struct engine *e, int max_ms, struct pollfd *extra, int nextra)
{
	int n = 0, hn, cap = 1 + 8 + 4096, t, r;
	uint64_t now = health_now_ms();
	char err[512];

	if (!e->pfd) {
		e->pfd = calloc((size_t)cap, sizeof(*e->pfd));
		if (!e->pfd)
			return -ENOMEM;
	}
	e->pfd[n].fd = neigh_watch_fd(e->nw);
	e->pfd[n].events = POLLIN;
	e->pfd[n++].revents = 0;
	for (int i = 0; i < nextra && i < 8; i++) {
		e->pfd[n] = extra[i];
		e->pfd[n++].revents = 0;
	}
	hn = health_pollfds(e->health, e->pfd + n, cap - n);
	t = health_timeout_ms(e->health, now);
	if (t < 0 || t > max_ms)
		t = max_ms;
	if (e->next_nprobe > now && e->next_nprobe - now < (uint64_t)t)
		t = (int)(e->next_nprobe - now);
	r = poll(e->pfd, (nfds_t)(n + hn), t);
	if (r < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < nextra && i < 8; i++)
		extra[i].revents = r > 0 ? e->pfd[1 + i].revents : 0;
	if (r > 0 && e->pfd[0].revents && neigh_watch_read(e->nw, on_neigh, e) == -ENOBUFS)
		log_warnx("neighbour events were lost (ENOBUFS); the next ARP/NDP round catches up");
	now = health_now_ms();
	if (health_run(e->health, now, e->pfd + n, r > 0 ? hn : 0))
		e->need_apply = true;
	if (now >= e->next_nprobe) {
		for (int i = 0; i < e->nneigh; i++) {
			const struct dsrlb_addr *src =
				e->neigh[i].addr.family == DSRLB_AF_INET ? &e->src4 : &e->src6;

			if (src->family || e->neigh[i].addr.family == DSRLB_AF_INET6)
				neigh_probe(e->ifindex, e->ifmac, src, &e->neigh[i].addr);
		}
		e->next_nprobe = now + NPROBE_MS;
	}
	if (e->need_apply && e->have_cur && now >= e->retry_apply) {
		e->need_apply = false;
		if (engine_apply(e, &e->cur, err, sizeof(err))) {
			log_errx("cannot apply the health/neighbour change: %s (retrying in 1 s)", err);
			e->need_apply = true;
			e->retry_apply = now + 1000;
		}
	}
	engine_tick(e);
	return 0;
}

static void engine_tick(struct engine *e)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (health_now_ms() >= e->next_sample) {
		engine_sample_rates(e);
		e->next_sample = health_now_ms() + 1000;
	}
	if (now.tv_sec >= e->next_recount) {
		lc_recount(e);
		e->next_recount = now.tv_sec + LC_RECOUNT_S;
	}
}

void engine_print_stats(struct engine *e, const char *when)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	uint64_t rs[DSRLB_R__MAX];
	char a[ADDR_STRLEN], line[4096];

	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct eng_vip *vp = e->vips[v];
		struct dsrlb_counter c;
		size_t off;

		if (!vp || dp_counter_sum(e->dp, DP_VIP_STATS, (uint32_t)v, &c))
			continue;
		off = (size_t)snprintf(line, sizeof(line), "%s VIP %s: %llu packets, %llu bytes;",
				       when, vip_spec_str(&vp->spec, a, sizeof(a)),
				       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		for (int j = 0; j < vp->nb && off < sizeof(line); j++) {
			struct dsrlb_counter bc = {};
			int64_t active = 0;

			if (vp->b[j].state != BACKEND_OFF) {
				dp_counter_sum(e->dp, DP_BACKEND_STATS, vp->b[j].id, &bc);
				dp_conns_get(e->dp, vp->b[j].id, &active);
			}
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
						addr_str(&vp->b[j].addr, a, sizeof(a)),
						(unsigned long long)bc.packets);
			if (vp->sched == SCHED_LC && off < sizeof(line))
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
	{
		uint64_t fs[DSRLB_FS__MAX];

		if (e->base.flow_size && !dp_flow_stats(e->dp, fs) && (fs[DSRLB_FS_NEW] || fs[DSRLB_FS_REFUSED]))
			log_info("%s flow table: %llu hits, %llu new, %llu refused (over %u/s per CPU), %llu placed again",
				 when, (unsigned long long)fs[DSRLB_FS_HIT],
				 (unsigned long long)fs[DSRLB_FS_NEW],
				 (unsigned long long)fs[DSRLB_FS_REFUSED], e->base.new_flows_per_sec,
				 (unsigned long long)fs[DSRLB_FS_REPLACED]);
	}
}

int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen)
{
	char dir[300];
	int ifindex = (int)if_nametoindex(iface), r;

	if (!ifindex) {
		snprintf(err, errlen, "interface '%s' not found (see: ip link show)", iface);
		return -ENODEV;
	}
	r = pin_dir_ready(pin_dir, err, errlen);
	if (r)
		return r;
	r = dp_detach_any(ifindex);
	if (r == -EBUSY) {
		snprintf(err, errlen, "the XDP program on %s is not dsrlb's; left alone", iface);
		return r;
	}
	if (r && r != -ENOENT) {
		snprintf(err, errlen, "cannot detach from %s: %s", iface, strerror(-r));
		return r;
	}
	snprintf(dir, sizeof(dir), "%s/%s", pin_dir, iface);
	dp_unpin_dir(dir);
	log_info("%s: %s; pinned maps under %s removed", iface,
		 r == -ENOENT ? "no dsrlb program was attached" : "dsrlb detached", dir);
	return 0;
}

int engine_stop(struct engine *e, bool detach)
{
	int ret = 0;

	if (!e)
		return 0;
	if (!detach && e->attached) {
		log_info("left attached to %s on its last state (pinned at %s); the next dsrlb run adopts it, dsrlb stop --detach removes it",
			 e->base.iface, e->pindir);
		goto out;
	}
	if (e->attached) {
		int r = dp_detach(e->dp, e->ifindex, e->used);

		if (r) {
			log_err(r, "could not detach from %s; remove it with: ip link set dev %s xdp off",
				e->base.iface, e->base.iface);
			ret = r;
		}
	}
	for (int i = 0; i < e->nneigh; i++)
		if (e->neigh[i].created)
			neigh_forget(e->ifindex, &e->neigh[i].addr);
	if (e->pinned)
		dp_unpin_dir(e->pindir);
out:
	health_close(e->health);
	neigh_watch_close(e->nw);
	if (e->have_cur)
		cfg_free(&e->cur);
	free(e->pfd);
	free(e->rates);
	for (int v = 0; v < DSRLB_MAX_VIPS; v++)
		vip_free(e->vips[v]);
	dp_close(e->dp);
	free(e->neigh);
	free(e->ring);
	free(e);
	return ret;
}
