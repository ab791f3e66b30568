// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Listings of every VIP (the stats as JSON and as a table, the status lines,
 * /metrics) are rendered at most once a second, a slice of VIPs per loop
 * pass (at most SLICE_NS of work), into a buffer that every request of that
 * second shares. While a listing is asked for it is rendered again each
 * second in the background, and requests get the last whole one meanwhile;
 * one from before the last change is never sent: the request waits,
 * suspended, for the render under way. So 10 clients polling /metrics every
 * 100 ms cost one render a second, none waits for it, and none of them
 * blocks the loop for longer than a slice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "engine/render.h"
#include "lib/clock.h"
#include "lib/version.h"

/*
 * A listing younger than FRESH_MS is sent as it is; one older than that is
 * still sent while its successor renders, up to STALE_MS. A change to the
 * model makes every listing wait for one that shows it.
 */
#define FRESH_MS 1000
#define STALE_MS 2500
#define SLICE_NS 3000000ull
/* DSRLB_TEST_SLICE_NS: a shorter slice, so that tests see listings of many slices. */
static uint64_t slice_ns = SLICE_NS;

/*
 * A rendered body, shared by the responses that send it: the slices' own
 * buffers, one after the other (never grown into one: growing a 30 MB
 * buffer copies it, 15 ms of one callback).
 */
struct chunk {
	char *p;
	size_t len;
};
struct blob {
	int refs;
	size_t len;
	int n;
	struct chunk *c;
};

struct snap {
	struct blob *cur;
	uint64_t built_ms, version;
	struct strbuf next; /* the slice under way */
	struct blob *parts; /* the slices before it */
	bool building;
	uint64_t building_version;
	int vip, family;
	struct MHD_Connection **waiting;
	int nwaiting, capw;
};

struct snaps {
	struct api *a;
	struct snap s[SNAP__MAX];
	struct loop_timer t;
};

static void blob_put(struct blob *b)
{
	if (b && !--b->refs) {
		for (int i = 0; i < b->n; i++)
			free(b->c[i].p);
		free(b->c);
		free(b);
	}
}

/* The slice's buffer joins the body under way (false: out of memory). */
static bool seal(struct snap *s)
{
	struct blob *b = s->parts;
	void *c;

	if (!s->next.len)
		return !s->next.oom;
	if (!b && !(b = s->parts = calloc(1, sizeof(*b))))
		return false;
	c = realloc(b->c, sizeof(*b->c) * (size_t)(b->n + 1));
	if (!c)
		return false;
	b->c = c;
	b->c[b->n++] = (struct chunk){ s->next.s, s->next.len };
	b->len += s->next.len;
	s->next = (struct strbuf){ 0 };
	return true;
}

/* A render from the start: of model version v. */
static void restart(struct snap *s, uint64_t v)
{
	sb_free(&s->next);
	s->next = (struct strbuf){ 0 };
	if (s->parts) {
		s->parts->refs = 1;
		blob_put(s->parts);
		s->parts = NULL;
	}
	s->vip = s->family = 0;
	s->building_version = v;
}

/* Render VIPs into s until the listing is whole or the pass's time, from start, is spent. */
static void render_slice(struct snaps *ss, enum snap_kind k, uint64_t start)
{
	struct snap *s = &ss->s[k];
	const struct engine *e = ss->a->e;
	const struct model *m = engine_model(e);

	if (m->version != s->building_version) /* changed meanwhile: start over */
		restart(s, m->version);
	while (!s->next.oom) {
		if (s->vip >= m->c.nv) {
			if (k != SNAP_METRICS || ++s->family >= RENDER_FAMILIES) {
				s->building = false;
				if (!seal(s))
					s->next.oom = true;
				return;
			}
			s->vip = 0;
		}
		if (k == SNAP_METRICS && !s->vip)
			render_metrics_family_head(&s->next, s->family);
		for (int n = 0; n < 8 && s->vip < m->c.nv; n++, s->vip++) {
			const struct cfg_vip *v = m->c.vips[s->vip];

			switch (k) {
			case SNAP_VIPS:
				if (s->vip)
					sb_put(&s->next, ",", 1);
				render_vip_json(&s->next, e, v);
				break;
			case SNAP_TABLE:
				render_table_vip(&s->next, e, v);
				break;
			case SNAP_STATUS:
				render_status_vip(&s->next, e, v);
				break;
			case SNAP_METRICS:
				render_metrics_vip(&s->next, e, v, s->family);
				break;
			case SNAP__MAX:
				break;
			}
		}
		if (clock_ns() - start > slice_ns) {
			if (seal(s))
				return; /* the rest on the next pass */
			break;
		}
	}
	s->building = false; /* out of memory: the waiters get a 500 */
	s->next.oom = true;
}

static void finish(struct snaps *ss, struct snap *s)
{
	struct blob *b = NULL;

	if (!s->next.oom && (s->parts || (s->parts = calloc(1, sizeof(*s->parts))))) {
		b = s->parts; /* taken: 40 MB of /metrics is not copied */
		b->refs = 1;
		s->parts = NULL;
	}
	restart(s, s->building_version);
	blob_put(s->cur);
	s->cur = b;
	s->built_ms = clock_ms();
	s->version = s->building_version;
	for (int i = 0; i < s->nwaiting; i++)
		MHD_resume_connection(s->waiting[i]);
	if (s->nwaiting)
		api_kick(ss->a);
	s->nwaiting = 0;
}

static void on_slice(void *ctx)
{
	struct snaps *ss = ctx;
	uint64_t start = clock_ns(); /* one pass's time for all the listings under way */
	bool more = false, rendered = false;

	for (int k = 0; k < SNAP__MAX; k++) {
		struct snap *s = &ss->s[k];

		if (!s->building)
			continue;
		if (rendered && clock_ns() - start > slice_ns) {
			more = true;
			continue;
		}
		rendered = true;
		render_slice(ss, (enum snap_kind)k, start);
		if (s->building)
			more = true;
		else
			finish(ss, s);
	}
	if (more)
		loop_timer_at(ss->a->loop, &ss->t, clock_ms());
}

int snap_open(struct api *a)
{
	a->snaps = calloc(1, sizeof(*a->snaps));
	if (!a->snaps)
		return -ENOMEM;
	a->snaps->a = a;
	if (getenv("DSRLB_TEST_SLICE_NS"))
		slice_ns = strtoull(getenv("DSRLB_TEST_SLICE_NS"), NULL, 10);
	loop_timer_init(&a->snaps->t, on_slice, a->snaps, "listing render");
	return 0;
}

void snap_close(struct api *a)
{
	struct snaps *ss = a->snaps;

	if (!ss)
		return;
	loop_timer_stop(a->loop, &ss->t);
	for (int k = 0; k < SNAP__MAX; k++) {
		struct snap *s = &ss->s[k];

		/* a suspended connection must be resumed before its daemon stops */
		for (int i = 0; i < s->nwaiting; i++)
			MHD_resume_connection(s->waiting[i]);
		free(s->waiting);
		restart(s, 0);
		blob_put(s->cur);
	}
	free(ss);
	a->snaps = NULL;
}

/* The response: what goes before the shared body, the body, and what goes after. */
struct parts {
	char *head, *tail;
	size_t hl, tl;
	struct blob *b;
	int ci;       /* the chunk that holds the body at bpos (MHD reads in order) */
	uint64_t bpos; /* where chunk ci starts, in the body */
};

/* The body from body offset at: where, and how much is contiguous there. */
static const char *body_at(struct parts *p, uint64_t at, size_t *len)
{
	if (at < p->bpos)
		p->ci = 0, p->bpos = 0; /* read again from before: walk from the start */
	while (p->ci < p->b->n && at >= p->bpos + p->b->c[p->ci].len)
		p->bpos += p->b->c[p->ci++].len;
	if (p->ci >= p->b->n)
		return NULL;
	*len = p->b->c[p->ci].len - (size_t)(at - p->bpos);
	return p->b->c[p->ci].p + (at - p->bpos);
}

static ssize_t parts_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct parts *p = cls;
	size_t n = 0;

	while (n < max) {
		const char *src;
		size_t len, k;

		if (pos < p->hl) {
			src = p->head + pos, len = p->hl - (size_t)pos;
		} else if (pos < p->hl + p->b->len) {
			if (!(src = body_at(p, pos - p->hl, &len)))
				break;
		} else if (pos < p->hl + p->b->len + p->tl) {
			len = p->hl + p->b->len + p->tl - (size_t)pos;
			src = p->tail + (p->tl - len);
		} else {
			break;
		}
		k = len < max - n ? len : max - n;
		memcpy(buf + n, src, k);
		n += k;
		pos += k;
	}
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void parts_free(void *cls)
{
	struct parts *p = cls;

	free(p->head);
	free(p->tail);
	blob_put(p->b);
	free(p);
}

static void head_tail(struct api *a, enum snap_kind k, bool wrap, struct strbuf *h, struct strbuf *t)
{
	const struct engine *e = a->e;

	switch (k) {
	case SNAP_VIPS:
		if (wrap)
			render_stats_head(h, e);
		sb_put(h, "[", 1);
		sb_put(t, "]", 1);
		if (wrap)
			render_stats_tail(t, e);
		else
			sb_put(t, "\n", 1);
		break;
	case SNAP_TABLE:
		render_table_head(h);
		render_table_tail(t, e);
		break;
	case SNAP_STATUS:
		render_status_head(h, e, DSRLB_VERSION, (long)((clock_ms() - a->started) / 1000), a->path);
		break;
	case SNAP_METRICS: {
		struct loop_stats ls;

		render_metrics_tail(t, e, DSRLB_VERSION);
		loop_stats(a->loop, &ls);
		sb_printf(t, "# HELP dsrlb_loop_longest_callback_seconds The longest the daemon's loop ran one callback.\n"
			     "# TYPE dsrlb_loop_longest_callback_seconds gauge\n"
			     "dsrlb_loop_longest_callback_seconds %.6f\n"
			     "# HELP dsrlb_loop_latest_timer_seconds The latest a timer of the daemon's loop fired.\n"
			     "# TYPE dsrlb_loop_latest_timer_seconds gauge\n"
			     "dsrlb_loop_latest_timer_seconds %.3f\n",
			  ls.longest_ns / 1e9, ls.latest_timer_ms / 1000.0);
		hist_render(t, "dsrlb_loop_callback_seconds",
			    "How long each callback of the daemon's loop ran (nothing else runs meanwhile).",
			    &ls.callback);
		hist_render(t, "dsrlb_loop_callback_cpu_seconds",
			    "The CPU time each callback of the daemon's loop used (the rest of its time, the CPU ran something else).",
			    &ls.callback_cpu);
		hist_render(t, "dsrlb_health_probe_late_seconds",
			    "How late each health probe started after its time.",
			    engine_probe_lateness(a->e));
		break;
	}
	case SNAP__MAX:
		break;
	}
}

enum MHD_Result snap_respond(struct api *a, struct MHD_Connection *c, enum snap_kind k,
			     bool wrap, const char *type)
{
	struct snaps *ss = a->snaps;
	struct snap *s = &ss->s[k];
	const struct model *m = engine_model(a->e);
	uint64_t now = clock_ms();

	bool current = s->cur && s->version == m->version;

	if (current && now - s->built_ms >= FRESH_MS && !s->building) {
		/* the next one, in the background: this request gets the last one */
		s->building = true;
		restart(s, m->version);
		loop_timer_at(a->loop, &ss->t, now);
	}
	if (current && now - s->built_ms < STALE_MS) {
		struct parts *p = calloc(1, sizeof(*p));
		struct strbuf h = {}, t = {};
		struct MHD_Response *r;
		enum MHD_Result ret;

		head_tail(a, k, wrap, &h, &t);
		if (!p || h.oom || t.oom) {
			free(p);
			sb_free(&h);
			sb_free(&t);
			return send_error(c, 500, NULL, "out of memory");
		}
		p->head = h.s;
		p->hl = h.len;
		p->tail = t.s;
		p->tl = t.len;
		p->b = s->cur;
		s->cur->refs++;
		r = MHD_create_response_from_callback(p->hl + p->b->len + p->tl, 64 * 1024, parts_read,
						      p, parts_free);
		if (!r) {
			parts_free(p);
			return MHD_NO;
		}
		MHD_add_response_header(r, "Content-Type", type);
		MHD_add_response_header(r, "Cache-Control", "no-store");
		ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!s->building) {
		s->building = true;
		restart(s, m->version);
		loop_timer_at(a->loop, &ss->t, now);
	}
	if (s->nwaiting == s->capw) {
		int cap = s->capw ? s->capw * 2 : 8;
		void *p = realloc(s->waiting, sizeof(*s->waiting) * (size_t)cap);

		if (!p)
			return send_error(c, 500, NULL, "out of memory");
		s->waiting = p;
		s->capw = cap;
	}
	s->waiting[s->nwaiting++] = c;
	MHD_suspend_connection(c);
	return MHD_YES;
}
