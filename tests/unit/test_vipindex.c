// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The VIP index: every entry is found within the probe limit, even full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "check.h"
#include "dataplane/vipindex.h"

static struct dsrlb_vip_slot table[VIPINDEX_TABLE_SLOTS];
static struct dsrlb_vip_slot e[2 * DSRLB_MAX_VIPS];

static void mk(struct dsrlb_vip_slot *s, int v6, uint32_t i, uint16_t port, uint8_t proto)
{
	memset(s, 0, sizeof(*s));
	s->family = v6 ? DSRLB_AF_INET6 : DSRLB_AF_INET;
	if (v6) {
		s->addr[0] = 0x20;
		s->addr[1] = 0x01;
		s->addr[3] = 0x02;
		memcpy(s->addr + 12, &i, 4);
	} else {
		s->addr[0] = 198;
		s->addr[1] = 18;
		s->addr[2] = (uint8_t)(i >> 8);
		s->addr[3] = (uint8_t)i;
	}
	s->port = port;
	s->proto = proto;
	s->vip[0] = i;
}

int main(void)
{
	int n = 0, missing = 0, wrong = 0;

	/* The most the data plane holds: as many addresses as VIP ids, each
	 * also with a port entry, half IPv4 and half IPv6. */
	for (uint32_t i = 0; i < DSRLB_MAX_VIPS; i++) {
		mk(&e[n++], i & 1, i, 0, 0);
		mk(&e[n++], i & 1, i, htons(80), 6);
	}
	CHECK(vipindex_place(e, n, table) == 0,
	      "%d entries (%d addresses and as many ports) fit within %d probes", n,
	      DSRLB_MAX_VIPS, DSRLB_VIP_INDEX_PROBES);
	for (int k = 0; k < n; k++) {
		int s = vipindex_find(table, &e[k]);

		if (s < 0)
			missing++;
		else if (table[s].vip[0] != e[k].vip[0])
			wrong++;
	}
	CHECK(!missing && !wrong, "every entry is found, with its own value (%d missing, %d wrong)",
	      missing, wrong);
	{
		struct dsrlb_vip_slot k;

		mk(&k, 0, 7, 0, 0);
		k.addr[1] = 19; /* 198.19.0.7: never added */
		CHECK(vipindex_find(table, &k) < 0, "an address that is not a VIP is not found");
		mk(&k, 0, 5, htons(81), 6);
		CHECK(vipindex_find(table, &k) < 0, "another port of a VIP address is not found");
		mk(&k, 0, 4, htons(80), 17);
		CHECK(vipindex_find(table, &k) < 0, "another protocol on a VIP port is not found");
	}
	e[1] = e[0];
	CHECK(vipindex_place(e, 2, table) == -EEXIST, "a duplicate key is refused");
	memset(&e[0], 0, sizeof(e[0]));
	CHECK(vipindex_place(e, 1, table) == -EINVAL, "an entry without a family is refused");
	/* Entries that all want one home slot overflow the probe limit. */
	{
		int m = 0;

		for (uint32_t i = 0; m <= DSRLB_VIP_INDEX_PROBES && i < 10000000; i++) {
			struct dsrlb_vip_slot s;

			mk(&s, 1, i, 0, 0);
			if (vipindex_home(&s) == 0)
				e[m++] = s;
		}
		CHECK(vipindex_place(e, m, table) == -ENOSPC,
		      "%d entries with one home slot: -ENOSPC, never a silent miss", m);
	}
	return check_done();
}
