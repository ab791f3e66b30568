// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The packet path (libFuzzer; root: it loads the real program). Each input
 * is a frame, and three things must agree on it:
 *
 *   - a small reference model (below): the README's verdict table written
 *     out over raw bytes, with Maglev's choice computed by the shared hash
 *     (common/dsrlb_hash.h) over the ring maglev.c built;
 *   - the data plane's own parsers (bpf/lib/parse.h) compiled as user-space
 *     C (parse_native.c): the ethertype, the L3 offset, the L4 protocol and
 *     the ports they find must be the model's;
 *   - the real program through BPF_PROG_TEST_RUN, loaded and filled by the
 *     real loader: its verdict and output bytes must be the model's.
 *
 * Where the model is sure (everything but ICMP errors, whose own fixtures are
 * tests/fixtures/test_icmp.c) it predicts the exact verdict and bytes; for
 * ICMP it holds the invariants of every frame: never ABORTED, a pass leaves
 * the bytes alone, a TX changes the two MACs only, towards a known backend.
 *
 * VIPs: 198.18.178.15 (every port, TCP and UDP) and 2001:2::15 (TCP 80, UDP
 * every port), each Maglev over two backends.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"
#include "dsrlb_hash.h"
#include "engine/maglev.h"
#include "lib/addr.h"
#include "parse_native.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED 0x5eed1234u
#define RING 251
#define FRAME_MAX 2048

static const uint8_t LB_MAC[6] = { 0x02, 0x1b, 0, 0, 0, 0x10 };
static const uint8_t MAC[3][6] = { { 0 }, { 0x02, 0xba, 0, 0, 0, 0x11 }, { 0x02, 0xbb, 0, 0, 0, 0x12 } };
static const uint8_t VIP4[4] = { 198, 18, 178, 15 };
static const uint8_t VIP6[16] = { 0x20, 0x01, 0, 2, [15] = 0x15 };
static struct dp *dp;
static uint32_t ring[2][RING];

enum { P_PASS = XDP_PASS, P_DROP = XDP_DROP, P_TX = XDP_TX, P_ICMP = 100 };

static void die(const char *what)
{
	fprintf(stderr, "fuzz_packet: %s\n", what);
	abort();
}

static void setup(void)
{
	struct dp_opts o = { .hash_seed = SEED };
	struct maglev_backend mb[2];
	struct dsrlb_addr a;

	libbpf_set_print(NULL);
	memcpy(o.ifmac, LB_MAC, 6);
	if (dp_open(&dp, &o))
		die("cannot load the program (run as root)");
	for (uint32_t id = 1; id <= 2; id++) {
		struct dp_backend_write w = { .id = id, .valid = true, .new_owner = true };

		memcpy(w.mac, MAC[id], 6);
		if (dp_backends_write(dp, &w, 1))
			die("cannot write a backend");
	}
	for (int v = 0; v < 2; v++) {
		addr_parse(v ? "2001:2::11" : "198.18.178.11", &mb[0].addr);
		addr_parse(v ? "2001:2::12" : "198.18.178.12", &mb[1].addr);
		mb[0].weight = mb[1].weight = 1;
		if (maglev_build(mb, 2, RING, ring[v]))
			die("maglev");
		for (int i = 0; i < RING; i++)
			ring[v][i] = ring[v][i] + 1; /* member index -> backend id */
		if (dp_ring_write(dp, (uint32_t)v, DSRLB_SCHED_MAGLEV, ring[v], RING) || dp_rings_commit(dp) ||
		    dp_ring_flip(dp, (uint32_t)v))
			die("cannot write a ring");
	}
	addr_parse("198.18.178.15", &a);
	if (dp_index_add(dp, &a, 0, IPPROTO_TCP, 0) || dp_index_add(dp, &a, 0, IPPROTO_UDP, 0))
		die("index");
	addr_parse("2001:2::15", &a);
	if (dp_index_add(dp, &a, 80, IPPROTO_TCP, 1) || dp_index_add(dp, &a, 0, IPPROTO_UDP, 1) ||
	    dp_index_commit(dp))
		die("index");
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int is_vlan(unsigned t)
{
	return t == 0x8100 || t == 0x88a8;
}

static int is_ext6(unsigned nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 50 || nh == 135 || nh == 139 || nh == 140;
}

/* What the model found, for the comparison with the native parsers. */
struct model {
	int verdict; /* P_* */
	int backend; /* P_TX: 1 or 2 */
	int l2, l3, l4;
	unsigned ethertype, l3_off, l4_proto, dport;
	uint32_t ports;
};

/* Maglev's backend for a flow of VIP v: the program's hash over the packet's own words. */
static int choose(int v, const uint8_t *s, const uint8_t *d, uint32_t ports, unsigned proto)
{
	uint32_t h;

	if (!v) {
		uint32_t sa, da;

		memcpy(&sa, s, 4);
		memcpy(&da, d, 4);
		h = dsrlb_slot_hash(dsrlb_flow_hash_v4(SEED, sa, da, ports, (uint8_t)proto));
	} else {
		uint32_t sa[4], da[4];

		memcpy(sa, s, 16);
		memcpy(da, d, 16);
		h = dsrlb_slot_hash(dsrlb_flow_hash_v6(SEED, sa, da, ports, (uint8_t)proto));
	}
	return (int)ring[v][DSRLB_SLOT(h, RING)];
}

/* The README's verdict table over raw bytes. */
static void model(const uint8_t *f, unsigned len, struct model *m)
{
	unsigned off = 14, t;

	memset(m, 0, sizeof(*m));
	m->verdict = P_PASS;
	if (len < 14)
		return; /* l2_truncated */
	t = be16(f + 12);
	for (int i = 0; i < 2 && is_vlan(t); i++) {
		if (len < off + 4)
			return;
		t = be16(f + off + 2);
		off += 4;
	}
	m->l2 = 1;
	m->ethertype = t;
	m->l3_off = off;
	if (is_vlan(t))
		return; /* vlan_depth */
	if (t == 0x0800) {
		const uint8_t *ip = f + off;
		unsigned ihl, tot, proto, need;

		if (len < off + 20)
			return;
		m->l3 = 1;
		ihl = ip[0] & 15;
		tot = be16(ip + 2);
		proto = ip[9];
		m->l4_proto = proto;
		if (ip[0] >> 4 != 4 || ihl < 5 || tot < ihl * 4 || off + tot > len)
			return; /* l3_malformed */
		need = proto == 6 ? 20 : 8;
		if ((proto == 6 || proto == 17) && tot - ihl * 4 >= need && off + ihl * 4 + need <= len) {
			m->l4 = 1;
			memcpy(&m->ports, ip + ihl * 4, 4);
			m->dport = be16(ip + ihl * 4 + 2);
		}
		if (memcmp(ip + 16, VIP4, 4))
			return;
		if (proto == 1) {
			m->verdict = (ihl == 5 && !(be16(ip + 6) & 0x3fff)) ? P_ICMP : P_PASS;
			return;
		}
		if (proto != 6 && proto != 17)
			return;
		if (ihl != 5 || (be16(ip + 6) & 0x3fff) || !m->l4) {
			m->verdict = P_DROP; /* ipv4_options, fragment, l4_truncated */
			return;
		}
		if (memcmp(f, LB_MAC, 6))
			return; /* not_our_mac */
		m->verdict = P_TX;
		m->backend = choose(0, ip + 12, ip + 16, m->ports, proto);
	} else if (t == 0x86dd) {
		const uint8_t *ip6 = f + off;
		unsigned plen, nh, need;

		if (len < off + 40)
			return;
		m->l3 = 1;
		plen = be16(ip6 + 4);
		nh = ip6[6];
		m->l4_proto = nh;
		if (ip6[0] >> 4 != 6 || off + 40 + plen > len)
			return;
		need = nh == 6 ? 20 : 8;
		if ((nh == 6 || nh == 17) && plen >= need) {
			m->l4 = 1;
			memcpy(&m->ports, ip6 + 40, 4);
			m->dport = be16(ip6 + 42);
		}
		if (nh == 58) {
			m->verdict = memcmp(ip6 + 24, VIP6, 16) ? P_PASS : P_ICMP;
			return;
		}
		if ((nh != 6 && nh != 17 && nh != 44 && !is_ext6(nh)) || memcmp(ip6 + 24, VIP6, 16))
			return;
		if (nh == 44 || is_ext6(nh) || !m->l4) {
			m->verdict = P_DROP; /* fragment, ipv6_exthdr, l4_truncated */
			return;
		}
		if (nh == 6 && m->dport != 80)
			return; /* a VIP address, not this port */
		if (memcmp(f, LB_MAC, 6))
			return;
		m->verdict = P_TX;
		m->backend = choose(1, ip6 + 8, ip6 + 24, m->ports, nh);
	}
}

/* The native parsers must see what the model sees. */
static void compare_parsers(const uint8_t *f, unsigned len, const struct model *m)
{
	/* as XDP has it: two bytes of headroom put the IP header on a 4-byte boundary */
	static uint8_t aligned[FRAME_MAX + 8] __attribute__((aligned(8)));
	struct native_result n;

	memcpy(aligned + 2, f, len);
	native_parse(aligned + 2, len, &n);
	if (n.l2 != m->l2 || (n.l2 && (n.ethertype != m->ethertype || n.l3_off != m->l3_off)))
		die("parse_eth disagrees with the model");
	if (!m->l2 || is_vlan(m->ethertype) || (m->ethertype != 0x0800 && m->ethertype != 0x86dd))
		return;
	if (n.l3 != m->l3)
		die("parse_ipv4/parse_ipv6 disagree with the model");
	if (!m->l3 || (m->l4_proto != 6 && m->l4_proto != 17))
		return;
	/* the model reads ports only from a consistent IPv4 header; compare where both do */
	if (m->l4 && (!n.l4 || n.ports != m->ports || n.dport != m->dport))
		die("parse_ports disagrees with the model");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX + 256];
	unsigned len = size > FRAME_MAX ? FRAME_MAX : (unsigned)size;
	struct model m;

	if (!dp)
		setup();
	memcpy(in, data, len);
	model(in, len, &m);
	compare_parsers(in, len, &m);
	if (len < 14)
		return 0; /* the kernel refuses to run XDP on less than an Ethernet header */
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		if (bpf_prog_test_run_opts(dp_prog_fd(dp), &o))
			die("BPF_PROG_TEST_RUN failed");
		if (o.retval != XDP_PASS && o.retval != XDP_DROP && o.retval != XDP_TX)
			die("a verdict other than pass, drop or tx (ABORTED?)");
		if (o.retval == XDP_PASS && (o.data_size_out != len || memcmp(out, in, len)))
			die("a pass changed the frame");
		if (o.retval == XDP_TX) {
			int b = !memcmp(out, MAC[1], 6) ? 1 : !memcmp(out, MAC[2], 6) ? 2 : 0;

			if (!b || o.data_size_out != len || memcmp(out + 6, LB_MAC, 6) || memcmp(out + 12, in + 12, len - 12))
				die("a tx changed more than the MACs, or to an unknown backend");
			if (m.verdict == P_TX && b != m.backend)
				die("the program chose another backend than Maglev's table");
		}
		if (m.verdict != P_ICMP && (int)o.retval != m.verdict)
			die("the program's verdict is not the model's");
	}
	return 0;
}
