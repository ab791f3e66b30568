// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "dsrlb_hash.h"
#include "dataplane/vipindex.h"

static int same_key(const struct dsrlb_vip_slot *a, const struct dsrlb_vip_slot *b)
{
	return a->family == b->family && a->proto == b->proto && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

uint32_t vipindex_home(const struct dsrlb_vip_slot *e)
{
	uint32_t w[4];
	int words = e->family == DSRLB_AF_INET6 ? 4 : 1;
	uint32_t region = (e->port || e->proto) ? DSRLB_VIP_INDEX_SLOTS : 0;

	memcpy(w, e->addr, sizeof(w));
	return region + (dsrlb_index_hash(w, words,
					  dsrlb_index_tail(e->port, e->proto, e->family)) &
			 (DSRLB_VIP_INDEX_SLOTS - 1));
}

static uint32_t probe(uint32_t home, int i)
{
	uint32_t base = home & ~(uint32_t)(DSRLB_VIP_INDEX_SLOTS - 1);

	return base + ((home + (uint32_t)i) & (DSRLB_VIP_INDEX_SLOTS - 1));
}

int vipindex_find(const struct dsrlb_vip_slot *table, const struct dsrlb_vip_slot *key)
{
	uint32_t home = vipindex_home(key);

	for (int i = 0; i < DSRLB_VIP_INDEX_PROBES; i++) {
		uint32_t s = probe(home, i);

		if (!table[s].family)
			return -1;
		if (same_key(&table[s], key))
			return (int)s;
	}
	return -1;
}

int vipindex_place(const struct dsrlb_vip_slot *e, int n, struct dsrlb_vip_slot *table)
{
	memset(table, 0, sizeof(*table) * VIPINDEX_TABLE_SLOTS);
	for (int k = 0; k < n; k++) {
		uint32_t home = vipindex_home(&e[k]);
		int i;

		if (!e[k].family)
			return -EINVAL;
		for (i = 0; i < DSRLB_VIP_INDEX_PROBES; i++) {
			uint32_t s = probe(home, i);

			if (!table[s].family) {
				table[s] = e[k];
				break;
			}
			if (same_key(&table[s], &e[k]))
				return -EEXIST;
		}
		if (i == DSRLB_VIP_INDEX_PROBES)
			return -ENOSPC;
	}
	return 0;
}
