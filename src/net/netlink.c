// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

#include "net/netlink.h"

struct nl {
	struct mnl_socket *s;
	unsigned portid, seq;
};

int nl_open(struct nl **out, unsigned groups)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int r;

	if (!nl)
		return -ENOMEM;
	nl->s = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->s || mnl_socket_bind(nl->s, groups, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		if (nl->s)
			mnl_socket_close(nl->s);
		free(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->s);
	nl->seq = 1;
	if (groups) {
		int fl = fcntl(mnl_socket_get_fd(nl->s), F_GETFL);

		fcntl(mnl_socket_get_fd(nl->s), F_SETFL, fl | O_NONBLOCK);
	}
	*out = nl;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->s);
	free(nl);
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->s);
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = nlh->nlmsg_seq = ++nl->seq;

	if (mnl_socket_sendto(nl->s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->s, buf, sizeof(buf));
		int r;

		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -errno : 0;
	}
}

int nl_events(struct nl *nl, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int n = 0;

	for (;;) {
		ssize_t k = mnl_socket_recvfrom(nl->s, buf, sizeof(buf));

		if (k < 0)
			return errno == EAGAIN ? n : -errno;
		mnl_cb_run(buf, (size_t)k, 0, 0, cb, data);
		n++;
	}
}

int nl_once(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct nl *nl;
	int r = nl_open(&nl, 0);

	if (r)
		return r;
	r = nl_talk(nl, nlh, cb, data);
	nl_close(nl);
	return r;
}
