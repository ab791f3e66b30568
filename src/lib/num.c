// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/num.h"

static int fail(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
	return -EINVAL;
}

int num_uint(const char *s, uint64_t min, uint64_t max, bool hex_ok, uint64_t *out,
	     char *why, size_t whylen)
{
	uint64_t v = 0;
	int base = 10;
	const char *p = s;

	if (!s || !*s)
		return fail(why, whylen, "is empty");
	if (hex_ok && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return fail(why, whylen, "has no digits after 0x");
	} else if (p[0] == '0' && p[1]) {
		return fail(why, whylen, "has a leading zero (write it in decimal without one)");
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'))
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			return fail(why, whylen, base == 16 ? "is not a hex number" :
					hex_ok ? "is not a number (decimal, or hex as 0x...)" :
						 "is not a decimal number");
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return fail(why, whylen, "is too large");
		v = v * (uint64_t)base + d;
	}
	if (v < min || v > max) {
		char m[96];

		snprintf(m, sizeof(m), "is out of range (%llu to %llu)", (unsigned long long)min,
			 (unsigned long long)max);
		return fail(why, whylen, m);
	}
	*out = v;
	return 0;
}

int num_seconds(const char *s, uint32_t min_ms, uint32_t max_ms, uint32_t *out_ms, char *why,
		size_t whylen)
{
	uint64_t whole = 0, frac = 0;
	int fd = 0;
	const char *p = s;

	if (!s || !*s)
		return fail(why, whylen, "is empty");
	if (*p == '.')
		return fail(why, whylen, "needs a digit before the point (0.5, not .5)");
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 100000000)
			return fail(why, whylen, "is too large");
	}
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return fail(why, whylen, "needs a digit after the point");
		for (; *p >= '0' && *p <= '9'; p++, fd++) {
			if (fd == 3)
				return fail(why, whylen, "has more than 3 decimals (milliseconds)");
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		while (fd++ < 3)
			frac *= 10;
	}
	if (*p)
		return fail(why, whylen, "is not a number of seconds (like 2 or 0.5)");
	uint64_t ms = whole * 1000 + frac;

	if (ms < min_ms || ms > max_ms) {
		char m[96];

		snprintf(m, sizeof(m), "is out of range (%g to %g seconds)", min_ms / 1000.0,
			 max_ms / 1000.0);
		return fail(why, whylen, m);
	}
	*out_ms = (uint32_t)ms;
	return 0;
}

int num_bytes(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
	static const char units[] = "KMGT";
	char digits[32];
	size_t n = s ? strlen(s) : 0;
	uint64_t v, mul = 1;
	const char *u;

	if (!n || n >= sizeof(digits))
		return fail(why, whylen, n ? "is too long" : "is empty");
	memcpy(digits, s, n + 1);
	u = strchr(units, digits[n - 1] & ~0x20);
	if (digits[n - 1] && u && (digits[n - 1] | 0x20) >= 'a') {
		for (const char *p = units; p <= u; p++)
			mul *= 1024;
		digits[--n] = 0;
	}
	if (num_uint(digits, 0, UINT64_MAX / mul, false, &v, why, whylen))
		return -EINVAL;
	v *= mul;
	if (v < min || v > max) {
		char m[96];

		snprintf(m, sizeof(m), "is out of range (%lluM to %lluM)",
			 (unsigned long long)(min >> 20), (unsigned long long)(max >> 20));
		return fail(why, whylen, m);
	}
	*out = v;
	return 0;
}

int num_arg(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char why[128];

	if (!num_uint(s, min, max, false, out, why, sizeof(why)))
		return 0;
	log_errx("%s '%s' %s", what, s, why);
	return -EINVAL;
}
