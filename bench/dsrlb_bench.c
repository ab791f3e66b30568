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
 *   memlat ns of one dependent load from a random cache line of N MB (what
 *          a flow-table hit pays once its table outgrows the caches)
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
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "engine/maglev.h"
#include "lib/addr.h"
#include "baseline.skel.h"
#include "gen.skel.h"

/* One generator's run: n live frames from CPU cpu (its NAPI, the veths' and the balancer's follow it). */
struct gen_run {
	int fd, ifindex, cpu, err;
	uint64_t n;
	pthread_t t;
};

static void *gen_thread(void *arg)
{
	struct gen_run *r = arg;
	uint8_t frame[GEN_FRAME_LEN] = {};
	/* live mode insists that ctx describes the whole frame */
	struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = (__u32)r->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

	pin_cpu(r->cpu);
	o.repeat = (__u32)r->n;
	r->err = bpf_prog_test_run_opts(r->fd, &o) ? errno : 0;
	return NULL;
}

/* n frames in all from cpus generators at once, one a CPU (the namespace is the caller's: threads share it). */
static void gen_frames(int fd, int ifindex, uint32_t cpus, uint64_t n)
{
	struct gen_run r[64];

	for (uint32_t c = 0; c < cpus; c++) {
		r[c] = (struct gen_run){ .fd = fd, .ifindex = ifindex, .cpu = (int)c, .n = n / cpus };
		if (pthread_create(&r[c].t, NULL, gen_thread, &r[c]))
			die("starting a generator thread", errno);
	}
	for (uint32_t c = 0; c < cpus; c++) {
		pthread_join(r[c].t, NULL);
		if (r[c].err)
			die("running the generator", r[c].err);
	}
}

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

	g = gen_open(a, a->kind, a->ndst ? a->ndst : a->vips, gen_mac, lb_mac);
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
		/* warm-up: every flow once (the generator's step is a permutation) and a tenth more */
		uint64_t n = round ? a->packets : a->packets / 10 + a->flows, before, last, cur;
		uint64_t fs0[DSRLB_FS__MAX] = { 0 }, fs1[DSRLB_FS__MAX];
		double t0, t_end, t_last;

		if (dp)
			dp_flow_stats(dp, fs0);
		before = percpu_sum(cnt_fd);
		t0 = now();
		if (a->cpus > 1) {
			gen_frames(gen_fd, gen_if, a->cpus, n);
		} else {
			/* live mode insists that ctx describes the whole frame */
			struct xdp_md ctx = { .data_end = sizeof(frame), .ingress_ifindex = (__u32)gen_if };
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
				    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
				    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

			o.repeat = (__u32)n;
			if (bpf_prog_test_run_opts(gen_fd, &o))
				die("running the generator", errno);
		}
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
		/* what the flow table did meanwhile: a packet that misses pays the VIP's table and a write */
		if (dp && !dp_flow_stats(dp, fs1))
			printf("{\"type\":\"flowstats\",\"case\":\"%s\",\"flows\":%u,\"hit\":%llu,"
			       "\"new\":%llu,\"evicted\":%llu,\"replaced\":%llu,\"sent\":%llu}\n",
			       a->label ? a->label : a->which, a->flows,
			       (unsigned long long)(fs1[DSRLB_FS_HIT] - fs0[DSRLB_FS_HIT]),
			       (unsigned long long)(fs1[DSRLB_FS_NEW] - fs0[DSRLB_FS_NEW]),
			       (unsigned long long)(fs1[DSRLB_FS_EVICTED] - fs0[DSRLB_FS_EVICTED]),
			       (unsigned long long)(fs1[DSRLB_FS_REPLACED] - fs0[DSRLB_FS_REPLACED]),
			       (unsigned long long)n);
		printf("{\"type\":\"rate\",\"case\":\"%s\",\"kind\":\"%s\",\"sent\":%llu,"
		       "\"delivered\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"vips\":%u,"
		       "\"backends\":%u,\"flows\":%u,\"ndst\":%u,\"cpus\":%u}\n",
		       a->label ? a->label : a->which, kind_name(a->kind), (unsigned long long)n,
		       (unsigned long long)(last - before), t_last - t0,
		       (double)(last - before) / (t_last - t0), a->vips, a->backends, a->flows,
		       a->ndst ? a->ndst : a->vips, a->cpus > 1 ? a->cpus : 1);
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
	g = gen_open(a, a->kind == GEN_UDP6 ? GEN_UDP4 : a->kind /* IPv4 only */, a->ndst ? a->ndst : 1,
		     gen_mac, lb_mac);
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
		{ "pps", 1, 0, 'P' }, { "cpus", 1, 0, 'C' }, { "stateless", 0, 0, 'N' }, { 0 },
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
		case 'C': a.cpus = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'N': a.stateless = true; break;
		default: return 2;
		}
	}
	if (!a.flows || !a.srcs || !a.vips || !a.backends || !a.reps)
		die("flows, srcs, vips, backends and reps must be at least 1", 0);
	if (a.cpus > 64 || (a.cpus > 1 && a.flows < a.cpus))
		die("cpus: at most 64, and no more than flows", 0);
	libbpf_set_print(NULL);
	if (!strcmp(cmd, "rate")) {
		if (!a.gen_ns || !a.lb_ns)
			die("rate needs --gen-ns and --lb-ns", 0);
		cmd_rate(&a);
	} else if (!strcmp(cmd, "cost")) {
		cmd_cost(&a);
	} else if (!strcmp(cmd, "build")) {
		cmd_build(&a);
	} else if (!strcmp(cmd, "memlat")) {
		cmd_memlat(&a);
	} else if (!strcmp(cmd, "stream")) {
		if (!a.gen_ns || !a.lb_ns)
			die("stream needs --gen-ns and --lb-ns", 0);
		cmd_stream(&a);
	} else {
		die("unknown command (rate, cost or build)", 0);
	}
	return 0;
}
