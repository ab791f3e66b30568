// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb backend setup: prepare a backend for L2 DSR, and undo it.
 *
 * Each VIP goes on lo (/32, /128 without DAD); arp_ignore=1 and
 * arp_announce=2 on "all" and the LAN interface, so the backend never answers
 * ARP for a VIP nor uses one as an ARP source. What it changes is recorded in
 * a state file (original sysctl values, addresses it added, files it wrote),
 * which is what --undo puts back. Running it again changes nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "tools/setup.h"
#include "config/write.h"
#include "net/netlink.h"
#include "net/rtnl.h"
#include "net/sysctl.h"

#define STATE_FILE "/var/lib/dsrlb/backend-setup.state"
#define SYSCTL_FILE "/etc/sysctl.d/99-dsr.conf"
#define UNIT_FILE "/etc/systemd/system/dsrlb-vips.service"
#define UNIT_LINK "/etc/systemd/system/multi-user.target.wants/dsrlb-vips.service"
#define MAX_ITEMS 256

struct state {
	char sysctl[MAX_ITEMS][96]; /* "net.ipv4.conf.all.arp_ignore" */
	char orig[MAX_ITEMS][16];   /* its value before we first changed it */
	int nsysctl;
	struct dsrlb_addr vip[MAX_ITEMS];
	bool added[MAX_ITEMS];      /* we put it on lo (else it was there already) */
	int nvip;
	char file[8][256];          /* files we wrote (paths without the root) */
	int nfile;
};

static void rooted(char *out, size_t len, const char *root, const char *path)
{
	snprintf(out, len, "%s%s", root ? root : "", path);
}

static int mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* The file written whole or not at all (config/write.c), its directories made first. */
static int write_atomic(const char *path, const char *text)
{
	char err[256];
	int r = mkdirs(path);

	return r ? r : file_write_atomic(path, text, err, sizeof(err));
}

static int state_load(const char *path, struct state *s)
{
	char line[400], a[96], b[300]; /* a: at most 95 characters (a sysctl name) */
	FILE *f = fopen(path, "r");

	memset(s, 0, sizeof(*s));
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "sysctl %95s %15s", a, b) == 2 && s->nsysctl < MAX_ITEMS) {
			snprintf(s->sysctl[s->nsysctl], sizeof(s->sysctl[0]), "%s", a);
			snprintf(s->orig[s->nsysctl++], sizeof(s->orig[0]), "%.15s", b);
		} else if (sscanf(line, "vip %63s %15s", a, b) == 2 && s->nvip < MAX_ITEMS) {
			if (addr_parse(a, &s->vip[s->nvip]))
				continue;
			s->added[s->nvip++] = !strcmp(b, "added");
		} else if (sscanf(line, "file %255s", b) == 1 && s->nfile < 8) {
			snprintf(s->file[s->nfile++], sizeof(s->file[0]), "%.255s", b);
		}
	}
	fclose(f);
	return 0;
}

static int state_save(const char *path, const struct state *s)
{
	char *buf = malloc(64 * 1024), a[ADDR_STRLEN];
	size_t off = 0;
	int r;

	if (!buf)
		return -ENOMEM;
	off += (size_t)snprintf(buf + off, 64 * 1024 - off,
				"# dsrlb backend setup: what it changed; dsrlb backend setup --undo reverts it\n");
	for (int i = 0; i < s->nsysctl; i++)
		off += (size_t)snprintf(buf + off, 64 * 1024 - off, "sysctl %s %s\n", s->sysctl[i],
					s->orig[i]);
	for (int i = 0; i < s->nvip; i++)
		off += (size_t)snprintf(buf + off, 64 * 1024 - off, "vip %s %s\n",
					addr_str(&s->vip[i], a, sizeof(a)),
					s->added[i] ? "added" : "present");
	for (int i = 0; i < s->nfile; i++)
		off += (size_t)snprintf(buf + off, 64 * 1024 - off, "file %s\n", s->file[i]);
	r = write_atomic(path, buf);
	free(buf);
	return r;
}

/* The interface of the IPv4 default route (/proc/net/route), for the LAN. */
static int default_iface(char *out, size_t len)
{
	char line[256], name[IF_NAMESIZE];
	unsigned long dst, mask;
	FILE *f = fopen("/proc/net/route", "r");
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%15s %lx %*x %*x %*d %*d %*d %lx", name, &dst, &mask) == 3 &&
		    !dst && !mask) {
			snprintf(out, len, "%s", name);
			found = 1;
		}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static void remember_sysctl(struct state *s, const char *name)
{
	char v[16];

	for (int i = 0; i < s->nsysctl; i++)
		if (!strcmp(s->sysctl[i], name))
			return; /* the first original is the one to restore */
	if (sysctl_get(name, v, sizeof(v)) || s->nsysctl == MAX_ITEMS)
		return;
	snprintf(s->sysctl[s->nsysctl], sizeof(s->sysctl[0]), "%s", name);
	snprintf(s->orig[s->nsysctl++], sizeof(s->orig[0]), "%s", v);
}

static int do_undo(const struct setup_opts *o, const char *statep)
{
	char path[512], a[ADDR_STRLEN];
	struct state s;
	int r, bad = 0;

	r = state_load(statep, &s);
	if (r) {
		log_errx("cannot read %s: %s", statep, strerror(-r));
		return 1;
	}
	if (!s.nsysctl && !s.nvip && !s.nfile) {
		printf("nothing to undo (no %s)\n", statep);
		return 0;
	}
	for (int i = 0; i < s.nvip; i++) {
		if (!s.added[i])
			continue;
		addr_str(&s.vip[i], a, sizeof(a));
		r = rtnl_lo_addr(NULL, false, &s.vip[i]);
		if (r && r != -EADDRNOTAVAIL) {
			log_errx("cannot remove %s from lo: %s", a, strerror(-r));
			bad++;
		} else {
			printf("removed %s from lo\n", a);
		}
	}
	for (int i = 0; i < s.nsysctl; i++) {
		r = sysctl_set(s.sysctl[i], s.orig[i]);
		if (r) {
			log_errx("cannot restore %s=%s: %s", s.sysctl[i], s.orig[i], strerror(-r));
			bad++;
		} else {
			printf("%s = %s (restored)\n", s.sysctl[i], s.orig[i]);
		}
	}
	for (int i = 0; i < s.nfile; i++) {
		rooted(path, sizeof(path), o->root, s.file[i]);
		if (unlink(path) && errno != ENOENT) {
			log_err(errno, "cannot remove %s", path);
			bad++;
		} else {
			printf("removed %s\n", path);
		}
	}
	if (bad) {
		log_errx("%d change(s) could not be undone; %s is kept so --undo can be run again", bad,
			 statep);
		return 1;
	}
	unlink(statep);
	return 0;
}

static void add_file(struct state *s, const char *path)
{
	for (int i = 0; i < s->nfile; i++)
		if (!strcmp(s->file[i], path))
			return;
	if (s->nfile < 8)
		snprintf(s->file[s->nfile++], sizeof(s->file[0]), "%s", path);
}

static int persist(const struct setup_opts *o, struct state *s, const char *iface)
{
	char text[16384], path[512], target[600], a[ADDR_STRLEN];
	size_t off = 0;
	int r;

	snprintf(text, sizeof(text),
		 "# Written by dsrlb backend setup; dsrlb backend setup --undo removes it.\n"
		 "# A backend of an L2 DSR balancer never answers ARP for a VIP (held on lo)\n"
		 "# and never uses one as the source of its own ARP requests.\n"
		 "net.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce = 2\n"
		 "net.ipv4.conf.%s.arp_ignore = 1\nnet.ipv4.conf.%s.arp_announce = 2\n",
		 iface, iface);
	rooted(path, sizeof(path), o->root, SYSCTL_FILE);
	r = write_atomic(path, text);
	if (r)
		goto fail;
	add_file(s, SYSCTL_FILE);
	printf("wrote %s\n", path);

	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"# Written by dsrlb backend setup; dsrlb backend setup --undo removes it.\n"
				"[Unit]\nDescription=dsrlb: the VIPs on lo, for direct server return\n"
				"DefaultDependencies=no\nAfter=network-pre.target\nBefore=network.target\n"
				"Wants=network-pre.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\n");
	for (int i = 0; i < s->nvip && off < sizeof(text); i++) {
		addr_str(&s->vip[i], a, sizeof(a));
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"ExecStart=/usr/sbin/ip addr replace %s/%d dev lo%s\n", a,
					s->vip[i].family == DSRLB_AF_INET ? 32 : 128,
					s->vip[i].family == DSRLB_AF_INET6 ? " nodad" : "");
	}
	if (off < sizeof(text))
		snprintf(text + off, sizeof(text) - off, "\n[Install]\nWantedBy=multi-user.target\n");
	rooted(path, sizeof(path), o->root, UNIT_FILE);
	r = write_atomic(path, text);
	if (r)
		goto fail;
	add_file(s, UNIT_FILE);
	printf("wrote %s\n", path);
	/* enabled as systemctl enable would, which also works without systemd running */
	rooted(target, sizeof(target), o->root, UNIT_LINK);
	r = mkdirs(target);
	unlink(target);
	if (r || symlink("../dsrlb-vips.service", target)) {
		r = r ? r : -errno;
		goto fail;
	}
	add_file(s, UNIT_LINK);
	printf("enabled it: %s\n", target);
	return 0;
fail:
	log_errx("cannot write %s: %s", path, strerror(-r));
	return r;
}

/*
 * Long by choice: the steps a backend needs, in the order they are recorded
 * and applied (state file first, so that --undo always knows the way back).
 */
int backend_setup(const struct setup_opts *o)
{
	static const char *const keys[2][2] = { { "arp_ignore", "1" }, { "arp_announce", "2" } };
	char statep[512], iface[IF_NAMESIZE], name[96], v[16], a[ADDR_STRLEN];
	struct state s;
	int r;

	rooted(statep, sizeof(statep), o->root, STATE_FILE);
	if (o->undo)
		return do_undo(o, statep);
	if (o->iface) {
		snprintf(iface, sizeof(iface), "%s", o->iface);
		if (!if_nametoindex(iface)) {
			log_errx("interface '%s' not found (see: ip link show)", iface);
			return 1;
		}
	} else if (default_iface(iface, sizeof(iface))) {
		log_errx("no IPv4 default route to tell the LAN interface by; name it with --interface IFACE");
		return 1;
	}
	r = state_load(statep, &s);
	if (r) {
		log_errx("cannot read %s: %s", statep, strerror(-r));
		return 1;
	}
	/* Record first, then change: a state file always knows how to go back. */
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "net.ipv4.conf.%s.%s", w ? iface : "all", keys[k][0]);
			remember_sysctl(&s, name);
		}
	for (int i = 0; i < o->nvips; i++) {
		bool known = false;

		for (int j = 0; j < s.nvip && !known; j++)
			known = !addr_cmp(&s.vip[j], &o->vips[i]);
		if (known || s.nvip == MAX_ITEMS)
			continue;
		s.vip[s.nvip] = o->vips[i];
		s.added[s.nvip++] = false; /* until we add it below */
	}
	r = state_save(statep, &s);
	if (r) {
		log_errx("cannot write %s: %s", statep, strerror(-r));
		return 1;
	}
	for (int i = 0; i < s.nvip; i++) {
		bool asked = false;

		for (int j = 0; j < o->nvips && !asked; j++)
			asked = !addr_cmp(&s.vip[i], &o->vips[j]);
		if (!asked)
			continue;
		addr_str(&s.vip[i], a, sizeof(a));
		r = rtnl_lo_addr(NULL, true, &s.vip[i]);
		if (r == -EEXIST) {
			printf("%s is on lo already\n", a);
		} else if (r) {
			log_errx("cannot add %s to lo: %s", a, strerror(-r));
			state_save(statep, &s);
			return 1;
		} else {
			s.added[i] = true;
			printf("added %s/%d to lo\n", a, s.vip[i].family == DSRLB_AF_INET ? 32 : 128);
		}
	}
	for (int w = 0; w < 2; w++)
		for (int k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "net.ipv4.conf.%s.%s", w ? iface : "all", keys[k][0]);
			if (!sysctl_get(name, v, sizeof(v)) && !strcmp(v, keys[k][1])) {
				printf("%s = %s already\n", name, v);
				continue;
			}
			r = sysctl_set(name, keys[k][1]);
			if (r) {
				log_errx("cannot set %s=%s: %s", name, keys[k][1], strerror(-r));
				state_save(statep, &s);
				return 1;
			}
			printf("%s = %s (was %s)\n", name, keys[k][1], v);
		}
	r = o->persist ? persist(o, &s, iface) : 0;
	if (state_save(statep, &s) || r)
		return 1;
	printf("backend ready for VIPs on %s; undo with: dsrlb backend setup --undo%s%s\n", iface,
	       o->root ? " --root " : "", o->root ? o->root : "");
	return 0;
}
