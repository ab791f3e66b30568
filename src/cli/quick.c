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

#define MAX_VIPS_CLI 64
#define MAX_BACKENDS_CLI 1024

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
	static struct vip_spec specs[MAX_VIPS_CLI];
	static struct dsrlb_addr baddr[MAX_BACKENDS_CLI];
	const char *backends_arg = NULL, *cfgpath = NULL;
	int nv = 0, nb, opt, verbose = 0, stats_interval = 5;
	bool check_only = false;
	char err[256], a[ADDR_STRLEN], *errors = NULL;
	uint64_t u;
	struct cfg c;

	cfg_init(&c);
	while ((opt = getopt_long(argc, argv, "i:b:m:c:ntvVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (strlen(optarg) >= sizeof(c.iface)) {
				log_errx("interface name '%s' is too long", optarg);
				return 2;
			}
			strcpy(c.iface, optarg);
			break;
		case 'a':
			if (nv == MAX_VIPS_CLI) {
				log_errx("too many --vip (at most %d here; use a config file)",
					 MAX_VIPS_CLI);
				return 2;
			}
			if (vip_spec_parse(optarg, &specs[nv], err, sizeof(err))) {
				log_errx("%s", err);
				return 2;
			}
			nv++;
			break;
		case 'b':
			backends_arg = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "native")) {
				c.mode = DP_MODE_AUTO;
			} else if (!strcmp(optarg, "skb")) {
				c.mode = DP_MODE_SKB;
			} else {
				log_errx("--mode '%s': use native or skb", optarg);
				return 2;
			}
			break;
		case 'T':
			if (num_uint(optarg, 2, DSRLB_RING_SIZE_MAX, false, &u, NULL, 0) ||
			    !maglev_is_prime((uint32_t)u)) {
				log_errx("--table-size '%s': must be a prime up to %u (e.g. 1021, 65537)",
					 optarg, DSRLB_RING_SIZE_MAX);
				return 2;
			}
			c.table_size = (uint32_t)u;
			break;
		case 's':
			if (num_uint(optarg, 0, UINT32_MAX, true, &u, NULL, 0)) {
				log_errx("--hash-seed '%s': must be a number from 0 to 4294967295 (decimal, or hex as 0x...)",
					 optarg);
				return 2;
			}
			c.hash_seed = (uint32_t)u;
			break;
		case 'r':
			if (num_uint(optarg, 1, 60, false, &u, NULL, 0)) {
				log_errx("--resolve-timeout '%s': seconds from 1 to 60", optarg);
				return 2;
			}
			c.resolve_timeout_ms = (int)u * 1000;
			break;
		case 'k':
			if (num_uint(optarg, 1, 3600, false, &u, NULL, 0)) {
				log_errx("--stats-interval '%s': seconds from 1 to 3600", optarg);
				return 2;
			}
			stats_interval = (int)u;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'n': /* relayd's spelling */
		case 't': /* keepalived's */
			check_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("dsrlb %s\n", DSRLB_VERSION);
			return 0;
		case 'h':
			cli_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb --help'.\n");
			return 2;
		}
	}
	if (check_only || cfgpath) {
		/* dsrlb -t -c FILE (keepalived's spelling) or -n (relayd's), or -c FILE alone to run it */
		char *args[] = { argv[0], "-c", (char *)(cfgpath ? cfgpath : ""), NULL };

		if (!cfgpath) {
			log_errx("-t (or -n) needs -c FILE");
			return 2;
		}
		if (verbose)
			log_set_level(LOG_LVL_DEBUG);
		return cmd_check_or_run(3, args, !check_only);
	}
	if (optind < argc) {
		log_errx("unexpected argument '%s'; try 'dsrlb --help'", argv[optind]);
		return 2;
	}
	if (!c.iface[0] || !nv || !backends_arg) {
		log_errx("%s is required; try 'dsrlb --help'",
			 !c.iface[0] ? "-i IFACE" : !nv ? "--vip ADDR" : "--backends LIST");
		return 2;
	}
	log_set_level(verbose > 1 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	libbpf_set_print(cli_libbpf_print);

	nb = backends_parse(backends_arg, baddr, MAX_BACKENDS_CLI, err, sizeof(err));
	if (nb < 0) {
		log_errx("%s", err);
		return 2;
	}
	/* Every VIP takes the backends of its own family; each needs one. */
	for (int v = 0; v < nv; v++) {
		struct cfg_vip *cv = cfg_vip_new();

		if (!cv || cfg_add_vip(&c, cv)) {
			cfg_vip_free(cv);
			cfg_free(&c);
			return 1;
		}
		cv->spec = specs[v];
		snprintf(cv->name, sizeof(cv->name), "%s", vip_spec_str(&specs[v], a, sizeof(a)));
		cv->b = calloc((size_t)nb, sizeof(*cv->b));
		if (!cv->b) {
			cfg_free(&c);
			return 1;
		}
		for (int i = 0; i < nb; i++) {
			if (baddr[i].family != specs[v].addr.family)
				continue;
			cv->b[cv->nb].addr = baddr[i];
			cv->b[cv->nb].weight = 1;
			cv->b[cv->nb++].state = BACKEND_UP;
		}
		if (!cv->nb) {
			log_errx("VIP %s is IPv%d but no IPv%d backend is given in --backends",
				 vip_spec_str(&specs[v], a, sizeof(a)), specs[v].addr.family,
				 specs[v].addr.family);
			cfg_free(&c);
			return 2;
		}
	}
	/* The same checks as a config file (duplicate VIPs, sizes). */
	if (cfg_validate(&c, "--vip", &errors)) {
		cli_print_errors(errors);
		free(errors);
		cfg_free(&c);
		return 2;
	}
	free(errors);
	for (int i = 0; i < nb; i++) {
		bool used = false;

		for (int v = 0; v < nv; v++)
			used |= baddr[i].family == specs[v].addr.family;
		if (!used)
			log_warnx("backend %s is IPv%d but no VIP is; it will get no traffic",
				  addr_str(&baddr[i], a, sizeof(a)), baddr[i].family);
	}
	if (geteuid() != 0)
		log_warnx("not running as root: loading XDP needs CAP_BPF and CAP_NET_ADMIN");
	return daemon_serve(&c, NULL, verbose, stats_interval);
}

