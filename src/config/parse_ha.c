// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The config's sections for several balancers (see config.h, cfg_announce,
 * cfg_vrrp, cfg_sync): each a mapping, each value checked where it stands.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config/parse.h"
#include "config/walk.h"

void parse_announce(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const char *const keys[] = { "table", "withdraw_wait", NULL };
	uint64_t seen = 0, u;

	if (!want_map(w, n, "announce is a mapping (table, withdraw_wait)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "announce", &seen)) {
		case 0:
			/* 253-255 are the kernel's own (default, main, local) */
			if (want_uint(w, val, "announce table", 1, UINT32_MAX, &u)) {
				if (u >= 253 && u <= 255)
					cfg_err(w->e, LINE(val), COL(val),
						"announce table %llu is the kernel's own (default, main or local); pick another, e.g. 4242",
						(unsigned long long)u);
				else
					c->announce.table = (uint32_t)u;
			}
			break;
		case 1:
			want_seconds(w, val, "announce withdraw_wait", 0, 600000,
				     &c->announce.withdraw_wait_ms);
			break;
		}
	}
	if (!(seen & 1))
		cfg_err(w->e, LINE(n), COL(n), "announce needs a table (the kernel routing table bird learns the VIPs from)");
}

void parse_vrrp(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const char *const keys[] = { "track_file", "vips_on_lo", NULL };
	uint64_t seen = 0;
	unsigned e;

	if (!want_map(w, n, "vrrp is a mapping (track_file, vips_on_lo)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "vrrp", &seen)) {
		case 0:
			want_path(w, val, "vrrp track_file", c->vrrp.track_file, sizeof(c->vrrp.track_file));
			break;
		case 1:
			if (want_enum(w, val, "vrrp vips_on_lo", NAMES("false", "true"), &e))
				c->vrrp.vips_on_lo = e;
			break;
		}
	}
	if (!(seen & 1))
		cfg_err(w->e, LINE(n), COL(n), "vrrp needs a track_file (keepalived's track_file reads it)");
}

/* ADDR:PORT or [ADDR]:PORT, as api.listen. */
static void want_endpoint(struct walk *w, yaml_node_t *val, const char *what, char *out, size_t size)
{
	struct sockaddr_storage ss;
	const char *s;

	if (!want_scalar(w, val, what, &s))
		return;
	if (strlen(s) >= size || cfg_api_listen_parse(s, &ss))
		cfg_err(w->e, LINE(val), COL(val), "%s '%.70s' is not ADDR:PORT (e.g. 198.18.178.10:7310 or [2001:2::10]:7310)",
			what, s);
	else
		strcpy(out, s);
}

void parse_sync(struct walk *w, yaml_node_t *n, struct cfg *c)
{
	static const char *const keys[] = { "listen", "peers", "secret_file", "node",
					     "learn_timeout", NULL };
	uint64_t seen = 0;

	if (!want_map(w, n, "sync is a mapping (listen, peers, secret_file, node, learn_timeout)"))
		return;
	FOR_PAIRS(n, p) {
		yaml_node_t *k = walk_node(w, p->key), *val = walk_node(w, p->value);

		switch (key_index(w, k, keys, "sync", &seen)) {
		case 0:
			want_endpoint(w, val, "sync listen", c->sync.listen, sizeof(c->sync.listen));
			break;
		case 1:
			if (val->type != YAML_SEQUENCE_NODE) {
				cfg_err(w->e, LINE(val), COL(val), "sync peers is a list of ADDR:PORT");
				break;
			}
			for (yaml_node_item_t *i = val->data.sequence.items.start;
			     i < val->data.sequence.items.top; i++) {
				if (c->sync.npeers == CFG_SYNC_PEERS_MAX) {
					cfg_err(w->e, LINE(val), COL(val), "sync has more than %d peers",
						CFG_SYNC_PEERS_MAX);
					break;
				}
				want_endpoint(w, walk_node(w, *i), "sync peer",
					      c->sync.peers[c->sync.npeers++], sizeof(c->sync.peers[0]));
			}
			break;
		case 2:
			want_path(w, val, "sync secret_file", c->sync.secret_file, sizeof(c->sync.secret_file));
			break;
		case 3:
			want_text(w, val, "sync node", c->sync.node, sizeof(c->sync.node));
			break;
		case 4:
			want_seconds(w, val, "sync learn_timeout", 0, 60000, &c->sync.learn_timeout_ms);
			break;
		}
	}
	if ((seen & 7) != 7)
		cfg_err(w->e, LINE(n), COL(n), "sync needs %s%s%s", !(seen & 1) ? "listen " : "",
			!(seen & 2) ? "peers " : "", !(seen & 4) ? "secret_file" : "");
}
