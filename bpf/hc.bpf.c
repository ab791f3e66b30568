// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Health-check steering (tc egress on the loopback device).
 *
 * The balancer holds every VIP, so a probe to VIP:port would be delivered to
 * the balancer itself. A probe socket carries a mark (DSRLB_HC_MARK_BASE | the
 * backend id); its packets leave through lo, where this program gives them
 * the backend's MAC (from the data plane's own backends map) and our
 * interface's MAC, and redirects them out of the interface. The backend sees
 * exactly what a client's packet looks like after the balancer. Anything
 * without our mark passes untouched.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "dsrlb_abi.h"

const volatile struct hc_knobs hc_knobs = {};

/* The data plane's map (the loader hands us its fd). */
#include "lib/backends_map.h"

SEC("tc")
int dsrlb_hc(struct __sk_buff *skb)
{
	__u32 mark = skb->mark, id = mark & DSRLB_HC_MARK_ID;
	struct dsrlb_backend *be;
	__u8 ifmac[6];

	if ((mark & ~DSRLB_HC_MARK_ID) != hc_knobs.mark_base)
		return TC_ACT_OK;
	be = bpf_map_lookup_elem(&backends, &id);
	if (!be || !(be->flags & DSRLB_BACKEND_F_VALID))
		return TC_ACT_SHOT; /* no MAC: the probe fails, as a client's packet would */
	/* element by element through the volatile: a cast-away copy folds to zeros */
	for (int i = 0; i < 6; i++)
		ifmac[i] = hc_knobs.ifmac[i];
	if (bpf_skb_store_bytes(skb, 0, be->mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, 6, ifmac, 6, 0))
		return TC_ACT_SHOT;
	return bpf_redirect(hc_knobs.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
