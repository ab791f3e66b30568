// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fault.h"

static struct {
	uint64_t calls, nth, count;
} f[FAULT__MAX];
static bool armed;

void fault_set(enum fault_kind k, uint64_t nth, uint64_t count)
{
	f[k].calls = 0;
	f[k].nth = nth;
	f[k].count = count;
	armed = false;
	for (int i = 0; i < FAULT__MAX; i++)
		armed |= f[i].nth != 0;
}

void fault_init(void)
{
	static const char *const kinds[FAULT__MAX] = { "map_write", "alloc" };
	const char *e = getenv("DSRLB_TEST_FAULT");

	for (int k = 0; e && k < FAULT__MAX; k++) {
		size_t n = strlen(kinds[k]);
		unsigned long long nth = 0, count = 1;

		if (strncmp(e, kinds[k], n) || e[n] != ':')
			continue;
		if (sscanf(e + n + 1, "%llu:%llu", &nth, &count) >= 1 && nth)
			fault_set((enum fault_kind)k, nth, count ? count : 1);
	}
}

bool fault_hit(enum fault_kind k)
{
	uint64_t c;

	if (!armed) {
		f[k].calls++;
		return false;
	}
	c = ++f[k].calls;
	return f[k].nth && c >= f[k].nth && c < f[k].nth + f[k].count;
}

uint64_t fault_calls(enum fault_kind k)
{
	return f[k].calls;
}

void *fmalloc(size_t n)
{
	return fault_hit(FAULT_ALLOC) ? NULL : malloc(n);
}

void *fcalloc(size_t n, size_t size)
{
	return fault_hit(FAULT_ALLOC) ? NULL : calloc(n, size);
}

void *frealloc(void *p, size_t n)
{
	return fault_hit(FAULT_ALLOC) ? NULL : realloc(p, n);
}
