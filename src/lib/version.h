/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef DSRLB_VERSION_H
#define DSRLB_VERSION_H
#ifndef DSRLB_VERSION
#define DSRLB_VERSION "0.3.0"
#endif
#endif
