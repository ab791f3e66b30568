// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/maglev.h"

int maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	if (n % 2 == 0)
		return n == 2;
	for (d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

/*
 * 64-bit FNV-1a over the address, then a strong finaliser (splitmix64's) so
 * that neighbouring addresses get unrelated offsets and skips. The seeds are
 * fixed: every balancer must derive the same permutation from an address.
 */
static uint64_t addr_hash(const struct dsrlb_addr *a, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	int i;

	h ^= a->family;
	h *= 0x100000001b3ull;
	for (i = 0; i < 16; i++) {
		h ^= a->bytes[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

#define MAGLEV_SEED_OFFSET 0x6d61676c65763031ull /* "maglev01" */
#define MAGLEV_SEED_SKIP 0x6d61676c65763032ull   /* "maglev02" */

struct perm {
	const struct maglev_backend *b;
	int index;	 /* into the caller's array */
	uint32_t next;	 /* next candidate slot */
	uint32_t skip;
	uint32_t weight; /* slots to take per round, after dividing by the gcd */
};

static int perm_cmp(const void *x, const void *y)
{
	const struct perm *a = x, *b = y;

	return addr_cmp(&a->b->addr, &b->b->addr);
}

uint32_t maglev_gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int maglev_build(const struct maglev_backend *b, int n, uint32_t size, uint32_t *table)
{
	struct perm *p;
	uint32_t filled = 0, g = 0;
	int i, m = 0;

	if (!maglev_is_prime(size) || n < 0)
		return -EINVAL;
	p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!b[i].weight)
			continue;
		p[m].b = &b[i];
		p[m].index = i;
		g = maglev_gcd(g, b[i].weight);
		m++;
	}
	if (!m) {
		free(p);
		return -ENOENT;
	}
	if ((uint32_t)m > size) {
		free(p);
		return -EINVAL;
	}
	qsort(p, m, sizeof(*p), perm_cmp);
	for (i = 0; i < m; i++) {
		if (i && !addr_cmp(&p[i - 1].b->addr, &p[i].b->addr)) {
			free(p);
			return -EINVAL;
		}
		p[i].next = addr_hash(&p[i].b->addr, MAGLEV_SEED_OFFSET) % size;
		p[i].skip = addr_hash(&p[i].b->addr, MAGLEV_SEED_SKIP) % (size - 1) + 1;
		p[i].weight = p[i].b->weight / g;
	}

	for (uint32_t s = 0; s < size; s++)
		table[s] = UINT32_MAX;

	/*
	 * Rounds: each backend claims its next free preferred slot, `weight`
	 * times per round. With equal weights every backend ends with
	 * floor(size/m) or ceil(size/m) slots.
	 */
	while (filled < size) {
		for (i = 0; i < m && filled < size; i++) {
			for (uint32_t w = 0; w < p[i].weight && filled < size; w++) {
				uint32_t c = p[i].next;

				while (table[c] != UINT32_MAX)
					c = (uint32_t)(((uint64_t)c + p[i].skip) % size);
				table[c] = (uint32_t)p[i].index;
				p[i].next = (uint32_t)(((uint64_t)c + p[i].skip) % size);
				filled++;
			}
		}
	}
	free(p);
	return 0;
}
