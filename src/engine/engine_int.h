/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The engine's state, for its own files (engine.c, stats.c); others use engine.h. */
#ifndef DSRLB_ENGINE_INT_H
#define DSRLB_ENGINE_INT_H

#include <poll.h>
#include <time.h>

#include "dataplane/dataplane.h"
#include "engine/engine.h"
#include "health/health.h"
#include "net/neigh.h"

#define BPFFS "/sys/fs/bpf"
/* Never a real backend: a ring full of it drops (no_backend), never sends. */
#define BID_NONE (DSRLB_MAX_BACKENDS - 1)

struct eng_backend {
	struct dsrlb_addr addr;
	uint32_t id;
	uint32_t weight;     /* as in the table: 0 for drain, off, and out */
	uint32_t cfg_weight; /* as configured: 0 for drain and off */
	enum cfg_backend_state state;
	struct cfg_check check;
	bool out; /* taken out of new-flow scheduling: health check or neighbour failed */
};

struct eng_vip {
	char name[CFG_NAME_MAX];
	struct vip_spec spec;
	enum cfg_sched sched;
	uint32_t tcp_timeout, udp_timeout; /* as written to vip_info; 0 = not yet */
	uint32_t hold_down_ms;
	bool all_down_drop;
	struct eng_backend *b;
	int nb;
};

struct neigh_cache {
	struct dsrlb_addr addr;
	uint8_t mac[6];
	bool created;
	bool failed; /* the kernel gave up resolving it: out of scheduling */
};

struct engine {
	struct cfg base; /* the settings that need a restart to change */
	struct dp *dp;
	int ifindex;
	uint8_t ifmac[6];
	enum dp_mode used;
	bool attached, pinned;
	char pindir[300];
	struct eng_vip *vips[DSRLB_MAX_VIPS]; /* by VIP id */
	uint8_t bid_used[DSRLB_MAX_BACKENDS];
	struct neigh_cache *neigh;
	int nneigh, capneigh;
	uint32_t *ring;
	time_t next_recount; /* CLOCK_MONOTONIC seconds */
	struct cfg cur;      /* the model applied last (health changes re-apply it) */
	bool have_cur, need_apply;
	struct health *health;
	struct neigh_watch *nw;
	uint64_t next_nprobe; /* ms: the next ARP/NDP round for backends */
	uint64_t retry_apply; /* ms: a failed re-apply is retried from then */
	struct dsrlb_addr src4, src6; /* ours on the interface, not a VIP */
	struct pollfd *pfd;
	int npfd;
	struct rates *rates;  /* stats.c: counters a second ago, and rates */
	uint64_t next_sample; /* ms */
};

#endif
