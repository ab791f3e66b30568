// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "net/rtnl.h"

static int talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *ctx)
{
	return nl ? nl_talk(nl, nlh, cb, ctx) : nl_once(nlh, cb, ctx);
}

static int af(const struct dsrlb_addr *a)
{
	return a->family == DSRLB_AF_INET ? AF_INET : AF_INET6;
}

static int alen(const struct dsrlb_addr *a)
{
	return a->family == DSRLB_AF_INET ? 4 : 16;
}

int rtnl_lo_addr(struct nl *nl, bool add, const struct dsrlb_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)af(a);
	ifa->ifa_prefixlen = (uint8_t)(alen(a) * 8);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = if_nametoindex("lo");
	if (a->family == DSRLB_AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, (size_t)alen(a), a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, (size_t)alen(a), a->bytes);
	return talk(nl, nlh, NULL, NULL);
}

static struct nlmsghdr *route_msg(char *buf, int type, int flags, int family, uint32_t table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTNL_PROTO_DSRLB;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	if (table)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nlh;
}

int rtnl_route(struct nl *nl, bool add, const struct dsrlb_addr *a, uint32_t table)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = route_msg(buf, add ? RTM_NEWROUTE : RTM_DELROUTE,
					 NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0), af(a),
					 table);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_dst_len = (uint8_t)(alen(a) * 8);
	mnl_attr_put(nlh, RTA_DST, (size_t)alen(a), a->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, if_nametoindex("lo"));
	return talk(nl, nlh, NULL, NULL);
}

struct walk_ctx {
	uint32_t table;
	void (*cb)(const struct dsrlb_addr *a, void *ctx);
	void *ctx;
};

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct walk_ctx *w = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;
	struct dsrlb_addr a = { .family = rtm->rtm_family == AF_INET ? DSRLB_AF_INET : DSRLB_AF_INET6 };
	uint32_t table = rtm->rtm_table;
	bool dst = false;

	if (rtm->rtm_protocol != RTNL_PROTO_DSRLB ||
	    rtm->rtm_dst_len != (rtm->rtm_family == AF_INET ? 32 : 128))
		return MNL_CB_OK;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(at) == RTA_TABLE)
			table = mnl_attr_get_u32(at);
		if (mnl_attr_get_type(at) == RTA_DST &&
		    mnl_attr_get_payload_len(at) == (uint16_t)(a.family == DSRLB_AF_INET ? 4 : 16)) {
			memcpy(a.bytes, mnl_attr_get_payload(at), mnl_attr_get_payload_len(at));
			dst = true;
		}
	}
	if (dst && table == w->table)
		w->cb(&a, w->ctx);
	return MNL_CB_OK;
}

int rtnl_routes(struct nl *nl, uint32_t table, void (*cb)(const struct dsrlb_addr *a, void *ctx),
		void *ctx)
{
	struct walk_ctx w = { table, cb, ctx };
	int r = 0;

	for (int f = 0; f < 2 && !r; f++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = route_msg(buf, RTM_GETROUTE, NLM_F_DUMP, f ? AF_INET6 : AF_INET,
						 0);

		r = talk(nl, nlh, on_route, &w);
	}
	return r;
}
