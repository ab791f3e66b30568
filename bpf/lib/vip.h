/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Is this frame ours, and for which VIP: our MAC, then the VIP index (an
 * open-addressed table in an array, see struct dsrlb_vip_slot). A VIP on the
 * exact port wins over the VIP for every port at that address.
 */
#ifndef DSRLB_BPF_VIP_H
#define DSRLB_BPF_VIP_H

#include <linux/in.h>

#include "dsrlb_hash.h"
#include "lib/knobs.h"
#include "lib/maps.h"

/*
 * MACs as one 4-byte and one 2-byte word: struct ethhdr is packed, so plain
 * field access makes clang move them a byte at a time. x86 (and the
 * verifier, for packet data) allow the unaligned loads.
 */
struct mac_words {
	__u32 hi;
	__u16 lo;
} __attribute__((packed, aligned(2)));

/* Is this frame addressed to our interface? (knobs are read-only data) */
static __always_inline int for_us(const struct ethhdr *eth)
{
	const struct mac_words *d = (const void *)eth->h_dest;
	const volatile struct mac_words *m = (const volatile void *)knobs.ifmac;

	return d->hi == m->hi && d->lo == m->lo;
}

static __always_inline void mac_copy(void *dst, const void *src)
{
	struct mac_words *d = dst;
	const struct mac_words *s = src;

	d->hi = s->hi;
	d->lo = s->lo;
}

static __always_inline int addr_eq(const __u8 *slot, const __u32 *addr, int words)
{
	const __u32 *w = (const __u32 *)slot;

	if (w[0] != addr[0])
		return 0;
	return words == 1 || (w[1] == addr[1] && w[2] == addr[2] && w[3] == addr[3]);
}

/*
 * Probe the VIP index for {addr, proto, port} in one region; NULL if absent.
 * addr points into the packet (4 or 16 bytes, already bounds-checked).
 */
static __always_inline struct dsrlb_vip_slot *index_find(void *idx, const __u32 *addr, int words,
							 __u8 family, __u8 proto, __be16 port,
							 __u32 region)
{
	__u32 h = dsrlb_index_hash(addr, words, dsrlb_index_tail(port, proto, family));

#pragma unroll
	for (int i = 0; i < DSRLB_VIP_INDEX_PROBES; i++) {
		__u32 k = region + ((h + i) & (DSRLB_VIP_INDEX_SLOTS - 1));
		struct dsrlb_vip_slot *s = bpf_map_lookup_elem(idx, &k);

		if (!s || !s->family)
			return NULL;
		if (s->family == family && s->proto == proto && s->port == port &&
		    addr_eq(s->addr, addr, words))
			return s;
	}
	return NULL;
}

/* The index itself, and the address entry of a destination (NULL: not a VIP address). */
static __always_inline struct dsrlb_vip_slot *vip_address(void **idx, const __u32 *addr, int words,
							  __u8 family)
{
	__u32 zero = 0;

	*idx = bpf_map_lookup_elem(&vip_index, &zero);
	if (!*idx)
		return NULL;
	return index_find(*idx, addr, words, family, 0, 0, 0);
}

/* Which VIP serves this port at this address; DSRLB_VIP_NONE if neither exists. */
static __always_inline __u32 vip_pick(void *idx, const struct dsrlb_vip_slot *as,
				      const __u32 *addr, int words, __u8 family, __u8 proto,
				      __be16 dport)
{
	int pi = proto == IPPROTO_UDP;

	if (as->port_vips[pi]) {
		struct dsrlb_vip_slot *ps = index_find(idx, addr, words, family, proto, dport,
						       DSRLB_VIP_INDEX_SLOTS);

		if (ps)
			return ps->vip[0];
	}
	return as->vip[pi];
}

#endif
