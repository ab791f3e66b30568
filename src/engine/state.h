/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the data plane holds, as the engine knows it: per VIP id the VIP's
 * settings, its table's size and the inputs it was built from, and per
 * backend its id, MAC and weight in the table. The planner (plan.c) reads
 * this and the model; the apply step (apply.c) changes this only once the
 * data plane took a plan whole.
 */
#ifndef DSRLB_STATE_H
#define DSRLB_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/hmap.h"

#define ID_NONE 0xffffffffu

/* Why a backend takes no new flows beyond what its config says. */
enum member_out {
	OUT_NO = 0,
	OUT_HEALTH,    /* it fails its health check */
	OUT_NEIGH,     /* its neighbour entry failed: no answer to ARP/NDP */
	OUT_RESOLVING, /* its MAC is not known yet */
};

struct app_member {
	struct dsrlb_addr addr;
	uint32_t id;            /* its backend id; ID_NONE when off */
	enum cfg_backend_state state;
	uint32_t cfg_weight;    /* as configured: 0 for drain and off */
	uint32_t weight;        /* in the table */
	uint8_t out;            /* enum member_out */
	bool valid;             /* its data-plane entry has a MAC */
	bool recycled;          /* (plan) its id was another backend's in this change */
	uint8_t mac[6];
};

struct app_vip {
	uint32_t id;
	char name[CFG_NAME_MAX];
	struct vip_spec spec;
	enum cfg_sched csched;   /* as configured (wrr and rr are one scheduler in the program) */
	uint32_t sched;          /* enum dsrlb_sched */
	uint32_t size;           /* slots of its live table (0: no backend takes new flows) */
	uint32_t tcp_timeout, udp_timeout;
	uint32_t hold_down_ms;
	bool all_down_drop;
	bool stateless;          /* flow_table: off */
	bool adopted;            /* from pinned state: what its table was built from is unknown */
	bool serving;            /* a backend takes new flows (serve.c: announced, counted) */
	char kept[ADDR_STRLEN];  /* all_down keep: the backend kept (for the log) */
	uint64_t inputs;         /* digest of what its table was built from */
	uint64_t fp;             /* the same, portable (addresses, not ids): agreement with peers */
	struct app_member *m;
	int nm;
};

/* Ids handed out; a retiring id waits for its pinned key to be gone before reuse. */
enum { ID_FREE, ID_USED, ID_RESERVED, ID_RETIRING };

struct idpool {
	uint32_t cap;
	uint8_t *state;
	uint32_t *free; /* a stack: the lowest ids come first */
	uint32_t nfree;
	uint32_t hw; /* one more than the highest id ever handed out */
};

struct app {
	struct app_vip *vip[DSRLB_MAX_VIPS];
	struct hmap by_spec; /* struct vip_spec key -> struct app_vip * */
	struct idpool vids, bids;
	uint64_t table_bytes; /* of every VIP's ring */
	int nvips;
	/* Retirements a failed write left: retried until done (their ids stay ID_RETIRING). */
	uint32_t *pend_ids;
	int npend_ids, cappend_ids;
	struct dsrlb_ctl_key *pend_keys;
	int npend_keys, cappend_keys;
	uint32_t *pend_vids; /* VIP ids whose key is among pend_keys */
	int npend_vids, cappend_vids;
};

int idpool_init(struct idpool *p, uint32_t cap);
void idpool_free(struct idpool *p);
/* A free id (now ID_RESERVED), or ID_NONE. */
uint32_t idpool_take(struct idpool *p);
/* Mark id as used (adoption: the pinned state says it is). */
void idpool_claim(struct idpool *p, uint32_t id);
void idpool_release(struct idpool *p, uint32_t id); /* back to free */
void idpool_retiring(struct idpool *p, uint32_t id); /* not reused until released */
static inline uint32_t idpool_free_count(const struct idpool *p)
{
	return p->nfree;
}

/* The key of a VIP in app->by_spec. */
struct spec_key {
	uint8_t family, protos;
	uint16_t port;
	uint8_t addr[16];
};
void spec_key(const struct vip_spec *s, struct spec_key *k);
struct app_vip *app_find(const struct app *a, const struct vip_spec *s);

void app_vip_free(struct app_vip *v);
struct app_member *app_member_find(const struct app_vip *v, const struct dsrlb_addr *a);

#endif
