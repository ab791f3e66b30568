/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The model (struct cfg) as JSON and back to a config file. The API shows
 * VIPs in the config file's shape, takes them in that shape, and parses what
 * it takes with the config file's own parser (JSON is YAML), so a change made
 * through the API passes exactly the checks a file does.
 */
#ifndef DSRLB_MODEL_H
#define DSRLB_MODEL_H

#include <jansson.h>

#include "config/config.h"

/*
 * A VIP as the config file would say it. full: every key (the API);
 * otherwise only keys that differ from their defaults (the file).
 */
json_t *model_vip_json(const struct cfg_vip *v, bool full);

/* The whole config, keys at their defaults left out. */
json_t *model_cfg_json(const struct cfg *c);

/* YAML text of a JSON value (block style; the caller frees). */
char *model_yaml(const json_t *j);

/*
 * Parse one VIP given as JSON in the config file's shape, with the parser
 * and checks of the config file. 0 and *out filled (the caller frees out->b),
 * or the number of errors with the messages in *errors, one per line, without
 * the positions (they point into a text the client never saw).
 */
int model_vip_parse(const struct cfg *base, const json_t *vip, struct cfg_vip *out,
		    char **errors);

/* Write c to path atomically: a temporary file, fsync, rename, fsync of the directory. */
int model_write(const char *path, const struct cfg *c, char *err, size_t errlen);

#endif
