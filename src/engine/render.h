/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The engine's state as text, one VIP at a time, without a JSON library:
 * listings of 100,000 backends are rendered a slice at a time on the loop
 * (api/snapshot.c) from what the engine keeps, with no map read. The one
 * print path for every shape: JSON (the API), the stats table and the status
 * lines (the CLI prints what the daemon renders), Prometheus text.
 */
#ifndef DSRLB_RENDER_H
#define DSRLB_RENDER_H

#include "config/config.h"
#include "engine/engine.h"
#include "lib/strbuf.h"

/* A VIP as the API shows it: every config key, its table and counters, each backend's state. */
void render_vip_json(struct strbuf *b, const struct engine *e, const struct cfg_vip *v);
/* The head and tail of GET /api/v1/stats around its "vips" array. */
void render_stats_head(struct strbuf *b, const struct engine *e);
void render_stats_tail(struct strbuf *b, const struct engine *e);
/* `dsrlb stats`: the header, a VIP's rows, the footer. */
void render_table_head(struct strbuf *b);
void render_table_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v);
void render_table_tail(struct strbuf *b, const struct engine *e);
/* `dsrlb status`: the daemon's lines (version, uptime, config path given), a VIP's lines. */
void render_status_head(struct strbuf *b, const struct engine *e, const char *version,
			long uptime, const char *config);
void render_status_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v);
/* /metrics: family f (0 .. RENDER_FAMILIES - 1) of one VIP, each family's header first. */
#define RENDER_FAMILIES 14
void render_metrics_family_head(struct strbuf *b, int f);
void render_metrics_vip(struct strbuf *b, const struct engine *e, const struct cfg_vip *v, int f);
/* The families that are not per VIP (build info, reasons, flow table). */
void render_metrics_tail(struct strbuf *b, const struct engine *e, const char *version);
/* peers.c: the tables digest, and the sync's counters and peers. */
void render_metrics_ha(struct strbuf *b, const struct engine *e);
/* peers.c: dsrlb status's lines on readiness, announcing, the track file and the sync. */
void render_status_ha(struct strbuf *b, const struct engine *e);

#endif
