// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writing the model back: each change rewrites the one file that holds what
 * changed (the main config, or the VIP's file in vips_dir), atomically: a
 * temporary file made with O_EXCL next to it (never a name another user can
 * plant a link at), fsync, rename over the target, fsync of the directory.
 * The file is written in dsrlb's layout, without comments, keys at their
 * defaults left out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/json.h"
#include "config/write.h"
#include "lib/log.h"
#include "lib/strbuf.h"

/* ---- YAML text ------------------------------------------------------------ */

/* A string YAML would read as something else unquoted: a number, a boolean, null. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = { "true", "false", "null", "~" };
	char *end;

	strtod(s, &end);
	if (!*end)
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return !strncmp(s, "0x", 2) || !strncmp(s, "0o", 2);
}

/* A scalar: plain when it cannot be misread, else JSON's double quotes (YAML too). */
static void scalar(struct strbuf *b, const json_t *j)
{
	if (json_is_integer(j)) {
		sb_printf(b, "%lld", (long long)json_integer_value(j));
	} else if (json_is_real(j)) {
		/* reals are seconds to the millisecond: 0.5, never 1e+06 */
		char num[48];
		size_t n = (size_t)snprintf(num, sizeof(num), "%.3f", json_real_value(j));

		while (n > 1 && num[n - 1] == '0')
			num[--n] = 0;
		if (num[n - 1] == '.')
			num[--n] = 0;
		sb_printf(b, "%s", num);
	} else if (json_is_string(j)) {
		const char *s = json_string_value(j);
		bool plain = *s && !strchr("-?.", *s) && !looks_typed(s);

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
		if (ind == 0 && !strcmp(k, "vips") && json_is_array(v) && json_array_size(v) &&
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

static void fsync_dir(const char *path)
{
	char d[4096];
	int fd;

	snprintf(d, sizeof(d), "%s", path);
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int file_write_atomic(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[4200], d[4096], b[4096];
	size_t len = strlen(text), off = 0;
	mode_t mode = 0640;
	struct stat st;
	int fd;

	snprintf(d, sizeof(d), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	/* dot-named: never read as a VIP file, and found again if a kill -9 left it */
	snprintf(tmp, sizeof(tmp), "%s/.%s.dsrlb-XXXXXX", dirname(d), basename(b));
	if (!stat(path, &st))
		mode = st.st_mode & 0644; /* what it had, but never writable by others */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fchmod(fd, mode))
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
	fsync_dir(path);
	return 0;
fail:;
	int r = -errno;

	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	} else if (tmp[strlen(tmp) - 1] != 'X') {
		unlink(tmp);
	}
	return r;
}

int cfg_vip_file(const struct cfg *c, const char *name, char *out, size_t len)
{
	if (!c->vips_dir[0])
		return -ENOENT;
	if ((size_t)snprintf(out, len, "%s/%s.yaml", c->vips_dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int cfg_write_origin(const struct cfg *c, const char *main_path, const char *origin, char *err,
		     size_t errlen)
{
	json_t *o, *vips = json_array();
	const struct cfg_vip *only = NULL;
	char *text;
	int n = 0, r;

	for (int i = 0; i < c->nv; i++) {
		const struct cfg_vip *v = c->vips[i];

		/* origins are kept once per file (cfg_origin): the same file, the same pointer */
		if (v->origin != origin)
			continue;
		json_array_append_new(vips, model_vip_json(v, false));
		only = v;
		n++;
	}
	if (origin && !n) { /* its last VIP went: so does the file */
		json_decref(vips);
		if (unlink(origin) && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", origin, strerror(errno));
			return -errno;
		}
		fsync_dir(origin);
		return 0;
	}
	if (!origin) {
		o = model_globals_json(c);
		if (n || !c->vips_dir[0])
			json_object_set(o, "vips", vips);
	} else if (n == 1) {
		o = model_vip_json(only, false);
	} else {
		o = json_object();
		json_object_set(o, "vips", vips);
	}
	json_decref(vips);
	text = o ? model_yaml(o) : NULL;
	json_decref(o);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (origin && c->vips_dir[0] && mkdir(c->vips_dir, 0750) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create vips_dir %s: %s", c->vips_dir, strerror(errno));
		free(text);
		return -errno;
	}
	r = file_write_atomic(origin ? origin : main_path, text, err, errlen);
	free(text);
	return r;
}

/*
 * What a kill -9 during file_write_atomic left: ".NAME.dsrlb-XXXXXX" in
 * dir, regular, ours. Removed at the daemon's start (no write is under way
 * then); anything else is left alone. The number removed.
 */
int cfg_sweep_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int n = 0;

	if (!d)
		return 0;
	while ((ent = readdir(d))) {
		const char *name = ent->d_name, *mark = strstr(name, ".dsrlb-");
		struct stat st;

		if (name[0] != '.' || !mark || strlen(mark) != 13 || mark == name)
			continue;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		if (!unlinkat(dirfd(d), name, 0)) {
			log_info("removed %s/%s, left by a write that was interrupted", dir, name);
			n++;
		}
	}
	closedir(d);
	return n;
}
