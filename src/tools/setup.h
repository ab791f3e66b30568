/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dsrlb backend setup (run on a backend): see setup.c. */
#ifndef DSRLB_SETUP_H
#define DSRLB_SETUP_H

#include <stdbool.h>

#include "lib/addr.h"

struct setup_opts {
	const struct dsrlb_addr *vips;
	int nvips;
	const char *iface; /* the LAN interface; NULL: the default route's */
	const char *root;  /* prefix for every file written or read (tests); NULL: / */
	bool persist, undo;
};

/* Prints what it does; returns the exit status (0 done, 1 failed). */
int backend_setup(const struct setup_opts *o);

#endif
