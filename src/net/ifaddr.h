/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An interface as the control plane needs it: its index, MAC and state, and
 * its addresses with their prefix lengths (the one getifaddrs walk).
 */
#ifndef DSRLB_IFADDR_H
#define DSRLB_IFADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

struct if_addr {
	struct dsrlb_addr addr;
	uint8_t prefix; /* 32 or 128 for an address that is not a LAN's (a VIP) */
};

/* iface's IPv4 and IPv6 addresses. The count (>= 0), or -errno; free *out. */
int ifaddr_list(const char *iface, struct if_addr **out);
bool ifaddr_has(const struct if_addr *a, int n, const struct dsrlb_addr *x);
/* Is x inside one of the LAN prefixes (not a /32 or /128) of the list? */
bool ifaddr_on_lan(const struct if_addr *a, int n, const struct dsrlb_addr *x);
static inline bool addr_link_local(const struct dsrlb_addr *a)
{
	return a->family == DSRLB_AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

/*
 * The first IPv4 and IPv6 address of iface to probe and ask from: not
 * link-local, and not one excluded says (a VIP). Zeroed when there is none.
 */
void ifaddr_sources(const char *iface, bool (*excluded)(void *ctx, const struct dsrlb_addr *a),
		    void *ctx, struct dsrlb_addr *src4, struct dsrlb_addr *src6);

/* ifindex, MAC and whether it is up (any may be NULL). 0, -ENODEV or -errno. */
int iface_info(const char *iface, int *ifindex, uint8_t mac[6], bool *up);

#endif
