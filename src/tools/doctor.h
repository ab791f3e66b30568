/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dsrlb doctor (run on the balancer): see doctor.c. */
#ifndef DSRLB_DOCTOR_H
#define DSRLB_DOCTOR_H

#include "config/config.h"

/* Prints one line per VIP and backend, with the fix for each problem; 0 if none, 1 if any. */
int doctor_run(const struct cfg *c);

#endif
