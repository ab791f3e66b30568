// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/neigh.h"

/* Entry states whose lladdr may be used (the kernel's NUD_VALID). */
#define USABLE_STATES                                                                  \
	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)

struct lookup_res {
	int found;
	uint16_t state;
	int has_mac;
	uint8_t mac[6];
};

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
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NDA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lookup_res *res = data;
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(*ndm), parse_attr, tb);
	res->found = 1;
	res->state = ndm->ndm_state;
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		static const uint8_t zero[6];

		memcpy(res->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
		res->has_mac = memcmp(res->mac, zero, 6) != 0;
	}
	return MNL_CB_OK;
}

/* One request, one answer (or an ack): returns 0 or -errno from the kernel. */
static int talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid, seq;
	int ret;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	seq = nlh->nlmsg_seq = (unsigned int)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, n, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			goto out;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
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
	mnl_attr_put(nlh, NDA_DST, alen_of(a), a->bytes);
	return nlh;
}

int neigh_lookup(int ifindex, const struct dsrlb_addr *a, uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct lookup_res res = {};
	struct nlmsghdr *nlh = neigh_msg(buf, RTM_GETNEIGH, NLM_F_ACK, ifindex, a);
	int ret = talk(nlh, lookup_cb, &res);

	if (ret == -ENOENT || (!ret && !res.found))
		return -ENOENT;
	if (ret)
		return ret;
	if (!(res.state & USABLE_STATES) || !res.has_mac)
		return -EAGAIN;
	memcpy(mac, res.mac, 6);
	return 0;
}

int neigh_request(int ifindex, const struct dsrlb_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = neigh_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ifindex, a);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	ret = talk(nlh, NULL, NULL);
	if (!ret)
		return 1;
	if (ret != -EEXIST)
		return ret;
	/*
	 * An entry exists but is not usable (incomplete or failed). Replace it
	 * with a managed one, so the kernel keeps retrying on our behalf.
	 */
	nlh = neigh_msg(buf, RTM_NEWNEIGH, NLM_F_REPLACE | NLM_F_ACK, ifindex, a);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	ret = talk(nlh, NULL, NULL);
	return ret ? ret : 1;
}

int neigh_forget(int ifindex, const struct dsrlb_addr *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = neigh_msg(buf, RTM_DELNEIGH, NLM_F_ACK, ifindex, a);

	return talk(nlh, NULL, NULL);
}

int neigh_resolve(int ifindex, const struct dsrlb_addr *a, int timeout_ms, uint8_t mac[6],
		  bool *created)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	int waited = 0, ret;

	*created = false;
	ret = neigh_lookup(ifindex, a, mac);
	if (ret != -ENOENT && ret != -EAGAIN)
		return ret;
	ret = neigh_request(ifindex, a);
	if (ret < 0)
		return ret;
	*created = ret == 1;
	for (;;) {
		ret = neigh_lookup(ifindex, a, mac);
		if (ret != -ENOENT && ret != -EAGAIN)
			return ret;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&step, NULL);
		waited += 50;
	}
}

/* ---- following the table ------------------------------------------------ */

struct neigh_watch {
	struct mnl_socket *nl;
};

int neigh_watch_open(struct neigh_watch **out)
{
	struct neigh_watch *w = calloc(1, sizeof(*w));
	int fl;

	if (!w)
		return -ENOMEM;
	w->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!w->nl || mnl_socket_bind(w->nl, RTMGRP_NEIGH, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		if (w->nl)
			mnl_socket_close(w->nl);
		free(w);
		return r;
	}
	fl = fcntl(mnl_socket_get_fd(w->nl), F_GETFL);
	fcntl(mnl_socket_get_fd(w->nl), F_SETFL, fl | O_NONBLOCK);
	*out = w;
	return 0;
}

int neigh_watch_fd(const struct neigh_watch *w)
{
	return mnl_socket_get_fd(w->nl);
}

void neigh_watch_close(struct neigh_watch *w)
{
	if (!w)
		return;
	mnl_socket_close(w->nl);
	free(w);
}

struct watch_ctx {
	neigh_event_cb cb;
	void *data;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch_ctx *ctx = data;
	struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NDA_MAX + 1] = {};
	struct neigh_event ev = {};
	static const uint8_t zero[6];

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
	memcpy(ev.addr.bytes, mnl_attr_get_payload(tb[NDA_DST]), alen_of(&ev.addr));
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

int neigh_watch_read(struct neigh_watch *w, neigh_event_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct watch_ctx ctx = { cb, data };
	int n = 0;

	for (;;) {
		ssize_t k = mnl_socket_recvfrom(w->nl, buf, sizeof(buf));

		if (k < 0)
			return errno == EAGAIN ? n : -errno; /* ENOBUFS: events were lost */
		mnl_cb_run(buf, k, 0, 0, event_cb, &ctx);
		n++;
	}
}

/*
 * One ARP request (broadcast) or neighbour solicitation (solicited-node
 * multicast) for a, from src. The answer goes to the kernel, which updates
 * its entry; the watch sees that. A MAC that changed is found within one
 * period, where the kernel's own probing would wait for the entry to go stale.
 */
int neigh_probe(int ifindex, const uint8_t ifmac[6], const struct dsrlb_addr *src,
		const struct dsrlb_addr *a)
{
	int fd, r = 0;

	if (a->family == DSRLB_AF_INET) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
					   .sll_ifindex = ifindex, .sll_halen = 6 };
		uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 }; /* Ethernet, IPv4, request */

		memcpy(arp + 8, ifmac, 6);
		memcpy(arp + 14, src->bytes, 4);
		memcpy(arp + 24, a->bytes, 4);
		memset(sll.sll_addr, 0xff, 6);
		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
		if (fd < 0)
			return -errno;
		if (sendto(fd, arp, sizeof(arp), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			r = -errno;
		close(fd);
		return r;
	}
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	uint8_t ns[32] = { 135 }; /* type NS; the kernel fills the checksum */
	int hops = 255;

	(void)src;
	memcpy(ns + 8, a->bytes, 16);
	ns[24] = 1; /* source link-layer address option, 8 bytes */
	ns[25] = 1;
	memcpy(ns + 26, ifmac, 6);
	/* ff02::1:ffXX:XXXX, the solicited-node group of a */
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };

	memcpy(dst.sin6_addr.s6_addr, snm, 13);
	memcpy(dst.sin6_addr.s6_addr + 13, a->bytes + 13, 3);
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	if (sendto(fd, ns, sizeof(ns), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		r = -errno;
	close(fd);
	return r;
}
