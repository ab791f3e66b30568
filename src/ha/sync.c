// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow-state sync: the transport, the authentication and the replay window
 * (see sync.h). Nothing here knows what a flow means; the engine's glue
 * (engine/share.c) finds the exceptions and writes what peers send.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/loop.h"
#include "ha/sync.h"
#include "ha/wire.h"
#include "lib/clock.h"
#include "lib/log.h"

#define HELLO_MS 1000
#define REQUEST_MS 500
#define UP_MS 3000
#define FPREQ_MS 2000
#define SENDERS 4 /* sender ids remembered per peer (a peer restarts with a new one) */

struct sender {
	uint64_t id, seq, heard;
};

struct peer {
	char name[64];
	struct sockaddr_storage sa;
	socklen_t salen;
	struct sender snd[SENDERS];
	char node[33];
	bool ready, learned;
	uint64_t heard, asked_fps;
	uint32_t vips;
	uint64_t digest;
	struct sync_fp *fps;
	size_t nfps, capfps;
};

struct sync {
	int fd;
	struct loop *l;
	const struct sync_ops *ops;
	void *ctx;
	unsigned char key[WIRE_KEY];
	uint64_t id, seq;
	char node[33];
	bool ready;
	uint32_t vips;
	uint64_t digest;
	uint64_t learn_until;
	bool learned;
	struct peer peer[CFG_SYNC_PEERS_MAX];
	int npeers;
	struct loop_timer hello, request;
	uint64_t sent_msgs, sent_flows, recv_msgs, recv_flows, dropped[SYNC_DROP__MAX];
	unsigned char buf[SYNC_DGRAM_MAX];      /* what is sent */
	unsigned char ibuf[SYNC_DGRAM_MAX + 1]; /* what arrives (one more: too long shows) */
};

/* Header, MAC, out: one message of type with count entries and body bytes (already in buf). */
static void send_msg(struct sync *s, int peer, int type, uint16_t count, size_t body, uint32_t part)
{
	unsigned char *b = s->buf;
	size_t len = HDR + body + MAC;

	memcpy(b, MAGIC, 4);
	b[4] = VERSION;
	b[5] = (unsigned char)type;
	wire_put16(b + 6, count);
	wire_put64(b + 8, s->id);
	wire_put64(b + 16, ++s->seq);
	wire_put64(b + 24, clock_unix_ms());
	wire_put32(b + 32, (uint32_t)len);
	wire_put32(b + 36, part);
	crypto_auth_hmacsha256(b + HDR + body, b, HDR + body, s->key);
	for (int i = 0; i < s->npeers; i++) {
		const struct peer *p = &s->peer[i];

		if (peer >= 0 && i != peer)
			continue;
		if (sendto(s->fd, b, len, MSG_DONTWAIT, (const struct sockaddr *)&p->sa, p->salen) < 0)
			log_debug("sync: cannot send to %s: %s", p->name, strerror(errno));
		else
			s->sent_msgs++;
	}
}

void sync_send_flows(struct sync *s, int peer, const struct sync_flow *f, size_t n)
{
	while (s && n) {
		size_t k = n < FLOWS_PER_MSG ? n : FLOWS_PER_MSG;

		for (size_t i = 0; i < k; i++)
			wire_flow_put(s->buf + HDR + i * FLOW_WIRE, &f[i]);
		send_msg(s, peer, T_FLOWS, (uint16_t)k, k * FLOW_WIRE, 0);
		s->sent_flows += k;
		f += k;
		n -= k;
	}
}

void sync_end(struct sync *s, int peer)
{
	if (s)
		send_msg(s, peer, T_END, 0, 0, 0);
}

void sync_send_fps(struct sync *s, int peer, const struct sync_fp *f, size_t n)
{
	uint32_t part = 0;

	do {
		size_t k = n < FPS_PER_MSG ? n : FPS_PER_MSG;

		for (size_t i = 0; i < k; i++) {
			unsigned char *p = s->buf + HDR + i * FP_WIRE;

			p[0] = f[i].spec.addr.family;
			p[1] = (unsigned char)f[i].spec.protos;
			wire_put16(p + 2, f[i].spec.port);
			memcpy(p + 4, f[i].spec.addr.bytes, 16);
			wire_put64(p + 20, f[i].fp);
		}
		/* part 0 starts the list; the last part has fewer than a full message (maybe 0) */
		send_msg(s, peer, T_FPLIST, (uint16_t)k, k * FP_WIRE, part++);
		f += k;
		n -= k;
		if (!n && k == FPS_PER_MSG)
			send_msg(s, peer, T_FPLIST, 0, 0, part++);
	} while (n);
}

static void hello(struct sync *s)
{
	unsigned char *p = s->buf + HDR;

	memset(p, 0, HELLO_BODY);
	p[0] = s->ready;
	wire_put32(p + 4, s->vips);
	wire_put64(p + 8, s->digest);
	memcpy(p + 16, s->node, strlen(s->node));
	send_msg(s, -1, T_HELLO, 0, HELLO_BODY, 0);
}

void sync_set_self(struct sync *s, bool ready, uint32_t vips, uint64_t digest)
{
	if (!s)
		return;
	s->vips = vips;
	if (s->ready != ready || s->digest != digest) {
		s->ready = ready;
		s->digest = digest;
		hello(s); /* at once: peers compare without waiting a second */
	}
}

/* Which configured peer sent from sa (-1: none). */
static int peer_of(const struct sync *s, const struct sockaddr_storage *sa, socklen_t len)
{
	for (int i = 0; i < s->npeers; i++) {
		const struct peer *p = &s->peer[i];

		if (sa->ss_family != p->sa.ss_family || len < p->salen)
			continue;
		if (sa->ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)sa, *b = (const void *)&p->sa;

			if (a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr)
				return i;
		} else if (sa->ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)sa, *b = (const void *)&p->sa;

			if (a->sin6_port == b->sin6_port && !memcmp(&a->sin6_addr, &b->sin6_addr, 16))
				return i;
		}
	}
	return -1;
}

/* Newer than the sender's last? Then remember it. A new sender id takes the oldest slot. */
static bool fresh(struct peer *p, uint64_t id, uint64_t seq, uint64_t now)
{
	struct sender *oldest = &p->snd[0];

	for (int i = 0; i < SENDERS; i++) {
		struct sender *x = &p->snd[i];

		if (x->id == id && x->heard) {
			if (seq <= x->seq)
				return false;
			x->seq = seq;
			x->heard = now;
			return true;
		}
		if (x->heard < oldest->heard)
			oldest = x;
	}
	*oldest = (struct sender){ .id = id, .seq = seq, .heard = now };
	return true;
}

static void on_fplist(struct peer *p, const unsigned char *b, uint16_t count, uint32_t part)
{
	if (part == 0)
		p->nfps = 0;
	if (p->nfps + count > p->capfps) {
		size_t cap = (p->nfps + count) * 2;
		struct sync_fp *n = realloc(p->fps, cap * sizeof(*n));

		if (!n)
			return;
		p->fps = n;
		p->capfps = cap;
	}
	for (uint16_t i = 0; i < count; i++) {
		const unsigned char *x = b + i * FP_WIRE;
		struct sync_fp *f = &p->fps[p->nfps++];

		memset(f, 0, sizeof(*f));
		f->spec.addr.family = x[0];
		f->spec.protos = x[1];
		f->spec.port = wire_get16(x + 2);
		memcpy(f->spec.addr.bytes, x + 4, 16);
		f->fp = wire_get64(x + 20);
	}
}

/* The body of an authenticated, fresh message from peer i. */
static void on_msg(struct sync *s, int i, int type, uint16_t count, const unsigned char *b,
		   uint32_t part, uint64_t now)
{
	struct peer *p = &s->peer[i];
	struct sync_flow f[FLOWS_PER_MSG];

	switch (type) {
	case T_HELLO:
		p->ready = b[0] & 1;
		p->vips = wire_get32(b + 4);
		p->digest = wire_get64(b + 8);
		memcpy(p->node, b + 16, 32);
		p->node[32] = 0;
		for (char *c = p->node; *c; c++)
			if (*c < 0x21 || *c > 0x7e)
				*c = '?'; /* a name for logs and status: printable only */
		if (p->digest != s->digest && now - p->asked_fps >= FPREQ_MS) {
			p->asked_fps = now;
			send_msg(s, i, T_FPREQ, 0, 0, 0);
		}
		break;
	case T_REQUEST:
		if (s->ops->dump)
			s->ops->dump(s->ctx, i);
		break;
	case T_FLOWS:
		for (uint16_t k = 0; k < count; k++)
			if (!wire_flow_get(b + k * FLOW_WIRE, &f[k])) {
				s->dropped[SYNC_DROP_FORMAT]++;
				return; /* one bad entry: none of it */
			}
		s->recv_flows += count;
		if (s->ops->learn)
			s->ops->learn(s->ctx, f, count);
		break;
	case T_END:
		if (!p->learned)
			log_info("sync: learned the exceptions of %s (%s)", p->name, p->node[0] ? p->node : "?");
		p->learned = true;
		break;
	case T_FPREQ:
		if (s->ops->fps)
			s->ops->fps(s->ctx, i);
		break;
	case T_FPLIST:
		on_fplist(p, b, count, part);
		break;
	}
}

static void on_datagram(struct sync *s, size_t n, const struct sockaddr_storage *sa, socklen_t salen)
{
	const unsigned char *b = s->ibuf;
	uint64_t now = clock_ms(), wall = clock_unix_ms(), t, id, seq;
	int type, i;
	size_t body;

	if (n < HDR + MAC || n > SYNC_DGRAM_MAX || wire_get32(b + 32) != n) {
		s->dropped[SYNC_DROP_SHORT]++;
		return;
	}
	if (memcmp(b, MAGIC, 4) || b[4] != VERSION) {
		s->dropped[SYNC_DROP_FORMAT]++;
		return;
	}
	i = peer_of(s, sa, salen);
	if (i < 0) {
		s->dropped[SYNC_DROP_SOURCE]++;
		return;
	}
	body = n - HDR - MAC;
	if (crypto_auth_hmacsha256_verify(b + HDR + body, b, HDR + body, s->key)) {
		s->dropped[SYNC_DROP_AUTH]++;
		return;
	}
	type = b[5];
	if (!wire_shape_ok(type, wire_get16(b + 6), body)) {
		s->dropped[SYNC_DROP_FORMAT]++;
		return;
	}
	id = wire_get64(b + 8);
	seq = wire_get64(b + 16);
	t = wire_get64(b + 24);
	if (id == s->id) {
		s->dropped[SYNC_DROP_SELF]++;
		return;
	}
	if (t + SYNC_SKEW_MS < wall || t > wall + SYNC_SKEW_MS) {
		s->dropped[SYNC_DROP_STALE]++;
		return;
	}
	if (!fresh(&s->peer[i], id, seq, now)) {
		s->dropped[SYNC_DROP_REPLAY]++;
		return;
	}
	s->recv_msgs++;
	s->peer[i].heard = now;
	on_msg(s, i, type, wire_get16(b + 6), b + HDR, wire_get32(b + 36), now);
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	struct sync *s = ctx;

	(void)events;
	for (int k = 0; k < 256; k++) { /* bounded: the loop has other work */
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		ssize_t n = recvfrom(fd, s->ibuf, sizeof(s->ibuf), MSG_DONTWAIT, (struct sockaddr *)&sa, &salen);

		if (n < 0)
			return;
		on_datagram(s, (size_t)n, &sa, salen);
	}
}

static void on_hello(void *ctx)
{
	struct sync *s = ctx;

	hello(s);
	loop_timer_at(s->l, &s->hello, clock_ms() + HELLO_MS);
}

static void on_request(void *ctx)
{
	struct sync *s = ctx;
	int missing = 0;

	for (int i = 0; i < s->npeers; i++)
		if (!s->peer[i].learned) {
			send_msg(s, i, T_REQUEST, 0, 0, 0);
			missing++;
		}
	if (!missing || clock_ms() >= s->learn_until) {
		if (missing)
			log_warnx("sync: %d of %d peers did not answer within learn_timeout; going on without their flows",
				  missing, s->npeers);
		s->learned = true;
		return;
	}
	loop_timer_at(s->l, &s->request, clock_ms() + REQUEST_MS);
}

bool sync_learned(const struct sync *s)
{
	return !s || s->learned;
}

static int open_socket(struct sync *s, const struct cfg_sync *c, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int one = 1, buf = 4 << 20;
	socklen_t len;

	cfg_api_listen_parse(c->listen, &ss); /* checked when the config was read */
	len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	s->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "sync: cannot open a UDP socket: %s", strerror(errno));
		return -errno;
	}
	if (ss.ss_family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* a dump of many exceptions is a burst: room for it on both sides */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (bind(s->fd, (struct sockaddr *)&ss, len)) {
		snprintf(err, errlen, "sync: cannot listen on %s: %s", c->listen, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < c->npeers; i++) {
		struct peer *p = &s->peer[s->npeers];

		cfg_api_listen_parse(c->peers[i], &p->sa);
		if (p->sa.ss_family != ss.ss_family) {
			snprintf(err, errlen, "sync peer %s is not of the family of listen %s", c->peers[i], c->listen);
			return -EINVAL;
		}
		p->salen = len;
		snprintf(p->name, sizeof(p->name), "%s", c->peers[i]);
		p->asked_fps = 0;
		s->npeers++;
	}
	return 0;
}

int sync_open(struct sync **out, const struct cfg_sync *c, struct loop *l,
	      const struct sync_ops *ops, void *ctx, char *err, size_t errlen)
{
	struct sync *s;
	int r;

	*out = NULL;
	if (!c->listen[0])
		return 0;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "sync: libsodium cannot start");
		return -EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->l = l;
	s->ops = ops;
	s->ctx = ctx;
	if (c->node[0])
		snprintf(s->node, sizeof(s->node), "%.32s", c->node);
	else if (gethostname(s->node, sizeof(s->node) - 1))
		snprintf(s->node, sizeof(s->node), "?");
	r = wire_secret(c->secret_file, s->key, err, errlen);
	if (!r)
		r = open_socket(s, c, err, errlen);
	if (!r)
		r = loop_fd_add(l, s->fd, EPOLLIN, on_readable, s, "sync");
	if (r) {
		if (s->fd >= 0)
			close(s->fd);
		sodium_memzero(s->key, sizeof(s->key));
		free(s);
		return r;
	}
	randombytes_buf(&s->id, sizeof(s->id));
	s->learn_until = clock_ms() + c->learn_timeout_ms;
	loop_timer_init(&s->hello, on_hello, s, "sync: hello");
	loop_timer_init(&s->request, on_request, s, "sync: request");
	loop_timer_at(l, &s->hello, clock_ms());
	loop_timer_at(l, &s->request, clock_ms());
	log_info("sync: listening on %s for %d peer%s as '%s'", c->listen, s->npeers,
		 s->npeers == 1 ? "" : "s", s->node);
	*out = s;
	return 0;
}

void sync_close(struct sync *s)
{
	if (!s)
		return;
	loop_timer_stop(s->l, &s->hello);
	loop_timer_stop(s->l, &s->request);
	loop_fd_del(s->l, s->fd);
	close(s->fd);
	for (int i = 0; i < s->npeers; i++)
		free(s->peer[i].fps);
	sodium_memzero(s->key, sizeof(s->key));
	free(s);
}

void sync_status(const struct sync *s, struct sync_status *out)
{
	uint64_t now = clock_ms();

	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	snprintf(out->node, sizeof(out->node), "%s", s->node);
	out->learned = s->learned;
	out->sent_msgs = s->sent_msgs;
	out->sent_flows = s->sent_flows;
	out->recv_msgs = s->recv_msgs;
	out->recv_flows = s->recv_flows;
	memcpy(out->dropped, s->dropped, sizeof(out->dropped));
	out->npeers = s->npeers;
	for (int i = 0; i < s->npeers; i++) {
		const struct peer *p = &s->peer[i];
		struct sync_peer_status *o = &out->peer[i];

		snprintf(o->addr, sizeof(o->addr), "%s", p->name);
		snprintf(o->node, sizeof(o->node), "%s", p->node);
		o->heard_ms = p->heard ? now - p->heard : UINT64_MAX;
		o->up = p->heard && now - p->heard < UP_MS;
		o->ready = p->ready;
		o->learned = p->learned;
		o->vips = p->vips;
		o->digest = p->digest;
	}
}

const struct sync_fp *sync_peer_fps(const struct sync *s, int peer, size_t *n)
{
	*n = 0;
	if (!s || peer < 0 || peer >= s->npeers)
		return NULL;
	*n = s->peer[peer].nfps;
	return s->peer[peer].fps;
}
