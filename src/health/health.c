// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The checks (see health.h): each probe is a socket registered with the loop
 * while it runs, and each check has a timer for its next probe or its
 * answer's deadline, and one for the end of a hold-down. Probes of a new
 * check start spread over its first interval, so 10,000 checks do not all
 * fire in the same millisecond.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health/check.h"
#include "lib/clock.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "net/ifaddr.h"

/* Our filter on lo's egress: fixed, so a restarted daemon replaces its own. */
#define HC_TC_HANDLE 0xd5

struct vipchecks {
	struct check **c;
	int n;
};

struct health {
	struct loop *l;
	char iface[IF_NAMESIZE];
	int ifindex, backends_fd;
	uint32_t tc_handle, mark_base;
	uint8_t ifmac[6];
	struct steer *steer;
	struct hmap by_key; /* struct hc_key -> struct check * */
	struct vipchecks *byvip[DSRLB_MAX_VIPS];
	health_changed_fn changed;
	void *ctx;
	size_t n;
	uint64_t latest_start;
	struct hist late; /* how late each probe started */
};

struct hc_key {
	uint32_t vip;
	struct dsrlb_addr b;
} __attribute__((packed));

static void key_of(struct hc_key *k, uint32_t vip, const struct dsrlb_addr *b)
{
	memset(k, 0, sizeof(*k));
	k->vip = vip;
	k->b = *b;
}

int health_open(struct health **out, struct loop *l, const char *iface, int backends_fd,
		health_changed_fn fn, void *ctx)
{
	return health_open_as(out, l, iface, backends_fd, HC_TC_HANDLE, DSRLB_HC_MARK_BASE, fn, ctx);
}

int health_open_as(struct health **out, struct loop *l, const char *iface, int backends_fd,
		   uint32_t tc_handle, uint32_t mark_base, health_changed_fn fn, void *ctx)
{
	struct health *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->l = l;
	h->tc_handle = tc_handle;
	h->mark_base = mark_base;
	h->changed = fn;
	h->ctx = ctx;
	snprintf(h->iface, sizeof(h->iface), "%s", iface);
	h->backends_fd = backends_fd;
	r = iface_info(iface, &h->ifindex, h->ifmac, NULL);
	if (r) {
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

const struct dsrlb_addr *check_dest(const struct check *k)
{
	return k->t.check.real ? &k->t.backend : &k->t.spec.addr;
}

uint16_t check_port(const struct check *k)
{
	return k->t.check.port ? k->t.check.port : k->t.spec.port;
}

int check_fail(struct check *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->reason, sizeof(k->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int check_send(struct check *k, const void *data, size_t len)
{
	return send(k->fd, data, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
}

static const char *probe_desc(const struct check *k, char *buf, size_t len)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct vip_spec s = { .addr = *check_dest(k), .port = check_port(k),
			      .protos = k->t.check.type == CHECK_UDP ? VIP_PROTO_UDP : VIP_PROTO_TCP };

	vip_spec_str(&s, a, sizeof(a));
	if (k->t.check.real)
		snprintf(buf, len, "%s %s (the backend's own address)", cfg_check_name(k->t.check.type), a);
	else
		snprintf(buf, len, "%s %s at backend %s's MAC", cfg_check_name(k->t.check.type), a,
			 addr_str(&k->t.backend, b, sizeof(b)));
	return buf;
}

static void probe_close(struct check *k)
{
	if (k->fd >= 0) {
		loop_fd_del(k->h->l, k->fd);
		close(k->fd);
	}
	k->fd = -1;
	k->phase = IDLE;
	k->len = 0;
}

/* What the table sees: at most one change per hold-down. */
static void settle(struct check *k, uint64_t now)
{
	char a[ADDR_STRLEN];

	if (k->check_up == k->up) {
		k->held = false;
		return;
	}
	if (k->changed && now < k->changed + k->t.hold_down_ms) {
		if (!k->held)
			log_warnx("vip '%s': backend %s is flapping; the table follows in %llu ms (hold_down %u ms)",
				  k->vip_name, addr_str(&k->t.backend, a, sizeof(a)),
				  (unsigned long long)(k->changed + k->t.hold_down_ms - now),
				  k->t.hold_down_ms);
		k->held = true;
		loop_timer_at(k->h->l, &k->hold, k->changed + k->t.hold_down_ms);
		return;
	}
	k->held = false;
	k->up = k->check_up;
	k->changed = now;
	if (!k->up)
		k->down_since = now;
	k->h->changed(k->h->ctx, k->t.vip);
}

static void on_hold(void *ctx)
{
	settle(ctx, clock_ms());
}

static void finish(struct check *k, bool ok)
{
	uint64_t now = clock_ms();
	char d[200], a[ADDR_STRLEN];

	k->last_ms = (uint32_t)(now - k->started);
	k->last_at = now;
	probe_close(k);
	loop_timer_at(k->h->l, &k->timer, k->next);
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
	} else {
		k->failed++;
		k->oks = 0;
		k->fails++;
		log_debug("vip '%s': backend %s: health check failed: %s", k->vip_name, a, k->reason);
		if (k->check_up && k->fails >= k->t.check.fall) {
			k->check_up = false;
			log_warnx("vip '%s': backend %s fails its health check: %s (%u in a row: %s)",
				  k->vip_name, a, k->reason, k->fails, probe_desc(k, d, sizeof(d)));
		}
	}
	settle(k, now);
}

static void decided(struct check *k, int verdict)
{
	if (verdict)
		finish(k, verdict > 0);
}

static void on_fd(void *ctx, int fd, uint32_t events)
{
	struct check *k = ctx;

	(void)fd;
	if (k->phase == CONNECTING) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr || (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLOUT))) {
			check_fail(k, "connect: %s", soerr == ECONNREFUSED ? "refused (nothing listens)" :
								 strerror(soerr ? soerr : ECONNRESET));
			decided(k, -1);
			return;
		}
		k->phase = WAITING;
		loop_fd_mod(k->h->l, k->fd, EPOLLIN);
		decided(k, k->ops->start(k));
		return;
	}
	ssize_t r = recv(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len, 0);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		check_fail(k, "%s", errno == ECONNREFUSED ? "refused (nothing listens)" : strerror(errno));
		decided(k, -1);
		return;
	}
	k->len += (size_t)r;
	k->buf[k->len] = 0;
	decided(k, k->ops->answer(k, r == 0));
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

static void probe_start(struct check *k, uint64_t now)
{
	int af = k->t.spec.addr.family == DSRLB_AF_INET ? AF_INET : AF_INET6;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (now > k->next && now - k->next > k->h->latest_start)
		k->h->latest_start = now - k->next;
	hist_add(&k->h->late, now > k->next ? (double)(now - k->next) / 1000.0 : 0);
	k->started = now;
	k->deadline = now + k->t.check.timeout_ms;
	k->next = now + k->t.check.interval_ms;
	k->fd = socket(af, k->ops->sock_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		check_fail(k, "socket: %s", strerror(errno));
		finish(k, false);
		return;
	}
	if (k->ops->sock_type == SOCK_STREAM) {
		/* close with RST: a checker must not fill the table with TIME_WAIT */
		struct linger lg = { 1, 0 };

		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (!k->t.check.real) {
		uint32_t mark = k->h->mark_base | (k->t.bid & DSRLB_HC_MARK_ID);

		sl = sockaddr_of(&k->t.src, 0, &ss);
		if (!k->t.src.family || setsockopt(k->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
		    bind(k->fd, (struct sockaddr *)&ss, sl)) {
			check_fail(k, "%s", k->t.src.family ? strerror(errno) :
							      "no address on the interface to probe from");
			finish(k, false);
			return;
		}
	}
	sl = sockaddr_of(check_dest(k), check_port(k), &ss);
	if (connect(k->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		check_fail(k, "connect: %s", strerror(errno));
		finish(k, false);
		return;
	}
	if (loop_fd_add(k->h->l, k->fd,
			k->ops->sock_type == SOCK_STREAM ? EPOLLOUT : EPOLLIN, on_fd, k, "health probe")) {
		check_fail(k, "cannot watch the probe's socket");
		finish(k, false);
		return;
	}
	loop_timer_at(k->h->l, &k->timer, k->deadline);
	if (k->ops->sock_type == SOCK_STREAM) {
		k->phase = CONNECTING;
		return;
	}
	k->phase = WAITING;
	decided(k, k->ops->start(k));
}

static void on_timer(void *ctx)
{
	struct check *k = ctx;
	uint64_t now = clock_ms();

	if (k->fd >= 0) {
		check_fail(k, "no answer within %u ms", k->t.check.timeout_ms);
		finish(k, false);
		return;
	}
	probe_start(k, now);
}

static void check_free(struct check *k)
{
	probe_close(k);
	loop_timer_stop(k->h->l, &k->timer);
	loop_timer_stop(k->h->l, &k->hold);
	free(k);
}

void health_close(struct health *h)
{
	if (!h)
		return;
	for (int v = 0; v < DSRLB_MAX_VIPS; v++) {
		struct vipchecks *vc = h->byvip[v];

		for (int i = 0; vc && i < vc->n; i++)
			check_free(vc->c[i]);
		if (vc)
			free(vc->c);
		free(vc);
	}
	hmap_free(&h->by_key);
	steer_stop(h->steer);
	free(h);
}

static const struct check_ops *ops_of(enum cfg_check_type t)
{
	return t == CHECK_HTTP ? &check_http : t == CHECK_UDP ? &check_udp : &check_tcp;
}

static bool same_target(const struct hc_target *a, const struct hc_target *b)
{
	return vip_spec_eq(&a->spec, &b->spec) && !addr_cmp(&a->backend, &b->backend) &&
	       !memcmp(&a->check, &b->check, sizeof(a->check)) && a->bid == b->bid &&
	       !addr_cmp(&a->src, &b->src);
}

/*
 * A check with new settings: its state carries over from old, not its probe.
 * Out of memory, old stays as it was (rather than lose the check), or NULL.
 */
static struct check *check_new(struct health *h, struct check *old, uint32_t vip,
			       const struct hc_target *t, uint64_t now)
{
	struct check *k = calloc(1, sizeof(*k));

	if (!k)
		return old;
	k->h = h;
	k->fd = -1;
	loop_timer_init(&k->timer, on_timer, k, "health check");
	loop_timer_init(&k->hold, on_hold, k, "health hold-down");
	k->check_up = k->up = old ? old->up : true;
	k->changed = old ? old->changed : 0;
	k->down_since = old ? old->down_since : 0;
	if (old) {
		h->n--;
		check_free(old);
	}
	h->n++;
	/* the first probe somewhere in the first interval */
	k->next = now + (t->backend.bytes[15] * 131u + vip * 7u) %
				(t->check.interval_ms ? t->check.interval_ms : 1);
	loop_timer_at(h->l, &k->timer, k->next);
	return k;
}

int health_set(struct health *h, uint32_t vip, const struct hc_target *t, int n, char *err,
	       size_t errlen)
{
	struct vipchecks *vc, *nvc = NULL;
	bool v4 = false, any = false;
	uint64_t now = clock_ms();
	int r;

	if (vip >= DSRLB_MAX_VIPS)
		return -EINVAL;
	vc = h->byvip[vip];
	for (int i = 0; i < n; i++) {
		if (!t[i].check.real) {
			any = true;
			v4 |= t[i].spec.addr.family == DSRLB_AF_INET;
		}
	}
	if (any && (r = steer_start(&h->steer, h->iface, h->ifindex, h->ifmac, h->backends_fd,
				    h->tc_handle, h->mark_base, v4, err, errlen)))
		return r;
	if (n) {
		nvc = calloc(1, sizeof(*nvc));
		if (!nvc || !(nvc->c = calloc((size_t)n, sizeof(*nvc->c))) ||
		    hmap_reserve(&h->by_key, (size_t)n)) {
			if (nvc)
				free(nvc->c);
			free(nvc);
			return -ENOMEM;
		}
	}
	/* Checks that stay keep their state; those that go are removed from the index first. */
	for (int i = 0; vc && i < vc->n; i++) {
		struct hc_key k;

		key_of(&k, vip, &vc->c[i]->t.backend);
		hmap_del(&h->by_key, &k, sizeof(k));
	}
	for (int i = 0; i < n; i++) {
		struct check *old = NULL, *k;
		struct hc_key key;

		for (int j = 0; vc && j < vc->n && !old; j++)
			if (vc->c[j] && !addr_cmp(&vc->c[j]->t.backend, &t[i].backend)) {
				old = vc->c[j];
				vc->c[j] = NULL;
			}
		k = old && same_target(&old->t, &t[i]) ? old /* its probe in flight too */ :
							 check_new(h, old, vip, &t[i], now);
		if (!k)
			continue;
		k->t = t[i];
		k->ops = ops_of(t[i].check.type);
		snprintf(k->vip_name, sizeof(k->vip_name), "%s", t[i].vip_name);
		k->t.vip_name = k->vip_name;
		nvc->c[nvc->n++] = k;
		key_of(&key, vip, &k->t.backend);
		hmap_put(&h->by_key, &key, sizeof(key), k);
	}
	for (int j = 0; vc && j < vc->n; j++)
		if (vc->c[j]) {
			h->n--;
			check_free(vc->c[j]);
		}
	if (vc)
		free(vc->c);
	free(vc);
	h->byvip[vip] = nvc;
	return 0;
}

bool health_up(void *hv, uint32_t vip, const struct dsrlb_addr *b, uint64_t *down_since)
{
	struct health *h = hv;
	struct hc_key k;
	const struct check *c;

	if (!h)
		return true;
	key_of(&k, vip, b);
	c = hmap_get(&h->by_key, &k, sizeof(k));
	if (!c)
		return true;
	if (down_since)
		*down_since = c->down_since;
	return c->up;
}

static void status_of(const struct check *k, struct hc_status *s)
{
	*s = (struct hc_status){ .vip_name = k->vip_name, .vip = k->t.vip, .spec = k->t.spec,
				 .backend = k->t.backend, .type = k->t.check.type, .up = k->up,
				 .check_up = k->check_up, .passed = k->passed, .failed = k->failed,
				 .last_ms = k->last_ms, .last_at = k->last_at, .reason = k->reason };
}

bool health_status(const struct health *h, uint32_t vip, const struct dsrlb_addr *b,
		   struct hc_status *out)
{
	struct hc_key k;
	const struct check *c;

	if (!h)
		return false;
	key_of(&k, vip, b);
	c = hmap_get(&h->by_key, &k, sizeof(k));
	if (c)
		status_of(c, out);
	return c != NULL;
}

void health_foreach(const struct health *h, void (*cb)(const struct hc_status *, void *),
		    void *ctx)
{
	for (int v = 0; h && v < DSRLB_MAX_VIPS; v++)
		for (int i = 0; h->byvip[v] && i < h->byvip[v]->n; i++) {
			struct hc_status s;

			status_of(h->byvip[v]->c[i], &s);
			cb(&s, ctx);
		}
}

size_t health_count(const struct health *h)
{
	return h ? h->n : 0;
}

uint64_t health_latest_start(struct health *h)
{
	uint64_t l = h ? h->latest_start : 0;

	if (h)
		h->latest_start = 0;
	return l;
}

const struct hist *health_lateness(const struct health *h)
{
	static const struct hist none;

	return h ? &h->late : &none;
}

size_t health_unsettled(const struct health *h)
{
	size_t n = 0;

	for (uint32_t v = 0; h && v < DSRLB_MAX_VIPS; v++)
		for (int i = 0; h->byvip[v] && i < h->byvip[v]->n; i++) {
			const struct check *k = h->byvip[v]->c[i];

			n += k->check_up && !k->passed;
		}
	return n;
}
