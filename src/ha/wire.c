// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Sync's wire format, and its key (see wire.h): nothing here touches a socket. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ha/wire.h"

void wire_put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

void wire_put32(unsigned char *p, uint32_t v)
{
	wire_put16(p, v >> 16);
	wire_put16(p + 2, v);
}

void wire_put64(unsigned char *p, uint64_t v)
{
	wire_put32(p, v >> 32);
	wire_put32(p + 4, v);
}

uint16_t wire_get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t wire_get32(const unsigned char *p)
{
	return (uint32_t)wire_get16(p) << 16 | wire_get16(p + 2);
}

uint64_t wire_get64(const unsigned char *p)
{
	return (uint64_t)wire_get32(p) << 32 | wire_get32(p + 4);
}

void wire_flow_put(unsigned char *p, const struct sync_flow *f)
{
	memcpy(p, f->key.saddr, 16);
	memcpy(p + 16, f->key.daddr, 16);
	memcpy(p + 32, &f->key.ports, 4); /* as in the packet */
	p[36] = f->key.proto;
	p[37] = f->key.family;
	p[38] = p[39] = 0;
	p[40] = f->backend.family;
	p[41] = 0;
	wire_put16(p + 42, f->idle);
	memcpy(p + 44, f->backend.bytes, 16);
}

static bool family_ok(uint8_t f)
{
	return f == DSRLB_AF_INET || f == DSRLB_AF_INET6;
}

bool wire_flow_get(const unsigned char *p, struct sync_flow *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->key.saddr, p, 16);
	memcpy(f->key.daddr, p + 16, 16);
	memcpy(&f->key.ports, p + 32, 4);
	f->key.proto = p[36];
	f->key.family = p[37];
	f->backend.family = p[40];
	f->idle = wire_get16(p + 42);
	memcpy(f->backend.bytes, p + 44, 16);
	if (p[38] || p[39] || p[41] || !family_ok(f->key.family) || f->backend.family != f->key.family ||
	    (f->key.proto != IPPROTO_TCP && f->key.proto != IPPROTO_UDP))
		return false;
	/* an IPv4 address is 4 bytes, the rest zero, as in the flow table's keys */
	if (f->key.family == DSRLB_AF_INET)
		for (int i = 4; i < 16; i++)
			if (f->key.saddr[i] || f->key.daddr[i] || f->backend.bytes[i])
				return false;
	return true;
}

/* Sizes each type must have: entries of count, or a fixed body. */
bool wire_shape_ok(int type, uint16_t count, size_t body)
{
	switch (type) {
	case T_HELLO:
		return !count && body == HELLO_BODY;
	case T_FLOWS:
		return count && count <= FLOWS_PER_MSG && body == (size_t)count * FLOW_WIRE;
	case T_FPLIST:
		return count <= FPS_PER_MSG && body == (size_t)count * FP_WIRE;
	case T_REQUEST:
	case T_END:
	case T_FPREQ:
		return !count && !body;
	}
	return false;
}

/* The deployment's secret: a regular file only root can read, 16 bytes or more. */
int wire_secret(const char *path, unsigned char key[WIRE_KEY], char *err, size_t errlen)
{
	unsigned char raw[4096];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "sync secret_file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 077)) {
		snprintf(err, errlen, "sync secret_file %s must be a regular file owned by root with mode 0600 (chmod 600 %s)",
			 path, path);
		close(fd);
		return -EPERM;
	}
	n = read(fd, raw, sizeof(raw));
	close(fd);
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r'))
		n--;
	if (n < 16) {
		snprintf(err, errlen, "sync secret_file %s holds fewer than 16 bytes (e.g. head -c 32 /dev/urandom | base64 > %s)",
			 path, path);
		sodium_memzero(raw, sizeof(raw));
		return -EINVAL;
	}
	crypto_hash_sha256(key, raw, (unsigned long long)n);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

