/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Writing the model back to its files (see write.c). */
#ifndef DSRLB_WRITE_H
#define DSRLB_WRITE_H

#include <jansson.h>
#include <stddef.h>

#include "config/config.h"

/* YAML text of a JSON value (block style; the caller frees). */
char *model_yaml(const json_t *j);

/* text into path, atomically (see write.c). 0, or -errno with the reason in err. */
int file_write_atomic(const char *path, const char *text, char *err, size_t errlen);

/*
 * Rewrite the file that holds origin's VIPs: origin NULL is the main config
 * (main_path: its settings and its own VIPs); a vips_dir file that has no
 * VIP left is removed.
 */
int cfg_write_origin(const struct cfg *c, const char *main_path, const char *origin, char *err,
		     size_t errlen);
/* Remove the temporary files an interrupted write left in dir (at the daemon's start). */
int cfg_sweep_temps(const char *dir);
/* The vips_dir file a new VIP named name goes to. -ENOENT: no vips_dir. */
int cfg_vip_file(const struct cfg *c, const char *name, char *out, size_t len);

#endif
