// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine's data plane, opened: its pin_dir made ready (a bpffs), the
 * program loaded or the pinned one taken over, and what the pinned one holds
 * adopted as the applied state, so that the first plan changes only what the
 * config changes.
 */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "engine/engine_int.h"
#include "lib/log.h"
#include "net/ifaddr.h"

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

static uint64_t netns_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint64_t)st.st_ino;
}

/* Load the program and its maps, or take over the ones pinned for this interface. */
int engine_open_dp(struct engine *e, bool daemon, char *err, size_t errlen)
{
	struct dp_opts o = { .hash_seed = e->m.c.hash_seed, .flow_size = e->m.c.flow_size,
			     .tcp_timeout = e->m.c.tcp_timeout, .udp_timeout = e->m.c.udp_timeout,
			     .new_flows_per_sec = e->m.c.new_flows_per_sec };
	struct dsrlb_meta pm;
	int r;

	r = pin_dir_ready(e->m.c.pin_dir, err, errlen);
	if (r)
		return r;
	snprintf(e->pindir, sizeof(e->pindir), "%s/%s", e->m.c.pin_dir, e->m.c.iface);
	if (!daemon && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "a dsrlb daemon's data plane is pinned at %s (it may still be balancing); remove it first with: dsrlb stop --detach -i %s",
			 e->pindir, e->m.c.iface);
		r = -EEXIST;
		return r;
	}
	memcpy(o.ifmac, e->ifmac, 6);
	o.pin_dir = e->pindir;
	o.ifindex = e->ifindex;
	o.netns = netns_inode();
	r = dp_open(&e->dp, &o);
	if (r == -EMEDIUMTYPE && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "the data plane pinned at %s was built for hash_seed %u and flow_table size %u (ABI %u); this config has %u and %u (ABI %u). Nothing was changed. To start over: dsrlb stop --detach -i %s",
			 e->pindir, pm.hash_seed, pm.flow_size, pm.abi, e->m.c.hash_seed,
			 e->m.c.flow_size, DSRLB_ABI_VERSION, e->m.c.iface);
		return r;
	}
	if (r == -EXDEV && !dp_pinned_meta(e->pindir, &pm)) {
		snprintf(err, errlen,
			 "the data plane pinned at %s belongs to another interface or network namespace (interface index %u, namespace %llu; here %d, %llu): two daemons must not share a pin_dir. Nothing was changed; give this one its own pin_dir",
			 e->pindir, pm.ifindex, (unsigned long long)pm.netns, e->ifindex,
			 (unsigned long long)o.netns);
		return r;
	}
	if ((r == -E2BIG || r == -ENOMEM) && dp_flow_bytes_for(e->m.c.flow_size) > (64ull << 20)) {
		snprintf(err, errlen,
			 "cannot make the flow table: flow_table size %u takes %.0f MB on this machine (16 bytes an entry, once per CPU and once more): %s. Give it a smaller size",
			 e->m.c.flow_size, (double)dp_flow_bytes_for(e->m.c.flow_size) / 1e6, strerror(-r));
		return r;
	}
	if (r) {
		snprintf(err, errlen,
			 "cannot load the XDP program: %s (run as root; -vv shows the verifier log%s)",
			 strerror(-r), daemon ? "; maps pinned by another version are refused, not reset: dsrlb stop --detach removes them" : "");
		return r;
	}
	return 0;
}

/* ---- adoption ----------------------------------------------------------------------------- */

struct adopt {
	struct engine *e;
	struct hmap seen; /* backend id -> 1: an id under two keys is nobody's */
	uint32_t *dup;
	int ndup;
	int nv, nb;
};

static void adopt_vip(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct adopt *ad = ctx;
	struct engine *e = ad->e;
	struct app_vip *v;
	struct spec_key sk;

	if (k->kind != DSRLB_CTL_VIP || id >= DSRLB_MAX_VIPS || e->app.vip[id])
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->id = id;
	v->adopted = true;
	v->spec.addr.family = k->family;
	memcpy(v->spec.addr.bytes, k->addr, sizeof(k->addr));
	v->spec.port = k->port;
	v->spec.protos = k->protos;
	snprintf(v->name, sizeof(v->name), "(adopted %u)", id);
	dp_ring_read(e->dp, id, &v->sched, &v->size, NULL);
	spec_key(&v->spec, &sk);
	if (hmap_put(&e->app.by_spec, &sk, sizeof(sk), v)) {
		free(v);
		return;
	}
	e->app.vip[id] = v;
	e->app.nvips++;
	e->app.table_bytes += dp_ring_bytes(e->dp, id);
	idpool_claim(&e->app.vids, id);
	ad->nv++;
}

static void adopt_backend(const struct dsrlb_ctl_key *k, uint32_t id, void *ctx)
{
	struct adopt *ad = ctx;
	struct engine *e = ad->e;
	struct dsrlb_backend be;
	struct app_member *m;
	struct app_vip *v;
	void *p;

	if (k->kind != DSRLB_CTL_BACKEND || k->vip_id >= DSRLB_MAX_VIPS || id >= DSRLB_MAX_BACKENDS)
		return;
	v = e->app.vip[k->vip_id];
	if (!v)
		return;
	if (hmap_get(&ad->seen, &id, sizeof(id))) {
		/* the same id under two keys (a daemon killed mid-change): nobody's */
		p = realloc(ad->dup, sizeof(*ad->dup) * (size_t)(ad->ndup + 1));
		if (p) {
			ad->dup = p;
			ad->dup[ad->ndup++] = id;
		}
		return;
	}
	hmap_put(&ad->seen, &id, sizeof(id), (void *)1);
	p = realloc(v->m, (size_t)(v->nm + 1) * sizeof(*v->m));
	if (!p)
		return;
	v->m = p;
	m = &v->m[v->nm++];
	memset(m, 0, sizeof(*m));
	m->addr.family = k->family;
	memcpy(m->addr.bytes, k->addr, sizeof(k->addr));
	m->id = id;
	m->state = BACKEND_UP;
	dp_backend_read(e->dp, id, &be);
	m->valid = be.flags & DSRLB_BACKEND_F_VALID;
	memcpy(m->mac, be.mac, 6);
	idpool_claim(&e->app.bids, id);
	ad->nb++;
}

void engine_adopt(struct engine *e)
{
	struct adopt ad = { .e = e };

	dp_ids_foreach(e->dp, adopt_vip, &ad);
	dp_ids_foreach(e->dp, adopt_backend, &ad);
	for (int d = 0; d < ad.ndup; d++)
		for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
			for (int j = 0; e->app.vip[v] && j < e->app.vip[v]->nm; j++)
				if (e->app.vip[v]->m[j].id == ad.dup[d]) {
					struct app_vip *x = e->app.vip[v];

					x->m[j] = x->m[--x->nm];
					ad.nb--;
					j--;
				}
	/* rings of ids the pinned ids do not name: left by a change cut short */
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
		if (!e->app.vip[v] && !dp_ring_read(e->dp, v, NULL, NULL, NULL))
			dp_ring_remove(e->dp, v);
	free(ad.dup);
	hmap_free(&ad.seen);
	/* their addresses, so that re-plans find them */
	for (uint32_t v = 0; v < DSRLB_MAX_VIPS; v++)
		for (int j = 0; e->app.vip[v] && j < e->app.vip[v]->nm; j++) {
			resolver_want(e->res, &e->app.vip[v]->m[j].addr);
			resolver_use(e->res, &e->app.vip[v]->m[j].addr, v, +1);
		}
	log_info("adopted the data plane pinned at %s (%d VIPs, %d backends); it kept balancing meanwhile",
		 e->pindir, ad.nv, ad.nb);
}

/* dsrlb stop --detach: off the interface, and the pins removed. */
/* Is the data plane pinned under pin_dir/iface (if any) this interface's in this namespace? */
int engine_pinned_check(const char *iface, const char *pin_dir, int *ifindex, char *err, size_t errlen)
{
	char dir[300];
	struct dsrlb_meta pm;
	int r = iface_info(iface, ifindex, NULL, NULL);

	if (r) {
		snprintf(err, errlen, "interface '%s' not found (see: ip link show)", iface);
		return -ENODEV;
	}
	r = pin_dir_ready(pin_dir, err, errlen);
	if (r)
		return r;
	snprintf(dir, sizeof(dir), "%s/%s", pin_dir, iface);
	if (!dp_pinned_meta(dir, &pm) && (pm.ifindex != (uint32_t)*ifindex || (pm.netns && pm.netns != netns_inode()))) {
		/* another daemon's, on another interface or in another namespace: not ours to remove */
		snprintf(err, errlen,
			 "the data plane pinned at %s belongs to another interface or network namespace (interface index %u, namespace %llu; here %d, %llu); nothing was changed. Run dsrlb stop --detach where that daemon runs",
			 dir, pm.ifindex, (unsigned long long)pm.netns, *ifindex, (unsigned long long)netns_inode());
		return -EXDEV;
	}
	return 0;
}

int engine_detach_pinned(const char *iface, const char *pin_dir, char *err, size_t errlen)
{
	char dir[300];
	int ifindex = 0, r = engine_pinned_check(iface, pin_dir, &ifindex, err, errlen);

	if (r)
		return r;
	snprintf(dir, sizeof(dir), "%s/%s", pin_dir, iface);
	r = dp_detach_any(ifindex);
	if (r == -EBUSY) {
		snprintf(err, errlen, "the XDP program on %s is not dsrlb's; left alone", iface);
		return r;
	}
	if (r && r != -ENOENT) {
		snprintf(err, errlen, "cannot detach from %s: %s", iface, strerror(-r));
		return r;
	}
	dp_unpin_dir(dir);
	log_info("%s: %s; pinned maps under %s removed", iface,
		 r == -ENOENT ? "no dsrlb program was attached" : "dsrlb detached", dir);
	return 0;
}
