// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The planner without root and without a data plane (engine/plan.c is pure):
 * what a change writes, that a change to one VIP of many plans that one, the
 * states of a backend (drain, off, resolving, neighbour failed, down,
 * all_down), table sizes, determinism, and the limits: ids at the end of
 * the pool are taken over from what the same change removes (issue 12,
 * defect 3), tables over table_memory are refused with the figure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "engine/apply.h"
#include "engine/plan.h"

/* ---- a world for the planner: neighbours and health by address ------------------------- */

static struct {
	struct dsrlb_addr a[64];
	int state[64];
	bool down[64];
	int n;
} world;

static int at(const struct dsrlb_addr *a)
{
	for (int i = 0; i < world.n; i++)
		if (!addr_cmp(&world.a[i], a))
			return i;
	return -1;
}

static int fake_neigh(void *ctx, const struct dsrlb_addr *a, uint8_t mac[6])
{
	int i = at(a);

	(void)ctx;
	if (i < 0)
		return NEIGH_RESOLVING;
	if (world.state[i] == NEIGH_OK) {
		memcpy(mac, (uint8_t[6]){ 0x02, 0, 0, 0, a->bytes[2], a->bytes[3] }, 6);
	}
	return world.state[i];
}

static bool fake_health(void *ctx, uint32_t vip, const struct dsrlb_addr *a, uint64_t *since)
{
	int i = at(a);

	(void)ctx;
	(void)vip;
	if (since)
		*since = (uint64_t)i;
	return i < 0 || !world.down[i];
}

static void know(const char *s, int state)
{
	addr_parse(s, &world.a[world.n]);
	world.state[world.n++] = state;
}

static void set(const char *s, int state, bool down)
{
	struct dsrlb_addr a;
	int i;

	addr_parse(s, &a);
	i = at(&a);
	world.state[i] = state;
	world.down[i] = down;
}

static struct cfg g;
static struct plan_env env = { .globals = &g, .neigh = fake_neigh, .health_up = fake_health };

/* A VIP on 198.18.N.1:80 with backends 198.18.1.11.. (count n), weight w each. */
static struct cfg_vip *vip(int n, const char *name, int count, int weight)
{
	struct cfg_vip *v = cfg_vip_new();
	char a[32];

	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(a, sizeof(a), "198.18.%d.1", 100 + n);
	addr_parse(a, &v->spec.addr);
	v->spec.port = 80;
	v->spec.protos = VIP_PROTO_TCP;
	v->b = calloc((size_t)count, sizeof(*v->b));
	for (int j = 0; j < count; j++) {
		snprintf(a, sizeof(a), "198.18.1.%d", 11 + j);
		addr_parse(a, &v->b[j].addr);
		v->b[j].weight = (uint32_t)weight;
		v->b[j].state = BACKEND_UP;
	}
	v->nb = count;
	return v;
}

static void app_init(struct app *a, uint32_t bids)
{
	memset(a, 0, sizeof(*a));
	idpool_init(&a->vids, DSRLB_MAX_VIPS);
	idpool_init(&a->bids, bids);
}

static void app_free(struct app *a)
{
	for (int v = 0; v < DSRLB_MAX_VIPS; v++)
		app_vip_free(a->vip[v]);
	hmap_free(&a->by_spec);
	idpool_free(&a->vids);
	idpool_free(&a->bids);
	free(a->pend_ids);
	free(a->pend_keys);
	free(a->pend_vids);
}

/* What apply_plan would have written, taken as applied; retirements done. */
static void applied(struct app *a, struct plan *p)
{
	apply_commit(a, p);
	for (int i = 0; i < a->npend_ids; i++)
		idpool_release(&a->bids, a->pend_ids[i]);
	for (int i = 0; i < a->npend_vids; i++)
		idpool_release(&a->vids, a->pend_vids[i]);
	a->npend_ids = a->npend_keys = a->npend_vids = 0;
	plan_free(p);
}

static int plan1(struct plan *p, struct app *a, const struct cfg_vip *want,
		 const struct vip_spec *old)
{
	struct plan_req r = { .want = want, .old = old };

	return plan_make(p, a, &env, &r, 1);
}

static int count_slots(const struct plan_vip *pv, uint32_t id)
{
	int n = 0;

	for (uint32_t s = 0; pv->slots && s < pv->next->size; s++)
		n += pv->slots[s] == id;
	return n;
}

int main(void)
{
	struct app a;
	struct plan p;
	struct cfg_vip *v[100], *w;
	int r, bad;

	cfg_init(&g);
	for (int j = 0; j < 10; j++) {
		char s[32];

		snprintf(s, sizeof(s), "198.18.1.%d", 11 + j);
		know(s, NEIGH_OK);
	}
	app_init(&a, DSRLB_MAX_BACKENDS);

	/* One VIP of 4 backends: everything it needs, in one plan. */
	v[0] = vip(0, "v0", 4, 1);
	r = plan1(&p, &a, v[0], NULL);
	CHECK(!r && p.nv == 1 && p.v[0].write && p.index && !p.v[0].old,
	      "a new VIP: one VIP planned, its table written, the index changes (%d: %s)", r, p.err);
	CHECK(p.v[0].next->size == 509,
	      "4 backends get the smallest table size above 100 slots each: 509 (got %u)", p.v[0].next->size);
	CHECK(p.nbw == 4 && p.bw[0].new_owner && p.bw[0].valid && p.nput == 5,
	      "its 4 backends' entries are written (new owners, with their MACs) and 5 ids pinned (%d, %d)",
	      p.nbw, p.nput);
	bad = 0;
	for (int j = 0; j < 4; j++) {
		int n = count_slots(&p.v[0], p.v[0].next->m[j].id);

		bad += n < 509 / 4 || n > 509 / 4 + 1;
	}
	CHECK(!bad, "each of the 4 backends has 127 or 128 of the 509 slots");
	applied(&a, &p);

	/* 99 more, then a weight change on one: one VIP planned, nothing else written. */
	for (int i = 1; i < 100; i++) {
		char n[16];

		snprintf(n, sizeof(n), "v%d", i);
		v[i] = vip(i, n, 10, 1);
		r = plan1(&p, &a, v[i], NULL);
		if (r)
			break;
		applied(&a, &p);
	}
	CHECK(!r && a.nvips == 100, "100 VIPs applied (%d)", a.nvips);
	w = cfg_vip_copy(v[50]);
	w->b[3].weight = 5;
	r = plan1(&p, &a, w, &v[50]->spec);
	CHECK(!r && p.nv == 1 && p.v[0].id == a.vip[p.v[0].id]->id && p.v[0].write && !p.index &&
		      !p.nbw && !p.nput && !p.ndel,
	      "a weight change on one VIP of 100: that VIP's table only; no entry, id or index written");
	CHECK(count_slots(&p.v[0], p.v[0].next->m[3].id) > 5 * 1021 / 14 - 10,
	      "the weight-5 backend gets about 5/14 of the 1021 slots (%d)",
	      count_slots(&p.v[0], p.v[0].next->m[3].id));
	applied(&a, &p);
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && p.nv == 1 && !p.v[0].write && !p.nbw && !p.nput && !p.ndel && !p.index,
	      "planned again unchanged: nothing to write at all");
	plan_free(&p);

	/* Drain and off. */
	w->b[1].state = BACKEND_DRAIN;
	w->b[2].state = BACKEND_OFF;
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && count_slots(&p.v[0], p.v[0].next->m[1].id) == 0 && p.v[0].next->m[1].valid &&
		      p.v[0].next->m[1].id != ID_NONE,
	      "drain: no slot, but its entry stays valid (established flows continue)");
	CHECK(p.v[0].next->m[2].id == ID_NONE && p.nretire == 1 && p.ndel == 1,
	      "off: its id retires and its pinned key goes (its flows are placed again)");
	applied(&a, &p);
	cfg_vip_free(w);

	/* Resolving, a failed neighbour, health. */
	w = vip(200, "n", 3, 1);
	know("198.18.1.30", NEIGH_RESOLVING);
	addr_parse("198.18.1.30", &w->b[2].addr);
	r = plan1(&p, &a, w, NULL);
	CHECK(!r && p.v[0].next->m[2].out == OUT_RESOLVING && !p.v[0].next->m[2].valid &&
		      !count_slots(&p.v[0], p.v[0].next->m[2].id) && p.nresolve == 1,
	      "a backend whose MAC is unknown: resolving, no slot, asked for");
	applied(&a, &p);
	set("198.18.1.30", NEIGH_OK, false);
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && p.v[0].next->m[2].valid && count_slots(&p.v[0], p.v[0].next->m[2].id) > 0 &&
		      p.nbw == 1 && !p.bw[0].new_owner && p.bw[0].valid,
	      "resolved: its entry gets its MAC (same id) and its slots");
	applied(&a, &p);
	set("198.18.1.30", NEIGH_FAILED, false);
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && p.v[0].next->m[2].valid && p.v[0].next->m[2].out == OUT_NEIGH &&
		      !count_slots(&p.v[0], p.v[0].next->m[2].id) && !p.nbw,
	      "its neighbour entry fails: no new flows, but the MAC stays for established flows");
	applied(&a, &p);
	set("198.18.1.30", NEIGH_OK, false);
	set("198.18.1.11", NEIGH_OK, true);
	set("198.18.1.12", NEIGH_OK, true);
	set("198.18.1.30", NEIGH_OK, true);
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && p.v[0].next->kept[0] && p.v[0].next->size == 509 &&
		      count_slots(&p.v[0], p.v[0].next->m[2].id) == 509,
	      "every backend down, all_down keep: the last to fail (%s) keeps the whole table",
	      p.v[0].next->kept);
	plan_free(&p);
	w->all_down_drop = true;
	r = plan1(&p, &a, w, &w->spec);
	CHECK(!r && p.v[0].next->size == 0 && p.v[0].write,
	      "all_down drop: an empty table (new flows dropped, no_backend)");
	plan_free(&p);
	set("198.18.1.11", NEIGH_OK, false);
	set("198.18.1.12", NEIGH_OK, false);
	set("198.18.1.30", NEIGH_OK, false);
	cfg_vip_free(w);

	/* Determinism: the same backends in another order, another balancer: the same table. */
	{
		struct app b, c;
		struct plan q, o;
		struct cfg_vip *x = vip(7, "v7", 10, 1);

		app_init(&b, DSRLB_MAX_BACKENDS);
		app_init(&c, DSRLB_MAX_BACKENDS);
		idpool_take(&c.bids); /* and other ids than the first balancer's */
		r = plan1(&o, &b, v[7], NULL);
		for (int j = 0; j < 5; j++) {
			struct cfg_backend t = x->b[j];

			x->b[j] = x->b[9 - j];
			x->b[9 - j] = t;
		}
		r = r ?: plan1(&q, &c, x, NULL);
		bad = 0;
		for (uint32_t s = 0; !r && s < 1021; s++) {
			const struct app_member *m1 = NULL, *m2 = NULL;

			for (int j = 0; j < 10; j++) {
				if (o.v[0].slots[s] == o.v[0].next->m[j].id)
					m1 = &o.v[0].next->m[j];
				if (q.v[0].slots[s] == q.v[0].next->m[j].id)
					m2 = &q.v[0].next->m[j];
			}
			bad += !m1 || !m2 || addr_cmp(&m1->addr, &m2->addr);
		}
		CHECK(!r && !bad && o.v[0].slots[0] != q.v[0].slots[0],
		      "another balancer, other ids, backends in another order: every slot names the same backend (%d differ)",
		      bad);
		plan_free(&q);
		plan_free(&o);
		app_free(&b);
		app_free(&c);
		cfg_vip_free(x);
	}

	/* The id limit: a pool of 4 backend ids. */
	{
		struct app b;
		struct plan q;
		struct cfg_vip *x = vip(1, "x", 4, 1), *y = vip(1, "x", 4, 1), *z = vip(2, "z", 1, 1);

		app_init(&b, 4);
		r = plan1(&q, &b, x, NULL);
		CHECK(!r, "4 backends fit 4 ids exactly (%s)", q.err);
		applied(&b, &q);
		for (int j = 0; j < 4; j++) { /* four other servers */
			char s[32];

			snprintf(s, sizeof(s), "198.18.1.%d", 15 + j);
			addr_parse(s, &y->b[j].addr);
		}
		r = plan1(&q, &b, y, &x->spec);
		CHECK(!r && q.recycles && q.v[0].phase2 && q.nretire == 0 && q.nbw == 4 &&
			      q.bw_phase2[0] && q.bw[0].new_owner,
		      "all 4 replaced in one change with no id free: it takes over the ids it frees (a second phase), not 'no free backend id' (%s)",
		      q.err);
		applied(&b, &q);
		r = plan1(&q, &b, z, NULL);
		CHECK(r == -ENOSPC && strstr(q.err, "no free backend id for backend 198.18.1.11 of vip 'z' (at most 4 in all)"),
		      "a fifth backend: refused, naming it (%s)", q.err);
		CHECK(idpool_free_count(&b.bids) == 0, "and the refused plan reserved nothing");
		plan_free(&q);
		app_free(&b);
		cfg_vip_free(x);
		cfg_vip_free(y);
		cfg_vip_free(z);
	}

	/* Table memory. */
	g.table_memory = 1 << 20;
	w = vip(300, "big", 10, 1);
	w->table_size = 1048573;
	r = plan1(&p, &a, w, NULL);
	CHECK(r == -ENOSPC && strstr(p.err, "more than table_memory 1.0 MB"),
	      "a table that would pass table_memory is refused with the figure (%s)", p.err);
	plan_free(&p);
	cfg_vip_free(w);

	for (int i = 0; i < 100; i++)
		cfg_vip_free(v[i]);
	app_free(&a);
	return check_done();
}
