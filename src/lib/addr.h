/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Addresses and the quick-start syntax: --vip ADDR[:PORT][/tcp|udp] and
 * --backends ADDR[,ADDR...]. Parsers return 0 or -EINVAL and write a message
 * a person can act on into err.
 */
#ifndef DSRLB_ADDR_H
#define DSRLB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb_abi.h"

struct dsrlb_addr {
	uint8_t family; /* DSRLB_AF_INET or DSRLB_AF_INET6 */
	uint8_t bytes[16];
};

#define VIP_PROTO_TCP 0x1
#define VIP_PROTO_UDP 0x2

struct vip_spec {
	struct dsrlb_addr addr;
	uint16_t port; /* host order; 0 = every port */
	unsigned protos; /* VIP_PROTO_* */
};

#define ADDR_STRLEN 48 /* "[v6]:port" fits */

int addr_parse(const char *s, struct dsrlb_addr *out);
const char *addr_str(const struct dsrlb_addr *a, char *buf, size_t len);
int addr_cmp(const struct dsrlb_addr *a, const struct dsrlb_addr *b);
/* Same address, port and protocols: the same VIP. */
bool vip_spec_eq(const struct vip_spec *a, const struct vip_spec *b);
int vip_spec_parse(const char *s, struct vip_spec *out, char *err, size_t errlen);
const char *vip_spec_str(const struct vip_spec *v, char *buf, size_t len);
/* Splits a comma list; returns the count or -EINVAL/-E2BIG with err set. */
int backends_parse(const char *s, struct dsrlb_addr *out, int max, char *err,
		   size_t errlen);

/* "02:00:00:00:00:01" */
const char *mac_str(const uint8_t m[6], char *buf, size_t len);

#endif
