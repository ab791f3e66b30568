// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Maglev table properties (TESTPLAN 10-12): balance, minimal disruption,
 * determinism. All on the real maglev_build with the default table size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/maglev.h"

#define M 65537

static uint32_t t1[M], t2[M];

static void mk_v4(struct maglev_backend *b, int n)
{
	for (int i = 0; i < n; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].addr.family = DSRLB_AF_INET;
		b[i].addr.bytes[0] = 198;
		b[i].addr.bytes[1] = 18;
		b[i].addr.bytes[2] = (uint8_t)(i / 250);
		b[i].addr.bytes[3] = (uint8_t)(1 + i % 250);
		b[i].weight = 1;
	}
}

static void mk_v6(struct maglev_backend *b, int n)
{
	for (int i = 0; i < n; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].addr.family = DSRLB_AF_INET6;
		b[i].addr.bytes[0] = 0x20;
		b[i].addr.bytes[1] = 0x01;
		b[i].addr.bytes[3] = 0x02;
		b[i].addr.bytes[14] = (uint8_t)(i >> 8);
		b[i].addr.bytes[15] = (uint8_t)(i + 1);
		b[i].weight = 1;
	}
}

/* Slots per backend, as counts indexed like the input array. */
static void counts(const uint32_t *t, int n, uint32_t *c)
{
	memset(c, 0, n * sizeof(*c));
	for (uint32_t s = 0; s < M; s++)
		c[t[s]]++;
}

static void test_balance(int n, int v6)
{
	struct maglev_backend b[1000];
	uint32_t c[1000], lo = M / n, hi = (M + n - 1) / n;
	int ok = 1;

	v6 ? mk_v6(b, n) : mk_v4(b, n);
	CHECK(maglev_build(b, n, M, t1) == 0, "balance %s n=%d: builds", v6 ? "v6" : "v4", n);
	counts(t1, n, c);
	for (int i = 0; i < n; i++)
		if (c[i] < lo || c[i] > hi) {
			ok = 0;
			printf("# backend %d has %u slots, want %u..%u\n", i, c[i], lo, hi);
		}
	CHECK(ok, "balance %s n=%d: every backend has floor or ceil of M/N slots",
	      v6 ? "v6" : "v4", n);
}

/* Remove backend r from n: the share of slots that changed owner. */
static double disruption(int n, int r)
{
	struct maglev_backend b[1000], s[1000];
	uint32_t moved = 0;
	int k = 0;

	mk_v4(b, n);
	maglev_build(b, n, M, t1);
	for (int i = 0; i < n; i++)
		if (i != r)
			s[k++] = b[i];
	maglev_build(s, k, M, t2);
	for (uint32_t x = 0; x < M; x++)
		if (addr_cmp(&b[t1[x]].addr, &s[t2[x]].addr))
			moved++;
	return (double)moved / M;
}

static void test_disruption(int n, double limit, int tries)
{
	double worst = 0;

	for (int i = 0; i < tries; i++) {
		double d = disruption(n, (i * 7919) % n);

		if (d > worst)
			worst = d;
	}
	CHECK(worst <= limit, "disruption: removing 1 of %d moves %.2f%% of slots (limit %.0f%%)",
	      n, worst * 100, limit * 100);
}

static void test_order_independent(void)
{
	struct maglev_backend b[100], s[100];
	int same = 1;

	mk_v4(b, 100);
	maglev_build(b, 100, M, t1);
	/* a fixed shuffle: reverse, then rotate */
	for (int i = 0; i < 100; i++)
		s[i] = b[(137 - i) % 100];
	maglev_build(s, 100, M, t2);
	for (uint32_t x = 0; x < M && same; x++)
		same = !addr_cmp(&b[t1[x]].addr, &s[t2[x]].addr);
	CHECK(same, "determinism: shuffled input gives the identical table");
}

static void test_readd_restores(void)
{
	struct maglev_backend b[10], s[10];
	static uint32_t t3[M];
	int same = 1;

	mk_v4(b, 10);
	maglev_build(b, 10, M, t1);
	memcpy(s, b + 1, 9 * sizeof(*b));
	maglev_build(s, 9, M, t2);
	s[9] = b[0];
	maglev_build(s, 10, M, t3);
	for (uint32_t x = 0; x < M && same; x++)
		same = !addr_cmp(&b[t1[x]].addr, &s[t3[x]].addr);
	CHECK(same, "determinism: re-adding a removed backend restores the identical table");
}

static void test_weights(void)
{
	struct maglev_backend b[3];
	uint32_t c[3];

	mk_v4(b, 3);
	b[0].weight = 3;
	b[1].weight = 1;
	b[2].weight = 0;
	CHECK(maglev_build(b, 3, M, t1) == 0, "weights 3:1:0 build");
	counts(t1, 3, c);
	CHECK(c[2] == 0, "weight 0 takes no slot (got %u)", c[2]);
	CHECK(c[0] + c[1] == M && abs((int)c[0] - (int)(3.0 * M / 4)) <= 3,
	      "weights 3:1 give slots 3:1 (got %u:%u)", c[0], c[1]);

	b[0].weight = 300;
	b[1].weight = 300;
	b[2].weight = 300;
	maglev_build(b, 3, M, t1);
	counts(t1, 3, c);
	CHECK(c[0] >= M / 3 && c[0] <= M / 3 + 1 && c[2] >= M / 3 && c[2] <= M / 3 + 1,
	      "equal large weights balance like weight 1 (%u/%u/%u)", c[0], c[1], c[2]);
}

static void test_errors(void)
{
	struct maglev_backend b[2];

	mk_v4(b, 2);
	CHECK(maglev_build(b, 2, 65536, t1) == -EINVAL, "table size not prime: -EINVAL");
	CHECK(maglev_build(b, 0, M, t1) == -ENOENT, "no backends: -ENOENT");
	b[0].weight = b[1].weight = 0;
	CHECK(maglev_build(b, 2, M, t1) == -ENOENT, "all weights 0: -ENOENT");
	mk_v4(b, 2);
	b[1] = b[0];
	CHECK(maglev_build(b, 2, M, t1) == -EINVAL, "duplicate backend: -EINVAL");
	mk_v4(b, 2);
	CHECK(maglev_build(b, 2, 2, t1) == 0 && maglev_build(b, 2, 3, t1) == 0,
	      "tiny prime tables build");
	CHECK(maglev_is_prime(65537) && maglev_is_prime(131071) && !maglev_is_prime(1) &&
		      !maglev_is_prime(65535),
	      "maglev_is_prime");
}

int main(void)
{
	int ns[] = { 1, 2, 3, 7, 10, 100, 1000 };

	for (unsigned i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		test_balance(ns[i], 0);
	test_balance(10, 1);
	test_disruption(10, 0.11, 10);
	test_disruption(100, 0.02, 10);
	test_order_independent();
	test_readd_restores();
	test_weights();
	test_errors();
	return check_done();
}
