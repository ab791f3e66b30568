/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Reading a YAML tree value by value, for parse.c (see walk.c). */
#ifndef DSRLB_WALK_H
#define DSRLB_WALK_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "config/config.h"

struct walk {
	yaml_document_t *doc;
	struct cfg_errs *e;
	struct cfg *c;
	const char *origin; /* of the VIPs read */
};

/* A NULL-terminated list of words, for want_enum. */
#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define LINE(n) ((int)(n)->start_mark.line + 1)
#define COL(n) ((int)(n)->start_mark.column + 1)
#define want_uint(w, n, what, min, max, out) want_num(w, n, what, min, max, false, out)
/* A table_size: a prime from 2 to DSRLB_RING_SIZE_MAX. */
void want_table_size(struct walk *w, yaml_node_t *n, uint32_t *out);
#define FOR_PAIRS(n, p) \
	for (yaml_node_pair_t *p = (n)->data.mapping.pairs.start; p < (n)->data.mapping.pairs.top; p++)
/*
 * Flow collections nested deeper than NEST_MAX are refused before libyaml
 * reads them (walk_nesting says how deep the text goes, and where).
 */
#define NEST_MAX 32

yaml_node_t *walk_node(struct walk *w, int i);
const char *walk_scalar(yaml_node_t *n);
bool want_scalar(struct walk *w, yaml_node_t *n, const char *what, const char **out);
bool want_plain(struct walk *w, yaml_node_t *n, const char *what, const char **s);
bool want_num(struct walk *w, yaml_node_t *n, const char *what, uint64_t min, uint64_t max,
	      bool hex_ok, uint64_t *out);
bool want_seconds(struct walk *w, yaml_node_t *n, const char *what, uint32_t min_ms,
		  uint32_t max_ms, uint32_t *out);
bool want_enum(struct walk *w, yaml_node_t *n, const char *what,
	       const char *const *names, unsigned *out);
void want_text(struct walk *w, yaml_node_t *n, const char *what, char *out, size_t size);
bool first_time(struct walk *w, yaml_node_t *k, uint64_t *seen, unsigned bit,
		const char *where);
int key_index(struct walk *w, yaml_node_t *k, const char *const *known, const char *where,
	      uint64_t *seen);
bool want_name(struct walk *w, yaml_node_t *n, char *out);
bool want_map(struct walk *w, yaml_node_t *n, const char *what);
void want_path(struct walk *w, yaml_node_t *val, const char *what, char *out, size_t size);
int walk_nesting(const char *t, size_t len, int *line);

#endif
