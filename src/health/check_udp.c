// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* udp: send payload; a reply (containing expect, if set) passes. */
#include <string.h>
#include <sys/socket.h>

#include "health/check.h"

static int udp_start(struct check *k)
{
	return check_send(k, k->t.check.payload, strlen(k->t.check.payload)) ?
		       check_fail(k, "cannot send the payload") : 0;
}

static int udp_answer(struct check *k, int eof)
{
	(void)eof;
	if (k->t.check.expect[0] && !strstr(k->buf, k->t.check.expect))
		return check_fail(k, "the reply does not contain '%s'", k->t.check.expect);
	return 1;
}

const struct check_ops check_udp = { .sock_type = SOCK_DGRAM, .start = udp_start,
				     .answer = udp_answer };
