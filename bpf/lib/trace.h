/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dsrlb trace: one record per decision, only while trace_on. Off, a placement
 * or a drop pays one load and a branch; a packet that follows its flow pays
 * nothing. Drops are counted (and traced) here.
 */
#ifndef DSRLB_BPF_TRACE_H
#define DSRLB_BPF_TRACE_H

#include "lib/counters.h"
#include "lib/knobs.h"

/* Its own function (a BPF-to-BPF call): the places that trace carry a call, not a copy. */
static __noinline void trace_emit(const struct dsrlb_flow_key *fk, __u32 vip, __u32 bid,
				  __u32 kind, __u32 reason)
{
	struct dsrlb_trace_event *ev = bpf_ringbuf_reserve(&trace, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&trace_lost, 1);
		return;
	}
	ev->ns = bpf_ktime_get_ns();
	ev->vip = vip;
	ev->backend = bid;
	ev->kind = (__u8)kind;
	ev->reason = (__u8)reason;
	ev->family = fk->family;
	ev->proto = fk->proto;
	ev->ports = fk->ports;
	__builtin_memcpy(ev->saddr, fk->saddr, 16);
	__builtin_memcpy(ev->daddr, fk->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
}

/* A frame for a VIP (vip: its id, or DSRLB_VIP_NONE if not chosen yet) dropped. */
static __always_inline int drop(__u32 reason, const struct dsrlb_flow_key *fk, __u32 vip)
{
	count_reason(reason);
	if (trace_on)
		trace_emit(fk, vip, 0xffffffffu, DSRLB_T_DROP, reason);
	return XDP_DROP;
}

#endif
