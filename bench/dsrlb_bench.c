// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb-bench: the measuring half of `make bench` (bench/run.sh builds the
 * namespaces and starts the systems under test). Every command prints JSON
 * lines, one per measurement, for bench/report.py.
 *
 *   rate   push N live frames from the generator veth and count what the sink
 *          gets back (or what the drop baseline counted): packets per second
 *   cost   ns per packet of dsrlb's program under BPF_PROG_TEST_RUN
 *   build  time to build one VIP's Maglev table and swap it into the map
 *   stream frames for some seconds through whatever runs on the balancer's
 *          veth: sent and delivered (the control-plane panel restarts dsrlb
 *          meanwhile)
 */
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

#include "lib/addr.h"
#include "bench_abi.h"
#include "dataplane/dataplane.h"
#include "engine/maglev.h"
#include "baseline.skel.h"
#include "gen.skel.h"

struct args {
	const char *gen_ns, *lb_ns, *gen_if, *lb_if, *which, *label;
	enum gen_kind kind;
	uint64_t packets;
	uint32_t flows, srcs, vips, backends, table, reps, ndst, flow_size, flow_rate;
	uint32_t seconds, rate; /* stream */
	const char *dst4, *dst6;
	uint16_t dport;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "dsrlb-bench: %s%s%s\n", what, err ? ": " : "",
		err ? strerror(err < 0 ? -err : err) : "");
	exit(1);
}

static int enter_ns(const char *name)
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

static int if_info(const char *ifname, int *ifindex, uint8_t mac[6])
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

static uint64_t percpu_sum(int map_fd)
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

static void pin_cpu0(void)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

static const char *kind_name(enum gen_kind k)
{
	return k == GEN_TCP4 ? "tcp4" : k == GEN_UDP6 ? "udp6" : "udp4";
}

/* One backend entry, as the engine writes it for a new backend. */
static int bench_backend(struct dp *dp, uint32_t id, const uint8_t *mac)
{
	struct dp_backend_write w = { .id = id, .valid = true, .new_owner = true };

	memcpy(w.mac, mac, 6);
	return dp_backends_write(dp, &w, 1);
}

/* A VIP's table live: written aside, in place, flipped. */
static int bench_ring(struct dp *dp, uint32_t vip, const uint32_t *slots, uint32_t size)
{
	int e = dp_ring_write(dp, vip, DSRLB_SCHED_MAGLEV, slots, size);

	e = e ?: dp_rings_commit(dp);
	return e ?: dp_ring_flip(dp, vip);
}

/*
 * Configure the real dsrlb data plane through its own loader: `vips` VIPs on
 * consecutive addresses from dst, each with `backends` backends.
 */
static struct dp *dsrlb_lib_setup(const struct args *a, int ifindex, const uint8_t ifmac[6],
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
		e = e ?: dp_index_add(dp, &va, a->dport, IPPROTO_UDP, v);
		e = e ?: dp_index_add(dp, &va, a->dport, IPPROTO_TCP, v);
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
static void cmd_rate(const struct args *a)
{
	int gen_if, lb_if, e, gen_fd, cnt_fd;
	uint8_t gen_mac[6], lb_mac[6], frame[GEN_FRAME_LEN] = {};
	struct gen_bpf *g;
	struct baseline_bpf *bl = NULL;
	struct dp *dp = NULL;
	enum dp_mode used;
	bool drop_case = !strcmp(a->which, "drop");

	if ((e = enter_ns(a->lb_ns)) || (e = if_info(a->lb_if, &lb_if, lb_mac)))
		die("balancer namespace/interface", e);
	if ((e = enter_ns(a->gen_ns)) || (e = if_info(a->gen_if, &gen_if, gen_mac)))
		die("generator namespace/interface", e);

	g = gen_bpf__open();
	if (!g)
		die("opening the generator", errno);
	memcpy((void *)g->rodata->cfg.dmac, lb_mac, 6);
	memcpy((void *)g->rodata->cfg.smac, gen_mac, 6);
	g->rodata->cfg.kind = a->kind;
	g->rodata->cfg.nsrc = a->srcs < a->flows ? a->srcs : a->flows;
	g->rodata->cfg.nflows = a->flows;
	g->rodata->cfg.ndst = a->ndst ? a->ndst : a->vips;
	inet_pton(AF_INET, "198.19.0.1", (void *)&g->rodata->cfg.saddr4);
	inet_pton(AF_INET, a->dst4, (void *)&g->rodata->cfg.daddr4);
	inet_pton(AF_INET6, "2001:2:0:1::1:0", (void *)g->rodata->cfg.saddr6);
	inet_pton(AF_INET6, a->dst6, (void *)g->rodata->cfg.daddr6);
	g->rodata->cfg.dport = htons(a->dport);
	if ((e = gen_bpf__load(g)))
		die("loading the generator", e);
	gen_fd = bpf_program__fd(g->progs.bench_gen);
	e = bpf_xdp_attach(gen_if, bpf_program__fd(g->progs.bench_sink), XDP_FLAGS_DRV_MODE, NULL);
	if (e)
		die("attaching the sink", e);

	/* The system under test on the balancer's side. */
	if (strcmp(a->which, "external")) {
		if ((e = enter_ns(a->lb_ns)))
			die("balancer namespace", e);
		if (!strcmp(a->which, "dsrlb-lib")) {
			dp = dsrlb_lib_setup(a, lb_if, lb_mac, a->kind, NULL);
			e = dp_attach(dp, lb_if, DP_MODE_NATIVE, false, &used);
		} else {
			bl = baseline_bpf__open();
			if (!bl)
				die("opening the baselines", errno);
			memcpy((void *)bl->rodata->mcfg.dmac, gen_mac, 6);
			memcpy((void *)bl->rodata->mcfg.smac, lb_mac, 6);
			if ((e = baseline_bpf__load(bl)))
				die("loading the baselines", e);
			e = bpf_xdp_attach(lb_if,
					   bpf_program__fd(drop_case ? bl->progs.bench_drop :
								       bl->progs.bench_macswap),
					   XDP_FLAGS_DRV_MODE, NULL);
		}
		if (e)
			die("attaching the program under test", e);
		if ((e = enter_ns(a->gen_ns)))
			die("generator namespace", e);
	}
	cnt_fd = drop_case ? bpf_map__fd(bl->maps.drop_count) : bpf_map__fd(g->maps.sink_count);

	/* Generator, NAPI of both veths and the program under test: one core. */
	pin_cpu0();

	for (int round = 0; round < 2; round++) {
		/* live mode insists that ctx describes the whole frame */
		struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = (__u32)gen_if };
		uint64_t n = round ? a->packets : a->packets / 10, before, last, cur;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
		double t0, t_end, t_last;

		before = percpu_sum(cnt_fd);
		t0 = now();
		o.repeat = (__u32)n;
		if (bpf_prog_test_run_opts(gen_fd, &o))
			die("running the generator", errno);
		t_end = t_last = now();
		/* Anything still in flight (another CPU's NAPI) lands within ms. */
		last = percpu_sum(cnt_fd);
		for (int i = 0; i < 200; i++) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			cur = percpu_sum(cnt_fd);
			if (cur == last && i > 20)
				break;
			if (cur != last)
				t_last = now();
			last = cur;
		}
		if (!round)
			continue; /* warm-up: caches, page pool, neighbour entries */
		if (t_last < t_end)
			t_last = t_end;
		printf("{\"type\":\"rate\",\"case\":\"%s\",\"kind\":\"%s\",\"sent\":%llu,"
		       "\"delivered\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"vips\":%u,"
		       "\"backends\":%u,\"flows\":%u,\"ndst\":%u}\n",
		       a->label ? a->label : a->which, kind_name(a->kind), (unsigned long long)n,
		       (unsigned long long)(last - before), t_last - t0,
		       (double)(last - before) / (t_last - t0), a->vips, a->backends, a->flows,
		       a->ndst ? a->ndst : a->vips);
		fflush(stdout);
	}

	bpf_xdp_detach(gen_if, XDP_FLAGS_DRV_MODE, NULL);
	if (dp || bl) {
		enter_ns(a->lb_ns);
		if (dp)
			dp_detach(dp, lb_if, DP_MODE_NATIVE);
		else
			bpf_xdp_detach(lb_if, XDP_FLAGS_DRV_MODE, NULL);
	}
	dp_close(dp);
	baseline_bpf__destroy(bl);
	gen_bpf__destroy(g);
}

/*
 * A steady stream for a->seconds at up to a->rate frames a second, in
 * bursts, to a->dst4 (udp4 or tcp4 SYNs): how many the sink got back.
 * The balancer side is whatever is attached there; the sink passes what is
 * not the generator's.
 */
static void cmd_stream(const struct args *a)
{
	int gen_if, lb_if, e, gen_fd, cnt_fd;
	uint8_t gen_mac[6], lb_mac[6], frame[GEN_FRAME_LEN] = {};
	uint64_t sent = 0, got0, last;
	double t0, t_end;
	struct gen_bpf *g;

	if ((e = enter_ns(a->lb_ns)) || (e = if_info(a->lb_if, &lb_if, lb_mac)))
		die("balancer namespace/interface", e);
	if ((e = enter_ns(a->gen_ns)) || (e = if_info(a->gen_if, &gen_if, gen_mac)))
		die("generator namespace/interface", e);
	g = gen_bpf__open();
	if (!g)
		die("opening the generator", errno);
	memcpy((void *)g->rodata->cfg.dmac, lb_mac, 6);
	memcpy((void *)g->rodata->cfg.smac, gen_mac, 6);
	g->rodata->cfg.kind = a->kind == GEN_UDP6 ? GEN_UDP4 : a->kind; /* IPv4 only */
	g->rodata->cfg.nsrc = a->srcs < a->flows ? a->srcs : a->flows;
	g->rodata->cfg.nflows = a->flows;
	g->rodata->cfg.ndst = a->ndst ? a->ndst : 1;
	inet_pton(AF_INET, "198.19.0.1", (void *)&g->rodata->cfg.saddr4);
	inet_pton(AF_INET, a->dst4, (void *)&g->rodata->cfg.daddr4);
	g->rodata->cfg.dport = htons(a->dport);
	if ((e = gen_bpf__load(g)))
		die("loading the generator", e);
	gen_fd = bpf_program__fd(g->progs.bench_gen);
	cnt_fd = bpf_map__fd(g->maps.sink_count);
	e = bpf_xdp_attach(gen_if, bpf_program__fd(g->progs.bench_sink_pass), XDP_FLAGS_DRV_MODE, NULL);
	if (e)
		die("attaching the sink", e);
	got0 = last = percpu_sum(cnt_fd);
	t0 = now();
	t_end = t0 + a->seconds;
	for (double t = t0; t < t_end; t = now()) {
		struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = (__u32)gen_if };
		/* what the rate asks for by now (a sleep may last longer than asked) */
		uint64_t due = (uint64_t)((t - t0) * a->rate), n = due > sent ? due - sent : 0;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);
		struct timespec ms = { 0, 100000 };

		/*
		 * Each live-frames run costs ~25 ms of setup here, whatever its
		 * length: bursts of 200 (the veth's rings hold 256) make ~8,000
		 * frames a second at most.
		 */
		if (n > 200)
			n = 200;
		o.repeat = (__u32)n;
		if (n && bpf_prog_test_run_opts(gen_fd, &o))
			die("running the generator", errno);
		sent += n;
		nanosleep(&ms, NULL);
	}
	for (int i = 0; i < 100; i++) { /* what is still in flight */
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
		last = percpu_sum(cnt_fd);
	}
	printf("{\"type\":\"stream\",\"label\":\"%s\",\"sent\":%llu,\"delivered\":%llu,"
	       "\"seconds\":%.3f}\n",
	       a->label ? a->label : "stream", (unsigned long long)sent,
	       (unsigned long long)(last - got0), now() - t0);
	fflush(stdout);
	bpf_xdp_detach(gen_if, XDP_FLAGS_DRV_MODE, NULL);
	gen_bpf__destroy(g);
}

/* Build one 64-byte frame of a kind to a destination, from source index i. */
static void frame_for(uint8_t *f, const uint8_t dmac[6], enum gen_kind k, const char *dst,
		      uint16_t dport, uint32_t i)
{
	memset(f, 0, GEN_FRAME_LEN);
	memcpy(f, dmac, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	if (k == GEN_UDP6) {
		f[12] = 0x86;
		f[13] = 0xdd;
		f[14] = 0x60;
		f[19] = GEN_FRAME_LEN - 54;
		f[20] = IPPROTO_UDP;
		f[21] = 64;
		inet_pton(AF_INET6, "2001:2:0:1::1:0", f + 22);
		f[36] = (uint8_t)(i >> 8);
		f[37] = (uint8_t)i;
		inet_pton(AF_INET6, dst, f + 38);
		f[54] = (uint8_t)(4 + i % 200);
		f[55] = (uint8_t)i;
		f[56] = (uint8_t)(dport >> 8);
		f[57] = (uint8_t)dport;
		f[59] = GEN_FRAME_LEN - 54;
		return;
	}
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = GEN_FRAME_LEN - 14;
	f[22] = 64;
	f[23] = k == GEN_TCP4 ? IPPROTO_TCP : IPPROTO_UDP;
	inet_pton(AF_INET, "198.19.0.1", f + 26);
	f[28] = (uint8_t)(i >> 8);
	f[29] = (uint8_t)i;
	inet_pton(AF_INET, dst, f + 30);
	f[34] = (uint8_t)(4 + i % 200);
	f[35] = (uint8_t)i;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	if (k == GEN_TCP4) {
		f[46] = 0x50;
		f[47] = 0x02;
	} else {
		f[39] = GEN_FRAME_LEN - 34;
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* ns/packet of dsrlb's program in test-run, median of reps runs of 1M. */
static void cmd_cost(const struct args *a)
{
	static const struct {
		const char *name;
		enum gen_kind kind;
		bool hit;
	} cases[] = {
		{ "hit_tcp4", GEN_TCP4, true },
		{ "hit_udp4", GEN_UDP4, true },
		{ "hit_udp6", GEN_UDP6, true },
		{ "miss_udp4", GEN_UDP4, false },
	};
	uint8_t lo_mac[6] = { 0x02, 0x1b, 0, 0, 0, 0x10 };
	int lo = (int)if_nametoindex("lo");
	/*
	 * Test-run reuses one buffer for all repeats, so the program sees its own
	 * output from the second run on. Giving every backend the interface's
	 * MAC makes that output a VIP hit again: the same path every time.
	 */
	struct dp *dp = dsrlb_lib_setup(a, lo ? lo : 1, lo_mac, GEN_UDP4, lo_mac);
	struct args a6 = *a;

	/* An IPv6 VIP beside the IPv4 ones, with its own id. */
	{
		struct dsrlb_addr va;
		uint32_t *ring = calloc(a->table, 4);
		for (uint32_t s = 0; s < a->table; s++)
			ring[s] = DSRLB_MAX_BACKENDS - 1;
		bench_backend(dp, DSRLB_MAX_BACKENDS - 1, lo_mac);
		bench_ring(dp, DSRLB_MAX_VIPS - 1, ring, a->table);
		addr_parse(a6.dst6, &va);
		if (dp_index_add(dp, &va, a->dport, IPPROTO_UDP, DSRLB_MAX_VIPS - 1) ||
		    dp_index_commit(dp))
			die("adding the IPv6 VIP", 0);
		free(ring);
	}

	pin_cpu0();
	/* The floor: an empty XDP program in the same test-run machinery. */
	{
		struct baseline_bpf *bl = baseline_bpf__open_and_load();
		double ns[64];
		uint32_t reps = a->reps > 64 ? 64 : a->reps;
		uint8_t f[GEN_FRAME_LEN];

		if (!bl)
			die("loading the baselines", errno);
		frame_for(f, lo_mac, GEN_UDP4, a->dst4, a->dport, 1);
		for (uint32_t r = 0; r < reps; r++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
				    .repeat = 1000000);

			if (bpf_prog_test_run_opts(bpf_program__fd(bl->progs.bench_pass), &o))
				die("test-run", errno);
			ns[r] = o.duration;
		}
		qsort(ns, reps, sizeof(double), cmp_double);
		printf("{\"type\":\"cost\",\"case\":\"floor\",\"vips\":%u,\"backends\":%u,"
		       "\"ns_median\":%.1f,\"ns_min\":%.1f,\"ns_max\":%.1f}\n",
		       a->vips, a->backends, ns[reps / 2], ns[0], ns[reps - 1]);
		baseline_bpf__destroy(bl);
	}
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double ns[64];
		uint32_t reps = a->reps > 64 ? 64 : a->reps;

		for (uint32_t r = 0; r < reps; r++) {
			uint8_t f[GEN_FRAME_LEN], out[GEN_FRAME_LEN + 64];
			const char *dst = cases[c].kind == GEN_UDP6 ? a->dst6 :
					  cases[c].hit ? a->dst4 : "198.18.0.1";
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = sizeof(f),
				    .data_out = out, .data_size_out = sizeof(out),
				    .repeat = 1000000);

			frame_for(f, lo_mac, cases[c].kind, dst, a->dport, r * 7919 + c);
			if (bpf_prog_test_run_opts(dp_prog_fd(dp), &o))
				die("test-run", errno);
			if (o.retval != (cases[c].hit ? XDP_TX : XDP_PASS))
				die(cases[c].hit ? "a VIP hit was not forwarded" :
						   "a VIP miss was not passed", 0);
			ns[r] = o.duration;
		}
		qsort(ns, reps, sizeof(double), cmp_double);
		printf("{\"type\":\"cost\",\"case\":\"%s%s\",\"vips\":%u,\"backends\":%u,"
		       "\"ns_median\":%.1f,\"ns_min\":%.1f,\"ns_max\":%.1f}\n",
		       cases[c].name, !cases[c].hit ? "" : !a->flow_size ? "_noflowtable" :
		       a->flow_rate <= 1 ? "_flowmiss" : "", a->vips, a->backends,
		       ns[reps / 2], ns[0], ns[reps - 1]);
		fflush(stdout);
	}
	dp_close(dp);
}

/* Build one VIP's table for N weighted backends and swap it in. */
static void cmd_build(const struct args *a)
{
	struct dp_opts o = { .hash_seed = 1 };
	struct maglev_backend *mb = calloc(a->backends, sizeof(*mb));
	uint32_t *ring = calloc(a->table, 4);
	double total[64], build[64];
	uint32_t reps = a->reps > 64 ? 64 : a->reps;
	struct dp *dp;
	int e = dp_open(&dp, &o);

	if (e || !mb || !ring)
		die("loading dsrlb's program", e);
	for (uint32_t b = 0; b < a->backends; b++) {
		mb[b].addr.family = DSRLB_AF_INET;
		mb[b].addr.bytes[0] = 198;
		mb[b].addr.bytes[1] = 18;
		mb[b].addr.bytes[2] = (uint8_t)(1 + b / 250);
		mb[b].addr.bytes[3] = (uint8_t)(1 + b % 250);
		mb[b].weight = 1 + b % 10;
	}
	/* A live VIP first: what is timed is a change, not a VIP's creation. */
	if ((e = maglev_build(mb, (int)a->backends, a->table, ring)) ||
	    (e = bench_ring(dp, 0, ring, a->table)) || (e = dp_index_commit(dp)))
		die("creating the VIP", e);
	for (uint32_t r = 0; r < reps; r++) {
		double t0 = now(), t1;

		mb[r % a->backends].weight++; /* a real change each time */
		if ((e = maglev_build(mb, (int)a->backends, a->table, ring)))
			die("maglev_build", e);
		t1 = now();
		if ((e = bench_ring(dp, 0, ring, a->table)))
			die("writing the table", e);
		build[r] = (t1 - t0) * 1e3;
		total[r] = (now() - t0) * 1e3;
	}
	qsort(total, reps, sizeof(double), cmp_double);
	qsort(build, reps, sizeof(double), cmp_double);
	printf("{\"type\":\"build\",\"backends\":%u,\"table\":%u,\"ms_median\":%.3f,"
	       "\"ms_min\":%.3f,\"ms_max\":%.3f,\"build_ms_median\":%.3f}\n",
	       a->backends, a->table, total[reps / 2], total[0], total[reps - 1],
	       build[reps / 2]);
	dp_close(dp);
	free(mb);
	free(ring);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "gen-ns", 1, 0, 'G' }, { "lb-ns", 1, 0, 'L' },     { "gen-if", 1, 0, 'g' },
		{ "lb-if", 1, 0, 'l' },  { "case", 1, 0, 'c' },      { "kind", 1, 0, 'k' },
		{ "packets", 1, 0, 'n' }, { "flows", 1, 0, 'f' },    { "srcs", 1, 0, 's' },
		{ "vips", 1, 0, 'v' },   { "backends", 1, 0, 'b' },  { "table", 1, 0, 't' },
		{ "reps", 1, 0, 'r' },   { "dst4", 1, 0, '4' },      { "dst6", 1, 0, '6' },
		{ "dport", 1, 0, 'p' },  { "label", 1, 0, 'x' },    { "ndst", 1, 0, 'd' },
		{ "flow-table", 1, 0, 'F' }, { "flow-rate", 1, 0, 'R' }, { "seconds", 1, 0, 'S' },
		{ "pps", 1, 0, 'P' }, { 0 },
	};
	struct args a = {
		.gen_if = "g0", .lb_if = "l0", .which = "dsrlb-lib", .kind = GEN_UDP4,
		.packets = 2000000, .flows = 32768 * 16, .srcs = 32768, .vips = 1,
		.backends = 2, .table = 65537, .reps = 5,
		.dst4 = "198.18.0.15", .dst6 = "2001:2:0:ff::15", .dport = 9,
		.flow_size = 1000000, .flow_rate = 100000, /* dsrlb's defaults */
		.seconds = 5, .rate = 100000,
	};
	const char *cmd;
	int opt;

	if (argc < 2) {
		fprintf(stderr, "usage: dsrlb-bench rate|cost|build|stream [options]; see bench/run.sh\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'G': a.gen_ns = optarg; break;
		case 'L': a.lb_ns = optarg; break;
		case 'g': a.gen_if = optarg; break;
		case 'l': a.lb_if = optarg; break;
		case 'c': a.which = optarg; break;
		case 'k':
			a.kind = !strcmp(optarg, "tcp4") ? GEN_TCP4 :
				 !strcmp(optarg, "udp6") ? GEN_UDP6 : GEN_UDP4;
			break;
		case 'n': a.packets = strtoull(optarg, NULL, 0); break;
		case 'f': a.flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': a.srcs = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'v': a.vips = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'b': a.backends = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 't': a.table = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': a.reps = (uint32_t)strtoul(optarg, NULL, 0); break;
		case '4': a.dst4 = optarg; break;
		case '6': a.dst6 = optarg; break;
		case 'p': a.dport = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'x': a.label = optarg; break;
		case 'd': a.ndst = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'F': a.flow_size = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'R': a.flow_rate = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'S': a.seconds = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'P': a.rate = (uint32_t)strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!a.flows || !a.srcs || !a.vips || !a.backends || !a.reps)
		die("flows, srcs, vips, backends and reps must be at least 1", 0);
	libbpf_set_print(NULL);
	if (!strcmp(cmd, "rate")) {
		if (!a.gen_ns || !a.lb_ns)
			die("rate needs --gen-ns and --lb-ns", 0);
		cmd_rate(&a);
	} else if (!strcmp(cmd, "cost")) {
		cmd_cost(&a);
	} else if (!strcmp(cmd, "build")) {
		cmd_build(&a);
	} else if (!strcmp(cmd, "stream")) {
		if (!a.gen_ns || !a.lb_ns)
			die("stream needs --gen-ns and --lb-ns", 0);
		cmd_stream(&a);
	} else {
		die("unknown command (rate, cost or build)", 0);
	}
	return 0;
}
