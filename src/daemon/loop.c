// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/loop.h"
#include "lib/clock.h"

struct fd_entry {
	loop_fd_fn fn;
	void *ctx;
	const char *what;
	uint32_t gen; /* an fd number closed and reused is not its old owner */
};

struct loop {
	int ep;
	struct fd_entry *fds;
	size_t nfds_cap, nfds;
	struct loop_timer **heap;
	size_t nheap, heap_cap;
	struct loop_stats st;
};

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->ep);
	free(l->fds);
	free(l->heap);
	free(l);
}

int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx,
		const char *what)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->nfds_cap) {
		size_t cap = l->nfds_cap ? l->nfds_cap : 64;
		void *p;

		while (cap <= (size_t)fd)
			cap *= 2;
		p = realloc(l->fds, cap * sizeof(*l->fds));
		if (!p)
			return -ENOMEM;
		l->fds = p;
		memset(l->fds + l->nfds_cap, 0, (cap - l->nfds_cap) * sizeof(*l->fds));
		l->nfds_cap = cap;
	}
	l->fds[fd].gen++;
	ev.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)l->fds[fd].gen << 32;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->fds[fd].fn = fn;
	l->fds[fd].ctx = ctx;
	l->fds[fd].what = what;
	l->nfds++;
	return 0;
}

int loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= l->nfds_cap || !l->fds[fd].fn)
		return -ENOENT;
	ev.data.u64 = (uint64_t)(uint32_t)fd | (uint64_t)l->fds[fd].gen << 32;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds_cap || !l->fds[fd].fn)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].fn = NULL;
	l->fds[fd].gen++;
	l->nfds--;
}

/* ---- timers: a binary min-heap on at ------------------------------------------- */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->at <= t->at)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->at < l->heap[c]->at)
			c++;
		if (l->heap[c]->at >= t->at)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
	size_t i = t->slot;
	struct loop_timer *last = l->heap[--l->nheap];

	t->slot = LOOP_TIMER_IDLE;
	if (last == t)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot);
}

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *ctx, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->slot = LOOP_TIMER_IDLE;
	t->fn = fn;
	t->ctx = ctx;
	t->what = what;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	if (t->slot == LOOP_TIMER_DUE)
		t->slot = LOOP_TIMER_IDLE; /* taken off the heap for this pass: just forget it */
	else if (t->slot != LOOP_TIMER_IDLE)
		heap_remove(l, t);
}

void loop_timer_at(struct loop *l, struct loop_timer *t, uint64_t at)
{
	loop_timer_stop(l, t);
	if (l->nheap == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
		void *p = realloc(l->heap, cap * sizeof(*l->heap));

		if (!p)
			abort(); /* a timer that cannot be armed would stop a part silently */
		l->heap = p;
		l->heap_cap = cap;
	}
	t->at = at;
	l->heap[l->nheap] = t;
	t->slot = l->nheap++;
	heap_up(l, t->slot);
}

/* ---- running ---------------------------------------------------------------------- */

/*
 * A callback ran from start (wall) and cpu (this thread's CPU time): how
 * long it held the loop, and how much of that it worked (the rest, another
 * thread or process had the CPU).
 */
static void took(struct loop *l, uint64_t start, uint64_t cpu, const char *what)
{
	uint64_t d = clock_ns() - start, c = clock_thread_ns() - cpu;

	l->st.callbacks++;
	hist_add(&l->st.callback, (double)d / 1e9);
	hist_add(&l->st.callback_cpu, (double)c / 1e9);
	if (d > LOOP_SLOW_NS) {
		struct loop_slow *s = &l->st.slow[l->st.slow_n++ % LOOP_SLOW_KEPT];

		snprintf(s->what, sizeof(s->what), "%s", what ? what : "?");
		s->ns = d;
		s->cpu_ns = c;
		s->at_ms = clock_ms();
	}
	if (d > l->st.longest_ns) {
		l->st.longest_ns = d;
		snprintf(l->st.longest_what, sizeof(l->st.longest_what), "%s", what ? what : "?");
	}
}

int loop_run_once(struct loop *l, int max_ms)
{
	struct epoll_event ev[64];
	uint64_t now = clock_ms();
	int timeout = max_ms, n;

	if (l->nheap) {
		uint64_t at = l->heap[0]->at;
		int t = at <= now ? 0 : at - now > 60000 ? 60000 : (int)(at - now);

		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	n = epoll_wait(l->ep, ev, 64, timeout);
	if (n < 0 && errno != EINTR)
		return -errno;
	l->st.passes++;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		struct fd_entry *f;
		uint64_t start, cpu;

		if ((size_t)fd >= l->nfds_cap)
			continue;
		f = &l->fds[fd];
		if (!f->fn || f->gen != gen)
			continue; /* removed by an earlier callback of this pass */
		start = clock_ns();
		cpu = clock_thread_ns();
		f->fn(f->ctx, fd, ev[i].events);
		took(l, start, cpu, l->fds[fd].what ? l->fds[fd].what : "fd");
	}
	/* Timers due now; those armed by these callbacks wait for the next pass. */
	now = clock_ms();
	size_t ndue = 0;
	struct loop_timer *due[256];

	while (l->nheap && l->heap[0]->at <= now && ndue < 256) {
		struct loop_timer *t = l->heap[0];

		heap_remove(l, t);
		t->slot = LOOP_TIMER_DUE;
		due[ndue++] = t;
	}
	for (size_t i = 0; i < ndue; i++) {
		struct loop_timer *t = due[i];
		uint64_t start, cpu;

		if (t->slot != LOOP_TIMER_DUE)
			continue; /* stopped by an earlier callback */
		t->slot = LOOP_TIMER_IDLE;
		if (now - t->at > l->st.latest_timer_ms)
			l->st.latest_timer_ms = now - t->at;
		start = clock_ns();
		cpu = clock_thread_ns();
		t->fn(t->ctx);
		took(l, start, cpu, t->what);
	}
	return 0;
}

void loop_stats(const struct loop *l, struct loop_stats *out)
{
	*out = l->st;
	out->fds = l->nfds;
	out->timers = l->nheap;
}

void loop_stats_reset(struct loop *l)
{
	uint64_t p = l->st.passes, c = l->st.callbacks;

	struct loop_stats keep = l->st;

	memset(&l->st, 0, sizeof(l->st));
	l->st.passes = p;
	l->st.callbacks = c;
	/* a histogram only grows (readers take differences), and so does the record of slow ones */
	l->st.callback = keep.callback;
	l->st.callback_cpu = keep.callback_cpu;
	memcpy(l->st.slow, keep.slow, sizeof(keep.slow));
	l->st.slow_n = keep.slow_n;
}
