// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* http: GET path answers with expect_status (the status line is all that is read). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "health/check.h"

static int http_start(struct check *k)
{
	char req[400], host[ADDR_STRLEN];
	bool v6 = check_dest(k)->family == DSRLB_AF_INET6;
	int n;

	addr_str(check_dest(k), host, sizeof(host));
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: dsrlb-health-check\r\nConnection: close\r\n\r\n",
		     k->t.check.path, v6 ? "[" : "", host, v6 ? "]" : "");
	return check_send(k, req, (size_t)n) ? check_fail(k, "cannot send the request") : 0;
}

static int http_answer(struct check *k, int eof)
{
	char *eol = strstr(k->buf, "\r\n");
	int status = 0;

	if (!eol && !eof && k->len < sizeof(k->buf) - 1)
		return 0;
	if (sscanf(k->buf, "HTTP/%*d.%*d %d", &status) != 1)
		return check_fail(k, "%s", eof && !k->len ? "the connection closed without an HTTP answer" :
						       "the answer is not HTTP");
	if (status != k->t.check.expect_status)
		return check_fail(k, "HTTP status %d, expected %d", status, k->t.check.expect_status);
	return 1;
}

const struct check_ops check_http = { .sock_type = SOCK_STREAM, .start = http_start,
				      .answer = http_answer };
