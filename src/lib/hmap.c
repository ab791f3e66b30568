// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"

struct hmap_slot {
	uint32_t h;
	uint8_t klen;
	uint8_t state; /* 0 empty, 1 live, 2 deleted */
	uint8_t key[HMAP_KEY_MAX];
	void *val;
};

static uint32_t hash(const void *key, size_t n)
{
	const uint8_t *p = key;
	uint32_t h = 0x811c9dc5u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x01000193u;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

void hmap_free(struct hmap *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

static struct hmap_slot *find(const struct hmap *m, const void *key, size_t klen, uint32_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1), k = 0; k < m->cap; i = (i + 1) & (m->cap - 1), k++) {
		struct hmap_slot *s = &m->s[i];

		if (!s->state)
			return NULL;
		if (s->state == 1 && s->h == h && s->klen == klen && !memcmp(s->key, key, klen))
			return s;
	}
	return NULL;
}

void *hmap_get(const struct hmap *m, const void *key, size_t klen)
{
	struct hmap_slot *s = klen <= HMAP_KEY_MAX ? find(m, key, klen, hash(key, klen)) : NULL;

	return s ? s->val : NULL;
}

static int grow(struct hmap *m, size_t more)
{
	size_t cap = m->cap ? m->cap : 16;
	struct hmap_slot *old = m->s;
	size_t ocap = m->cap;

	/* keep live entries under half the slots; tombstones go on rehash */
	while ((m->n + more) * 2 > cap)
		cap *= 2;
	m->s = calloc(cap, sizeof(*m->s));
	if (!m->s) {
		m->s = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->n = m->used = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].state != 1)
			continue;
		size_t j = old[i].h & (cap - 1);

		while (m->s[j].state)
			j = (j + 1) & (cap - 1);
		m->s[j] = old[i];
		m->n++;
		m->used++;
	}
	free(old);
	return 0;
}

int hmap_put(struct hmap *m, const void *key, size_t klen, void *val)
{
	uint32_t h = hash(key, klen);
	struct hmap_slot *s;

	if (klen > HMAP_KEY_MAX || !val)
		return -EINVAL;
	s = find(m, key, klen, h);
	if (s) {
		s->val = val;
		return 0;
	}
	if ((m->used + 1) * 4 > m->cap * 3 || !m->cap) {
		int r = grow(m, 1);

		if (r)
			return r;
	}
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		s = &m->s[i];
		if (s->state == 1)
			continue;
		if (!s->state)
			m->used++;
		s->state = 1;
		s->h = h;
		s->klen = (uint8_t)klen;
		memcpy(s->key, key, klen);
		s->val = val;
		m->n++;
		return 0;
	}
}

int hmap_reserve(struct hmap *m, size_t n)
{
	if (m->cap && (m->used + n) * 4 <= m->cap * 3)
		return 0;
	return grow(m, n + 1);
}

void *hmap_del(struct hmap *m, const void *key, size_t klen)
{
	struct hmap_slot *s = klen <= HMAP_KEY_MAX ? find(m, key, klen, hash(key, klen)) : NULL;
	void *v;

	if (!s)
		return NULL;
	v = s->val;
	s->state = 2;
	s->val = NULL;
	m->n--;
	return v;
}

bool hmap_next(const struct hmap *m, size_t *it, const void **key, size_t *klen, void **val)
{
	for (; *it < m->cap; (*it)++) {
		const struct hmap_slot *s = &m->s[*it];

		if (s->state != 1)
			continue;
		if (key)
			*key = s->key;
		if (klen)
			*klen = s->klen;
		if (val)
			*val = s->val;
		(*it)++;
		return true;
	}
	return false;
}
