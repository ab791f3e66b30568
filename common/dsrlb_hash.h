/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The hashes shared by the XDP program and user space so that tools and
 * tests can predict exactly which ring slot a flow lands on: the flow hash
 * (64 bits, below) and the 32-bit one of sh's source address.
 *
 * Words are the packet's own bytes loaded as host-order u32 (both sides run
 * on the same host), so no byte swapping happens on the fast path. The seed
 * is per deployment: balancers that share it agree on every flow, and an
 * attacker who does not know it cannot aim many flows at one slot.
 */
#ifndef DSRLB_HASH_H
#define DSRLB_HASH_H

#include <linux/types.h>

#ifndef DSRLB_INLINE
#define DSRLB_INLINE static inline __attribute__((always_inline))
#endif

DSRLB_INLINE __u32 dsrlb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One absorbing round: multiply-rotate-multiply, then fold into the state. */
DSRLB_INLINE __u32 dsrlb_hash_round(__u32 h, __u32 w)
{
	w *= 0xcc9e2d51u;
	w = dsrlb_rotl32(w, 15);
	w *= 0x1b873593u;
	h ^= w;
	h = dsrlb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* Final avalanche so that every input bit moves every output bit. */
DSRLB_INLINE __u32 dsrlb_hash_final(__u32 h, __u32 len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* IPv4 5-tuple: addresses and ports exactly as they sit in the packet. */
DSRLB_INLINE __u32 dsrlb_hash_v4(__u32 seed, __u32 saddr, __u32 daddr,
				 __u32 ports, __u8 proto)
{
	__u32 h = seed ^ proto;

	h = dsrlb_hash_round(h, saddr);
	h = dsrlb_hash_round(h, daddr);
	h = dsrlb_hash_round(h, ports);
	return dsrlb_hash_final(h, 12);
}

/* IPv6 5-tuple; s and d point at the 4 words of each address. */
DSRLB_INLINE __u32 dsrlb_hash_v6(__u32 seed, const __u32 *s, const __u32 *d,
				 __u32 ports, __u8 proto)
{
	__u32 h = seed ^ proto;

	h = dsrlb_hash_round(h, s[0]);
	h = dsrlb_hash_round(h, s[1]);
	h = dsrlb_hash_round(h, s[2]);
	h = dsrlb_hash_round(h, s[3]);
	h = dsrlb_hash_round(h, d[0]);
	h = dsrlb_hash_round(h, d[1]);
	h = dsrlb_hash_round(h, d[2]);
	h = dsrlb_hash_round(h, d[3]);
	h = dsrlb_hash_round(h, ports);
	return dsrlb_hash_final(h, 36);
}

/*
 * The flow hash of issue 16: 64 bits of the 5-tuple in one pass (two
 * multiplies a 64-bit word, then a finalizer), under the deployment's seed.
 * Its high half is the slot hash of maglev, rr's and lc's starting point;
 * the whole, with the VIP id mixed in, is the flow table's key.
 */
DSRLB_INLINE __u64 dsrlb_rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

DSRLB_INLINE __u64 dsrlb_mix64(__u64 h, __u64 w)
{
	h ^= w * 0x87c37b91114253d5ull;
	return dsrlb_rotl64(h, 29) * 0x4cf5ad432745937full;
}

DSRLB_INLINE __u64 dsrlb_fmix64(__u64 k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	return k ^ (k >> 33);
}

DSRLB_INLINE __u64 dsrlb_seed64(__u32 seed, __u8 proto)
{
	return ((__u64)seed << 32 | (seed ^ 0x9747b28cu)) ^ ((__u64)proto << 8) ^ 0x2545f4914f6cdd1dull;
}

/* IPv4: addresses and ports exactly as they sit in the packet. */
DSRLB_INLINE __u64 dsrlb_flow_hash_v4(__u32 seed, __u32 saddr, __u32 daddr, __u32 ports, __u8 proto)
{
	__u64 h = dsrlb_seed64(seed, proto);

	h = dsrlb_mix64(h, (__u64)saddr << 32 | daddr);
	h = dsrlb_mix64(h, (__u64)ports << 32 | 12);
	return dsrlb_fmix64(h);
}

/* IPv6; s and d point at the 4 words of each address. */
DSRLB_INLINE __u64 dsrlb_flow_hash_v6(__u32 seed, const __u32 *s, const __u32 *d, __u32 ports,
				      __u8 proto)
{
	__u64 h = dsrlb_seed64(seed, proto);

	h = dsrlb_mix64(h, (__u64)s[0] << 32 | s[1]);
	h = dsrlb_mix64(h, (__u64)s[2] << 32 | s[3]);
	h = dsrlb_mix64(h, (__u64)d[0] << 32 | d[1]);
	h = dsrlb_mix64(h, (__u64)d[2] << 32 | d[3]);
	h = dsrlb_mix64(h, (__u64)ports << 32 | 36);
	return dsrlb_fmix64(h);
}

/* The slot hash of a flow hash. */
DSRLB_INLINE __u32 dsrlb_slot_hash(__u64 h)
{
	return (__u32)(h >> 32);
}

/*
 * The flow table's key for a flow of hash h to VIP vip: a tuple that now
 * belongs to another VIP is another flow. Never 0 (an empty way). The
 * control plane gets the slot hash back with dsrlb_flow_key_hash; the bucket
 * is the low bits.
 */
DSRLB_INLINE __u64 dsrlb_flow_vipmix(__u32 vip)
{
	return ((__u64)vip + 1) * 0x9e3779b97f4a7c15ull;
}

DSRLB_INLINE __u64 dsrlb_flow_key64(__u64 h, __u32 vip)
{
	__u64 k = h ^ dsrlb_flow_vipmix(vip);

	return k ? k : 1;
}

DSRLB_INLINE __u32 dsrlb_flow_key_hash(__u64 key, __u32 vip)
{
	return dsrlb_slot_hash(key ^ dsrlb_flow_vipmix(vip));
}

/*
 * Home slot of a VIP index entry. The words are the address as it sits in the
 * packet (4 or 16 bytes) and {port, protocol, family}; no secret is needed:
 * only the operator chooses VIP addresses, so nobody can aim at a slot.
 */
DSRLB_INLINE __u32 dsrlb_index_hash(const __u32 *addr, int words, __u32 tail)
{
	/* multiply-xorshift: enough to spread addresses an operator picks */
	__u32 h = tail * 0x85ebca6bu;

	for (int i = 0; i < words; i++)
		h = (h ^ addr[i]) * 0x9e3779b1u;
	return h ^ (h >> 15);
}

/* The last word hashed: port (network order, as in the packet), protocol, family. */
DSRLB_INLINE __u32 dsrlb_index_tail(__u16 port_be, __u8 proto, __u8 family)
{
	return (__u32)port_be | ((__u32)proto << 16) | ((__u32)family << 24);
}

#endif /* DSRLB_HASH_H */
