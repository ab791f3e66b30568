// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb doctor: checks from the wire, on the balancer, what an L2 DSR
 * deployment needs of each backend of each VIP, and prints the fix:
 *   - it is on the interface's LAN and has a MAC;
 *   - it answers the VIP's service at its MAC (the daemon's VIP-true probe),
 *     and if not, whether it answers on its own address (then the VIP is
 *     missing from its lo);
 *   - it does not answer ARP (or NDP) for the VIP.
 * It uses its own steering filter and marks, so it runs beside a daemon.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tools/doctor.h"
#include "daemon/loop.h"
#include "lib/clock.h"
#include "net/ifaddr.h"
#include "health/health.h"
#include "lib/log.h"
#include "net/neigh.h"

#define DOCTOR_TC_HANDLE 0xd6

struct pair {
	const struct cfg_vip *v;
	const struct cfg_backend *b;
	uint32_t id;
	bool has_mac, created, on_lan;
	bool answers_for_vip; /* ARP (IPv4) or NDP (IPv6) for its VIP */
	uint8_t mac[6];
	bool probed;         /* it has a service to probe (and a MAC) */
	int vip_ok, real_ok; /* -1 no answer yet, 0 failed, 1 passed */
	char vip_why[160];
	uint32_t vip_ms;
};

struct probe_ctx {
	struct pair *p;
	int n;
	bool real;
};

static void collect(const struct hc_status *s, void *data)
{
	struct probe_ctx *c = data;

	for (int i = 0; i < c->n; i++) {
		struct pair *p = &c->p[i];

		if (addr_cmp(&p->b->addr, &s->backend) || !vip_spec_eq(&p->v->spec, &s->spec))
			continue;
		if (!s->passed && !s->failed)
			return;
		if (c->real) {
			p->real_ok = s->passed > 0;
		} else {
			p->vip_ok = s->passed > 0;
			p->vip_ms = s->last_ms;
			snprintf(p->vip_why, sizeof(p->vip_why), "%s", s->reason);
		}
	}
}

static struct cfg_check probe_check(const struct pair *p)
{
	struct cfg_check k = *cfg_backend_check(p->v, p->b);

	if (k.type == CHECK_NONE)
		k.type = p->v->spec.protos & VIP_PROTO_TCP ? CHECK_TCP : CHECK_NONE;
	k.rise = k.fall = 1;
	k.interval_ms = 60000; /* one probe */
	return k;
}

static void on_change(void *ctx, uint32_t vip)
{
	(void)ctx;
	(void)vip;
}

/* One probe per pair (VIP-true, or the backend's own address); waits for all. */
static void run_probes(struct loop *l, struct health *h, struct pair *p, int n, bool real,
		       const struct dsrlb_addr *s4, const struct dsrlb_addr *s6)
{
	struct probe_ctx ctx = { p, n, real };
	uint64_t end = clock_ms() + 6000;
	char err[256];

	/* each pair is a "VIP" of its own to the health checks: its index */
	for (int i = 0; i < n; i++) {
		struct cfg_check k = probe_check(&p[i]);
		struct hc_target t;

		if (!p[i].probed)
			continue;
		k.real = real;
		t = (struct hc_target){ .vip = (uint32_t)i, .vip_name = p[i].v->name,
					.spec = p[i].v->spec, .backend = p[i].b->addr, .bid = p[i].id,
					.check = k,
					.src = p[i].b->addr.family == DSRLB_AF_INET ? *s4 : *s6 };
		if (health_set(h, (uint32_t)i, &t, 1, err, sizeof(err))) {
			log_errx("%s", err);
			return;
		}
	}
	while (clock_ms() < end) {
		bool pending = false;

		loop_run_once(l, 100);
		health_foreach(h, collect, &ctx);
		for (int i = 0; i < n; i++)
			pending |= p[i].probed && (real ? p[i].real_ok : p[i].vip_ok) < 0;
		if (!pending)
			break;
	}
	for (int i = 0; i < n; i++)
		health_set(h, (uint32_t)i, NULL, 0, err, sizeof(err));
}

/*
 * Who answers ARP (IPv4) or NDP (IPv6) for vip? Collects the MACs that do:
 * ARP replies whose sender address is the VIP, neighbour advertisements whose
 * target is the VIP (seen as IPv6 frames, for the sender's Ethernet address).
 */
static int who_answers(struct neigh *nb, int ifindex, const struct dsrlb_addr *src,
		       const struct dsrlb_addr *vip, uint8_t (*macs)[6], int max)
{
	bool v4 = vip->family == DSRLB_AF_INET;
	uint16_t proto = htons(v4 ? ETH_P_ARP : ETH_P_IPV6);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = proto,
				   .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, proto), n = 0;
	uint64_t end;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -errno;
	}
	for (int round = 0; round < 2; round++) {
		neigh_probe(nb, src, vip);
		end = clock_ms() + 400;
		while (clock_ms() < end) {
			struct pollfd p = { fd, POLLIN, 0 };
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			uint8_t buf[128];
			const uint8_t *mac;
			ssize_t k;

			if (poll(&p, 1, 50) <= 0)
				continue;
			k = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (v4) {
				/* op 2 (reply), sender protocol address = the VIP */
				if (k < 28 || buf[6] != 0 || buf[7] != 2 ||
				    memcmp(buf + 14, vip->bytes, 4))
					continue;
				mac = buf + 8;
			} else {
				/* next header ICMPv6, type 136 (NA), target = the VIP */
				if (k < 64 || buf[6] != IPPROTO_ICMPV6 || buf[40] != 136 ||
				    memcmp(buf + 48, vip->bytes, 16) || from.sll_halen != 6 ||
				    from.sll_pkttype == PACKET_OUTGOING)
					continue;
				mac = from.sll_addr;
			}
			bool seen = false;

			for (int i = 0; i < n && !seen; i++)
				seen = !memcmp(macs[i], mac, 6);
			if (!seen && n < max)
				memcpy(macs[n++], mac, 6);
		}
	}
	close(fd);
	return n;
}

/* One pair per (VIP, backend): on the LAN? its MAC (asked for now)? something to probe? */
static int doctor_pairs(const struct cfg *c, struct neigh *nb, struct pair *p, int fd)
{
	struct if_addr *ifa = NULL;
	int np = 0, nif = ifaddr_list(c->iface, &ifa);

	for (int v = 0; v < c->nv; v++) {
		for (int j = 0; j < c->vips[v]->nb; j++) {
			struct pair *x = &p[np];
			struct dsrlb_backend be = { .flags = DSRLB_BACKEND_F_VALID };
			struct cfg_check k;

			x->v = c->vips[v];
			x->b = &c->vips[v]->b[j];
			x->id = (uint32_t)np++;
			x->vip_ok = x->real_ok = -1;
			x->on_lan = nif < 0 || ifaddr_on_lan(ifa, nif, &x->b->addr);
			x->has_mac = !neigh_resolve(nb, &x->b->addr, 2000, x->mac, &x->created);
			memcpy(be.mac, x->mac, 6);
			if (x->has_mac)
				bpf_map_update_elem(fd, &x->id, &be, BPF_ANY);
			k = probe_check(x);
			x->probed = x->has_mac && k.type != CHECK_NONE && (k.port || x->v->spec.port);
		}
	}
	free(ifa);
	return np;
}

/* ARP or NDP for each VIP address, once: who answers that is not a backend? The problems. */
static int doctor_vip_answers(const struct cfg *c, struct neigh *nb, int ifindex,
			      const struct dsrlb_addr *s4, const struct dsrlb_addr *s6,
			      struct pair *p, int np)
{
	char a[ADDR_STRLEN], m[18];
	int problems = 0;

	for (int v = 0; v < c->nv; v++) {
		const struct dsrlb_addr *va = &c->vips[v]->spec.addr;
		const struct dsrlb_addr *src = va->family == DSRLB_AF_INET ? s4 : s6;
		uint8_t macs[16][6];
		bool asked = false;
		int n;

		if (!src->family)
			continue;
		for (int w = 0; w < v && !asked; w++)
			asked = !addr_cmp(&c->vips[w]->spec.addr, va);
		if (asked)
			continue;
		n = who_answers(nb, ifindex, src, va, macs, 16);
		for (int k = 0; k < n; k++) {
			bool known = false;

			for (int i = 0; i < np; i++)
				if (p[i].has_mac && !memcmp(p[i].mac, macs[k], 6) &&
				    !addr_cmp(&p[i].v->spec.addr, va))
					p[i].answers_for_vip = known = true;
			if (!known) {
				problems++;
				printf("PROBLEM: a host at MAC %s (not a backend) answers %s for the VIP %s: it takes the VIP's traffic\n",
				       mac_str(macs[k], m, sizeof(m)), src == s4 ? "ARP" : "NDP",
				       addr_str(va, a, sizeof(a)));
			}
		}
	}
	return problems;
}

/* What is wrong with one backend of a VIP, each with its fix; "ok" if nothing. The problems. */
static int doctor_verdict(const struct cfg *c, const struct pair *x)
{
	const struct cfg_vip *vp = x->v;
	struct cfg_check k = probe_check(x);
	char a[ADDR_STRLEN], va[ADDR_STRLEN], m[18];
	int problems = 0;

	addr_str(&x->b->addr, a, sizeof(a));
	addr_str(&vp->spec.addr, va, sizeof(va));
	mac_str(x->mac, m, sizeof(m));
	if (!x->on_lan) {
		problems++;
		printf("  PROBLEM %s: not on %s's LAN; L2 DSR needs every backend on the balancer's LAN\n"
		       "          fix: give %s an address in one of %s's prefixes, or remove it from vip '%s'\n",
		       a, c->iface, a, c->iface, vp->name);
	}
	if (!x->has_mac) {
		printf("  PROBLEM %s: no MAC (no answer to ARP/NDP on %s)\n"
		       "          fix: is it up and on the LAN? check: ip neigh show %s dev %s\n",
		       a, c->iface, a, c->iface);
		return problems + 1;
	}
	if (x->answers_for_vip && vp->spec.addr.family == DSRLB_AF_INET) {
		problems++;
		printf("  PROBLEM %s (%s): answers ARP for the VIP %s, so it can take the VIP's traffic from the balancer\n"
		       "          fix on %s: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (or: dsrlb backend setup --vip %s --persist)\n",
		       a, m, va, a, va);
	} else if (x->answers_for_vip) {
		/* Linux answers NDP only for addresses on the asked interface */
		problems++;
		printf("  PROBLEM %s (%s): answers NDP for the VIP %s (the VIP is on its LAN interface, not on lo), so it can take the VIP's traffic from the balancer\n"
		       "          fix on %s: ip -6 addr show to %s (which interface), ip -6 addr del %s/LEN dev IFACE, then: dsrlb backend setup --vip %s --persist\n",
		       a, m, va, a, va, va, va);
	}
	if (x->vip_ok == 0) {
		char spec[ADDR_STRLEN + 32];

		problems++;
		printf("  PROBLEM %s (%s): does not answer %s at its MAC (%s: %s)\n", a, m,
		       vip_spec_str(&vp->spec, spec, sizeof(spec)), cfg_check_name(k.type), x->vip_why);
		if (x->real_ok == 1)
			printf("          but it answers on its own address: the VIP is not on its lo\n"
			       "          fix on %s: dsrlb backend setup --vip %s --persist (or: ip addr add %s/%d dev lo)\n",
			       a, va, va, vp->spec.addr.family == DSRLB_AF_INET ? 32 : 128);
		else
			printf("          and not on its own address either: is the service running there?\n");
	}
	if (!problems)
		printf("  ok      %s (%s)%s%s\n", a, m, x->vip_ok == 1 ? ": answers " : "",
		       x->vip_ok == 1 ? cfg_check_name(k.type) : "");
	return problems;
}

int doctor_run(const struct cfg *c)
{
	int ifindex = 0, np = 0, problems = 0, fd, r;
	struct dsrlb_addr s4, s6;
	struct health *h = NULL;
	struct neigh *nb = NULL;
	struct loop *l = NULL;
	enum log_level lvl;
	struct pair *p;
	uint8_t ifmac[6];
	char va[ADDR_STRLEN + 32];

	if (iface_info(c->iface, &ifindex, ifmac, NULL)) {
		log_errx("interface '%s' not found (see: ip link show)", c->iface);
		return 1;
	}
	if (loop_new(&l) || neigh_open(&nb, ifindex, ifmac)) {
		log_errx("cannot talk to the kernel's neighbour table (run as root)");
		neigh_close(nb);
		loop_free(l);
		return 1;
	}
	ifaddr_sources(c->iface, cfg_is_vip_addr, (void *)c, &s4, &s6);
	for (int v = 0; v < c->nv; v++)
		np += c->vips[v]->nb;
	p = calloc(np ? (size_t)np : 1, sizeof(*p));
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_doctor", 4, sizeof(struct dsrlb_backend),
			    DSRLB_MAX_BACKENDS, NULL);
	if (!p || fd < 0) {
		log_errx("cannot create the doctor's map (run as root): %s", strerror(errno));
		free(p);
		neigh_close(nb);
		loop_free(l);
		return 1;
	}
	np = doctor_pairs(c, nb, p, fd);
	lvl = log_get_level();
	log_set_level(LOG_LVL_ERROR); /* the verdicts below say it all */
	r = health_open_as(&h, l, c->iface, fd, DOCTOR_TC_HANDLE, DSRLB_HC_MARK_DOCTOR, on_change,
			   NULL);
	if (r) {
		log_errx("cannot set up the probes: %s", strerror(-r));
	} else {
		run_probes(l, h, p, np, false, &s4, &s6);
		run_probes(l, h, p, np, true, &s4, &s6);
	}
	log_set_level(lvl);
	problems += doctor_vip_answers(c, nb, ifindex, &s4, &s6, p, np);
	for (int v = 0, i = 0; v < c->nv; v++) {
		printf("vip '%s' %s\n", c->vips[v]->name,
		       vip_spec_str(&c->vips[v]->spec, va, sizeof(va)));
		for (int j = 0; j < c->vips[v]->nb; j++, i++)
			problems += doctor_verdict(c, &p[i]);
	}
	for (int i = 0; i < np; i++)
		if (p[i].created)
			neigh_forget(nb, &p[i].b->addr);
	health_close(h);
	neigh_close(nb);
	loop_free(l);
	close(fd);
	free(p);
	printf("%d problem%s found\n", problems, problems == 1 ? "" : "s");
	return problems ? 1 : 0;
}
