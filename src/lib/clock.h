/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one clock of the control plane: CLOCK_MONOTONIC in milliseconds (timers,
 * probes, rates, hold-downs) and in nanoseconds (the data plane's trace
 * records carry bpf_ktime_get_ns(), which is the same clock).
 */
#ifndef DSRLB_CLOCK_H
#define DSRLB_CLOCK_H

#include <stdint.h>

uint64_t clock_ms(void);
uint64_t clock_ns(void);
/* CLOCK_MONOTONIC_COARSE in ns: the data plane's bpf_ktime_get_coarse_ns(), for flow ages. */
uint64_t clock_coarse_ns(void);
/* The calling thread's CPU time in ns (a syscall: ~0.2 us). */
uint64_t clock_thread_ns(void);
/* A monotonic time in ns as Unix seconds (wall clock), for records shown to people. */
double clock_wall(uint64_t mono_ns);
/* The wall clock in Unix milliseconds (sync messages carry it: peers keep NTP time). */
uint64_t clock_unix_ms(void);

#endif
