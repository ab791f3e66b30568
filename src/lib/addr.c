// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"

int addr_parse(const char *s, struct dsrlb_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = DSRLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = DSRLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *addr_str(const struct dsrlb_addr *a, char *buf, size_t len)
{
	int af = a->family == DSRLB_AF_INET ? AF_INET : AF_INET6;

	if (!inet_ntop(af, a->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int addr_cmp(const struct dsrlb_addr *a, const struct dsrlb_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int vip_spec_parse(const char *s, struct vip_spec *out, char *err, size_t errlen)
{
	char buf[128], *proto, *host, *port = NULL;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "VIP '%.40s...' is too long", s);
		return -EINVAL;
	}
	strcpy(buf, s);

	out->protos = VIP_PROTO_TCP | VIP_PROTO_UDP;
	proto = strrchr(buf, '/');
	if (proto) {
		*proto++ = '\0';
		if (!strcasecmp(proto, "tcp")) {
			out->protos = VIP_PROTO_TCP;
		} else if (!strcasecmp(proto, "udp")) {
			out->protos = VIP_PROTO_UDP;
		} else {
			snprintf(err, errlen,
				 "VIP '%s': unknown protocol '%s' (use /tcp or /udp, or leave it out for both)",
				 s, proto);
			return -EINVAL;
		}
	}

	host = buf;
	if (*host == '[') {
		char *close = strchr(host, ']');

		if (!close) {
			snprintf(err, errlen, "VIP '%s': missing ']' after the IPv6 address", s);
			return -EINVAL;
		}
		*close = '\0';
		host++;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1]) {
			snprintf(err, errlen, "VIP '%s': expected ':PORT' after ']'", s);
			return -EINVAL;
		}
	} else if (strchr(host, ':') == strrchr(host, ':') && strchr(host, ':')) {
		/* exactly one colon: IPv4 with a port */
		port = strchr(host, ':');
		*port++ = '\0';
	}

	if (addr_parse(host, &out->addr)) {
		snprintf(err, errlen,
			 "VIP '%s': '%s' is not an IPv4 or IPv6 address (IPv6 with a port is written [ADDR]:PORT)",
			 s, host);
		return -EINVAL;
	}
	if (port && parse_port(port, &out->port)) {
		snprintf(err, errlen, "VIP '%s': port '%s' is not a number from 1 to 65535", s,
			 port);
		return -EINVAL;
	}
	return 0;
}

const char *vip_spec_str(const struct vip_spec *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const char *proto = v->protos == VIP_PROTO_TCP ? "/tcp" :
			    v->protos == VIP_PROTO_UDP ? "/udp" : "";
	int v6 = v->addr.family == DSRLB_AF_INET6;

	addr_str(&v->addr, a, sizeof(a));
	if (v->port)
		snprintf(buf, len, "%s%s%s:%u%s", v6 ? "[" : "", a, v6 ? "]" : "", v->port,
			 proto);
	else
		snprintf(buf, len, "%s%s", a, proto);
	return buf;
}

int backends_parse(const char *s, struct dsrlb_addr *out, int max, char *err,
		   size_t errlen)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int n = 0, i, ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (n == max) {
			snprintf(err, errlen, "too many backends (at most %d)", max);
			ret = -E2BIG;
			goto out;
		}
		if (addr_parse(tok, &out[n])) {
			snprintf(err, errlen, "backend '%s' is not an IPv4 or IPv6 address", tok);
			ret = -EINVAL;
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (!addr_cmp(&out[i], &out[n])) {
				snprintf(err, errlen, "backend '%s' is listed twice", tok);
				ret = -EINVAL;
				goto out;
			}
		}
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "no backends given (--backends ADDR[,ADDR...])");
		ret = -EINVAL;
	}
out:
	free(copy);
	return ret ? ret : n;
}

const char *mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

bool vip_spec_eq(const struct vip_spec *a, const struct vip_spec *b)
{
	return !addr_cmp(&a->addr, &b->addr) && a->port == b->port && a->protos == b->protos;
}
