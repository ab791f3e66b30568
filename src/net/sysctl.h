/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Kernel settings by their sysctl name ("net.ipv4.conf.all.arp_ignore"), through /proc/sys. */
#ifndef DSRLB_SYSCTL_H
#define DSRLB_SYSCTL_H

#include <stddef.h>

/* The value without its newline. 0 or -errno. */
int sysctl_get(const char *name, char *val, size_t len);
int sysctl_set(const char *name, const char *val);

#endif
