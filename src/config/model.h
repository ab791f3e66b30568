/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The running model: the config the engine applied last, with the indexes
 * that make one VIP's change O(1) (by name, and by the services it routes).
 * A change is prepared (everything it needs allocated; it can fail) and then
 * committed (it cannot), so the engine never applies something to the data
 * plane that the model then fails to record.
 */
#ifndef DSRLB_CONFIG_MODEL_H
#define DSRLB_CONFIG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/hmap.h"

struct model {
	struct cfg c;       /* owned */
	struct hmap names;  /* name -> struct cfg_vip * */
	struct hmap routes; /* struct cfg_route -> struct cfg_vip * */
	long ids;           /* backend ids its VIPs need */
	uint64_t version;   /* bumped by every change */
};

/* Take c's contents (c is left empty) and index them. 0 or -ENOMEM (c untouched). */
int model_init(struct model *m, struct cfg *c);
void model_free(struct model *m);
struct cfg_vip *model_find(const struct model *m, const char *name);

/*
 * May v (NULL: nothing) take the place of the VIP named old (NULL: a new
 * VIP)? 0, or -EEXIST / -EINVAL / -ENOSPC with the reason in err and the key
 * it concerns in *field: a name or service another VIP has, or more backend
 * ids than exist.
 */
int model_check(const struct model *m, const struct cfg_vip *v, const char *old, char *err,
		size_t errlen, const char **field);
/* Make room for the change (then model_commit cannot fail). 0 or -ENOMEM. */
int model_prepare(struct model *m, const struct cfg_vip *v);
/* v (owned from now on; NULL: delete) takes old's place (NULL: added). The VIP it replaced, now the caller's. */
struct cfg_vip *model_commit(struct model *m, const char *old, struct cfg_vip *v);

#endif
