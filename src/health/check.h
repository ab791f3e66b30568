/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One check, for the files of its types (keepalived's check_api.h, in spirit). */
#ifndef DSRLB_CHECK_H
#define DSRLB_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/loop.h"
#include "health/health.h"

enum phase { IDLE, CONNECTING, WAITING };

struct check {
	struct hc_target t;
	char vip_name[CFG_NAME_MAX];
	struct health *h;
	const struct check_ops *ops;
	int fd;
	enum phase phase;
	uint64_t started, deadline, next;
	struct loop_timer timer; /* the next probe, or the answer's deadline */
	struct loop_timer hold;  /* the end of a hold-down */
	char buf[256];
	size_t len;
	bool check_up;   /* by rise/fall */
	bool up;         /* as the table sees it (after hold-down) */
	bool held;       /* a change waits for the hold-down; said once */
	uint64_t changed; /* when up last changed (0: never) */
	uint64_t down_since;
	uint32_t oks, fails;
	uint64_t passed, failed, last_at;
	uint32_t last_ms;
	char reason[160];
};

/*
 * What a check type does. start: the socket is connected (stream) or made
 * (datagram): send what the type sends. answer: bytes arrived in k->buf (or
 * eof). Both return 1 passed, -1 failed (k->reason set), 0 wait for more.
 */
struct check_ops {
	int sock_type;
	int (*start)(struct check *k);
	int (*answer)(struct check *k, int eof);
};

extern const struct check_ops check_tcp, check_http, check_udp;

/* A failure's reason, and -1. */
int check_fail(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send all of data (the socket is non-blocking; a probe's request fits its buffer). */
int check_send(struct check *k, const void *data, size_t len);
/* The address a probe goes to: VIP:port at the backend's MAC, or the backend's own. */
const struct dsrlb_addr *check_dest(const struct check *k);
uint16_t check_port(const struct check *k);

/* steer.c: what VIP-true probes need (the tc program on lo, accept_local for IPv4). */
struct steer;
int steer_start(struct steer **s, const char *iface, int ifindex, const uint8_t ifmac[6],
		int backends_fd, uint32_t tc_handle, uint32_t mark_base, bool v4, char *err,
		size_t errlen);
void steer_stop(struct steer *s);

#endif
