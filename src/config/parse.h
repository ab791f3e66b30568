/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The parser's entry, for load.c: one text (the main file, or a vips_dir file) into c. */
#ifndef DSRLB_PARSE_H
#define DSRLB_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "lib/hmap.h"

/* Errors added to e (their number). vip_file: the text is a vips_dir file named name. */
int cfg_parse_text(struct cfg *c, const char *name, const char *text, size_t len, bool vip_file,
		   struct cfg_errs *e);

/* parse_ha.c: the sections for several balancers (announce, vrrp, sync). */
struct walk;
struct yaml_node_s;
void parse_announce(struct walk *w, struct yaml_node_s *n, struct cfg *c);
void parse_vrrp(struct walk *w, struct yaml_node_s *n, struct cfg *c);
void parse_sync(struct walk *w, struct yaml_node_s *n, struct cfg *c);

#endif
