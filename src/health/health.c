// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health/health.h"
#include "hc.skel.h"
#include "lib/log.h"
#include "net/sysctl.h"

/* Our filter on lo's egress: fixed, so a restarted daemon replaces its own. */
#define HC_TC_HANDLE 0xd5

enum phase { IDLE, CONNECTING, WAITING };

struct check {
	struct hc_target t;
	uint32_t mark_base;
	char vip_name[CFG_NAME_MAX];
	int fd;
	enum phase phase;
	uint64_t started, deadline, next;
	char buf[256];
	size_t len;
	bool check_up;   /* by rise/fall */
	bool up;         /* as the table sees it (after hold-down) */
	bool held;       /* a change waits for the hold-down; said once */
	uint64_t changed; /* when up last changed (0: never) */
	uint64_t down_since;
	uint32_t oks, fails;
	uint64_t passed, failed;
	uint32_t last_ms;
	char reason[160];
};

struct health {
	char iface[IF_NAMESIZE];
	int ifindex, backends_fd;
	uint32_t tc_handle, mark_base;
	uint8_t ifmac[6];
	struct hc_bpf *skel; /* the steering program, once a VIP-true check exists */
	bool accept_local_set;
	char accept_local_prev[8];
	struct check *c;
	int n;
};

uint64_t health_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


int health_open(struct health **out, const char *iface, int backends_fd)
{
	return health_open_as(out, iface, backends_fd, HC_TC_HANDLE, DSRLB_HC_MARK_BASE);
}

int health_open_as(struct health **out, const char *iface, int backends_fd, uint32_t tc_handle,
		   uint32_t mark_base)
{
	struct health *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->tc_handle = tc_handle;
	h->mark_base = mark_base;
	snprintf(h->iface, sizeof(h->iface), "%s", iface);
	h->ifindex = (int)if_nametoindex(iface);
	h->backends_fd = backends_fd;
	r = h->ifindex ? iface_hwaddr(iface, h->ifmac) : -ENODEV;
	if (r) {
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

/*
 * VIP-true probes: the steering program on lo, and (IPv4) accept_local on
 * the interface, because the replies come from the VIP, which is one of our
 * own addresses; without it the kernel drops them as martians.
 */
static int steering_start(struct health *h, bool v4, char *err, size_t errlen)
{
	char name[96];
	int r;

	if (v4 && !h->accept_local_set) {
		snprintf(name, sizeof(name), "net.ipv4.conf.%s.accept_local", h->iface);
		r = sysctl_get(name, h->accept_local_prev, sizeof(h->accept_local_prev));
		r = r ?: sysctl_set(name, "1");
		if (r) {
			snprintf(err, errlen, "cannot set %s=1 (health-check replies come from the VIP): %s",
				 name, strerror(-r));
			return r;
		}
		h->accept_local_set = true;
		if (strcmp(h->accept_local_prev, "1"))
			log_info("health checks: net.ipv4.conf.%s.accept_local=1 (replies to VIP probes come from the VIP, an address of ours); restored at exit",
				 h->iface);
	}
	if (h->skel)
		return 0;
	struct hc_bpf *skel = hc_bpf__open();

	if (!skel) {
		r = -errno;
		goto fail;
	}
	skel->rodata->hc_knobs.ifindex = (uint32_t)h->ifindex;
	skel->rodata->hc_knobs.mark_base = h->mark_base;
	memcpy((void *)skel->rodata->hc_knobs.ifmac, h->ifmac, 6);
	r = bpf_map__reuse_fd(skel->maps.backends, h->backends_fd);
	r = r ?: hc_bpf__load(skel);
	if (r)
		goto fail;
	{
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->tc_handle,
				    .priority = h->tc_handle,
				    .prog_fd = bpf_program__fd(skel->progs.dsrlb_hc),
				    .flags = BPF_TC_F_REPLACE);

		r = bpf_tc_hook_create(&hook);
		if (r && r != -EEXIST)
			goto fail;
		r = bpf_tc_attach(&hook, &opts);
		if (r)
			goto fail;
	}
	h->skel = skel;
	log_info("health checks: probes to VIP:port leave %s for the backend's MAC (tc egress filter on lo, handle 0x%x)",
		 h->iface, h->tc_handle);
	return 0;
fail:
	snprintf(err, errlen, "cannot start VIP health probes (tc program on lo): %s", strerror(-r));
	hc_bpf__destroy(skel);
	return r;
}

static void probe_close(struct check *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->phase = IDLE;
	k->len = 0;
}

void health_close(struct health *h)
{
	char name[96];

	if (!h)
		return;
	for (int i = 0; i < h->n; i++)
		probe_close(&h->c[i]);
	free(h->c);
	if (h->skel) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->tc_handle,
				    .priority = h->tc_handle);

		bpf_tc_detach(&hook, &opts);
		hc_bpf__destroy(h->skel);
	}
	if (h->accept_local_set && strcmp(h->accept_local_prev, "1")) {
		snprintf(name, sizeof(name), "net.ipv4.conf.%s.accept_local", h->iface);
		sysctl_set(name, h->accept_local_prev);
	}
	free(h);
}

static bool same_target(const struct hc_target *a, const struct hc_target *b)
{
	return vip_spec_eq(&a->spec, &b->spec) && !addr_cmp(&a->backend, &b->backend);
}

int health_sync(struct health *h, const struct hc_target *t, int n, char *err, size_t errlen)
{
	struct check *nc = calloc(n ? (size_t)n : 1, sizeof(*nc));
	bool *taken = calloc(h->n ? (size_t)h->n : 1, sizeof(*taken)); /* old check reused */
	bool v4 = false, any = false;
	int r;

	if (!nc || !taken) {
		free(nc);
		free(taken);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		if (!t[i].check.real) {
			any = true;
			v4 |= t[i].spec.addr.family == DSRLB_AF_INET;
		}
	}
	if (any) {
		r = steering_start(h, v4, err, errlen);
		if (r) {
			free(nc);
			free(taken);
			return r;
		}
	}
	for (int i = 0; i < n; i++) {
		struct check *k = &nc[i], *old = NULL;

		for (int j = 0; j < h->n && !old; j++)
			if (!taken[j] && same_target(&h->c[j].t, &t[i])) {
				old = &h->c[j];
				taken[j] = true;
			}
		if (old && !memcmp(&old->t.check, &t[i].check, sizeof(t[i].check))) {
			*k = *old; /* its probe in flight too */
		} else {
			if (old)
				probe_close(old); /* new settings: its state carries over, not its probe */
			memset(k, 0, sizeof(*k));
			k->fd = -1;
			k->check_up = k->up = old ? old->up : true;
			k->changed = old ? old->changed : 0;
			k->down_since = old ? old->down_since : 0;
		}
		k->t = t[i];
		k->mark_base = h->mark_base;
		snprintf(k->vip_name, sizeof(k->vip_name), "%s", t[i].vip_name);
		k->t.vip_name = k->vip_name;
	}
	for (int j = 0; j < h->n; j++)
		if (!taken[j])
			probe_close(&h->c[j]);
	free(taken);
	free(h->c);
	h->c = nc;
	h->n = n;
	return 0;
}

bool health_up(const struct health *h, const struct vip_spec *v, const struct dsrlb_addr *b,
	       uint64_t *down_since)
{
	for (int i = 0; h && i < h->n; i++) {
		const struct check *k = &h->c[i];

		if (!addr_cmp(&k->t.backend, b) && vip_spec_eq(&k->t.spec, v)) {
			if (down_since)
				*down_since = k->down_since;
			return k->up;
		}
	}
	return true;
}

static socklen_t sockaddr_of(const struct dsrlb_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == DSRLB_AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->bytes, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof(*s6);
}

static uint16_t probe_port(const struct check *k)
{
	return k->t.check.port ? k->t.check.port : k->t.spec.port;
}

static void finish(struct check *k, uint64_t now, bool ok, const char *why);

static const char *probe_desc(const struct check *k, char *buf, size_t len)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct vip_spec s = { .addr = k->t.check.real ? k->t.backend : k->t.spec.addr,
			      .port = probe_port(k),
			      .protos = k->t.check.type == CHECK_UDP ? VIP_PROTO_UDP : VIP_PROTO_TCP };

	vip_spec_str(&s, a, sizeof(a));
	if (k->t.check.real)
		snprintf(buf, len, "%s %s (the backend's own address)", cfg_check_name(k->t.check.type), a);
	else
		snprintf(buf, len, "%s %s at backend %s's MAC", cfg_check_name(k->t.check.type), a,
			 addr_str(&k->t.backend, b, sizeof(b)));
	return buf;
}

static int probe_send(struct check *k)
{
	char req[400];
	const char *data = k->t.check.payload;
	size_t len = strlen(data);
	char host[ADDR_STRLEN];

	if (k->t.check.type == CHECK_HTTP) {
		addr_str(k->t.check.real ? &k->t.backend : &k->t.spec.addr, host, sizeof(host));
		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: dsrlb-health-check\r\nConnection: close\r\n\r\n",
			 k->t.check.path, strchr(host, ':') ? "[" : "", host,
			 strchr(host, ':') ? "]" : "");
		data = req;
		len = strlen(req);
	}
	return send(k->fd, data, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

static void probe_start(struct check *k, uint64_t now)
{
	int af = k->t.spec.addr.family == DSRLB_AF_INET ? AF_INET : AF_INET6;
	int type = k->t.check.type == CHECK_UDP ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[160];

	k->started = now;
	k->deadline = now + k->t.check.timeout_ms;
	k->next = now + k->t.check.interval_ms;
	k->fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		finish(k, now, false, why);
		return;
	}
	if (type == SOCK_STREAM) {
		/* close with RST: a checker must not fill the table with TIME_WAIT */
		struct linger lg = { 1, 0 };

		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (!k->t.check.real) {
		uint32_t mark = k->mark_base | (k->t.bid & DSRLB_HC_MARK_ID);

		sl = sockaddr_of(&k->t.src, 0, &ss);
		if (!k->t.src.family || setsockopt(k->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
		    bind(k->fd, (struct sockaddr *)&ss, sl)) {
			snprintf(why, sizeof(why), "%s",
				 k->t.src.family ? strerror(errno) :
						   "no address on the interface to probe from");
			finish(k, now, false, why);
			return;
		}
	}
	sl = sockaddr_of(k->t.check.real ? &k->t.backend : &k->t.spec.addr, probe_port(k), &ss);
	if (connect(k->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		finish(k, now, false, why);
		return;
	}
	if (type == SOCK_DGRAM) {
		if (probe_send(k)) {
			snprintf(why, sizeof(why), "send: %s", strerror(errno));
			finish(k, now, false, why);
			return;
		}
		k->phase = WAITING;
		return;
	}
	k->phase = CONNECTING;
}

static void finish(struct check *k, uint64_t now, bool ok, const char *why)
{
	char d[200], a[ADDR_STRLEN];

	k->last_ms = (uint32_t)(now - k->started);
	probe_close(k);
	addr_str(&k->t.backend, a, sizeof(a));
	if (ok) {
		k->passed++;
		k->fails = 0;
		k->oks++;
		k->reason[0] = 0;
		if (!k->check_up && k->oks >= k->t.check.rise) {
			k->check_up = true;
			log_info("vip '%s': backend %s passes its health check again (%u in a row: %s)",
				 k->vip_name, a, k->oks, probe_desc(k, d, sizeof(d)));
		}
		return;
	}
	k->failed++;
	k->oks = 0;
	k->fails++;
	snprintf(k->reason, sizeof(k->reason), "%s", why);
	log_debug("vip '%s': backend %s: health check failed: %s", k->vip_name, a, why);
	if (k->check_up && k->fails >= k->t.check.fall) {
		k->check_up = false;
		log_warnx("vip '%s': backend %s fails its health check: %s (%u in a row: %s)",
			  k->vip_name, a, why, k->fails, probe_desc(k, d, sizeof(d)));
	}
}

/* Read what the probe got; true when the check is decided. */
static bool probe_read(struct check *k, uint64_t now)
{
	char why[160];
	ssize_t r = recv(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len, 0);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", errno == ECONNREFUSED ? "refused (nothing listens)" :
									   strerror(errno));
		finish(k, now, false, why);
		return true;
	}
	k->len += (size_t)r;
	k->buf[k->len] = 0;
	if (k->t.check.type == CHECK_UDP) {
		bool ok = !k->t.check.expect[0] || strstr(k->buf, k->t.check.expect);

		snprintf(why, sizeof(why), "the reply does not contain '%s'", k->t.check.expect);
		finish(k, now, ok, why);
		return true;
	}
	/* http: the status line is all we need */
	char *eol = strstr(k->buf, "\r\n");
	int status = 0;

	if (!eol && r > 0 && k->len < sizeof(k->buf) - 1)
		return false;
	if (sscanf(k->buf, "HTTP/%*d.%*d %d", &status) != 1) {
		finish(k, now, false, r == 0 ? "the connection closed without an HTTP answer" :
					      "the answer is not HTTP");
		return true;
	}
	snprintf(why, sizeof(why), "HTTP status %d, expected %d", status, k->t.check.expect_status);
	finish(k, now, status == k->t.check.expect_status, why);
	return true;
}

int health_pollfds(struct health *h, struct pollfd *p, int max)
{
	int n = 0;

	for (int i = 0; i < h->n && n < max; i++) {
		if (h->c[i].fd < 0)
			continue;
		p[n].fd = h->c[i].fd;
		p[n].events = h->c[i].phase == CONNECTING ? POLLOUT : POLLIN;
		p[n].revents = 0;
		n++;
	}
	return n;
}

int health_timeout_ms(const struct health *h, uint64_t now)
{
	uint64_t soonest = UINT64_MAX;

	for (int i = 0; i < h->n; i++) {
		const struct check *k = &h->c[i];
		uint64_t t = k->fd >= 0 ? k->deadline : k->next;

		if (t < soonest)
			soonest = t;
		if (k->held && k->changed + k->t.hold_down_ms < soonest)
			soonest = k->changed + k->t.hold_down_ms;
	}
	if (soonest == UINT64_MAX)
		return -1;
	return soonest <= now ? 0 : (int)(soonest - now);
}

static short revents_of(const struct pollfd *p, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (p[i].fd == fd)
			return p[i].revents;
	return 0;
}

bool health_run(struct health *h, uint64_t now, const struct pollfd *p, int n)
{
	bool changed = false;
	char a[ADDR_STRLEN];

	for (int i = 0; i < h->n; i++) {
		struct check *k = &h->c[i];
		short ev = k->fd >= 0 ? revents_of(p, n, k->fd) : 0;

		if (k->fd >= 0 && k->phase == CONNECTING && ev) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);

			getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr) {
				char why[160];

				snprintf(why, sizeof(why), "connect: %s",
					 soerr == ECONNREFUSED ? "refused (nothing listens)" :
								 strerror(soerr));
				finish(k, now, false, why);
			} else if (k->t.check.type == CHECK_TCP) {
				finish(k, now, true, "");
			} else if (probe_send(k)) {
				finish(k, now, false, "cannot send the request");
			} else {
				k->phase = WAITING;
			}
		} else if (k->fd >= 0 && k->phase == WAITING && ev) {
			probe_read(k, now);
		}
		if (k->fd >= 0 && now >= k->deadline) {
			char why[64];

			snprintf(why, sizeof(why), "no answer within %u ms", k->t.check.timeout_ms);
			finish(k, now, false, why);
		}
		if (k->fd < 0 && now >= k->next)
			probe_start(k, now);

		/* What the table sees: at most one change per hold-down. */
		if (k->check_up == k->up) {
			k->held = false;
			continue;
		}
		if (k->changed && now < k->changed + k->t.hold_down_ms) {
			if (!k->held)
				log_warnx("vip '%s': backend %s is flapping; the table follows in %llu ms (hold_down %u ms)",
					  k->vip_name, addr_str(&k->t.backend, a, sizeof(a)),
					  (unsigned long long)(k->changed + k->t.hold_down_ms - now),
					  k->t.hold_down_ms);
			k->held = true;
			continue;
		}
		k->held = false;
		k->up = k->check_up;
		k->changed = now;
		if (!k->up)
			k->down_since = now;
		changed = true;
	}
	return changed;
}

void health_foreach(const struct health *h, void (*cb)(const struct hc_status *, void *),
		    void *ctx)
{
	for (int i = 0; h && i < h->n; i++) {
		const struct check *k = &h->c[i];
		struct hc_status s = { .vip_name = k->vip_name, .spec = k->t.spec,
				       .backend = k->t.backend, .type = k->t.check.type, .up = k->up,
				       .check_up = k->check_up, .passed = k->passed,
				       .failed = k->failed, .last_ms = k->last_ms,
				       .reason = k->reason };

		cb(&s, ctx);
	}
}
