/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the benchmark's BPF programs share: their knobs and how to read them. */
#ifndef DSRLB_BENCH_BPF_H
#define DSRLB_BENCH_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "bench_abi.h"

/*
 * Read knobs through volatile: a cast that drops it lets clang fold the
 * zero initialiser of const data into the code, and every MAC becomes 0.
 */
static __always_inline void copy_knob(__u8 *dst, const volatile __u8 *src, int n)
{
#pragma unroll
	for (int i = 0; i < 16; i++)
		if (i < n)
			dst[i] = src[i];
}

#endif
