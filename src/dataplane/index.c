// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The VIP index: routes are staged, placed by vipindex.c, written into a
 * fresh inner array and swapped in with one update (one RCU grace period),
 * so a packet sees the old index or the new one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/dp_int.h"
#include "dataplane/vipindex.h"
#include "lib/hmap.h"

void dp_index_reset(struct dp *dp)
{
	dp->nentries = 0;
	hmap_free(&dp->staged);
}

static struct dsrlb_vip_slot *entry_get(struct dp *dp, const struct dsrlb_addr *a,
					uint16_t port, uint8_t proto)
{
	struct dsrlb_vip_slot key = {}, *e;
	void *at;

	memcpy(key.addr, a->bytes, a->family == DSRLB_AF_INET ? 4 : 16);
	key.family = a->family;
	key.port = htons(port);
	key.proto = port ? proto : 0;
	at = hmap_get(&dp->staged, &key, offsetof(struct dsrlb_vip_slot, vip));
	if (at)
		return &dp->entries[(uintptr_t)at - 1];
	if (dp->nentries == dp->cap) {
		int cap = dp->cap ? dp->cap * 2 : 64;
		void *n = realloc(dp->entries, (size_t)cap * sizeof(*e));

		if (!n)
			return NULL;
		dp->entries = n;
		dp->cap = cap;
	}
	if (hmap_put(&dp->staged, &key, offsetof(struct dsrlb_vip_slot, vip),
		     (void *)(uintptr_t)(dp->nentries + 1)))
		return NULL;
	e = &dp->entries[dp->nentries++];
	*e = key;
	e->vip[0] = e->vip[1] = DSRLB_VIP_NONE;
	return e;
}

int dp_index_add(struct dp *dp, const struct dsrlb_addr *addr, uint16_t port, uint8_t proto,
		 uint32_t vip)
{
	struct dsrlb_vip_slot *as, *ps;
	int pi = proto == IPPROTO_UDP;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || vip == DSRLB_VIP_NONE)
		return -EINVAL;
	as = entry_get(dp, addr, 0, 0);
	if (!as)
		return -ENOMEM;
	if (!port) {
		as->vip[pi] = vip;
		return 0;
	}
	as->port_vips[pi] = 1;
	ps = entry_get(dp, addr, port, proto);
	if (!ps)
		return -ENOMEM;
	ps->vip[0] = vip;
	return 0;
}

int dp_index_check(struct dp *dp)
{
	struct dsrlb_vip_slot *table = malloc(sizeof(*table) * VIPINDEX_TABLE_SLOTS);
	int err;

	if (!table)
		return -ENOMEM;
	err = vipindex_place(dp->entries, dp->nentries, table);
	free(table);
	return err;
}
