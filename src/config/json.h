/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The model as JSON, and a VIP from JSON. The API shows VIPs in the config
 * file's shape, takes them in that shape, and parses what it takes with the
 * config file's own parser (JSON is YAML), so a change made through the API
 * passes exactly the checks a file does. write.c turns the same JSON into
 * the files' YAML.
 */
#ifndef DSRLB_JSON_H
#define DSRLB_JSON_H

#include <jansson.h>

#include "config/config.h"

struct strbuf;

/* More keys inside a rendered VIP and each of its backends (each hook writes ,"key":value...). */
struct render_hooks {
	void (*vip)(struct strbuf *b, const struct cfg_vip *v, void *ctx);
	void (*backend)(struct strbuf *b, const struct cfg_vip *v, int j, void *ctx);
	void *ctx;
};

/*
 * A VIP as the config file would say it, as JSON text: the one place its
 * keys are written. full: every key (the API); otherwise only keys that
 * differ from their defaults (the file). hooks may add keys (the API's state).
 */
void model_vip_render(struct strbuf *b, const struct cfg_vip *v, bool full,
		      const struct render_hooks *hooks);
/* The same as a JSON value. */
json_t *model_vip_json(const struct cfg_vip *v, bool full);

/* The settings of c (not its VIPs), keys at their defaults left out. */
json_t *model_globals_json(const struct cfg *c);
/* The settings and every VIP (as one file would hold them). */
json_t *model_cfg_json(const struct cfg *c);

/*
 * Parse one VIP given as JSON in the config file's shape, with the parser
 * and the per-VIP checks of the config file, against base's settings. 0 and
 * *out (the caller frees it with cfg_vip_free), or the number of errors with
 * the messages in *errors, one per line, without positions (they point into
 * a text the client never saw).
 */
int model_vip_parse(const struct cfg *base, const json_t *vip, struct cfg_vip **out,
		    char **errors);

#endif
