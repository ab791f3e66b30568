/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Backend id -> MAC and state. One definition for the data plane and the
 * health-check steering program, which is handed the data plane's map.
 */
#ifndef DSRLB_BACKENDS_MAP_H
#define DSRLB_BACKENDS_MAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dsrlb_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DSRLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct dsrlb_backend);
} backends SEC(".maps");

#endif
