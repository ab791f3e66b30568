/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the data plane fixtures share (test_xdp.c, test_icmp.c): frames built
 * from a spec, run through the real program with BPF_PROG_TEST_RUN, and the
 * maps filled the way the engine fills them. One program per test binary
 * (dp, below).
 */
#ifndef DSRLB_XDP_FRAMES_H
#define DSRLB_XDP_FRAMES_H

#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "lib/addr.h"

#define SEED 0x5eed1234u
#define RING 65537

static const uint8_t LB_MAC[6] __attribute__((unused)) = { 0x02, 0x1b, 0, 0, 0, 0x10 };
static const uint8_t GW_MAC[6] __attribute__((unused)) = { 0x02, 0x9a, 0, 0, 0, 0x02 };
static const uint8_t OTHER_MAC[6] __attribute__((unused)) = { 0x02, 0x0e, 0, 0, 0, 0x99 };
static const uint8_t BA_MAC[6] __attribute__((unused)) = { 0x02, 0xba, 0, 0, 0, 0x11 };
static const uint8_t BB_MAC[6] __attribute__((unused)) = { 0x02, 0xbb, 0, 0, 0, 0x12 };
static const uint8_t BC1_MAC[6] __attribute__((unused)) = { 0x02, 0xc1, 0, 0, 0, 0x21 };
static const uint8_t BC2_MAC[6] __attribute__((unused)) = { 0x02, 0xc2, 0, 0, 0, 0x22 };

static struct dp *dp;

/* ---- frame builder ---------------------------------------------------- */

enum vlan_kind { VL_NONE, VL_ONE, VL_QINQ, VL_VID0, VL_THREE };

struct spec {
	const uint8_t *dmac;    /* default LB_MAC */
	enum vlan_kind vlan;
	int family;             /* 4 or 6 */
	const char *src, *dst;
	uint8_t proto;          /* IPPROTO_TCP/UDP/ICMP/ICMPV6 */
	uint16_t sport, dport;
	int ihl;                /* IPv4: default 5 */
	int version;            /* override the IP version nibble */
	uint16_t frag;          /* IPv4 frag_off field (host order) */
	int len_delta;          /* added to tot_len / payload_len */
	int ext;                /* IPv6: one extension header first: EXT(type) */
	int payload;            /* bytes after L4 */
	int pad;                /* Ethernet padding after the IP packet */
	uint8_t tcpflags;       /* TCP: default SYN */
};

struct frame {
	uint8_t b[512];
	int len;
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline int put_l2(uint8_t *p, const uint8_t *dmac, enum vlan_kind vl, uint16_t type)
{
	int o = 12;

	memcpy(p, dmac ? dmac : LB_MAC, 6);
	memcpy(p + 6, GW_MAC, 6);
	if (vl == VL_QINQ || vl == VL_THREE) {
		put16(p + o, ETH_P_8021AD);
		put16(p + o + 2, 200);
		o += 4;
	}
	if (vl == VL_THREE) {
		put16(p + o, ETH_P_8021Q);
		put16(p + o + 2, 300);
		o += 4;
	}
	if (vl != VL_NONE) {
		put16(p + o, ETH_P_8021Q);
		put16(p + o + 2, vl == VL_VID0 ? 0x2000 /* PCP 1, VID 0 */ : 100);
		o += 4;
	}
	put16(p + o, type);
	return o + 2;
}

static inline int l4_len(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : 8;
}

static inline int put_l4(uint8_t *p, const struct spec *s)
{
	int n = l4_len(s->proto);

	memset(p, 0, n + s->payload);
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		put16(p, s->sport);
		put16(p + 2, s->dport);
	}
	if (s->proto == IPPROTO_TCP) {
		p[12] = 5 << 4;
		p[13] = s->tcpflags ? s->tcpflags : 0x02; /* SYN */
		put16(p + 14, 64240);
	} else if (s->proto == IPPROTO_UDP) {
		put16(p + 4, (uint16_t)(8 + s->payload));
	} else {
		p[0] = s->proto == IPPROTO_ICMPV6 ? 135 : 8; /* NS / echo request */
	}
	for (int i = 0; i < s->payload; i++)
		p[n + i] = (uint8_t)('a' + i % 26);
	return n + s->payload;
}

static inline void build(struct frame *f, const struct spec *s)
{
	uint8_t *p = f->b;
	int o;

	memset(f, 0, sizeof(*f));
	if (s->family == 4) {
		int ihl = s->ihl ? s->ihl : 5, hl = ihl * 4, l4;
		uint32_t sum = 0;

		o = put_l2(p, s->dmac, s->vlan, ETH_P_IP);
		p[o] = (uint8_t)(((s->version ? s->version : 4) << 4) | (ihl & 0xf));
		p[o + 8] = 64;
		p[o + 9] = s->proto;
		put16(p + o + 6, s->frag);
		inet_pton(AF_INET, s->src, p + o + 12);
		inet_pton(AF_INET, s->dst, p + o + 16);
		for (int i = 20; i < hl; i++)
			p[o + i] = 1; /* NOP options */
		l4 = put_l4(p + o + (hl < 20 ? 20 : hl), s);
		put16(p + o + 2, (uint16_t)(hl + l4 + s->len_delta));
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)(p[o + i] << 8 | p[o + i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(p + o + 10, (uint16_t)~sum);
		f->len = o + (hl < 20 ? 20 : hl) + l4 + s->pad;
	} else {
		int ext = s->ext ? 8 : 0, l4;

		o = put_l2(p, s->dmac, s->vlan, ETH_P_IPV6);
		p[o] = (uint8_t)((s->version ? s->version : 6) << 4);
		p[o + 6] = s->ext ? (uint8_t)s->ext : s->proto;
		p[o + 7] = 64;
		inet_pton(AF_INET6, s->src, p + o + 8);
		inet_pton(AF_INET6, s->dst, p + o + 24);
		if (ext)
			p[o + 40] = s->proto; /* next header; length 0 = 8 bytes */
		l4 = put_l4(p + o + 40 + ext, s);
		put16(p + o + 4, (uint16_t)(ext + l4 + s->len_delta));
		f->len = o + 40 + ext + l4 + s->pad;
	}
}

static inline void build_arp(struct frame *f, const char *target)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *p = f->b;
	int o = put_l2(p, bcast, VL_NONE, ETH_P_ARP);

	put16(p + o, 1);
	put16(p + o + 2, ETH_P_IP);
	p[o + 4] = 6;
	p[o + 5] = 4;
	put16(p + o + 6, 1);
	memcpy(p + o + 8, GW_MAC, 6);
	inet_pton(AF_INET, "198.18.178.2", p + o + 14);
	inet_pton(AF_INET, target, p + o + 24);
	f->len = o + 28;
}

/* ---- running ----------------------------------------------------------- */

static inline int mac_is(const uint8_t *m, const uint8_t *want)
{
	return !memcmp(m, want, 6);
}

struct result {
	int err;
	uint32_t verdict;
	uint8_t out[512];
	uint32_t out_len;
};

static inline void run(const uint8_t *in, uint32_t len, struct result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);

	memset(r, 0, sizeof(*r));
	r->err = bpf_prog_test_run_opts(dp_prog_fd(dp), &o) ? -errno : 0;
	r->verdict = o.retval;
	r->out_len = o.data_size_out;
}

enum expect { E_PASS, E_DROP, E_TX };
#define NO_REASON (-1)
#define EXT(t) (0x100 | (t)) /* 0 means none, so HOPOPTS (0) needs a marker */

struct fixture {
	const char *name;
	struct spec s;
	int arp;              /* build an ARP request for s.dst instead */
	enum expect expect;
	const uint8_t *be_mac; /* E_TX: expected destination MAC */
	int reason;           /* counter that must move by one, or NO_REASON */
};

static inline const char *vname(uint32_t v)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX", "REDIRECT" };

	return v < 5 ? n[v] : "?";
}

#define V4C "198.19.0.20"
#define V6C "2001:2:0:1::20"
#define TCP4(d, dp) .family = 4, .src = V4C, .dst = d, .proto = IPPROTO_TCP, .sport = 40001, .dport = dp
#define UDP4(d, dp) .family = 4, .src = V4C, .dst = d, .proto = IPPROTO_UDP, .sport = 40002, .dport = dp, .payload = 16
#define TCP6(d, dp) .family = 6, .src = V6C, .dst = d, .proto = IPPROTO_TCP, .sport = 40003, .dport = dp
#define UDP6(d, dp) .family = 6, .src = V6C, .dst = d, .proto = IPPROTO_UDP, .sport = 40004, .dport = dp, .payload = 16

static inline int add_vip(const char *addr, uint16_t port, uint8_t proto, uint32_t id)
{
	struct dsrlb_addr a;

	addr_parse(addr, &a);
	return dp_index_add(dp, &a, port, proto, id);
}

/* A VIP's live table, as the engine writes it: the idle half, the ring in place, the flip. */
static inline int ring_set(uint32_t vip, uint32_t sched, const uint32_t *slots, uint32_t size)
{
	int e = dp_ring_write(dp, vip, sched, slots, size);

	e = e ?: dp_rings_commit(dp);
	return e ?: dp_ring_flip(dp, vip);
}

static inline int ring_swap(uint32_t vip, const uint32_t *slots)
{
	return ring_set(vip, DSRLB_SCHED_MAGLEV, slots, RING);
}

static inline int fill_ring(uint32_t vip, uint32_t bid)
{
	static uint32_t ring[RING];

	for (int i = 0; i < RING; i++)
		ring[i] = bid;
	return ring_swap(vip, ring);
}

static inline int be_set(uint32_t id, const uint8_t *mac, bool new_owner)
{
	struct dp_backend_write w = { .id = id, .valid = true, .new_owner = new_owner };

	memcpy(w.mac, mac, 6);
	return dp_backends_write(dp, &w, 1);
}

static inline int be_clear(uint32_t id)
{
	struct dp_backend_write w = { .id = id };

	return dp_backends_write(dp, &w, 1);
}

/* The fixtures' backends: A, B, the two of C, and one never valid. */
enum { BID_A, BID_B, BID_C1, BID_C2, BID_DEAD };

/* The program loaded with o (our MAC set here), and the fixtures' backends written. */
static inline int fixture_open(struct dp_opts *o)
{
	int e;

	memcpy(o->ifmac, LB_MAC, 6);
	e = dp_open(&dp, o);
	if (e) {
		printf("# cannot load the program: %s\n", strerror(-e));
		return e;
	}
	e = be_set(BID_A, BA_MAC, true);
	e = e ?: be_set(BID_B, BB_MAC, true);
	e = e ?: be_set(BID_C1, BC1_MAC, true);
	e = e ?: be_set(BID_C2, BC2_MAC, true);
	return e ?: be_clear(BID_DEAD);
}

/* The calling thread on one CPU (BPF_PROG_TEST_RUN runs the program on the caller's), or on any again. */
static inline int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline void unpin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		CPU_SET(c, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The index staged so far, swapped in. */
static inline int index_commit(void)
{
	return dp_index_commit(dp);
}

#endif
