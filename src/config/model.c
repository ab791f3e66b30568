// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/model.h"
#include "lib/strbuf.h"

/* Seconds from milliseconds: an integer when whole, else a decimal. */
static json_t *seconds(uint32_t ms)
{
	return ms % 1000 ? json_real(ms / 1000.0) : json_integer(ms / 1000);
}

static const char *proto_name(uint8_t protos)
{
	return protos == VIP_PROTO_TCP ? "tcp" : protos == VIP_PROTO_UDP ? "udp" : "both";
}

/* The keys of k that differ from ref (all of them when ref is NULL). */
static json_t *check_json(const struct cfg_check *k, const struct cfg_check *ref)
{
	json_t *o = json_object();

#define DIFF(f) (!ref || ref->f != k->f)
#define DIFFS(f) (!ref || strcmp(ref->f, k->f))
	if (DIFF(type))
		json_object_set_new(o, "type", json_string(cfg_check_name(k->type)));
	if (DIFF(port) && (k->port || ref))
		json_object_set_new(o, "port", json_integer(k->port));
	if (DIFF(real))
		json_object_set_new(o, "target", json_string(k->real ? "real" : "vip"));
	if (DIFFS(path))
		json_object_set_new(o, "path", json_string(k->path));
	if (DIFF(expect_status))
		json_object_set_new(o, "expect_status", json_integer(k->expect_status));
	if (DIFFS(payload))
		json_object_set_new(o, "payload", json_string(k->payload));
	if (DIFFS(expect))
		json_object_set_new(o, "expect", json_string(k->expect));
	if (DIFF(interval_ms))
		json_object_set_new(o, "interval", seconds(k->interval_ms));
	if (DIFF(timeout_ms))
		json_object_set_new(o, "timeout", seconds(k->timeout_ms));
	if (DIFF(rise))
		json_object_set_new(o, "rise", json_integer(k->rise));
	if (DIFF(fall))
		json_object_set_new(o, "fall", json_integer(k->fall));
#undef DIFF
#undef DIFFS
	return o;
}

json_t *model_vip_json(const struct cfg_vip *v, bool full)
{
	struct cfg_vip def;
	struct cfg_check defcheck;
	char a[ADDR_STRLEN];
	json_t *o = json_object(), *bs = json_array(), *hc;

	cfg_vip_init(&def);
	cfg_check_init(&defcheck);
	json_object_set_new(o, "name", json_string(v->name));
	json_object_set_new(o, "address", json_string(addr_str(&v->spec.addr, a, sizeof(a))));
	if (full || v->spec.port)
		json_object_set_new(o, "port", json_integer(v->spec.port));
	if (full || v->spec.protos != def.spec.protos)
		json_object_set_new(o, "protocol", json_string(proto_name(v->spec.protos)));
	if (full || v->sched != def.sched)
		json_object_set_new(o, "scheduler", json_string(cfg_sched_name(v->sched)));
	if (v->tcp_timeout)
		json_object_set_new(o, "tcp_timeout", json_integer(v->tcp_timeout));
	if (v->udp_timeout)
		json_object_set_new(o, "udp_timeout", json_integer(v->udp_timeout));
	hc = check_json(&v->check, full ? NULL : &defcheck);
	if (json_object_size(hc))
		json_object_set(o, "health_check", hc);
	json_decref(hc);
	if (full || v->hold_down_ms != def.hold_down_ms)
		json_object_set_new(o, "hold_down", seconds(v->hold_down_ms));
	if (full || v->all_down_drop)
		json_object_set_new(o, "all_down", json_string(v->all_down_drop ? "drop" : "keep"));
	for (int j = 0; j < v->nb; j++) {
		const struct cfg_backend *b = &v->b[j];
		json_t *bo = json_object();

		json_object_set_new(bo, "address", json_string(addr_str(&b->addr, a, sizeof(a))));
		if (full || b->weight != 1)
			json_object_set_new(bo, "weight", json_integer(b->weight));
		if (full || b->state != BACKEND_UP)
			json_object_set_new(bo, "state", json_string(cfg_state_name(b->state)));
		hc = check_json(&b->check, &v->check);
		if (json_object_size(hc))
			json_object_set(bo, "health_check", hc);
		json_decref(hc);
		/* the file's shorthand for a backend with nothing but an address */
		if (!full && json_object_size(bo) == 1)
			json_array_append(bs, json_object_get(bo, "address"));
		else
			json_array_append(bs, bo);
		json_decref(bo);
	}
	json_object_set_new(o, "backends", bs);
	return o;
}

json_t *model_cfg_json(const struct cfg *c)
{
	struct cfg def;
	json_t *o = json_object(), *ft = json_object(), *api = json_object(),
	       *vips = json_array();

	cfg_init(&def);
	json_object_set_new(o, "interface", json_string(c->iface));
	if (c->mode != def.mode)
		json_object_set_new(o, "mode", json_string(c->mode == DP_MODE_SKB ? "skb" : "native"));
	if (c->table_size != def.table_size)
		json_object_set_new(o, "table_size", json_integer(c->table_size));
	if (c->hash_seed != def.hash_seed)
		json_object_set_new(o, "hash_seed", json_integer(c->hash_seed));
	if (c->resolve_timeout_ms != def.resolve_timeout_ms)
		json_object_set_new(o, "resolve_timeout", json_integer(c->resolve_timeout_ms / 1000));
	if (strcmp(c->pin_dir, def.pin_dir))
		json_object_set_new(o, "pin_dir", json_string(c->pin_dir));
	if (c->flow_size != def.flow_size)
		json_object_set_new(ft, "size", json_integer(c->flow_size));
	if (c->tcp_timeout != def.tcp_timeout)
		json_object_set_new(ft, "tcp_timeout", json_integer(c->tcp_timeout));
	if (c->udp_timeout != def.udp_timeout)
		json_object_set_new(ft, "udp_timeout", json_integer(c->udp_timeout));
	if (c->new_flows_per_sec != def.new_flows_per_sec)
		json_object_set_new(ft, "new_flows_per_second", json_integer(c->new_flows_per_sec));
	if (json_object_size(ft))
		json_object_set(o, "flow_table", ft);
	json_decref(ft);
#define API_KEY(f)                                                   \
	if (strcmp(c->api.f, def.api.f))                             \
		json_object_set_new(api, #f, json_string(c->api.f));
	API_KEY(socket)
	API_KEY(group)
	API_KEY(listen)
	API_KEY(token_file)
	API_KEY(web_dir)
#undef API_KEY
	if (json_object_size(api))
		json_object_set(o, "api", api);
	json_decref(api);
	for (int v = 0; v < c->nv; v++)
		json_array_append_new(vips, model_vip_json(&c->vips[v], false));
	json_object_set_new(o, "vips", vips);
	return o;
}

/* ---- YAML text ------------------------------------------------------------ */

/* A scalar: plain when it cannot be misread, else JSON's double quotes (YAML too). */
static void scalar(struct strbuf *b, const json_t *j)
{
	if (json_is_integer(j)) {
		sb_printf(b, "%lld", (long long)json_integer_value(j));
	} else if (json_is_real(j)) {
		sb_printf(b, "%g", json_real_value(j));
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		bool plain = *s && !strchr("-?.", *s);

		for (const char *p = s; *p && plain; p++)
			plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || strchr("_./-", *p);
		if (plain) {
			sb_printf(b, "%s", s);
		} else {
			char *q = json_dumps(j, JSON_ENCODE_ANY);

			sb_printf(b, "%s", q ? q : "\"\"");
			free(q);
		}
	} else if (json_is_true(j) || json_is_false(j)) {
		sb_printf(b, "%s", json_is_true(j) ? "true" : "false");
	} else {
		sb_printf(b, "null");
	}
}

/* Flow style, on one line: {a: 1, b: x} or [a, b] */
static void flow(struct strbuf *b, const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		bool first = true;

		sb_printf(b, "{");
		json_object_foreach((json_t *)j, k, v) {
			sb_printf(b, "%s%s: ", first ? "" : ", ", k);
			flow(b, v);
			first = false;
		}
		sb_printf(b, "}");
	} else if (json_is_array(j)) {
		sb_printf(b, "[");
		json_array_foreach(j, i, v) {
			sb_printf(b, "%s", i ? ", " : "");
			flow(b, v);
		}
		sb_printf(b, "]");
	} else {
		scalar(b, j);
	}
}

/*
 * Block style: a mapping's keys one per line; a top-level list of mappings
 * as "- " items (the VIPs); short values (scalars, small mappings, lists of
 * scalars or small mappings: backends) in flow style on the key's line.
 */
static void block(struct strbuf *b, const json_t *j, int ind)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)j, k, v) {
		sb_printf(b, "%*s%s:", ind, "", k);
		if (ind == 0 && json_is_array(v) && json_array_size(v) &&
		    json_is_object(json_array_get(v, 0))) {
			sb_printf(b, "\n");
			for (i = 0; i < json_array_size(v); i++) {
				size_t at;

				sb_printf(b, "%*s  - ", ind, "");
				at = b->len;
				block(b, json_array_get(v, i), ind + 4);
				/* the item's first key goes on the "- " line */
				if (!b->oom && b->len > at + (size_t)ind + 4) {
					memmove(b->s + at, b->s + at + ind + 4,
						b->len - at - (size_t)ind - 4 + 1);
					b->len -= (size_t)ind + 4;
				}
			}
		} else if (json_is_array(v) && json_array_size(v)) {
			sb_printf(b, "\n");
			for (i = 0; i < json_array_size(v); i++) {
				sb_printf(b, "%*s  - ", ind, "");
				flow(b, json_array_get(v, i));
				sb_printf(b, "\n");
			}
		} else if (json_is_object(v) && json_object_size(v) > 4) {
			sb_printf(b, "\n");
			block(b, v, ind + 2);
		} else {
			sb_printf(b, " ");
			flow(b, v);
			sb_printf(b, "\n");
		}
	}
}

char *model_yaml(const json_t *j)
{
	struct strbuf b = {};

	sb_printf(&b, "# Written by dsrlb: changes made through its API are kept here.\n");
	block(&b, j, 0);
	return b.oom ? NULL : b.s;
}

/* ---- parsing one VIP -------------------------------------------------------- */

int model_vip_parse(const struct cfg *base, const json_t *vip, struct cfg_vip *out,
		    char **errors)
{
	char *body = json_dumps(vip, JSON_COMPACT | JSON_ENCODE_ANY), *text = NULL, *raw = NULL;
	struct cfg c;
	int n;

	*errors = NULL;
	if (!body || asprintf(&text, "interface: %s\ntable_size: %u\nflow_table: {size: %u}\nvips:\n  - %s\n",
			      base->iface, base->table_size, base->flow_size, body) < 0) {
		free(body);
		*errors = strdup("out of memory");
		return 1;
	}
	free(body);
	n = cfg_load_string("request", text, &c, &raw);
	free(text);
	if (!n && c.nv != 1) {
		n = 1;
		free(raw);
		raw = strdup("request: expected one vip");
		cfg_free(&c);
	}
	if (n) {
		/* "request:4:20: what" -> "what": positions in a text the client never saw */
		struct strbuf b = {};

		for (char *line = raw ? strtok(raw, "\n") : NULL; line; line = strtok(NULL, "\n")) {
			char *msg = line;

			if (!strncmp(msg, "request:", 8)) {
				msg += 8;
				while ((*msg >= '0' && *msg <= '9') || *msg == ':')
					msg++;
				while (*msg == ' ')
					msg++;
			}
			sb_printf(&b, "%s%s", b.len ? "\n" : "", msg);
		}
		free(raw);
		*errors = b.s ? b.s : strdup("invalid vip");
		return n;
	}
	free(raw);
	*out = c.vips[0];
	out->line = out->col = 0;
	for (int j = 0; j < out->nb; j++)
		out->b[j].line = out->b[j].col = 0;
	free(c.vips);
	return 0;
}

/* ---- writing the file -------------------------------------------------------- */

int model_write(const char *path, const struct cfg *c, char *err, size_t errlen)
{
	json_t *j = model_cfg_json(c);
	char *text = j ? model_yaml(j) : NULL, tmp[4200], dirbuf[4096];
	size_t len = text ? strlen(text) : 0, off = 0;
	struct stat st;
	int fd, dfd;

	json_decref(j);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	if (!stat(path, &st)) /* keep the file's owner and mode */
		if (fchmod(fd, st.st_mode & 07777) || fchown(fd, st.st_uid, st.st_gid))
			goto fail;
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);

		if (k < 0)
			goto fail;
		off += (size_t)k;
	}
	if (fsync(fd) || close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(text);
	return 0;
fail:;
	int r = -errno;

	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(text);
	return r;
}
