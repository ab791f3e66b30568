// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The data plane's own parsers (bpf/lib/parse.h), compiled as user-space C
 * for fuzz_packet.c: the same source as the BPF program, run on the same
 * bytes, checked there against a reference model. A translation unit of its
 * own: bpf_helpers.h's helper declarations would collide with libbpf's.
 */
#include "lib/parse.h"
#include "parse_native.h"

void native_parse(const unsigned char *buf, unsigned len, struct native_result *r)
{
	struct cursor c = { .pos = (void *)buf, .end = (void *)(buf + len) };
	__be16 proto, dport;
	__u32 ports, avail;
	int too_deep, closing;

	__builtin_memset(r, 0, sizeof(*r));
	if (!parse_eth(&c, &proto, &too_deep))
		return;
	r->l2 = 1;
	r->too_deep = too_deep;
	r->ethertype = bpf_ntohs(proto);
	r->l3_off = (unsigned)((unsigned char *)c.pos - buf);
	if (too_deep)
		return;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = parse_ipv4(&c);

		if (!ip)
			return;
		r->l3 = 1;
		if (ip->ihl < 5 || (unsigned)(ip->ihl * 4) > bpf_ntohs(ip->tot_len))
			return;
		c.pos = (unsigned char *)ip + ip->ihl * 4; /* options skipped, for the ports */
		if (c.pos > c.end)
			return;
		avail = bpf_ntohs(ip->tot_len) - ip->ihl * 4;
		r->l4_proto = ip->protocol;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = parse_ipv6(&c);

		if (!ip6)
			return;
		r->l3 = 1;
		avail = bpf_ntohs(ip6->payload_len);
		r->l4_proto = ip6->nexthdr;
		r->ext = is_ipv6_exthdr(ip6->nexthdr);
	} else {
		return;
	}
	if (r->l4_proto != IPPROTO_TCP && r->l4_proto != IPPROTO_UDP)
		return;
	if (parse_ports(&c, r->l4_proto, avail, &ports, &dport, &closing))
		return;
	r->l4 = 1;
	r->ports = ports;
	r->dport = bpf_ntohs(dport);
	r->closing = closing;
}
