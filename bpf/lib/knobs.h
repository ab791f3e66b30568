/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The program's settings: read-only knobs the loader sets before load (the
 * verifier folds them as constants), and the run-time switches the daemon
 * flips through the skeleton's mmap of .bss.
 */
#ifndef DSRLB_BPF_KNOBS_H
#define DSRLB_BPF_KNOBS_H

#include "dsrlb_abi.h"

const volatile struct dsrlb_knobs knobs = {};

/*
 * Never read. clang emits only a forward declaration for a struct that
 * appears only in an inner map's definition, and the kernel then refuses the
 * map's BTF; one variable of the type puts the whole struct into BTF.
 */
const volatile struct dsrlb_vip_slot btf_anchor_vip_slot = {};

/*
 * dsrlb trace: set by the daemon while someone traces; records it could not
 * write for want of room in the ring.
 */
volatile __u32 trace_on;
__u64 trace_lost;

/*
 * Set by the daemon once the flow table's learned region holds a flow (one
 * learned from a peer, or adopted from an earlier daemon): until then a
 * miss does not look there, which saves a new UDP flow two random lines.
 */
volatile __u32 flows_learned;

#endif
