// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The config schema: what it accepts, and every error with its line. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "config/json.h"
#include "config/write.h"
#include "lib/strbuf.h"

static void bad(const char *what, const char *text, const char *needle)
{
	struct cfg c;
	char *errors = NULL, first[300] = "nothing";
	int n = cfg_load_string("t.yaml", text, &c, &errors);

	if (errors)
		sscanf(errors, "%299[^\n]", first);
	CHECK(n > 0 && errors && strstr(errors, needle), "%s: refused, naming '%s' (first: %s)",
	      what, needle, first);
	free(errors);
	if (!n)
		cfg_free(&c);
}

#define HEAD "interface: eth0\nvips:\n"
#define WEB "  - name: web\n    address: 198.18.178.15\n    port: 80\n    backends: [198.18.178.11]\n"

int main(void)
{
	struct cfg c;
	char *errors = NULL;
	int n;

	n = cfg_load("examples/dsrlb.yaml", &c, &errors);
	CHECK(n == 0, "examples/dsrlb.yaml is valid (%.200s)", errors ? errors : "no errors");
	if (!n) {
		CHECK(c.nv == 3 && !strcmp(c.iface, "eth0") && c.table_size == 65537 &&
			      c.hash_seed == 0x64737231,
		      "the example gives 3 VIPs on eth0, 65537 slots, the documented seed");
		CHECK(c.vips[0]->spec.port == 8000 && c.vips[0]->spec.protos == VIP_PROTO_TCP &&
			      c.vips[0]->nb == 2 && c.vips[0]->b[1].state == BACKEND_UP,
		      "vip 'web': tcp/8000, two backends, up");
		CHECK(c.vips[1]->spec.addr.family == 6 && c.vips[1]->nb == 2 && c.vips[1]->b[0].weight == 1,
		      "vip 'web6': IPv6, shorthand backends with weight 1");
		cfg_free(&c);
	}
	free(errors);

	n = cfg_load_string("t.json",
			    "{\"interface\": \"eth0\", \"vips\": [{\"name\": \"w\", \"address\": "
			    "\"198.18.178.15\", \"backends\": [{\"address\": \"198.18.178.11\", "
			    "\"weight\": 3, \"state\": \"drain\"}]}]}",
			    &c, &errors);
	CHECK(n == 0 && c.nv == 1 && c.vips[0]->b[0].weight == 3 &&
		      c.vips[0]->b[0].state == BACKEND_DRAIN && c.vips[0]->spec.port == 0 &&
		      c.vips[0]->spec.protos == (VIP_PROTO_TCP | VIP_PROTO_UDP),
	      "JSON is accepted: every port, both protocols, weight 3, drain");
	if (!n)
		cfg_free(&c);
	free(errors);

	n = cfg_load_string("t.yaml",
			    HEAD "  - name: w\n    address: 198.18.178.15\n    scheduler: lc\n"
				 "    tcp_timeout: 900\n    udp_timeout: 5\n    backends: [198.18.178.11]\n",
			    &c, &errors);
	CHECK(n == 0 && c.vips[0]->sched == CFG_SCHED_LC && c.vips[0]->tcp_timeout == 900 &&
		      c.vips[0]->udp_timeout == 5 && c.tcp_timeout == 300,
	      "a VIP with scheduler lc and its own timeouts (tcp 900, udp 5; the default stays 300)");
	if (!n)
		cfg_free(&c);
	free(errors);
	bad("lc without a flow table",
	    "interface: eth0\nflow_table:\n  size: 0\nvips:\n  - name: w\n    address: 198.18.178.15\n    scheduler: lc\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:5: vip 'w': scheduler lc decides when a flow starts and needs the flow table");
	n = cfg_load_string("t.yaml",
			    HEAD "  - name: w\n    address: 198.18.178.15\n    flow_table: off\n"
				 "    backends: [198.18.178.11]\n",
			    &c, &errors);
	CHECK(n == 0 && c.vips[0]->stateless && c.flow_size == 1000000,
	      "flow_table: off on a maglev VIP: no flow table for it, the others keep theirs");
	if (!n)
		cfg_free(&c);
	free(errors);
	bad("rr with flow_table off",
	    HEAD "  - name: w\n    address: 198.18.178.15\n    scheduler: rr\n    flow_table: off\n    backends: [198.18.178.11]\n",
	    "t.yaml:3:5: vip 'w': scheduler rr decides when a flow starts and needs the flow table; flow_table: off is for maglev and sh");
	bad("flow_table neither on nor off",
	    HEAD "  - name: w\n    address: 198.18.178.15\n    flow_table: maybe\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:17: unknown vip flow_table 'maybe' (on or off)");
	bad("VIP timeout 0", HEAD "  - name: w\n    address: 198.18.178.15\n    tcp_timeout: 0\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:18: tcp_timeout");
	n = cfg_load_string("t.yaml",
			    HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n"
				 "    health_check: {type: http, path: /h, interval: 0.2, fall: 2}\n"
				 "    all_down: drop\n    hold_down: 0.5\n"
				 "    backends:\n      - 198.18.178.11\n"
				 "      - {address: 198.18.178.12, health_check: {target: real, path: /r}}\n",
			    &c, &errors);
	CHECK(n == 0 && cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->type == CHECK_HTTP &&
		      cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->interval_ms == 200 && cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->fall == 2 &&
		      cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->rise == 2 && !strcmp(cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->path, "/h") &&
		      !cfg_backend_check(c.vips[0], &c.vips[0]->b[0])->real && cfg_backend_check(c.vips[0], &c.vips[0]->b[1])->real &&
		      !strcmp(cfg_backend_check(c.vips[0], &c.vips[0]->b[1])->path, "/r") &&
		      cfg_backend_check(c.vips[0], &c.vips[0]->b[1])->type == CHECK_HTTP && c.vips[0]->all_down_drop &&
		      c.vips[0]->hold_down_ms == 500,
	      "health_check: a VIP's check (0.2 s interval), a backend's override of two keys, all_down, hold_down");
	if (!n)
		cfg_free(&c);
	free(errors);
	bad("unknown check type", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    health_check: {type: ping}\n    backends: [198.18.178.11]\n",
	    "t.yaml:6:26: unknown health_check type 'ping'");
	bad("check on an every-port VIP", HEAD "  - name: w\n    address: 198.18.178.15\n    health_check: {type: tcp}\n    backends: [198.18.178.11]\n",
	    "t.yaml:6:16: vip 'w': a tcp health check needs health_check.port");
	bad("udp check on a tcp VIP", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    protocol: tcp\n    health_check: {type: udp}\n    backends: [198.18.178.11]\n",
	    "vip 'w' does not serve udp, so a udp health check cannot reach it");
	bad("interval 0", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    health_check: {type: tcp, interval: 0}\n    backends: [198.18.178.11]\n",
	    "t.yaml:6:41: interval '0' is out of range (0.05 to 3600 seconds)");
	bad("duplicate VIP", HEAD WEB "  - name: web2\n    address: 198.18.178.15\n    port: 80\n    protocol: tcp\n    backends: [198.18.178.12]\n",
	    "t.yaml:7:5: vip 'web2' duplicates vip 'web' (line 3)");
	bad("duplicate name", HEAD WEB "  - name: web\n    address: 198.18.178.16\n    backends: [198.18.178.12]\n",
	    "vip name 'web' is used twice (first on line 3)");
	bad("unknown scheduler", HEAD "  - name: w\n    address: 198.18.178.15\n    scheduler: fastest\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:16: unknown scheduler 'fastest' (maglev, rr, wrr, sh or lc)");
	bad("unknown protocol", HEAD "  - name: w\n    address: 198.18.178.15\n    protocol: sctp\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:15: unknown protocol 'sctp' (tcp, udp or both)");
	bad("unknown all_down", HEAD "  - name: w\n    address: 198.18.178.15\n    all_down: panic\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:15: unknown all_down 'panic' (keep or drop)");
	bad("unknown check target", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    health_check: {type: tcp, target: self}\n    backends: [198.18.178.11]\n",
	    "unknown health_check target 'self' (vip or real)");
	bad("backend of the wrong family", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [2001:2::11]\n",
	    "t.yaml:5:16: backend 2001:2::11 is IPv6 but vip 'w' is IPv4");
	bad("port 70000", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 70000\n    backends: [198.18.178.11]\n",
	    "t.yaml:5:11: port '70000' is out of range (0 to 65535)");
	bad("truncated file", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [198.18.178.11,\n",
	    "not valid YAML");
	bad("unknown key", HEAD "  - name: w\n    adress: 198.18.178.15\n    backends: [198.18.178.11]\n",
	    "t.yaml:4:5: unknown key 'adress' in a vip");
	bad("missing backends", HEAD "  - name: w\n    address: 198.18.178.15\n",
	    "vip 'w' needs 'backends'");
	bad("backend twice", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [198.18.178.11, 198.18.178.11]\n",
	    "backend 198.18.178.11 is listed twice in vip 'w'");
	bad("table size not prime", "interface: eth0\ntable_size: 65536\nvips: []\n",
	    "t.yaml:2:13: table_size 65536 is not prime");
	bad("bad state", HEAD "  - name: w\n    address: 198.18.178.15\n    backends:\n      - address: 198.18.178.11\n        state: sleeping\n",
	    "unknown backend state 'sleeping' (up, drain or off)");
	bad("no interface", "vips: []\n", "the config needs an 'interface'");
	bad("empty file", "", "the file is empty");
	bad("not a mapping", "- a\n- b\n", "the config is a mapping");
	n = cfg_load("/nonexistent/dsrlb.yaml", &c, &errors);
	CHECK(n == 1 && strstr(errors, "/nonexistent/dsrlb.yaml: cannot read it"),
	      "a missing file is named (%.*s)", (int)strcspn(errors, "\n"), errors);
	free(errors);
	/* The API writes the model back: the file it writes parses to the same model. */
	{
		static const char *const text =
			HEAD "  - name: web\n    address: 198.18.178.15\n    port: 80\n    protocol: tcp\n"
			"    scheduler: lc\n    tcp_timeout: 100\n    hold_down: 0.5\n    all_down: drop\n"
			"    health_check: {type: http, path: \"/a:b?x=1\", interval: 0.2, rise: 1}\n"
			"    backends:\n      - 198.18.178.11\n      - {address: 198.18.178.12, weight: 3, state: drain,"
			" health_check: {port: 81, target: real}}\n"
			"  - name: v6\n    address: 2001:2::15\n    backends: [2001:2::11]\n"
			"api: {socket: /run/x.sock, listen: \"[::1]:9180\"}\nflow_table: {size: 1000}\n";
		struct cfg c2;
		json_t *j1 = NULL, *j2 = NULL;
		char *y = NULL, *e2 = NULL;

		n = cfg_load_string("rt.yaml", text, &c, &errors);
		CHECK(n == 0, "the round-trip config is valid (%.200s)", errors ? errors : "");
		if (!n) {
			j1 = model_cfg_json(&c);
			y = model_yaml(j1);
			CHECK(y && !cfg_load_string("written.yaml", y, &c2, &e2),
			      "the written file parses (%.300s)", e2 ? e2 : "");
			if (y && !e2) {
				j2 = model_cfg_json(&c2);
				CHECK(json_equal(j1, j2) && cfg_backend_check(c2.vips[0], &c2.vips[0]->b[1])->port == 81 &&
					      cfg_backend_check(c2.vips[0], &c2.vips[0]->b[1])->real && c2.vips[0]->check.interval_ms == 200 &&
					      c2.vips[0]->hold_down_ms == 500 && !strcmp(c2.api.listen, "[::1]:9180"),
				      "and gives the same model: backend overrides, decimals, api keys");
				cfg_free(&c2);
			}
			cfg_free(&c);
		}
		json_decref(j1);
		json_decref(j2);
		free(y);
		free(e2);
		free(errors);
		errors = NULL;
	}
	/* vips_dir: each VIP in its own file, written back alone and read again the same */
	{
		char dir[] = "/tmp/dsrlb-cfg.XXXXXX", main_path[300], text[600], err[300];
		struct cfg c2;
		json_t *j1, *j2;

		CHECK(mkdtemp(dir) != NULL, "a temporary directory");
		snprintf(main_path, sizeof(main_path), "%s/dsrlb.yaml", dir);
		snprintf(text, sizeof(text),
			 "interface: eth0\nvips_dir: %s/vips.d\nvips:\n  - name: main1\n    address: 198.18.178.20\n    backends: [198.18.178.11]\n",
			 dir);
		n = cfg_load_string(main_path, text, &c, &errors);
		CHECK(n == 0, "a config with vips_dir and one VIP of its own (%.200s)", errors ? errors : "");
		free(errors);
		errors = NULL;
		if (!n) {
			struct cfg_vip *v = NULL;
			char path[400];
			char *e3 = NULL;
			json_t *body = json_loads("{\"name\": \"web\", \"address\": \"198.18.178.15\", \"port\": 80,"
						  " \"backends\": [{\"address\": \"198.18.178.11\", \"weight\": 3},"
						  " \"198.18.178.12\", {\"address\": \"198.18.178.13\", \"state\": \"drain\"}]}", 0, NULL);

			CHECK(!model_vip_parse(&c, body, &v, &e3), "a VIP from JSON (%s)", e3 ? e3 : "");
			json_decref(body);
			free(e3);
			cfg_vip_file(&c, "web", path, sizeof(path));
			v->origin = cfg_origin(&c, path);
			cfg_add_vip(&c, v);
			CHECK(!cfg_write_origin(&c, main_path, NULL, err, sizeof(err)) &&
				      !cfg_write_origin(&c, main_path, v->origin, err, sizeof(err)),
			      "the main file and web's own file are written (%s)", err);
			j1 = model_cfg_json(&c);
			n = cfg_load(main_path, &c2, &errors);
			CHECK(n == 0 && c2.nv == 2, "read again: the main file's VIP and web from vips.d/web.yaml (%.300s)",
			      errors ? errors : "");
			free(errors);
			errors = NULL;
			if (!n) {
				j2 = model_cfg_json(&c2);
				CHECK(json_equal(j1, j2) && c2.vips[1]->origin && strstr(c2.vips[1]->origin, "vips.d/web.yaml") &&
					      !c2.vips[0]->origin,
				      "the same model, each VIP knowing its file");
				json_decref(j2);
				cfg_free(&c2);
			}
			json_decref(j1);
			v->origin = c.vips[1]->origin;
			c.vips[1] = NULL;
			c.nv = 1;
			CHECK(!cfg_write_origin(&c, main_path, v->origin, err, sizeof(err)) && access(path, F_OK),
			      "a VIP file whose VIP went is removed");
			cfg_vip_free(v);
			cfg_free(&c);
		}
		snprintf(text, sizeof(text), "rm -rf %s", dir);
		if (system(text)) {
		}
	}
	bad("api listen without a port", HEAD WEB "api: {listen: 127.0.0.1}\n", "is not ADDR:PORT");
	bad("api socket relative", HEAD WEB "api: {socket: x.sock}\n", "must be an absolute path");
	bad("api unknown key", HEAD WEB "api: {port: 1}\n", "unknown key 'port'");

	/* hostile input (issue 15): each once accepted, or slow */
	bad("nan seconds", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    health_check: {type: tcp, interval: nan}\n    backends: [198.18.178.11]\n",
	    "interval 'nan' is not a number of seconds");
	bad("inf seconds", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    health_check: {type: tcp, timeout: inf}\n    backends: [198.18.178.11]\n",
	    "timeout 'inf' is not a number of seconds");
	bad("\"nan\" seconds", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 80\n    hold_down: \"nan\"\n    backends: [198.18.178.11]\n",
	    "hold_down must be a number, not the string \"nan\"");
	bad("octal port", HEAD "  - name: w\n    address: 198.18.178.15\n    port: 0443\n    backends: [198.18.178.11]\n",
	    "port '0443' has a leading zero");
	bad("hex weight", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [{address: 198.18.178.11, weight: 0x10}]\n",
	    "weight '0x10'");
	bad("octal hash_seed", "hash_seed: 010\n" HEAD WEB, "hash_seed '010' has a leading zero");
	bad("a string as a number", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [{address: 198.18.178.11, weight: \"5\"}]\n",
	    "weight must be a number, not the string \"5\"");
	bad("a number as a name", HEAD "  - name: 123\n    address: 198.18.178.15\n    backends: [198.18.178.11]\n",
	    "quote it: name: \"123\"");
	bad("broadcast backend", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [255.255.255.255]\n",
	    "backend 255.255.255.255 is the broadcast address");
	bad("unspecified backend", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [0.0.0.0]\n",
	    "backend 0.0.0.0 is unspecified");
	bad("multicast backend", HEAD "  - name: w\n    address: 198.18.178.15\n    backends: [224.0.0.1]\n",
	    "backend 224.0.0.1 is a multicast address");
	bad("multicast VIP", HEAD "  - name: w\n    address: 224.0.0.1\n    backends: [198.18.178.11]\n",
	    "its address 224.0.0.1 is a multicast address");
	bad("IPv6 multicast VIP, unspecified backend", HEAD "  - name: w\n    address: \"ff02::1\"\n    backends: [\"::\"]\n",
	    "its address ff02::1 is a multicast address");
	bad("a key twice", HEAD WEB "vips: []\n", "key 'vips' is given twice");
	bad("a second document", HEAD WEB "---\nfoo: 1\n", "a second YAML document");
	bad("a newline in a name", HEAD "  - name: \"w\\nx\"\n    address: 198.18.178.15\n    backends: [198.18.178.11]\n",
	    "vip name has a control character");
	bad("a bidi control in a name", HEAD "  - name: \"w\\u202ex\"\n    address: 198.18.178.15\n    backends: [198.18.178.11]\n",
	    "vip name has a control character");
	bad("a NUL in a name", HEAD "  - name: \"w\\0x\"\n    address: 198.18.178.15\n    backends: [198.18.178.11]\n",
	    "name contains a NUL byte");
	{
		/* the same backend 4,096 times, 4,000 identical VIPs, 16,385 aliases, 100,000 brackets */
		struct strbuf b = { 0 };
		int lines = 0;

		sb_str(&b, HEAD "  - {name: w, address: 198.18.178.15, backends: [198.18.178.11");
		for (int i = 0; i < 4095; i++)
			sb_str(&b, ", 198.18.178.11");
		sb_str(&b, "]}\n");
		n = cfg_load_string("t.yaml", b.s, &c, &errors);
		for (const char *p = errors; p && (p = strchr(p, '\n')); p++)
			lines++;
		CHECK(n == 4095 && lines <= 51 && errors && strstr(errors, "... and 4045 more errors"),
		      "the same backend 4,096 times: %d errors, %d lines of them (capped at 50, the rest counted)", n, lines);
		free(errors);
		errors = NULL;
		free(b.s);
		b = (struct strbuf){ 0 };
		sb_str(&b, HEAD);
		for (int i = 0; i < 4000; i++)
			sb_printf(&b, "  - {name: w%d, address: 198.18.178.15, port: 80, backends: [198.18.178.11]}\n", i);
		n = cfg_load_string("t.yaml", b.s, &c, &errors);
		lines = 0;
		for (const char *p = errors; p && (p = strchr(p, '\n')); p++)
			lines++;
		CHECK(n == 3999 && lines <= 51, "4,000 identical VIPs: %d errors in %d lines (one per duplicate, capped; not one per pair)", n, lines);
		free(errors);
		errors = NULL;
		free(b.s);
		b = (struct strbuf){ 0 };
		sb_str(&b, HEAD "  - &v {name: w, address: 198.18.178.15, backends: [198.18.178.11]}\n");
		for (int i = 0; i < 16384; i++)
			sb_str(&b, "  - *v\n");
		bad("16,385 aliases of one VIP", b.s, "16385 vips (at most 16384 in all)");
		free(b.s);
		b = (struct strbuf){ 0 };
		sb_str(&b, "interface: eth0\nvips: ");
		for (int i = 0; i < 100000; i++)
			sb_put(&b, "[", 1);
		for (int i = 0; i < 100000; i++)
			sb_put(&b, "]", 1);
		sb_put(&b, "\n", 1);
		bad("100,000 nested brackets", b.s, "nested deeper than 32 levels; nothing was read");
		free(b.s);
	}

	/* several balancers (issue 14) */
	n = cfg_load("examples/dsrlb-bgp.yaml", &c, &errors);
	CHECK(n == 0 && c.announce.table == 4242 && c.announce.withdraw_wait_ms == 2000 &&
		      c.sync.npeers == 1 && !strcmp(c.sync.peers[0], "198.18.178.20:7310") &&
		      c.sync.learn_timeout_ms == 2000 && !strcmp(c.sync.secret_file, "/etc/dsrlb/sync.secret"),
	      "examples/dsrlb-bgp.yaml: table 4242, withdraw_wait 2 s, one peer, learn_timeout 2 s (%.200s)",
	      errors ? errors : "no errors");
	if (!n)
		cfg_free(&c);
	free(errors);
	errors = NULL;
	n = cfg_load_string("t.yaml", HEAD WEB "vrrp: {track_file: /run/dsrlb/eth0.track}\n", &c, &errors);
	CHECK(n == 0 && !strcmp(c.vrrp.track_file, "/run/dsrlb/eth0.track") && c.vrrp.vips_on_lo &&
		      !strcmp(c.state_dir, "/run/dsrlb"),
	      "vrrp: a track file, the VIPs on lo by default, state_dir /run/dsrlb");
	if (!n)
		cfg_free(&c);
	free(errors);
	bad("announce table main", HEAD WEB "announce: {table: 254}\n", "is the kernel's own");
	bad("announce table 0", HEAD WEB "announce: {table: 0}\n", "announce table");
	bad("announce without table", HEAD WEB "announce: {withdraw_wait: 1}\n", "announce needs a table");
	bad("announce withdraw_wait nan", HEAD WEB "announce: {table: 9, withdraw_wait: nan}\n", "withdraw_wait");
	bad("vrrp without track_file", HEAD WEB "vrrp: {vips_on_lo: false}\n", "vrrp needs a track_file");
	bad("vrrp track_file relative", HEAD WEB "vrrp: {track_file: x.track}\n", "absolute path");
	bad("sync peer not ADDR:PORT", HEAD WEB "sync: {listen: '198.18.178.10:7310', peers: [198.18.178.20], secret_file: /s}\n",
	    "sync peer '198.18.178.20' is not ADDR:PORT");
	bad("sync without secret", HEAD WEB "sync: {listen: '198.18.178.10:7310', peers: ['198.18.178.20:7310']}\n",
	    "sync needs");
	bad("sync unknown key", HEAD WEB "sync: {listen: '198.18.178.10:7310', group: x}\n", "unknown key 'group'");
	bad("sync 17 peers", HEAD WEB "sync: {listen: '198.18.178.10:7310', secret_file: /s, peers: ["
	    "'198.18.178.1:1', '198.18.178.2:1', '198.18.178.3:1', '198.18.178.4:1', '198.18.178.5:1', "
	    "'198.18.178.6:1', '198.18.178.7:1', '198.18.178.8:1', '198.18.178.9:1', '198.18.178.10:1', "
	    "'198.18.178.11:1', '198.18.178.12:1', '198.18.178.13:1', '198.18.178.14:1', '198.18.178.15:1', "
	    "'198.18.178.16:1', '198.18.178.17:1']}\n", "more than 16 peers");
	return check_done();
}
