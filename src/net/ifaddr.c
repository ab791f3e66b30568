// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/ifaddr.h"

static uint8_t prefix_of(const uint8_t *mask, int len)
{
	uint8_t n = 0;

	for (int i = 0; i < len; i++)
		n += (uint8_t)__builtin_popcount(mask[i]);
	return n;
}

int ifaddr_list(const char *iface, struct if_addr **out)
{
	struct ifaddrs *ifa, *i;
	struct if_addr *a = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct if_addr x = {};
		int fam;

		if (!i->ifa_addr || strcmp(i->ifa_name, iface))
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam == AF_INET) {
			x.addr.family = DSRLB_AF_INET;
			memcpy(x.addr.bytes, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			x.prefix = i->ifa_netmask ?
				prefix_of((uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr, 4) : 32;
		} else if (fam == AF_INET6) {
			x.addr.family = DSRLB_AF_INET6;
			memcpy(x.addr.bytes, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			x.prefix = i->ifa_netmask ?
				prefix_of(((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.s6_addr, 16) : 128;
		} else {
			continue;
		}
		if (n == cap) {
			void *p = realloc(a, sizeof(*a) * (size_t)(cap = cap ? cap * 2 : 8));

			if (!p) {
				free(a);
				freeifaddrs(ifa);
				return -ENOMEM;
			}
			a = p;
		}
		a[n++] = x;
	}
	freeifaddrs(ifa);
	*out = a;
	return n;
}

bool ifaddr_has(const struct if_addr *a, int n, const struct dsrlb_addr *x)
{
	for (int i = 0; i < n; i++)
		if (!addr_cmp(&a[i].addr, x))
			return true;
	return false;
}

bool ifaddr_on_lan(const struct if_addr *a, int n, const struct dsrlb_addr *x)
{
	for (int i = 0; i < n; i++) {
		int bits = a[i].prefix, full = x->family == DSRLB_AF_INET ? 32 : 128;
		bool same = true;

		if (a[i].addr.family != x->family || bits >= full)
			continue;
		for (int b = 0; b < bits && same; b++)
			same = ((a[i].addr.bytes[b / 8] ^ x->bytes[b / 8]) & (0x80 >> (b % 8))) == 0;
		if (same)
			return true;
	}
	return false;
}

void ifaddr_sources(const char *iface, bool (*excluded)(void *ctx, const struct dsrlb_addr *a),
		    void *ctx, struct dsrlb_addr *src4, struct dsrlb_addr *src6)
{
	struct if_addr *a;
	int n = ifaddr_list(iface, &a);

	memset(src4, 0, sizeof(*src4));
	memset(src6, 0, sizeof(*src6));
	for (int i = 0; i < n; i++) {
		struct dsrlb_addr *s = a[i].addr.family == DSRLB_AF_INET ? src4 : src6;

		if (!s->family && !addr_link_local(&a[i].addr) && !excluded(ctx, &a[i].addr))
			*s = a[i].addr;
	}
	if (n > 0)
		free(a);
}

int iface_info(const char *iface, int *ifindex, uint8_t mac[6], bool *up)
{
	struct ifreq ifr = {};
	int fd, err = 0, idx = (int)if_nametoindex(iface);

	if (!idx)
		return -ENODEV;
	if (ifindex)
		*ifindex = idx;
	if (!mac && !up)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (mac) {
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			err = -errno;
		else
			memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (!err && up) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
			err = -errno;
		else
			*up = ifr.ifr_flags & IFF_UP;
	}
	close(fd);
	return err;
}
