// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The commands for a balancer among several: dsrlb maintenance, dsrlb peers. */
#include <stdio.h>
#include <string.h>

#include "cli/client_int.h"
#include "config/config.h"

int client_maintenance(int argc, char **argv)
{
	static const struct option lo[] = { COMMON_LONG, { 0 } };
	static const char help[] =
		"Usage: dsrlb maintenance [on|off] [-s PATH] [-j]\n"
		"on: withdraw every VIP of this balancer from the routers (announce) and tell\n"
		"keepalived it can serve nothing (vrrp), while it keeps forwarding whatever still\n"
		"arrives: a planned drain loses no flow. off: announce what can be served again.\n"
		"Kept across restarts. Without an argument: say whether it is on.\n";
	struct opts o = { cfg_api_socket_default(), false };
	int c, rc = 0;
	json_t *ans;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", lo, NULL)) != -1)
		if ((rc = client_opt(c, &o, help)))
			return rc == 3 ? 0 : rc;
	if (argc - optind > 1 || (optind < argc && strcmp(argv[optind], "on") && strcmp(argv[optind], "off"))) {
		fprintf(stderr, "dsrlb: error: maintenance takes on or off\n%s%s", help, client_common_help);
		return 2;
	}
	if (optind == argc) {
		ans = client_request(&o, "GET", "/api/v1/maintenance", NULL, &rc);
	} else {
		json_t *body = json_pack("{s:b}", "enabled", !strcmp(argv[optind], "on"));

		ans = client_request(&o, "POST", "/api/v1/maintenance", body, &rc);
		json_decref(body);
	}
	if (!ans)
		return rc ? rc : 1;
	if (o.json)
		client_print_json(ans);
	else if (json_object_get(ans, "done"))
		printf("%s\n", json_string_value(json_object_get(ans, "done")));
	else
		printf("maintenance %s\n", json_is_true(json_object_get(ans, "enabled")) ? "on" : "off");
	json_decref(ans);
	return 0;
}

/*
 * dsrlb peers: this balancer against each peer of its sync: up, ready,
 * whether their tables agree, and the VIPs on which they do not. Exit 1 when
 * a peer that answers disagrees, or none answers at all.
 */
int client_peers(int argc, char **argv)
{
	static const struct option lo[] = { COMMON_LONG, { 0 } };
	static const char help[] =
		"Usage: dsrlb peers [-s PATH] [-j]\n"
		"Compare this balancer's tables with each sync peer's (sync: in the config):\n"
		"per peer whether it is heard from, ready and in agreement, and every VIP whose\n"
		"fingerprint (seed, scheduler, table size, backends, weights) differs.\n"
		"Exit status: 0 all peers heard agree, 1 a peer disagrees or none is heard.\n";
	struct opts o = { cfg_api_socket_default(), false };
	int c, rc = 0, bad = 0, heard = 0;
	json_t *ans, *peers;
	size_t i;
	json_t *p;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jh", lo, NULL)) != -1)
		if ((rc = client_opt(c, &o, help)))
			return rc == 3 ? 0 : rc;
	if (optind != argc) {
		fprintf(stderr, "dsrlb: error: peers takes no argument\n%s%s", help, client_common_help);
		return 2;
	}
	ans = client_request(&o, "GET", "/api/v1/peers", NULL, &rc);
	if (!ans)
		return rc ? rc : 1;
	peers = json_object_get(ans, "peers");
	if (!json_is_true(json_object_get(ans, "sync"))) {
		fprintf(stderr, "dsrlb: error: this balancer has no sync peers (sync: listen and peers in the config)\n");
		json_decref(ans);
		return 1;
	}
	json_array_foreach(peers, i, p) {
		bool up = json_is_true(json_object_get(p, "up"));

		heard += up;
		bad += up && !json_is_true(json_object_get(p, "agrees"));
	}
	if (o.json) {
		client_print_json(ans);
	} else {
		printf("%s: %d VIPs, tables digest %s\n", json_string_value(json_object_get(ans, "node")),
		       (int)json_integer_value(json_object_get(ans, "vips")),
		       json_string_value(json_object_get(ans, "digest")));
		json_array_foreach(peers, i, p) {
			json_t *d = json_object_get(p, "differ"), *x;
			size_t k;

			printf("%s (%s): %s, %s, %s\n", json_string_value(json_object_get(p, "address")),
			       *json_string_value(json_object_get(p, "node")) ? json_string_value(json_object_get(p, "node")) : "?",
			       json_is_true(json_object_get(p, "up")) ? "up" : "not heard",
			       json_is_true(json_object_get(p, "ready")) ? "ready" : "not ready",
			       json_is_true(json_object_get(p, "agrees")) ? "agrees" : "DISAGREES");
			json_array_foreach(d, k, x)
				printf("    %s: %s\n", json_string_value(json_object_get(x, "vip")),
				       json_string_value(json_object_get(x, "why")));
			if (json_integer_value(json_object_get(p, "differ_count")) > (json_int_t)json_array_size(d))
				printf("    and %lld more\n", (long long)(json_integer_value(json_object_get(p, "differ_count")) -
								      (json_int_t)json_array_size(d)));
		}
	}
	json_decref(ans);
	return bad || !heard ? 1 : 0;
}
