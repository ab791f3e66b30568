// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * VIP-true probes: the steering program on lo's egress (bpf/hc.bpf.c) gives a
 * marked probe its backend's MAC and sends it out of the interface; and, for
 * IPv4, accept_local on the interface, because the replies come from the VIP,
 * one of our own addresses, which the kernel drops as martian otherwise.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/check.h"
#include "hc.skel.h"
#include "lib/log.h"
#include "net/sysctl.h"

struct steer {
	char iface[IF_NAMESIZE];
	uint32_t tc_handle;
	struct hc_bpf *skel;
	bool accept_local_set;
	char accept_local_prev[8];
};

static int accept_local(struct steer *s, char *err, size_t errlen)
{
	char name[96];
	int r;

	snprintf(name, sizeof(name), "net.ipv4.conf.%s.accept_local", s->iface);
	r = sysctl_get(name, s->accept_local_prev, sizeof(s->accept_local_prev));
	r = r ?: sysctl_set(name, "1");
	if (r) {
		snprintf(err, errlen, "cannot set %s=1 (health-check replies come from the VIP): %s", name,
			 strerror(-r));
		return r;
	}
	s->accept_local_set = true;
	if (strcmp(s->accept_local_prev, "1"))
		log_info("health checks: net.ipv4.conf.%s.accept_local=1 (replies to VIP probes come from the VIP, an address of ours); restored at exit",
			 s->iface);
	return 0;
}

int steer_start(struct steer **out, const char *iface, int ifindex, const uint8_t ifmac[6],
		int backends_fd, uint32_t tc_handle, uint32_t mark_base, bool v4, char *err,
		size_t errlen)
{
	struct steer *s = *out;
	struct hc_bpf *skel;
	int r;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		snprintf(s->iface, sizeof(s->iface), "%s", iface);
		s->tc_handle = tc_handle;
		*out = s;
	}
	if (v4 && !s->accept_local_set && (r = accept_local(s, err, errlen)))
		return r;
	if (s->skel)
		return 0;
	skel = hc_bpf__open();
	if (!skel) {
		r = -errno;
		goto fail;
	}
	skel->rodata->hc_knobs.ifindex = (uint32_t)ifindex;
	skel->rodata->hc_knobs.mark_base = mark_base;
	memcpy((void *)skel->rodata->hc_knobs.ifmac, ifmac, 6);
	r = bpf_map__reuse_fd(skel->maps.backends, backends_fd);
	r = r ?: hc_bpf__load(skel);
	if (r)
		goto fail;
	{
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tc_handle, .priority = tc_handle,
				    .prog_fd = bpf_program__fd(skel->progs.dsrlb_hc),
				    .flags = BPF_TC_F_REPLACE);

		r = bpf_tc_hook_create(&hook);
		if (r && r != -EEXIST)
			goto fail;
		r = bpf_tc_attach(&hook, &opts);
		if (r)
			goto fail;
	}
	s->skel = skel;
	log_info("health checks: probes to VIP:port leave %s for the backend's MAC (tc egress filter on lo, handle 0x%x)",
		 iface, tc_handle);
	return 0;
fail:
	snprintf(err, errlen, "cannot start VIP health probes (tc program on lo): %s", strerror(-r));
	hc_bpf__destroy(skel);
	return r;
}

void steer_stop(struct steer *s)
{
	char name[96];

	if (!s)
		return;
	if (s->skel) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
				    .attach_point = BPF_TC_EGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = s->tc_handle,
				    .priority = s->tc_handle);

		bpf_tc_detach(&hook, &opts);
		hc_bpf__destroy(s->skel);
	}
	if (s->accept_local_set && strcmp(s->accept_local_prev, "1")) {
		snprintf(name, sizeof(name), "net.ipv4.conf.%s.accept_local", s->iface);
		sysctl_set(name, s->accept_local_prev);
	}
	free(s);
}
