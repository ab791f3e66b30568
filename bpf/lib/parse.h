/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing for the data plane: a cursor that only moves forward and a
 * parser per header that either returns a pointer to a whole, bounds-checked
 * header and advances the cursor, or returns NULL and leaves it where it was.
 *
 * Contract: a caller never reads a byte the parser did not hand out, so every
 * bound is proven to the verifier here, once. A parser failing means "this
 * frame is shorter than its headers say"; what that implies for the frame
 * (pass or drop) is the caller's decision, never the parser's.
 */
#ifndef DSRLB_PARSE_H
#define DSRLB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct cursor {
	void *pos;
	void *end;
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Two tags: 802.1ad outer + 802.1Q inner (QinQ) is the deepest we meet. */
#define DSRLB_VLAN_MAX_DEPTH 2

static __always_inline void *cursor_take(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet plus up to DSRLB_VLAN_MAX_DEPTH tags. Returns the Ethernet header
 * and stores the inner EtherType; *too_deep is set when tags remain.
 */
static __always_inline struct ethhdr *parse_eth(struct cursor *c, __be16 *proto,
						int *too_deep)
{
	struct ethhdr *eth = cursor_take(c, sizeof(*eth));
	struct vlan_hdr *vh;
	__be16 p;
	int i;

	*too_deep = 0;
	if (!eth)
		return NULL;
	p = eth->h_proto;
#pragma unroll
	for (i = 0; i < DSRLB_VLAN_MAX_DEPTH; i++) {
		if (!is_vlan(p))
			break;
		vh = cursor_take(c, sizeof(*vh));
		if (!vh)
			return NULL;
		p = vh->proto;
	}
	if (is_vlan(p))
		*too_deep = 1;
	*proto = p;
	return eth;
}

/* The fixed IPv4 header (20 bytes); options are the caller's business. */
static __always_inline struct iphdr *parse_ipv4(struct cursor *c)
{
	return cursor_take(c, sizeof(struct iphdr));
}

static __always_inline struct ipv6hdr *parse_ipv6(struct cursor *c)
{
	return cursor_take(c, sizeof(struct ipv6hdr));
}

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
/* TCP flags byte (offset 13) */
#define TCPF_FIN_BIT 0x01
#define TCPF_SYN_BIT 0x02
#define TCPF_RST_BIT 0x04
#define TCPF_ACK_BIT 0x10

/* What parse_ports says of a TCP segment: it ends its flow, or opens one. */
#define L4_CLOSING 1 /* FIN or RST */
#define L4_SYN 2     /* SYN without ACK: a new connection */

/*
 * The ports of TCP or UDP (both start with source and destination port),
 * within avail bytes of L4. *l4f: L4_* of a TCP segment (0 for UDP). 0, or
 * -1 when the header is cut short.
 */
static __always_inline int parse_ports(struct cursor *c, __u8 proto, __u32 avail, __u32 *ports,
				       __be16 *dport, int *l4f)
{
	__u32 need = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);
	struct udphdr *p = c->pos;

	if (avail < need || !cursor_take(c, need))
		return -1;
	*ports = *(__u32 *)p;
	*dport = p->dest;
	*l4f = 0;
	/* checked again: the verifier does not tie need to proto */
	if (proto == IPPROTO_TCP && (void *)p + sizeof(struct tcphdr) <= c->end) {
		__u8 fl = ((__u8 *)p)[13];

		*l4f = (fl & (TCPF_FIN_BIT | TCPF_RST_BIT) ? L4_CLOSING : 0) |
		       ((fl & (TCPF_SYN_BIT | TCPF_ACK_BIT)) == TCPF_SYN_BIT ? L4_SYN : 0);
	}
	return 0;
}

static __always_inline int is_ipv6_exthdr(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return 1;
	}
	return 0;
}

#endif /* DSRLB_PARSE_H */
