// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dsrlb backend setup (on a backend) and dsrlb doctor (on the balancer). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "config/config.h"
#include "lib/log.h"
#include "tools/doctor.h"
#include "tools/setup.h"

/* dsrlb backend setup: run on a backend (see src/setup.c). */
int cmd_backend(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "vip", required_argument, NULL, 'V' },
		{ "interface", required_argument, NULL, 'i' },
		{ "persist", no_argument, NULL, 'p' },
		{ "undo", no_argument, NULL, 'u' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct dsrlb_addr vips[256];
	struct setup_opts o = { .vips = vips };
	int opt;

	if (argc < 2 || strcmp(argv[1], "setup"))
		return client_main(argc, argv); /* add, set, drain, del: the daemon's API */
	argc--;
	argv++;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "i:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'V':
			if (o.nvips == 256) {
				log_errx("at most 256 --vip");
				return 2;
			}
			if (addr_parse(optarg, &vips[o.nvips])) {
				log_errx("--vip '%s' is not an IPv4 or IPv6 address", optarg);
				return 2;
			}
			o.nvips++;
			break;
		case 'i':
			o.iface = optarg;
			break;
		case 'p':
			o.persist = true;
			break;
		case 'u':
			o.undo = true;
			break;
		case 'r':
			if (optarg[0] != '/') {
				log_errx("--root '%s' must be an absolute path", optarg);
				return 2;
			}
			o.root = optarg;
			break;
		case 'h':
			printf("Usage: dsrlb backend setup --vip ADDR [--vip ADDR...] [--interface IFACE] [--persist] [--root DIR]\n"
			       "       dsrlb backend setup --undo [--root DIR]\n"
			       "Run on a backend: put each VIP on lo and set arp_ignore=1, arp_announce=2\n"
			       "(all and the LAN interface, by default the default route's), so the\n"
			       "backend accepts the VIP's traffic but never answers ARP for it.\n"
			       "  --persist   also write " "/etc/sysctl.d/99-dsr.conf and the unit dsrlb-vips.service\n"
			       "              (enabled) that puts the VIPs back at boot\n"
			       "  --undo      put back what setup changed (recorded in /var/lib/dsrlb/backend-setup.state)\n"
			       "  --root DIR  read and write those files under DIR (tests, images)\n"
			       "Running it again changes nothing more.\n");
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb backend setup --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		log_errx("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!o.undo && !o.nvips) {
		log_errx("say which VIPs: --vip ADDR (one per VIP)");
		return 2;
	}
	if (o.undo && o.nvips) {
		log_errx("--undo takes no --vip: it undoes everything setup recorded");
		return 2;
	}
	return backend_setup(&o);
}

/* dsrlb doctor -c FILE: run on the balancer (see src/doctor.c). */
int cmd_doctor(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL;
	char *errors = NULL;
	struct cfg c;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("Usage: dsrlb doctor -c FILE\n"
			       "Run on the balancer. For each VIP and backend of FILE, checks from the wire\n"
			       "that the backend is on the interface's LAN, answers the VIP's service at its\n"
			       "MAC (the health probe; a tcp connect if none is configured), and does not\n"
			       "answer ARP for the VIP; prints each problem with the command that fixes it.\n"
			       "Exit status: 0 no problem, 1 problems found (or it could not run), 2 bad usage.\n");
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb doctor --help'.\n");
			return 2;
		}
	}
	if (!path) {
		log_errx("dsrlb doctor needs the config: -c FILE");
		return 2;
	}
	if (cfg_load(path, &c, &errors)) {
		cli_print_errors(errors);
		free(errors);
		return 1;
	}
	free(errors);
	libbpf_set_print(cli_libbpf_print);
	r = doctor_run(&c);
	cfg_free(&c);
	return r;
}

