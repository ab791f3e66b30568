// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/sysctl.h"

/* "net.ipv4.conf.all.arp_ignore" -> "/proc/sys/net/ipv4/conf/all/arp_ignore" */
static void sysctl_path(const char *name, char *path, size_t len)
{
	snprintf(path, len, "/proc/sys/%s", name);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
}

int sysctl_get(const char *name, char *val, size_t len)
{
	char path[160];
	ssize_t k;
	int fd;

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	k = read(fd, val, len - 1);
	close(fd);
	if (k < 0)
		return -errno;
	val[k] = 0;
	val[strcspn(val, "\n")] = 0;
	return 0;
}

int sysctl_set(const char *name, const char *val)
{
	char path[160];
	int fd, r = 0;

	sysctl_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		r = -errno;
	close(fd);
	return r;
}

