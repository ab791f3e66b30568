// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The loop's helper thread (see worker.h): a queue in, an eventfd and a queue out. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon/worker.h"

struct worker {
	struct loop *l;
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct worker_job *in, **in_tail;  /* to do */
	struct worker_job *out, **out_tail; /* done, for the loop */
	int efd, busy;
	bool stop, started;
};

static void push(struct worker_job ***tail, struct worker_job *j)
{
	j->next = NULL;
	**tail = j;
	*tail = &j->next;
}

static struct worker_job *pop(struct worker_job **head, struct worker_job ***tail)
{
	struct worker_job *j = *head;

	if (j) {
		*head = j->next;
		if (!*head)
			*tail = head;
	}
	return j;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct worker_job *j;

		while (!w->in && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		j = pop(&w->in, &w->in_tail);
		if (!j)
			break; /* stopping, and nothing left */
		pthread_mutex_unlock(&w->mu);
		j->work(j);
		pthread_mutex_lock(&w->mu);
		push(&w->out_tail, j);
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow at one write per job; nothing to do */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* On the loop: the done half of each finished job, in the order they were queued. */
static void on_done(void *ctx, int fd, uint32_t events)
{
	struct worker *w = ctx;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	for (;;) {
		struct worker_job *j;

		pthread_mutex_lock(&w->mu);
		j = pop(&w->out, &w->out_tail);
		pthread_mutex_unlock(&w->mu);
		if (!j)
			break;
		w->busy--;
		if (j->done)
			j->done(j);
	}
}

int worker_open(struct worker **out, struct loop *l)
{
	struct worker *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->l = l;
	w->in_tail = &w->in;
	w->out_tail = &w->out;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0 || loop_fd_add(l, w->efd, EPOLLIN, on_done, w, "worker done")) {
		r = w->efd < 0 ? -errno : -ENOMEM;
		worker_close(w);
		return r;
	}
	r = -pthread_create(&w->t, NULL, thread_main, w);
	if (r) {
		worker_close(w);
		return r;
	}
	w->started = true;
	*out = w;
	return 0;
}

void worker_run(struct worker *w, struct worker_job *j)
{
	if (!w) {
		j->work(j);
		if (j->done)
			j->done(j);
		return;
	}
	w->busy++;
	pthread_mutex_lock(&w->mu);
	push(&w->in_tail, j);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int worker_busy(const struct worker *w)
{
	return w ? w->busy : 0;
}

void worker_close(struct worker *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->t, NULL);
	}
	if (w->efd >= 0) {
		loop_fd_del(w->l, w->efd);
		close(w->efd);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
