/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dsrlb-bench's parts (see dsrlb_bench.c): the arguments, the helpers (util.c), the test-run commands (cost.c). */
#ifndef DSRLB_BENCH_H
#define DSRLB_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_abi.h"
#include "dataplane/dataplane.h"

struct args {
	const char *gen_ns, *lb_ns, *gen_if, *lb_if, *which, *label;
	enum gen_kind kind;
	uint64_t packets;
	uint32_t flows, srcs, vips, backends, table, reps, ndst, flow_size, flow_rate;
	uint32_t cpus;  /* rate: generators, one a CPU from CPU 0 */
	bool stateless; /* dsrlb-lib: the VIPs say flow_table: off */
	uint32_t seconds, rate; /* stream */
	const char *dst4, *dst6;
	uint16_t dport;
};

struct gen_bpf;

double now(void);
void die(const char *what, int err);
int enter_ns(const char *name);
int if_info(const char *ifname, int *ifindex, uint8_t mac[6]);
uint64_t percpu_sum(int map_fd);
void pin_cpu0(void);
void pin_cpu(int cpu);
const char *kind_name(enum gen_kind k);
int bench_backend(struct dp *dp, uint32_t id, const uint8_t *mac);
int bench_ring(struct dp *dp, uint32_t vip, const uint32_t *slots, uint32_t size);
struct dp *dsrlb_lib_setup(const struct args *a, int ifindex, const uint8_t ifmac[6],
			   enum gen_kind kind, const uint8_t *backend_mac);
/* cost.c */
void cmd_cost(const struct args *a);
void cmd_build(const struct args *a);
void cmd_memlat(const struct args *a);
/* The generator, aimed at the balancer's interface (lb_mac) from gen_mac, loaded. */
struct gen_bpf *gen_open(const struct args *a, enum gen_kind kind, uint32_t ndst,
			 const uint8_t gen_mac[6],
			 const uint8_t lb_mac[6]);

#endif
