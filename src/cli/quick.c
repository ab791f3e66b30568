// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The quick start: dsrlb -i IFACE --vip ... --backends ... becomes the model a file would give. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "engine/maglev.h"
#include "lib/log.h"
#include "lib/num.h"
#include "lib/version.h"
#include "net/ifaddr.h"

#define MAX_VIPS_CLI 64
#define MAX_BACKENDS_CLI 1024

struct quick {
	struct cfg c;
	struct vip_spec specs[MAX_VIPS_CLI];
	struct dsrlb_addr baddr[MAX_BACKENDS_CLI];
	int nv, nb, verbose, stats_interval;
	const char *backends_arg, *cfgpath;
	bool check_only;
};

/*
 * One option into q: 0, or the exit status (-1: exit 0, as for --help).
 * Long by choice: one case per option, as the usage lists them.
 */
static int quick_opt(struct quick *q, int opt)
{
	char err[256];
	uint64_t u;

	switch (opt) {
	case 'i':
		if (strlen(optarg) >= sizeof(q->c.iface)) {
			log_errx("interface name '%s' is too long", optarg);
			return 2;
		}
		strcpy(q->c.iface, optarg);
		return 0;
	case 'a':
		if (q->nv == MAX_VIPS_CLI) {
			log_errx("too many --vip (at most %d here; use a config file)", MAX_VIPS_CLI);
			return 2;
		}
		if (vip_spec_parse(optarg, &q->specs[q->nv], err, sizeof(err))) {
			log_errx("%s", err);
			return 2;
		}
		q->nv++;
		return 0;
	case 'b':
		q->backends_arg = optarg;
		return 0;
	case 'm':
		if (strcmp(optarg, "native") && strcmp(optarg, "skb")) {
			log_errx("--mode '%s': use native or skb", optarg);
			return 2;
		}
		q->c.mode = !strcmp(optarg, "skb") ? DP_MODE_SKB : DP_MODE_AUTO;
		return 0;
	case 'T':
		if (num_uint(optarg, 2, DSRLB_RING_SIZE_MAX, false, &u, NULL, 0) ||
		    !maglev_is_prime((uint32_t)u)) {
			log_errx("--table-size '%s': must be a prime up to %u (e.g. 1021, 65537)",
				 optarg, DSRLB_RING_SIZE_MAX);
			return 2;
		}
		q->c.table_size = (uint32_t)u;
		return 0;
	case 's':
		if (num_uint(optarg, 0, UINT32_MAX, true, &u, NULL, 0)) {
			log_errx("--hash-seed '%s': must be a number from 0 to 4294967295 (decimal, or hex as 0x...)",
				 optarg);
			return 2;
		}
		q->c.hash_seed = (uint32_t)u;
		return 0;
	case 'r':
		if (num_uint(optarg, 1, 60, false, &u, NULL, 0)) {
			log_errx("--resolve-timeout '%s': seconds from 1 to 60", optarg);
			return 2;
		}
		q->c.resolve_timeout_ms = (int)u * 1000;
		return 0;
	case 'k':
		if (num_uint(optarg, 1, 3600, false, &u, NULL, 0)) {
			log_errx("--stats-interval '%s': seconds from 1 to 3600", optarg);
			return 2;
		}
		q->stats_interval = (int)u;
		return 0;
	case 'c':
		q->cfgpath = optarg;
		return 0;
	case 'n': /* relayd's spelling */
	case 't': /* keepalived's */
		q->check_only = true;
		return 0;
	case 'v':
		q->verbose++;
		return 0;
	case 'V':
		printf("dsrlb %s\n", DSRLB_VERSION);
		return -1;
	case 'h':
		cli_usage(stdout);
		return -1;
	default:
		fprintf(stderr, "Try 'dsrlb --help'.\n");
		return 2;
	}
}

/* Each VIP takes the backends of its own family; each needs one. 0 or the exit status. */
static int quick_vips(struct quick *q)
{
	char a[ADDR_STRLEN];

	for (int v = 0; v < q->nv; v++) {
		struct cfg_vip *cv = cfg_vip_new();

		if (!cv || cfg_add_vip(&q->c, cv)) {
			cfg_vip_free(cv);
			return 1;
		}
		cv->spec = q->specs[v];
		snprintf(cv->name, sizeof(cv->name), "%s", vip_spec_str(&q->specs[v], a, sizeof(a)));
		cv->b = calloc((size_t)q->nb, sizeof(*cv->b));
		if (!cv->b)
			return 1;
		for (int i = 0; i < q->nb; i++) {
			if (q->baddr[i].family != q->specs[v].addr.family)
				continue;
			cv->b[cv->nb].addr = q->baddr[i];
			cv->b[cv->nb].weight = 1;
			cv->b[cv->nb++].state = BACKEND_UP;
		}
		if (!cv->nb) {
			log_errx("VIP %s is IPv%d but no IPv%d backend is given in --backends",
				 vip_spec_str(&q->specs[v], a, sizeof(a)), q->specs[v].addr.family,
				 q->specs[v].addr.family);
			return 2;
		}
	}
	for (int i = 0; i < q->nb; i++) {
		bool used = false;

		for (int v = 0; v < q->nv; v++)
			used |= q->baddr[i].family == q->specs[v].addr.family;
		if (!used)
			log_warnx("backend %s is IPv%d but no VIP is; it will get no traffic",
				  addr_str(&q->baddr[i], a, sizeof(a)), q->baddr[i].family);
	}
	return 0;
}

/*
 * The tutorial's form, without --vip: the VIPs are the interface's /32 and
 * /128 addresses (the tutorial puts the VIP there: ip addr add VIP/32 dev
 * eth0), never a link-local one, on every port and protocol; one of a family
 * no backend has is left out, and said. 0, or the exit status.
 */
static int quick_find_vips(struct quick *q)
{
	struct if_addr *a = NULL;
	char s[ADDR_STRLEN], found[512] = "", skipped[256] = "";
	int ifindex = 0, n = iface_info(q->c.iface, &ifindex, NULL, NULL) ? -1 : ifaddr_list(q->c.iface, &a);

	if (n < 0) {
		log_errx("interface '%s' not found (see: ip link show)", q->c.iface);
		return 2;
	}
	for (int i = 0; i < n && q->nv < MAX_VIPS_CLI; i++) {
		bool host = a[i].prefix == (a[i].addr.family == DSRLB_AF_INET ? 32 : 128), has = false;

		if (!host || addr_link_local(&a[i].addr))
			continue;
		addr_str(&a[i].addr, s, sizeof(s));
		for (int b = 0; b < q->nb; b++)
			has |= q->baddr[b].family == a[i].addr.family;
		if (!has) {
			snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped), " %s", s);
			continue;
		}
		q->specs[q->nv] = (struct vip_spec){ .addr = a[i].addr, .protos = VIP_PROTO_TCP | VIP_PROTO_UDP };
		q->nv++;
		snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s", found[0] ? ", " : "", s);
	}
	free(a);
	if (!q->nv) {
		log_errx("no --vip, and %s has no /32 or /128 address%s to take as the VIP. Either give it: --vip ADDR, or put the VIP on the interface as the tutorial does: ip addr add VIP/32 dev %s",
			 q->c.iface, skipped[0] ? " of a family --backends has" : "", q->c.iface);
		return 2;
	}
	log_info("VIPs: %s (no --vip: the /32 and /128 addresses of %s, every port, TCP and UDP)%s%s",
		 found, q->c.iface, skipped[0] ? "; left out, no backend of their family:" : "", skipped);
	return 0;
}

/* dsrlb -t -c FILE (keepalived's spelling) or -n (relayd's), or -c FILE alone to run it */
static int quick_file(struct quick *q, char *argv0)
{
	char *args[] = { argv0, "-c", (char *)(q->cfgpath ? q->cfgpath : ""), NULL };

	if (!q->cfgpath) {
		log_errx("-t (or -n) needs -c FILE");
		return 2;
	}
	if (q->verbose)
		log_set_level(LOG_LVL_DEBUG);
	return cmd_check_or_run(3, args, !q->check_only);
}

/* The quick start: flags become the same model a config file gives. */
int cmd_quick(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "vip", required_argument, NULL, 'a' },
		{ "backends", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "table-size", required_argument, NULL, 'T' },
		{ "hash-seed", required_argument, NULL, 's' },
		{ "resolve-timeout", required_argument, NULL, 'r' },
		{ "stats-interval", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct quick q = { .stats_interval = 5 };
	char err[256], *errors = NULL;
	int opt, rc;

	cfg_init(&q.c);
	while ((opt = getopt_long(argc, argv, "i:b:m:c:ntvVh", longopts, NULL)) != -1)
		if ((rc = quick_opt(&q, opt)))
			return rc < 0 ? 0 : rc;
	if (q.check_only || q.cfgpath)
		return quick_file(&q, argv[0]);
	if (optind < argc) {
		log_errx("unexpected argument '%s'; try 'dsrlb --help'", argv[optind]);
		return 2;
	}
	if (!q.c.iface[0] || !q.backends_arg) {
		log_errx("%s is required; try 'dsrlb --help'", !q.c.iface[0] ? "-i IFACE" : "--backends LIST");
		return 2;
	}
	log_set_level(q.verbose > 1 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	libbpf_set_print(cli_libbpf_print);
	q.nb = backends_parse(q.backends_arg, q.baddr, MAX_BACKENDS_CLI, err, sizeof(err));
	if (q.nb < 0) {
		log_errx("%s", err);
		return 2;
	}
	rc = q.nv ? 0 : quick_find_vips(&q); /* --vip wins when given */
	rc = rc ? rc : quick_vips(&q);
	/* The same checks as a config file (duplicate VIPs, sizes). */
	if (!rc && cfg_validate(&q.c, "--vip", &errors)) {
		cli_print_errors(errors);
		rc = 2;
	}
	free(errors);
	if (rc) {
		cfg_free(&q.c);
		return rc;
	}
	if (geteuid() != 0)
		log_warnx("not running as root: loading XDP needs CAP_BPF and CAP_NET_ADMIN");
	return daemon_serve(&q.c, NULL, q.verbose, q.stats_interval);
}
