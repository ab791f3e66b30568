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
	memset(p, 0, FLOW_WIRE);
	wire_put64(p, f->hash);
	memcpy(p + 8, f->vip.addr.bytes, 16);
	wire_put16(p + 24, f->vip.port);
	p[26] = (unsigned char)f->vip.protos;
	p[27] = f->vip.addr.family;
	p[29] = f->backend.family;
	wire_put16(p + 30, f->idle);
	memcpy(p + 32, f->backend.bytes, 16);
	wire_put32(p + 48, f->timeout);
}

static bool family_ok(uint8_t f)
{
	return f == DSRLB_AF_INET || f == DSRLB_AF_INET6;
}

bool wire_flow_get(const unsigned char *p, struct sync_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->hash = wire_get64(p);
	memcpy(f->vip.addr.bytes, p + 8, 16);
	f->vip.port = wire_get16(p + 24);
	f->vip.protos = p[26];
	f->vip.addr.family = p[27];
	f->backend.family = p[29];
	f->idle = wire_get16(p + 30);
	memcpy(f->backend.bytes, p + 32, 16);
	f->timeout = wire_get32(p + 48);
	for (int i = 52; i < FLOW_WIRE; i++)
		if (p[i])
			return false;
	if (p[28] || !family_ok(f->vip.addr.family) || f->backend.family != f->vip.addr.family ||
	    !f->vip.protos || (f->vip.protos & ~(unsigned)(VIP_PROTO_TCP | VIP_PROTO_UDP)) ||
	    !f->timeout || f->timeout > 86400)
		return false;
	/* an IPv4 address is 4 bytes, the rest zero */
	if (f->vip.addr.family == DSRLB_AF_INET)
		for (int i = 4; i < 16; i++)
			if (f->vip.addr.bytes[i] || f->backend.bytes[i])
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

