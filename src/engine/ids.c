// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Id pools for VIPs and backends, and the applied state's lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/state.h"

int idpool_init(struct idpool *p, uint32_t cap)
{
	memset(p, 0, sizeof(*p));
	p->state = calloc(cap, sizeof(*p->state));
	p->free = malloc(cap * sizeof(*p->free));
	if (!p->state || !p->free) {
		idpool_free(p);
		return -ENOMEM;
	}
	p->cap = cap;
	for (uint32_t i = 0; i < cap; i++)
		p->free[i] = cap - 1 - i;
	p->nfree = cap;
	return 0;
}

void idpool_free(struct idpool *p)
{
	free(p->state);
	free(p->free);
	memset(p, 0, sizeof(*p));
}

uint32_t idpool_take(struct idpool *p)
{
	while (p->nfree) {
		uint32_t id = p->free[--p->nfree];

		if (p->state[id] != ID_FREE)
			continue; /* claimed by adoption meanwhile */
		p->state[id] = ID_RESERVED;
		if (id >= p->hw)
			p->hw = id + 1;
		return id;
	}
	return ID_NONE;
}

void idpool_claim(struct idpool *p, uint32_t id)
{
	if (id >= p->cap)
		return;
	p->state[id] = ID_USED; /* its stale place in the free stack is skipped on take */
	if (id >= p->hw)
		p->hw = id + 1;
}

void idpool_retiring(struct idpool *p, uint32_t id)
{
	if (id < p->cap)
		p->state[id] = ID_RETIRING;
}

void idpool_release(struct idpool *p, uint32_t id)
{
	if (id >= p->cap || p->state[id] == ID_FREE)
		return;
	p->state[id] = ID_FREE;
	if (p->nfree == p->cap) { /* stale entries (claimed ids) filled it: rebuild */
		p->nfree = 0;
		for (uint32_t i = p->cap; i-- > 0;)
			if (p->state[i] == ID_FREE)
				p->free[p->nfree++] = i;
		return;
	}
	p->free[p->nfree++] = id;
}

void spec_key(const struct vip_spec *s, struct spec_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = s->addr.family;
	k->protos = (uint8_t)s->protos;
	k->port = s->port;
	memcpy(k->addr, s->addr.bytes, 16);
}

struct app_vip *app_find(const struct app *a, const struct vip_spec *s)
{
	struct spec_key k;

	spec_key(s, &k);
	return hmap_get(&a->by_spec, &k, sizeof(k));
}

void app_vip_free(struct app_vip *v)
{
	if (v)
		free(v->m);
	free(v);
}

struct app_member *app_member_find(const struct app_vip *v, const struct dsrlb_addr *a)
{
	for (int i = 0; v && i < v->nm; i++)
		if (!addr_cmp(&v->m[i].addr, a))
			return &v->m[i];
	return NULL;
}
