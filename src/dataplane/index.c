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

int dp_index_commit(struct dp *dp)
{
	struct dsrlb_vip_slot *table = malloc(sizeof(*table) * VIPINDEX_TABLE_SLOTS), *vals;
	uint32_t *keys, n = 0, zero = 0;
	int err, fd = -1;

	keys = calloc(dp->nentries ? (size_t)dp->nentries : 1, sizeof(*keys));
	vals = calloc(dp->nentries ? (size_t)dp->nentries : 1, sizeof(*vals));
	if (!table || !keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	err = vipindex_place(dp->entries, dp->nentries, table);
	if (err)
		goto out;
	/* A new array is all zeroes (empty slots): write only the used ones. */
	for (uint32_t s = 0; s < VIPINDEX_TABLE_SLOTS; s++) {
		if (!table[s].family)
			continue;
		keys[n] = s;
		vals[n++] = table[s];
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "dsrlb_vip_index", sizeof(uint32_t),
			    sizeof(struct dsrlb_vip_slot), VIPINDEX_TABLE_SLOTS, NULL);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = dp_write_batch(fd, keys, vals, n);
	if (!err)
		err = dp_write(bpf_map__fd(dp->skel->maps.vip_index), &zero, &fd, BPF_ANY);
out:
	if (fd >= 0)
		close(fd);
	free(table);
	free(keys);
	free(vals);
	return err;
}
