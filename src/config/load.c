// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading a config: the main file, then every *.yaml of its vips_dir in name
 * order (the way keepalived and nginx operators include files), each VIP
 * remembering the file it came from so a change rewrites that file only.
 * Errors are listed up to CFG_ERRORS_MAX, the rest counted.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/parse.h"

/* A config file larger than this is refused before it is read: 10,000 VIPs take about 3 MB. */
#define CFG_FILE_MAX (64u << 20)

void cfg_err(struct cfg_errs *e, int line, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int k;

	if (++e->n > CFG_ERRORS_MAX)
		return; /* counted, not listed */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		k = snprintf(NULL, 0, "%s:%d:%d: %s\n", e->name, line, col, msg);
	else
		k = snprintf(NULL, 0, "%s: %s\n", e->name, msg);
	if (e->len + (size_t)k + 1 > e->cap) {
		size_t cap = (e->cap + (size_t)k + 1) * 2;
		char *n = realloc(e->buf, cap);

		if (!n)
			return;
		e->buf = n;
		e->cap = cap;
	}
	if (line > 0)
		e->len += (size_t)sprintf(e->buf + e->len, "%s:%d:%d: %s\n", e->name, line, col, msg);
	else
		e->len += (size_t)sprintf(e->buf + e->len, "%s: %s\n", e->name, msg);
}

char *cfg_errs_text(struct cfg_errs *e)
{
	if (e->n > CFG_ERRORS_MAX) {
		char more[96];
		size_t k = (size_t)snprintf(more, sizeof(more), "%s: ... and %d more errors\n",
					    e->name, e->n - CFG_ERRORS_MAX);
		char *n = realloc(e->buf, e->len + k + 1);

		if (n) {
			memcpy(n + e->len, more, k + 1);
			e->buf = n;
			e->len += k;
		}
	}
	return e->buf;
}

void cfg_check_init(struct cfg_check *c)
{
	memset(c, 0, sizeof(*c));
	c->type = CHECK_NONE;
	strcpy(c->path, "/");
	c->expect_status = 200;
	strcpy(c->payload, "dsrlb health check");
	c->interval_ms = 2000;
	c->timeout_ms = 1000;
	c->rise = 2;
	c->fall = 3;
}

void cfg_vip_init(struct cfg_vip *v)
{
	memset(v, 0, sizeof(*v));
	cfg_check_init(&v->check);
	v->hold_down_ms = 5000;
	v->spec.protos = VIP_PROTO_TCP | VIP_PROTO_UDP;
	v->sched = CFG_SCHED_MAGLEV;
}

struct cfg_vip *cfg_vip_new(void)
{
	struct cfg_vip *v = malloc(sizeof(*v));

	if (v)
		cfg_vip_init(v);
	return v;
}

void cfg_vip_free(struct cfg_vip *v)
{
	if (!v)
		return;
	for (int j = 0; j < v->nb; j++)
		free(v->b[j].check);
	free(v->b);
	free(v);
}

struct cfg_vip *cfg_vip_copy(const struct cfg_vip *src)
{
	struct cfg_vip *v = malloc(sizeof(*v));

	if (!v)
		return NULL;
	*v = *src;
	v->b = calloc(src->nb ? (size_t)src->nb : 1, sizeof(*v->b));
	if (!v->b) {
		free(v);
		return NULL;
	}
	for (int j = 0; j < src->nb; j++) {
		v->b[j] = src->b[j];
		v->b[j].check = NULL;
		if (src->b[j].check && !(v->b[j].check = malloc(sizeof(*v->b[j].check)))) {
			v->nb = j;
			cfg_vip_free(v);
			return NULL;
		}
		if (src->b[j].check)
			*v->b[j].check = *src->b[j].check;
	}
	return v;
}

int cfg_add_vip(struct cfg *c, struct cfg_vip *v)
{
	if (c->nv == c->capv) {
		int cap = c->capv ? c->capv * 2 : 16;
		void *p = realloc(c->vips, sizeof(*c->vips) * (size_t)cap);

		if (!p)
			return -ENOMEM;
		c->vips = p;
		c->capv = cap;
	}
	c->vips[c->nv++] = v;
	return 0;
}

bool cfg_is_vip_addr(void *ctx, const struct dsrlb_addr *a)
{
	const struct cfg *c = ctx;

	for (int v = 0; v < c->nv; v++)
		if (!addr_cmp(&c->vips[v]->spec.addr, a))
			return true;
	return false;
}

static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

const char *cfg_origin(struct cfg *c, const char *path)
{
	uint64_t h = path_hash(path);
	char *o = hmap_get(&c->origin_index, &h, sizeof(h));
	void *p;

	if (o && !strcmp(o, path))
		return o;
	if (o) /* two paths of one hash (never seen): the slow way */
		for (int i = 0; i < c->norigins; i++)
			if (!strcmp(c->origins[i], path))
				return c->origins[i];
	p = realloc(c->origins, sizeof(*c->origins) * (size_t)(c->norigins + 1));
	if (!p)
		return NULL;
	c->origins = p;
	if (!(o = strdup(path)))
		return NULL;
	if (!hmap_get(&c->origin_index, &h, sizeof(h)) && hmap_put(&c->origin_index, &h, sizeof(h), o)) {
		free(o);
		return NULL;
	}
	c->origins[c->norigins++] = o;
	return o;
}

const char *cfg_api_socket_default(void)
{
	const char *env = getenv("DSRLB_SOCKET");

	return env && env[0] == '/' && strlen(env) < sizeof(((struct cfg_api *)0)->socket) ?
		       env :
		       CFG_API_SOCKET_DEFAULT;
}

void cfg_init(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = DP_MODE_AUTO;
	c->table_size = 0;
	c->table_memory = CFG_TABLE_MEMORY_DEFAULT;
	c->hash_seed = 0x64737231u; /* "dsr1"; the same on every balancer by default */
	c->resolve_timeout_ms = 3000;
	strcpy(c->pin_dir, "/sys/fs/bpf/dsrlb");
	c->flow_size = 1000000;
	c->tcp_timeout = 300;
	c->udp_timeout = 30;
	c->new_flows_per_sec = 100000;
	snprintf(c->api.socket, sizeof(c->api.socket), "%s", cfg_api_socket_default());
	strcpy(c->state_dir, "/run/dsrlb");
	c->announce.withdraw_wait_ms = 2000;
	c->vrrp.vips_on_lo = true;
	c->sync.learn_timeout_ms = 2000;
}

void cfg_free(struct cfg *c)
{
	for (int i = 0; i < c->nv; i++)
		cfg_vip_free(c->vips[i]);
	free(c->vips);
	for (int i = 0; i < c->norigins; i++)
		free(c->origins[i]);
	free(c->origins);
	hmap_free(&c->origin_index);
	c->vips = NULL;
	c->origins = NULL;
	c->nv = c->capv = c->norigins = 0;
}

/*
 * Table sizes, primes near powers of two: a VIP's table is the smallest with
 * more than 100 slots per backend (Maglev's 1% imbalance bound), so adding a
 * backend changes the size only when it crosses a step.
 */
static const uint32_t ladder[] = { 251,    509,    1021,   2039,   4093,   8191,   16381,
				   32749,  65521,  131071, 262139, 524287, 1048573 };

uint32_t cfg_table_size_for(int backends)
{
	uint64_t want = 100ull * (uint64_t)(backends > 0 ? backends : 1);

	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (ladder[i] > want)
			return ladder[i];
	return DSRLB_RING_SIZE_MAX;
}

uint32_t cfg_vip_table_size(const struct cfg *c, const struct cfg_vip *v)
{
	if (v->table_size)
		return v->table_size;
	if (c->table_size)
		return c->table_size;
	return cfg_table_size_for(v->nb);
}

int cfg_api_listen_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || colon[1] == '0' || port == 0 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -EINVAL;
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

/*
 * Who may have written it: a config (and its directory) writable by another
 * user would let that user steer the balancer at the next reload. Owned by
 * root (or by whoever runs dsrlb check on it), writable by nobody else.
 */
static bool mode_ok(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) && !(st->st_mode & S_IWOTH) &&
	       (!(st->st_mode & S_IWGRP) || st->st_gid == 0);
}

static bool trusted(const char *path, const struct stat *st, struct cfg_errs *e)
{
	char t[4096], d[4096];
	struct stat ds;

	if (!mode_ok(st)) {
		cfg_err(e, 0, 0, "may be written by another user (owner uid %u, group %u, mode %04o): a config must be owned by root and writable by root alone (chown root:root %s; chmod 644 %s)",
			(unsigned)st->st_uid, (unsigned)st->st_gid, (unsigned)(st->st_mode & 07777), path, path);
		return false;
	}
	snprintf(t, sizeof(t), "%s", path);
	snprintf(d, sizeof(d), "%s", dirname(t));
	/* sticky (/tmp): no one else can replace our file, and their own files are refused above */
	if (!stat(d, &ds) && !mode_ok(&ds) && !(ds.st_mode & S_ISVTX)) {
		cfg_err(e, 0, 0, "its directory %s may be written by another user (owner uid %u, mode %04o): another user could replace the file (chown root %s; chmod 755 %s)",
			d, (unsigned)ds.st_uid, (unsigned)(ds.st_mode & 07777), d, d);
		return false;
	}
	return true;
}

/* The whole file, NUL-terminated. 0, or an error added to e. */
static int slurp(const char *path, char **out, size_t *len, struct cfg_errs *e)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf;

	*out = NULL;
	if (!f || fstat(fileno(f), &st)) {
		cfg_err(e, 0, 0, "cannot read it: %s", strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > CFG_FILE_MAX) {
		cfg_err(e, 0, 0, "%s", S_ISREG(st.st_mode) ? "is larger than 64 MiB" : "is not a regular file");
		fclose(f);
		return -1;
	}
	if (!trusted(path, &st, e)) {
		fclose(f);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		cfg_err(e, 0, 0, "out of memory");
		return -1;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = 0;
	fclose(f);
	*out = buf;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.yaml of dir, in name order; dot files (and our own temporary files) are not VIPs. */
static void load_dir(struct cfg *c, struct cfg_errs *e)
{
	const char *keep = e->name;
	DIR *d = opendir(c->vips_dir);
	struct dirent *ent;
	char **names = NULL;
	int n = 0;

	if (!d) {
		if (errno == ENOENT)
			return; /* no VIP files yet: the first API change makes it */
		cfg_err(e, 0, 0, "vips_dir %s: %s", c->vips_dir, strerror(errno));
		return;
	}
	while ((ent = readdir(d))) {
		size_t l = strlen(ent->d_name);
		char *name;
		void *p;

		if (ent->d_name[0] == '.' || l < 6 || strcmp(ent->d_name + l - 5, ".yaml"))
			continue;
		p = realloc(names, sizeof(*names) * (size_t)(n + 1));
		if (p)
			names = p;
		if (!p || !(name = malloc(strlen(c->vips_dir) + l + 2))) {
			cfg_err(e, 0, 0, "out of memory");
			break;
		}
		sprintf(name, "%s/%s", c->vips_dir, ent->d_name);
		names[n++] = name;
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(*names), by_name);
	for (int i = 0; i < n; i++) {
		char *text;
		size_t len;

		e->name = names[i]; /* each error names its own file */
		if (!slurp(names[i], &text, &len, e))
			cfg_parse_text(c, names[i], text, len, true, e);
		free(text);
		e->name = keep;
		free(names[i]);
	}
	free(names);
}

static int finish(struct cfg *c, struct cfg_errs *e, char **errors)
{
	if (!e->n) {
		cfg_validate_into(c, e);
	}
	if (e->n)
		cfg_free(c);
	*errors = cfg_errs_text(e);
	return e->n;
}

int cfg_load(const char *path, struct cfg *c, char **errors)
{
	struct cfg_errs e = { .name = path };
	char *text;
	size_t len;

	cfg_init(c);
	if (!slurp(path, &text, &len, &e)) {
		cfg_parse_text(c, path, text, len, false, &e);
		free(text);
		if (!e.n && c->vips_dir[0])
			load_dir(c, &e);
	}
	return finish(c, &e, errors);
}

int cfg_load_string(const char *name, const char *text, struct cfg *c, char **errors)
{
	struct cfg_errs e = { .name = name };

	cfg_init(c);
	cfg_parse_text(c, name, text, strlen(text), false, &e);
	return finish(c, &e, errors);
}
