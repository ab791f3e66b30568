/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bpf/lib/parse.h run natively (parse_native.c), for fuzz_packet.c. */
#ifndef DSRLB_PARSE_NATIVE_H
#define DSRLB_PARSE_NATIVE_H

struct native_result {
	int l2, too_deep, l3, l4, ext, closing;
	unsigned ethertype, l3_off, l4_proto, dport;
	unsigned ports; /* the packet's 4 port bytes, as loaded */
};

void native_parse(const unsigned char *buf, unsigned len, struct native_result *r);

#endif
