// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dsrlb run -c FILE, dsrlb check -c FILE, dsrlb stop --detach. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "ha/ha.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "engine/engine.h"
#include "lib/log.h"

int cmd_check_or_run(int argc, char **argv, bool run)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL;
	char *errors = NULL;
	struct cfg c;
	int opt, verbose = 0, n;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:vnth", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'n':
		case 't':
			break;
		case 'h':
			printf(run ? "Usage: dsrlb run -c FILE [-v]\n"
				     "Run the balancer on a config file, in the foreground (systemd Type=notify).\n"
				     "SIGHUP re-reads the file: a valid one is applied as a diff, an invalid\n"
				     "one changes nothing. SIGINT/SIGTERM exit 0 and leave the data plane running.\n"
				     "  -c, --config FILE   the config (YAML or JSON; see dsrlb.yaml(5) in the README)\n"
				     "  -v, --verbose       counters every 5 s; -vv adds debug output\n" :
				     "Usage: dsrlb check -c FILE   (also: dsrlb -t -c FILE, dsrlb -n -c FILE)\n"
				     "Validate a config file and its vips_dir without touching the data plane.\n"
				     "Prints 'configuration OK' and exits 0, or every error as FILE:LINE:COLUMN\n"
				     "and exits 1.\n");
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb %s --help'.\n", run ? "run" : "check");
			return 2;
		}
	}
	if (!path || optind < argc) {
		log_errx(!path ? "-c FILE is required; try 'dsrlb %s --help'" :
				 "unexpected argument; try 'dsrlb %s --help'",
			 run ? "run" : "check");
		return 2;
	}
	log_set_level(verbose > 1 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	libbpf_set_print(cli_libbpf_print);
	n = cfg_load(path, &c, &errors);
	if (n) {
		cli_print_errors(errors);
		log_errx("%s: %d error%s; %s", path, n, n == 1 ? "" : "s",
			 run ? "not started" : "not valid");
		free(errors);
		return 1;
	}
	free(errors);
	if (!run) {
		printf("configuration OK\n");
		cfg_free(&c);
		return 0;
	}
	return daemon_serve(&c, path, verbose, 5);
}

/* dsrlb stop --detach: the explicit way to remove a daemon's data plane. */
int cmd_stop(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interface", required_argument, NULL, 'i' },
		{ "config", required_argument, NULL, 'c' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *iface = NULL, *path = NULL, *pin_dir = NULL;
	bool detach = false;
	char err[512], *errors = NULL;
	struct cfg c;
	int opt, r;

	cfg_init(&c);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "di:c:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd':
			detach = true;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'p':
			pin_dir = optarg;
			break;
		case 'h':
			printf("Usage: dsrlb stop --detach (-c FILE | -i IFACE [--pin-dir DIR])\n"
			       "Remove dsrlb's XDP program from the interface and its pinned maps.\n"
			       "Stopping the daemon alone (SIGTERM, systemctl stop) leaves traffic flowing\n"
			       "on the last state; this is the explicit way to take it away.\n");
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb stop --help'.\n");
			return 2;
		}
	}
	if (!detach) {
		log_errx("dsrlb stop needs --detach: it removes the data plane and traffic to the VIPs stops being balanced. To stop only the daemon, stop its service; traffic keeps flowing");
		return 2;
	}
	if (path) {
		if (cfg_load(path, &c, &errors)) {
			cli_print_errors(errors);
			free(errors);
			return 1;
		}
		free(errors);
	}
	if (!iface && !path) {
		log_errx("say which interface: -c FILE or -i IFACE");
		return 2;
	}
	/* another daemon's data plane is refused before anything is withdrawn */
	if (engine_pinned_check(iface ? iface : c.iface, pin_dir ? pin_dir : c.pin_dir, &r, err, sizeof(err))) {
		cfg_free(&c);
		log_errx("%s", err);
		return 1;
	}
	/* routers and keepalived move the traffic away before the program goes */
	if (path && ha_withdraw_all(&c, err, sizeof(err)))
		log_warnx("%s; detaching anyway", err);
	r = engine_detach_pinned(iface ? iface : c.iface, pin_dir ? pin_dir : c.pin_dir, err,
				 sizeof(err));
	if (path && !r)
		ha_forget_lo(&c);
	cfg_free(&c);
	if (r) {
		log_errx("%s", err);
		return 1;
	}
	return 0;
}
