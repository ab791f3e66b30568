// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dsrlb-bench cost and build: BPF_PROG_TEST_RUN's ns per packet, and a table's build and swap. */
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
#include "lib/addr.h"
#include "baseline.skel.h"

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
void cmd_cost(const struct args *a)
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
void cmd_build(const struct args *a)
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

/*
 * A pointer chase through one cache line of every (size / lines)-th line of
 * size MB, in random order: each load waits for the one before, as a packet
 * waits for its flow's bucket. Sizes as the flow table's region at 1,000 and
 * 524,288 flows (64 KB and 16 MB) and between.
 */
static double chase(size_t mb_kb, size_t lines)
{
	size_t sz = mb_kb << 10, n = sz / 64, step = n / lines;
	uint64_t *idx = malloc(lines * sizeof(*idx)), x = 88172645463325252ull, c;
	char *p = malloc(sz);
	double t0, t;

	if (!p || !idx || !step)
		die("memlat: out of memory", 0);
	memset(p, 1, sz);
	for (size_t i = 0; i < lines; i++)
		idx[i] = i * step * 64;
	for (size_t i = lines - 1; i > 0; i--) {
		size_t k;
		uint64_t tmp;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = x % (i + 1);
		tmp = idx[i];
		idx[i] = idx[k];
		idx[k] = tmp;
	}
	for (size_t i = 0; i < lines; i++)
		*(uint64_t *)(p + idx[i]) = idx[(i + 1) % lines];
	c = idx[0];
	for (size_t i = 0; i < lines; i++) /* once round: warm what fits */
		c = *(volatile uint64_t *)(p + c);
	t0 = now();
	for (size_t i = 0; i < 4000000; i++)
		c = *(volatile uint64_t *)(p + c);
	t = (now() - t0) / 4000000 * 1e9;
	free(p);
	free(idx);
	return c == 1 ? -1 : t; /* c is never 1: keeps the chase */
}

void cmd_memlat(const struct args *a)
{
	static const size_t kb[] = { 64, 1024, 2048, 8192, 16384, 65536 };

	(void)a;
	pin_cpu0();
	for (size_t i = 0; i < sizeof(kb) / sizeof(kb[0]); i++) {
		size_t lines = kb[i] * 16 < 262144 ? kb[i] * 16 : 262144;

		printf("{\"type\":\"memlat\",\"kb\":%zu,\"lines\":%zu,\"ns\":%.1f}\n", kb[i], lines,
		       chase(kb[i], lines));
		fflush(stdout);
	}
}
