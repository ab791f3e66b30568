/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An open-addressed hash map from keys to pointers, for the indexes that keep
 * every change O(1) at 10,000 VIPs: VIPs by name and by route, health checks
 * and neighbours by address. Keys are copied in (at most HMAP_KEY_MAX bytes);
 * a string key is its bytes without the terminator. Not thread-safe.
 */
#ifndef DSRLB_HMAP_H
#define DSRLB_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMAP_KEY_MAX 64

struct hmap_slot;

struct hmap {
	struct hmap_slot *s;
	size_t cap, n, used; /* used: live + deleted (tombstones) */
};

void hmap_free(struct hmap *m);
/* The value stored under key, or NULL. */
void *hmap_get(const struct hmap *m, const void *key, size_t klen);
/* Store (replacing any value under key). 0 or -ENOMEM, -EINVAL (key too long or val NULL). */
int hmap_put(struct hmap *m, const void *key, size_t klen, void *val);
/* Make room for n more keys, so that the next n hmap_put cannot fail. 0 or -ENOMEM. */
int hmap_reserve(struct hmap *m, size_t n);
/* Remove; the value it had, or NULL. */
void *hmap_del(struct hmap *m, const void *key, size_t klen);

/* Iterate: for (size_t i = 0; hmap_next(m, &i, &k, &kl, &v);) */
bool hmap_next(const struct hmap *m, size_t *it, const void **key, size_t *klen, void **val);

static inline size_t hmap_count(const struct hmap *m)
{
	return m->n;
}

#endif
