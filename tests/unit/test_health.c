// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Health checks at scale on the loop (issue 12, defect 4: the poll array
 * held 4,096 probes, and the checks past it timed out). 5,000 tcp checks,
 * one per VIP, to a listener on 127.0.0.1 (target: real): after three
 * intervals each has passed and none has failed, and the probes started on
 * time. No root needed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "daemon/loop.h"
#include "health/health.h"
#include "lib/clock.h"
#include "lib/log.h"

#define CHECKS 5000

static int listener;
static volatile int stop;

static void *acceptor(void *arg)
{
	(void)arg;
	while (!stop) {
		int c = accept(listener, NULL, NULL);

		if (c >= 0)
			close(c);
	}
	return NULL;
}

static int changes;

static void on_change(void *ctx, uint32_t vip)
{
	(void)ctx;
	(void)vip;
	changes++;
}

static void count(const struct hc_status *s, void *ctx)
{
	int *c = ctx;

	c[0] += s->passed >= 2;
	c[1] += s->failed > 0;
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct health *h;
	struct loop *l;
	pthread_t t;
	char err[256];
	int c[2] = { 0, 0 }, bad = 0, one = 1;
	uint64_t end;

	log_set_level(LOG_LVL_ERROR);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!CHECK(listener >= 0 && !bind(listener, (struct sockaddr *)&sa, sizeof(sa)) &&
			   !listen(listener, 4096) &&
			   !getsockname(listener, (struct sockaddr *)&sa, &sl),
		   "a listener on 127.0.0.1:%u", ntohs(sa.sin_port)))
		return check_done();
	pthread_create(&t, NULL, acceptor, NULL);
	if (!CHECK(!loop_new(&l) && !health_open(&h, l, "lo", -1, on_change, NULL),
		   "health checks on the loop"))
		return check_done();
	for (uint32_t v = 0; v < CHECKS; v++) {
		struct hc_target x = { .vip = v, .vip_name = "v", .bid = v };

		addr_parse("198.18.100.1", &x.spec.addr);
		x.spec.port = ntohs(sa.sin_port);
		x.spec.protos = VIP_PROTO_TCP;
		addr_parse("127.0.0.1", &x.backend);
		cfg_check_init(&x.check);
		x.check.type = CHECK_TCP;
		x.check.real = true;
		x.check.interval_ms = 500;
		x.check.timeout_ms = 400;
		x.check.fall = 1;
		bad += health_set(h, v, &x, 1, err, sizeof(err)) != 0;
	}
	CHECK(!bad && health_count(h) == CHECKS, "%d checks set up (%zu)", CHECKS, health_count(h));
	health_latest_start(h);
	end = clock_ms() + 1800;
	while (clock_ms() < end)
		loop_run_once(l, 50);
	health_foreach(h, count, c);
	CHECK(c[0] == CHECKS && c[1] == 0 && !changes,
	      "after three intervals of 0.5 s: %d of %d checks passed twice or more, %d failed, %d changed",
	      c[0], CHECKS, c[1], changes);
	{
		uint64_t late = health_latest_start(h);

		/* Correctness, not speed: a probe later than half its interval
		 * would shift the next one (the figure is benchmarked). */
		CHECK(late < 250, "every probe started within half an interval of its time (latest %llu ms)",
		      (unsigned long long)late);
	}
	stop = 1;
	shutdown(listener, SHUT_RDWR);
	close(listener);
	pthread_join(t, NULL);
	health_close(h);
	loop_free(l);
	return check_done();
}
