// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Walking libyaml's tree for the schema in parse.c: each value read with
 * its checks (a scalar whole, a number plain, a key once) and each error
 * with its line and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/walk.h"
#include "dsrlb_abi.h"
#include "engine/maglev.h"
#include "lib/num.h"



yaml_node_t *walk_node(struct walk *w, int i)
{
	return yaml_document_get_node(w->doc, i);
}

const char *walk_scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar, whole: one with a NUL inside would be cut at it. */
bool want_scalar(struct walk *w, yaml_node_t *n, const char *what, const char **out)
{
	*out = walk_scalar(n);
	if (!*out) {
		cfg_err(w->e, LINE(n), COL(n), "%s must be a single value", what);
		return false;
	}
	if (strlen(*out) != n->data.scalar.length) {
		cfg_err(w->e, LINE(n), COL(n), "%s contains a NUL byte", what);
		return false;
	}
	return true;
}

/* A number is a plain scalar: "5" in quotes (or JSON's "5") is a string. */
bool want_plain(struct walk *w, yaml_node_t *n, const char *what, const char **s)
{
	if (!want_scalar(w, n, what, s))
		return false;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		cfg_err(w->e, LINE(n), COL(n), "%s must be a number, not the string \"%s\"", what, *s);
		return false;
	}
	return true;
}

bool want_num(struct walk *w, yaml_node_t *n, const char *what, uint64_t min, uint64_t max,
	      bool hex_ok, uint64_t *out)
{
	const char *s;
	char why[128];

	if (!want_plain(w, n, what, &s))
		return false;
	if (num_uint(s, min, max, hex_ok, out, why, sizeof(why))) {
		cfg_err(w->e, LINE(n), COL(n), "%s '%s' %s", what, s, why);
		return false;
	}
	return true;
}

/* Seconds, decimals allowed ("0.5"), into milliseconds within [min_ms, max_ms]. */
bool want_seconds(struct walk *w, yaml_node_t *n, const char *what, uint32_t min_ms,
		  uint32_t max_ms, uint32_t *out)
{
	const char *s;
	char why[128];

	if (!want_plain(w, n, what, &s))
		return false;
	if (num_seconds(s, min_ms, max_ms, out, why, sizeof(why))) {
		cfg_err(w->e, LINE(n), COL(n), "%s '%s' %s", what, s, why);
		return false;
	}
	return true;
}

/*
 * One of the words in names (NULL-terminated; case does not matter): its
 * index in *out. Otherwise an error that lists them: "unknown WHAT 'x' (a, b or c)".
 */
bool want_enum(struct walk *w, yaml_node_t *n, const char *what,
	       const char *const *names, unsigned *out)
{
	char list[160] = "";
	const char *s;
	unsigned i;

	if (!want_scalar(w, n, what, &s))
		return false;
	for (i = 0; names[i]; i++) {
		if (!strcasecmp(s, names[i])) {
			*out = i;
			return true;
		}
	}
	for (unsigned j = 0; j < i; j++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 !j ? "" : j + 1 < i ? ", " : " or ", names[j]);
	cfg_err(w->e, LINE(n), COL(n), "unknown %s '%.40s' (%s)", what, s, list);
	return false;
}

void want_text(struct walk *w, yaml_node_t *n, const char *what, char *out, size_t size)
{
	const char *s;

	if (!want_scalar(w, n, what, &s))
		return;
	if (strlen(s) >= size)
		cfg_err(w->e, LINE(n), COL(n), "%s is longer than %zu characters", what, size - 1);
	else
		strcpy(out, s);
}

/*
 * A key seen twice in one mapping: the second would win silently. Each walker
 * passes the index of the key in its list; seen holds a bit per key.
 */
bool first_time(struct walk *w, yaml_node_t *k, uint64_t *seen, unsigned bit,
		const char *where)
{
	if (*seen & (1ull << bit)) {
		cfg_err(w->e, LINE(k), COL(k), "key '%s' is given twice in %s (the first would be lost)",
			walk_scalar(k), where);
		return false;
	}
	*seen |= 1ull << bit;
	return true;
}

/* Which of the known keys (a NULL-terminated list) k is, or -1 (and an error). */
int key_index(struct walk *w, yaml_node_t *k, const char *const *known, const char *where,
	      uint64_t *seen)
{
	const char *key = walk_scalar(k);
	char list[400] = "";
	int i;

	if (!key) {
		cfg_err(w->e, LINE(k), COL(k), "keys must be plain words");
		return -1;
	}
	for (i = 0; known[i]; i++)
		if (!strcmp(key, known[i]))
			return first_time(w, k, seen, (unsigned)i, where) ? i : -1;
	for (int j = 0; known[j]; j++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? ", " : "",
			 known[j]);
	cfg_err(w->e, LINE(k), COL(k), "unknown key '%.40s' in %s (known: %s)", key, where, list);
	return -1;
}

/* A name shown in logs and used as a file name: printable, no spaces, no '/', not a number. */
bool want_name(struct walk *w, yaml_node_t *n, char *out)
{
	const unsigned char *s;
	const char *str;

	if (!want_scalar(w, n, "name", &str))
		return false;
	s = (const unsigned char *)str;
	if (!*s || strlen(str) >= CFG_NAME_MAX || str[0] == '.' || strpbrk(str, " \t/")) {
		cfg_err(w->e, LINE(n), COL(n),
			"vip name '%.70s' must be 1-%d characters without spaces or '/', not starting with '.'",
			str, CFG_NAME_MAX - 1);
		return false;
	}
	for (; *s; s++) {
		/* C0 and DEL, C1 (U+0080-009F), and bidi controls: they split or disguise log lines */
		bool bidi = s[0] == 0xe2 && ((s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f ||
							      (s[2] >= 0xaa && s[2] <= 0xae))) ||
					     (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));

		if (*s < 0x20 || *s == 0x7f || (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) || bidi) {
			cfg_err(w->e, LINE(n), COL(n),
				"vip name has a control character (byte %u at %zu); names are printable text",
				*s, (size_t)((const char *)s - str));
			return false;
		}
	}
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		uint64_t u;
		char *end;

		if (!num_uint(str, 0, UINT64_MAX, true, &u, NULL, 0) ||
		    (strtod(str, &end), !*end) || !strcasecmp(str, "true") ||
		    !strcasecmp(str, "false") || !strcasecmp(str, "null") || !strcmp(str, "~")) {
			cfg_err(w->e, LINE(n), COL(n),
				"vip name %s is read as a number or a word of YAML's; quote it: name: \"%s\"",
				str, str);
			return false;
		}
	}
	strcpy(out, str);
	return true;
}

bool want_map(struct walk *w, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	cfg_err(w->e, LINE(n), COL(n), "%s", what);
	return false;
}

void want_path(struct walk *w, yaml_node_t *val, const char *what, char *out, size_t size)
{
	const char *s;

	if (!want_scalar(w, val, what, &s))
		return;
	if (s[0] != '/' || strlen(s) >= size)
		cfg_err(w->e, LINE(val), COL(val), "%s '%.80s' must be an absolute path", what, s);
	else
		strcpy(out, s);
}

/*
 * Flow collections nested deeper than this are refused before libyaml reads
 * them: its scanner slows down with every level (200 KB of brackets took it
 * 53 s), and a reload must not stall the daemon.
 */

int walk_nesting(const char *t, size_t len, int *line)
{
	int depth = 0, max = 0;
	char q = 0;

	*line = 1;
	for (size_t i = 0; i < len; i++) {
		char ch = t[i];

		if (ch == '\n')
			++*line;
		if (q) {
			if (ch == '\\' && q == '"')
				i++;
			else if (ch == q)
				q = 0;
			continue;
		}
		if (ch == '"' || ch == '\'')
			q = ch;
		else if (ch == '#' && (!i || t[i - 1] == ' ' || t[i - 1] == '\n'))
			while (i + 1 < len && t[i + 1] != '\n')
				i++;
		else if (ch == '[' || ch == '{') {
			if (++depth > max && (max = depth) > NEST_MAX)
				return max;
		} else if ((ch == ']' || ch == '}') && depth)
			depth--;
	}
	return max;
}

void want_table_size(struct walk *w, yaml_node_t *n, uint32_t *out)
{
	uint64_t u;

	if (!want_uint(w, n, "table_size", 2, DSRLB_RING_SIZE_MAX, &u))
		return;
	if (!maglev_is_prime((uint32_t)u))
		cfg_err(w->e, LINE(n), COL(n), "table_size %llu is not prime (e.g. 1021, 65537)",
			(unsigned long long)u);
	*out = (uint32_t)u;
}
