// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The quick-start syntax: --vip and --backends, and their error messages. */
#include <string.h>

#include "lib/addr.h"
#include "check.h"

static char err[256];

static void ok_vip(const char *s, int family, unsigned port, unsigned protos, const char *back)
{
	struct vip_spec v;
	char buf[ADDR_STRLEN + 8];
	int r = vip_spec_parse(s, &v, err, sizeof(err));

	CHECK(r == 0 && v.addr.family == family && v.port == port && v.protos == protos &&
		      !strcmp(vip_spec_str(&v, buf, sizeof(buf)), back),
	      "vip '%s' parses (family %d, port %u, protos %u, prints '%s')", s, family, port,
	      protos, back);
}

static void bad_vip(const char *s, const char *needle)
{
	struct vip_spec v;
	int r = vip_spec_parse(s, &v, err, sizeof(err));

	CHECK(r < 0 && strstr(err, needle), "vip '%s' is refused naming '%s' (said: %s)", s,
	      needle, r < 0 ? err : "nothing");
}

int main(void)
{
	struct dsrlb_addr b[4];
	int n;

	ok_vip("198.18.178.15", 4, 0, VIP_PROTO_TCP | VIP_PROTO_UDP, "198.18.178.15");
	ok_vip("198.18.178.15:80/tcp", 4, 80, VIP_PROTO_TCP, "198.18.178.15:80/tcp");
	ok_vip("198.18.178.15/UDP", 4, 0, VIP_PROTO_UDP, "198.18.178.15/udp");
	ok_vip("198.18.178.15:53", 4, 53, VIP_PROTO_TCP | VIP_PROTO_UDP, "198.18.178.15:53");
	ok_vip("[2001:2::15]:80/tcp", 6, 80, VIP_PROTO_TCP, "[2001:2::15]:80/tcp");
	ok_vip("2001:2::15", 6, 0, VIP_PROTO_TCP | VIP_PROTO_UDP, "2001:2::15");
	ok_vip("[2001:2::15]/udp", 6, 0, VIP_PROTO_UDP, "2001:2::15/udp");

	bad_vip("198.18.178.15:70000", "port '70000'");
	bad_vip("198.18.178.15:0", "port '0'");
	bad_vip("198.18.178.15:http", "port 'http'");
	bad_vip("198.18.178.15/sctp", "unknown protocol 'sctp'");
	bad_vip("198.18.178.256", "not an IPv4 or IPv6 address");
	bad_vip("[2001:2::15:80", "missing ']'");
	bad_vip("[2001:2::15]80", "expected ':PORT'");
	bad_vip("", "not an IPv4 or IPv6 address");

	n = backends_parse("198.18.178.11,198.18.178.12", b, 4, err, sizeof(err));
	CHECK(n == 2 && b[1].family == 4 && b[1].bytes[3] == 12, "two backends parse");
	n = backends_parse("2001:2::11, 198.18.178.11", b, 4, err, sizeof(err));
	CHECK(n == 2 && b[0].family == 6 && b[1].family == 4, "mixed families parse");
	n = backends_parse("198.18.178.11,198.18.178.11", b, 4, err, sizeof(err));
	CHECK(n < 0 && strstr(err, "listed twice"), "duplicate backend refused (%s)", err);
	n = backends_parse("198.18.178.11,backend-02", b, 4, err, sizeof(err));
	CHECK(n < 0 && strstr(err, "'backend-02'"), "bad backend named (%s)", err);
	n = backends_parse(",", b, 4, err, sizeof(err));
	CHECK(n < 0 && strstr(err, "no backends"), "empty list refused (%s)", err);
	n = backends_parse("198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4,198.18.0.5", b, 4, err,
			   sizeof(err));
	CHECK(n < 0 && strstr(err, "too many"), "too many refused (%s)", err);
	return check_done();
}
