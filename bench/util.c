// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dsrlb-bench's helpers: namespaces, interfaces, counters, and the data plane set up as the engine would. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine/maglev.h"
#include "gen.skel.h"
#include "lib/addr.h"

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void die(const char *what, int err)
{
	fprintf(stderr, "dsrlb-bench: %s%s%s\n", what, err ? ": " : "",
		err ? strerror(err < 0 ? -err : err) : "");
	exit(1);
}

int enter_ns(const char *name)
{
	char path[256];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return err;
}

int if_info(const char *ifname, int *ifindex, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	*ifindex = (int)if_nametoindex(ifname);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!*ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -ENODEV;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

uint64_t percpu_sum(int map_fd)
{
	int n = libbpf_num_possible_cpus();
	uint64_t *v = calloc(n, sizeof(*v)), s = 0;
	uint32_t zero = 0;

	if (v && !bpf_map_lookup_elem(map_fd, &zero, v))
		for (int i = 0; i < n; i++)
			s += v[i];
	free(v);
	return s;
}

void pin_cpu(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

void pin_cpu0(void)
{
	pin_cpu(0);
}

const char *kind_name(enum gen_kind k)
{
	return k == GEN_TCP4 ? "tcp4" : k == GEN_UDP6 ? "udp6" : "udp4";
}

/* One backend entry, as the engine writes it for a new backend. */
int bench_backend(struct dp *dp, uint32_t id, const uint8_t *mac)
{
	struct dp_backend_write w = { .id = id, .valid = true, .new_owner = true };

	memcpy(w.mac, mac, 6);
	return dp_backends_write(dp, &w, 1);
}

/* A VIP's table live: written aside, in place, flipped. */
int bench_ring(struct dp *dp, uint32_t vip, const uint32_t *slots, uint32_t size)
{
	int e = dp_ring_write(dp, vip, DSRLB_SCHED_MAGLEV, slots, size);

	e = e ?: dp_rings_commit(dp);
	return e ?: dp_ring_flip(dp, vip);
}

/*
 * Configure the real dsrlb data plane through its own loader: `vips` VIPs on
 * consecutive addresses from dst, each with `backends` backends.
 */
struct dp *dsrlb_lib_setup(const struct args *a, int ifindex, const uint8_t ifmac[6],
				  enum gen_kind kind, const uint8_t *backend_mac)
{
	struct dp_opts o = { .hash_seed = 0x64737231u,
			     .flow_size = a->flow_size, .tcp_timeout = 300, .udp_timeout = 30,
			     .new_flows_per_sec = a->flow_rate };
	struct maglev_backend *mb = calloc(a->backends, sizeof(*mb));
	uint32_t *ring = calloc(a->table, sizeof(*ring)), *ids = calloc(a->backends, 4);
	uint32_t next_id = 0;
	struct dp *dp;
	int e;

	(void)ifindex;
	if (!mb || !ring || !ids)
		die("out of memory", 0);
	memcpy(o.ifmac, ifmac, 6);
	e = dp_open(&dp, &o);
	if (e)
		die("loading dsrlb's program", e);
	for (uint32_t b = 0; b < a->backends && !e; b++) {
		memset(&mb[b], 0, sizeof(mb[b]));
		mb[b].addr.family = DSRLB_AF_INET;
		mb[b].addr.bytes[0] = 198;
		mb[b].addr.bytes[1] = 18;
		mb[b].addr.bytes[2] = (uint8_t)(1 + b / 250);
		mb[b].addr.bytes[3] = (uint8_t)(1 + b % 250);
		mb[b].weight = 1;
	}
	if (!e)
		e = maglev_build(mb, (int)a->backends, a->table, ring);
	for (uint32_t v = 0; v < a->vips && !e; v++) {
		struct dsrlb_addr va;
		static uint32_t *r2;

		for (uint32_t b = 0; b < a->backends && !e; b++) {
			uint8_t mac[6] = { 0x02, 0xbe, (uint8_t)(next_id >> 16), (uint8_t)(next_id >> 8),
					   (uint8_t)next_id, 1 };

			ids[b] = next_id++;
			e = bench_backend(dp, ids[b], backend_mac ? backend_mac : mac);
		}
		if (!r2)
			r2 = calloc(a->table, sizeof(*r2));
		for (uint32_t s = 0; s < a->table; s++)
			r2[s] = ids[ring[s]];
		e = e ?: dp_ring_write(dp, v, DSRLB_SCHED_MAGLEV, r2, a->table);
		if (kind == GEN_UDP6) {
			addr_parse(a->dst6, &va);
			uint32_t w;

			memcpy(&w, va.bytes + 12, 4);
			w = htonl(ntohl(w) + v);
			memcpy(va.bytes + 12, &w, 4);
		} else {
			addr_parse(a->dst4, &va);
			uint32_t w;

			memcpy(&w, va.bytes, 4);
			w = htonl(ntohl(w) + v);
			memcpy(va.bytes, &w, 4);
		}
		e = e ?: dp_index_add(dp, &va, a->dport, IPPROTO_UDP,
				      v | (a->stateless ? DSRLB_VIP_ID_STATELESS : 0));
		e = e ?: dp_index_add(dp, &va, a->dport, IPPROTO_TCP,
				      v | (a->stateless ? DSRLB_VIP_ID_STATELESS : 0));
	}
	/* every new ring in place in one batch, then each flipped live, then the index */
	e = e ?: dp_rings_commit(dp);
	for (uint32_t v = 0; v < a->vips && !e; v++)
		e = dp_ring_flip(dp, v);
	e = e ?: dp_index_commit(dp);
	if (e)
		die("configuring dsrlb's maps", e);
	free(mb);
	free(ring);
	free(ids);
	return dp;
}

/* One rate measurement. */

struct gen_bpf *gen_open(const struct args *a, enum gen_kind kind, uint32_t ndst,
			 const uint8_t gen_mac[6],
			 const uint8_t lb_mac[6])
{
	struct gen_bpf *g = gen_bpf__open();
	int e;

	if (!g)
		die("opening the generator", errno);
	memcpy((void *)g->rodata->cfg.dmac, lb_mac, 6);
	memcpy((void *)g->rodata->cfg.smac, gen_mac, 6);
	g->rodata->cfg.kind = kind;
	g->rodata->cfg.nsrc = a->srcs < a->flows ? a->srcs : a->flows;
	g->rodata->cfg.nflows = a->flows;
	g->rodata->cfg.ndst = ndst;
	inet_pton(AF_INET, "198.19.0.1", (void *)&g->rodata->cfg.saddr4);
	inet_pton(AF_INET, a->dst4, (void *)&g->rodata->cfg.daddr4);
	inet_pton(AF_INET6, "2001:2:0:1::1:0", (void *)g->rodata->cfg.saddr6);
	if (a->dst6)
		inet_pton(AF_INET6, a->dst6, (void *)g->rodata->cfg.daddr6);
	g->rodata->cfg.dport = htons(a->dport);
	g->rodata->cfg.ncpus = (uint16_t)(a->cpus > 1 ? a->cpus : 1);
	if ((e = gen_bpf__load(g)))
		die("loading the generator", e);
	return g;
}
