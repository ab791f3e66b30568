// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

bool sb_room(struct strbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);

		if (!s) {
			free(b->s);
			b->s = NULL;
			b->oom = true;
			return false;
		}
		b->s = s;
		b->cap = cap;
	}
	return true;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_put(struct strbuf *b, const char *s, size_t n)
{
	if (!sb_room(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sb_str(struct strbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_u64(struct strbuf *b, uint64_t v)
{
	char d[24];
	int n = 0;

	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_put(b, d + sizeof(d) - n, (size_t)n);
}

void sb_i64(struct strbuf *b, int64_t v)
{
	if (v < 0) {
		sb_put(b, "-", 1);
		sb_u64(b, (uint64_t)(-(v + 1)) + 1);
		return;
	}
	sb_u64(b, (uint64_t)v);
}

void sb_num(struct strbuf *b, double v)
{
	uint64_t m;

	if (!(v == v) || v > 1e15 || v < -1e15) {
		sb_put(b, "0", 1);
		return;
	}
	if (v < 0) {
		sb_put(b, "-", 1);
		v = -v;
	}
	m = (uint64_t)(v * 1000 + 0.5);
	sb_u64(b, m / 1000);
	if (m % 1000) {
		char f[4] = { (char)('0' + m / 100 % 10), (char)('0' + m / 10 % 10), (char)('0' + m % 10), 0 };
		int n = 3;

		while (n > 1 && f[n - 1] == '0')
			n--;
		sb_put(b, ".", 1);
		sb_put(b, f, (size_t)n);
	}
}

void sb_jstr(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_put(b, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			sb_put(b, e, 2);
		} else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			sb_put(b, e, 6);
		}
	}
	sb_put(b, run, (size_t)(s - run));
	sb_put(b, "\"", 1);
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}
