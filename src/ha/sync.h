/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Flow-state sync between the balancers of a deployment (issue 14): UDP
 * datagrams between the configured peers, each authenticated with
 * HMAC-SHA256 under a key derived from the deployment's secret file, with a
 * per-sender sequence number and a timestamp so that nothing can be replayed.
 *
 * What travels is only the exceptions: flows whose recorded backend is not
 * the one the VIP's table gives now (a Maglev or sh VIP's flows in changed
 * slots; every flow of an rr, wrr or lc VIP). A flow is named portably, by
 * its 5-tuple and its backend's address: ids differ from balancer to
 * balancer. See docs/ha.md for the design against IPVS's sync daemon.
 *
 * Messages (each datagram one message, at most SYNC_DGRAM_MAX bytes):
 *   HELLO    every second: node name, ready, number of VIPs, fingerprint digest
 *   REQUEST  "send me your exceptions" (a balancer that starts or returns)
 *   FLOWS    up to SYNC_FLOWS_PER_MSG exceptions
 *   END      the end of the answer to a REQUEST
 *   FPREQ    "send me your VIPs' fingerprints" (the digests differ)
 *   FPLIST   up to SYNC_FPS_PER_MSG fingerprints
 * Anything short, long, unknown, unauthenticated, from an address that is not
 * a peer, outside the ±SYNC_SKEW_MS window or not newer than the sender's
 * last is counted and dropped before any of it is read.
 */
#ifndef DSRLB_SYNC_H
#define DSRLB_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "dsrlb_abi.h"
#include "lib/addr.h"

#define SYNC_DGRAM_MAX 1400
#define SYNC_SKEW_MS 30000

struct sync;
struct loop;

/*
 * One exception: the flow's hash (its flow-table key with its VIP's id taken
 * out, the same on every balancer with the same hash_seed), its VIP, the
 * seconds it may idle, its backend's address, seconds it has idled.
 */
struct sync_flow {
	uint64_t hash;
	struct vip_spec vip;
	uint32_t timeout;
	struct dsrlb_addr backend;
	uint16_t idle;
};

/* One VIP's fingerprint, named by its address, port and protocols. */
struct sync_fp {
	struct vip_spec spec;
	uint64_t fp;
};

struct sync_ops {
	/* A peer's exceptions. */
	void (*learn)(void *ctx, const struct sync_flow *f, int n);
	/* A peer asks for every exception: answer with sync_send_flows(s, peer, ...) then sync_end(). */
	void (*dump)(void *ctx, int peer);
	/* A peer asks for every fingerprint: sync_send_fps(s, peer, ...). */
	void (*fps)(void *ctx, int peer);
};

enum sync_drop {
	SYNC_DROP_SHORT,     /* shorter than a header and its MAC, or its length field lies */
	SYNC_DROP_FORMAT,    /* bad magic, version, type or count */
	SYNC_DROP_AUTH,      /* the MAC does not match */
	SYNC_DROP_SOURCE,    /* not from a configured peer */
	SYNC_DROP_STALE,     /* its timestamp is outside the window */
	SYNC_DROP_REPLAY,    /* not newer than the sender's last */
	SYNC_DROP_SELF,      /* our own (a peer list naming this balancer) */
	SYNC_DROP__MAX,
};

#define SYNC_DROP_NAMES { "short", "format", "auth", "source", "stale", "replay", "self" }

struct sync_peer_status {
	char addr[64];     /* as configured */
	char node[33];     /* as the peer calls itself; "" before its first HELLO */
	bool up;           /* heard from within 3 s */
	bool ready;
	bool learned;      /* its answer to our REQUEST is complete */
	uint64_t heard_ms; /* ago; UINT64_MAX: never */
	uint32_t vips;
	uint64_t digest;
};

struct sync_status {
	char node[33];
	bool learned;
	uint64_t sent_msgs, sent_flows, recv_msgs, recv_flows;
	uint64_t dropped[SYNC_DROP__MAX];
	int npeers;
	struct sync_peer_status peer[CFG_SYNC_PEERS_MAX];
};

int sync_open(struct sync **out, const struct cfg_sync *c, struct loop *l,
	      const struct sync_ops *ops, void *ctx, char *err, size_t errlen);
void sync_close(struct sync *s);

/* Exceptions to one peer (peer >= 0) or to all (-1). */
void sync_send_flows(struct sync *s, int peer, const struct sync_flow *f, size_t n);
void sync_end(struct sync *s, int peer);
void sync_send_fps(struct sync *s, int peer, const struct sync_fp *f, size_t n);
/* What HELLO says of this balancer. */
void sync_set_self(struct sync *s, bool ready, uint32_t vips, uint64_t digest);
/* Every peer answered our REQUEST, or learn_timeout passed. */
bool sync_learned(const struct sync *s);
void sync_status(const struct sync *s, struct sync_status *out);
/* A peer's fingerprints, as its last FPLIST gave them (NULL, 0 before). */
const struct sync_fp *sync_peer_fps(const struct sync *s, int peer, size_t *n);

#endif
