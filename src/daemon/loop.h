/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's one event loop (keepalived's scheduler, in spirit): every part
 * registers its own file descriptors and timers here, and the loop owns no
 * part's fds. Callbacks must not block; the loop measures how long each one
 * runs and how late each timer fires, so a part that blocks shows up in
 * `dsrlb status` and the benchmark.
 *
 * Timers are embedded in their owner (no allocation to arm one); a timer
 * armed for "now" from a callback runs on the next pass, after the fds.
 */
#ifndef DSRLB_LOOP_H
#define DSRLB_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "lib/hist.h"

struct loop;

typedef void (*loop_fd_fn)(void *ctx, int fd, uint32_t events);
typedef void (*loop_timer_fn)(void *ctx);

struct loop_timer {
	uint64_t at;      /* ms, CLOCK_MONOTONIC (lib/clock.h) */
	size_t slot;      /* in the heap, or LOOP_TIMER_IDLE / LOOP_TIMER_DUE */
	loop_timer_fn fn;
	void *ctx;
	const char *what; /* for the loop's report of the slowest callback */
};

#define LOOP_TIMER_IDLE ((size_t)-1)
#define LOOP_TIMER_DUE ((size_t)-2)

int loop_new(struct loop **out);
void loop_free(struct loop *l);

/* events: EPOLLIN, EPOLLOUT, ... what names the fd in the loop's report. */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx,
		const char *what);
int loop_fd_mod(struct loop *l, int fd, uint32_t events);
/* Before closing fd. Safe to call for an fd that is not registered. */
void loop_fd_del(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx, const char *what);
/* Arm (or move) t to fire at at_ms. */
void loop_timer_at(struct loop *l, struct loop_timer *t, uint64_t at_ms);
void loop_timer_stop(struct loop *l, struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != LOOP_TIMER_IDLE;
}

/* Wait at most max_ms (-1: until something happens), then run what is due. */
int loop_run_once(struct loop *l, int max_ms);

/* The latest callbacks that ran longer than LOOP_SLOW_NS: what, how long, when. */
#define LOOP_SLOW_NS 5000000ull
#define LOOP_SLOW_KEPT 16
struct loop_slow {
	char what[48];
	uint64_t ns, cpu_ns, at_ms; /* wall, and the loop thread's CPU time in it */
};

struct loop_stats {
	uint64_t passes;
	uint64_t callbacks;
	uint64_t longest_ns;       /* the longest single callback since loop_stats_reset */
	char longest_what[48];     /* and what it was */
	uint64_t latest_timer_ms;  /* the latest any timer fired after its time */
	struct hist callback;      /* how long each callback ran, since the start */
	struct hist callback_cpu;  /* and how much CPU time it used in that */
	struct loop_slow slow[LOOP_SLOW_KEPT]; /* a ring; slow_n counts every one */
	uint64_t slow_n;
	size_t fds, timers;
};
void loop_stats(const struct loop *l, struct loop_stats *out);
void loop_stats_reset(struct loop *l);

#endif
