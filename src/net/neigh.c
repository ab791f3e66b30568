// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/neigh.h"
#include "net/netlink.h"

/* Entry states whose lladdr may be used (the kernel's NUD_VALID). */
#define USABLE_STATES                                                                  \
	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

struct neigh {
	int ifindex;
	uint8_t ifmac[6];
	struct nl *req, *watch;
	int arp_fd, ns_fd; /* probe sockets, opened on first use */
};

int neigh_open(struct neigh **out, int ifindex, const uint8_t ifmac[6])
{
	struct neigh *n = calloc(1, sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	n->ifindex = ifindex;
	memcpy(n->ifmac, ifmac, 6);
	n->arp_fd = n->ns_fd = -1;
	r = nl_open(&n->req, 0);
	r = r ?: nl_open(&n->watch, RTMGRP_NEIGH);
	if (r) {
		neigh_close(n);
		return r;
	}
	*out = n;
	return 0;
}

void neigh_close(struct neigh *n)
{
	if (!n)
		return;
	nl_close(n->req);
	nl_close(n->watch);
	if (n->arp_fd >= 0)
		close(n->arp_fd);
	if (n->ns_fd >= 0)
		close(n->ns_fd);
	free(n);
}

static int af_of(const struct dsrlb_addr *a)
{
	return a->family == DSRLB_AF_INET ? AF_INET : AF_INET6;
}

static int alen_of(const struct dsrlb_addr *a)
{
	return a->family == DSRLB_AF_INET ? 4 : 16;
}

static int parse_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NDA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

struct lookup_res {
	int found, has_mac;
	uint16_t state;
	uint8_t mac[6];
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t zero[6];
	struct lookup_res *res = data;
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(*ndm), parse_attr, tb);
	res->found = 1;
	res->state = ndm->ndm_state;
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		memcpy(res->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		res->has_mac = memcmp(res->mac, zero, 6) != 0;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *neigh_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
				  const struct dsrlb_addr *a)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)af_of(a);
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, (size_t)alen_of(a), a->bytes);
	return nlh;
}

int neigh_lookup(struct neigh *n, const struct dsrlb_addr *a, uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct lookup_res res = {};
	struct nlmsghdr *nlh = neigh_msg(buf, RTM_GETNEIGH, NLM_F_ACK, n->ifindex, a);
	int ret = nl_talk(n->req, nlh, lookup_cb, &res);

	if (ret == -ENOENT || (!ret && !res.found))
		return -ENOENT;
	if (ret)
		return ret;
	if (!(res.state & USABLE_STATES) || !res.has_mac)
		return -EAGAIN;
	memcpy(mac, res.mac, 6);
	return 0;
}

int neigh_request(struct neigh *n, const struct dsrlb_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = neigh_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, n->ifindex, a);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	ret = nl_talk(n->req, nlh, NULL, NULL);
	if (!ret)
		return 1;
	if (ret != -EEXIST)
		return ret;
	/*
	 * An entry exists but is not usable (incomplete or failed). Replace it
	 * with a managed one, so the kernel keeps retrying on our behalf.
	 */
	nlh = neigh_msg(buf, RTM_NEWNEIGH, NLM_F_REPLACE | NLM_F_ACK, n->ifindex, a);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	ret = nl_talk(n->req, nlh, NULL, NULL);
	return ret ? ret : 1;
}

int neigh_forget(struct neigh *n, const struct dsrlb_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(n->req, neigh_msg(buf, RTM_DELNEIGH, NLM_F_ACK, n->ifindex, a), NULL, NULL);
}

int neigh_resolve(struct neigh *n, const struct dsrlb_addr *a, int timeout_ms, uint8_t mac[6],
		  bool *created)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	int waited = 0, ret;

	*created = false;
	ret = neigh_lookup(n, a, mac);
	if (ret != -ENOENT && ret != -EAGAIN)
		return ret;
	ret = neigh_request(n, a);
	if (ret < 0)
		return ret;
	*created = ret == 1;
	for (;;) {
		ret = neigh_lookup(n, a, mac);
		if (ret != -ENOENT && ret != -EAGAIN)
			return ret;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&step, NULL);
		waited += 50;
	}
}

int neigh_watch_fd(const struct neigh *n)
{
	return nl_fd(n->watch);
}

struct watch_ctx {
	neigh_event_cb cb;
	void *data;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	static const uint8_t zero[6];
	struct watch_ctx *ctx = data;
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {};
	struct neigh_event ev = {};

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return MNL_CB_OK;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ndm), parse_attr, tb);
	if (!tb[NDA_DST])
		return MNL_CB_OK;
	ev.addr.family = ndm->ndm_family == AF_INET ? DSRLB_AF_INET : DSRLB_AF_INET6;
	if (mnl_attr_get_payload_len(tb[NDA_DST]) != (uint16_t)alen_of(&ev.addr))
		return MNL_CB_OK;
	memcpy(ev.addr.bytes, mnl_attr_get_payload(tb[NDA_DST]), (size_t)alen_of(&ev.addr));
	ev.ifindex = ndm->ndm_ifindex;
	ev.deleted = nlh->nlmsg_type == RTM_DELNEIGH;
	ev.failed = !ev.deleted && (ndm->ndm_state & NUD_FAILED);
	if (!ev.deleted && (ndm->ndm_state & USABLE_STATES) && tb[NDA_LLADDR] &&
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		memcpy(ev.mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		ev.has_mac = memcmp(ev.mac, zero, 6) != 0;
	}
	ctx->cb(&ev, ctx->data);
	return MNL_CB_OK;
}

int neigh_watch_read(struct neigh *n, neigh_event_cb cb, void *data)
{
	struct watch_ctx ctx = { cb, data };

	return nl_events(n->watch, event_cb, &ctx);
}

/*
 * One ARP request (broadcast) or neighbour solicitation (solicited-node
 * multicast) for a, from src. The answer goes to the kernel, which updates
 * its entry; the watch sees that. A MAC that changed is found within one
 * period, where the kernel's own probing would wait for the entry to go stale.
 */
int neigh_probe(struct neigh *n, const struct dsrlb_addr *src, const struct dsrlb_addr *a)
{
	if (a->family == DSRLB_AF_INET) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
					   .sll_ifindex = n->ifindex, .sll_halen = 6 };
		uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 }; /* Ethernet, IPv4, request */

		if (!src->family)
			return -EADDRNOTAVAIL;
		memcpy(arp + 8, n->ifmac, 6);
		memcpy(arp + 14, src->bytes, 4);
		memcpy(arp + 24, a->bytes, 4);
		memset(sll.sll_addr, 0xff, 6);
		if (n->arp_fd < 0)
			n->arp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
					   htons(ETH_P_ARP));
		if (n->arp_fd < 0)
			return -errno;
		return sendto(n->arp_fd, arp, sizeof(arp), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0 ?
			       -errno : 0;
	}
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)n->ifindex };
	uint8_t ns[32] = { 135 }; /* type NS; the kernel fills the checksum */
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	memcpy(ns + 8, a->bytes, 16);
	ns[24] = 1; /* source link-layer address option, 8 bytes */
	ns[25] = 1;
	memcpy(ns + 26, n->ifmac, 6);
	/* ff02::1:ffXX:XXXX, the solicited-node group of a */
	memcpy(dst.sin6_addr.s6_addr, snm, 13);
	memcpy(dst.sin6_addr.s6_addr + 13, a->bytes + 13, 3);
	if (n->ns_fd < 0) {
		int hops = 255;

		n->ns_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
		if (n->ns_fd < 0)
			return -errno;
		setsockopt(n->ns_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
		setsockopt(n->ns_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &n->ifindex, sizeof(n->ifindex));
	}
	return sendto(n->ns_fd, ns, sizeof(ns), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 ? -errno : 0;
}
