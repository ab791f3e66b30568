// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb: the command line. Two ways to run the same engine:
 *   dsrlb -i IFACE --vip ... --backends ...   the quick start (flags -> model)
 *   dsrlb run -c FILE                          the daemon (file -> model, SIGHUP reloads)
 * and `dsrlb check -c FILE` (or -n) to validate a file without touching anything.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "lib/addr.h"
#include "config/config.h"
#include "engine/engine.h"
#include "tools/setup.h"
#include "tools/doctor.h"
#include "lib/log.h"
#include "engine/maglev.h"

#include "lib/version.h"
#include "cli/client.h"
#include "api/api.h"

#define MAX_VIPS_CLI 64
#define MAX_BACKENDS_CLI 1024

static volatile sig_atomic_t stop_signal, reload_signal;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_signal = 1;
	else
		stop_signal = sig;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && log_get_level() < LOG_LVL_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || *out > max)
		return -EINVAL;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dsrlb -i IFACE --vip ADDR[:PORT][/tcp|udp] --backends ADDR[,ADDR...] [options]\n"
		"       dsrlb run -c FILE [-v]        run the daemon on a config file (SIGHUP reloads)\n"
		"       dsrlb check -c FILE           validate a config file (also: dsrlb -n -c FILE)\n"
		"       dsrlb stop --detach -c FILE   remove the daemon's data plane (see --help)\n"
		"       dsrlb status|stats [-j]       ask the running daemon (its API socket)\n"
		"       dsrlb trace [--vip NAME]      watch each new flow's backend and each drop live\n"
		"       dsrlb vip add|set|del ...     change VIPs live (dsrlb vip --help)\n"
		"       dsrlb backend add|set|drain|del ...   change backends live\n"
		"       dsrlb backend setup ...       prepare a backend host; dsrlb doctor -c FILE\n"
		"\n"
		"Layer 2 direct-server-return load balancer (XDP). Frames for a VIP are sent to a\n"
		"backend chosen by Maglev hashing with only their MAC addresses rewritten; backends\n"
		"hold the VIP on lo and answer clients directly.\n"
		"\n"
		"Quick-start options:\n"
		"  -i, --interface IFACE     interface that receives VIP traffic (required)\n"
		"      --vip SPEC            ADDR[:PORT][/tcp|udp]; IPv6 as [ADDR]:PORT. No port: every\n"
		"                            port; no protocol: TCP and UDP. Repeatable (required)\n"
		"  -b, --backends LIST       comma-separated backend addresses; each VIP uses those of\n"
		"                            its own address family (required)\n"
		"  -m, --mode MODE           native (default; falls back to skb with a warning) or skb\n"
		"      --table-size N        Maglev table size per VIP, a prime (default %u)\n"
		"      --hash-seed N         flow hash seed; balancers sharing it agree on every flow\n"
		"      --resolve-timeout S   seconds to wait for each backend's MAC (default 3)\n"
		"      --stats-interval S    with -v, print counters every S seconds (default 5)\n"
		"  -v, --verbose             per-VIP counters every few seconds; -vv adds debug output\n"
		"  -V, --version             print the version and exit\n"
		"  -h, --help                this text (also: dsrlb run --help, dsrlb check --help)\n"
		"\n"
		"Example:\n"
		"  dsrlb -i eth0 --vip 198.18.178.15:8000/tcp --backends 198.18.178.11,198.18.178.12\n",
		DSRLB_RING_SIZE_DEFAULT);
}

/* Print the errors of a config, one per line, as "dsrlb: FILE:LINE:COL: ...". */
static void print_errors(const char *errors)
{
	const char *p = errors;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		log_errx("%.*s", n, p);
		p = nl ? nl + 1 : p + n;
	}
}

/*
 * Run an engine until SIGINT/SIGTERM. With a path it is the daemon: SIGHUP
 * reloads, and at exit the data plane stays (pinned, attached) for the next
 * daemon. Without, the quick start: at exit it detaches.
 */
static int serve(const struct cfg *c, const char *path, int verbose, int stats_interval)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct engine *e = NULL;
	struct api *api = NULL;
	char err[512];
	time_t next;
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, path ? &sa : &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);

	r = engine_start(&e, c, path != NULL, err, sizeof(err));
	if (r) {
		log_errx("%s", err);
		return 1;
	}
	if (path && api_open(&api, c, e, path, err, sizeof(err))) {
		log_errx("%s", err);
		engine_stop(e, false);
		return 1;
	}
	log_info("balancing; SIGINT or SIGTERM detaches and exits%s",
		 path ? ", SIGHUP reloads the config" : "");
	fflush(stderr);
	sd_notifyf(0, "READY=1\nSTATUS=balancing on %s\nMAINPID=%lu", c->iface,
		   (unsigned long)getpid());

	next = time(NULL) + stats_interval;
	while (!stop_signal) {
		struct pollfd apfd[4];
		int nap = api_pollfds(api, apfd, 4);

		engine_wait(e, 100, apfd, nap);
		api_run(api);
		if (reload_signal && path) {
			struct cfg nc;
			char *errors = NULL;

			reload_signal = 0;
			sd_notify(0, "RELOADING=1\nSTATUS=reloading");
			log_info("SIGHUP: reloading %s", path);
			if (cfg_load(path, &nc, &errors)) {
				print_errors(errors);
				log_errx("reload rejected: %s is not valid; nothing was changed", path);
			} else if ((r = engine_apply(e, &nc, err, sizeof(err)))) {
				log_errx("reload rejected: %s", err);
				cfg_free(&nc);
			} else {
				log_info("reloaded %s", path);
				cfg_free(&nc);
			}
			free(errors);
			sd_notify(0, "READY=1\nSTATUS=balancing");
		}
		if (verbose && time(NULL) >= next) {
			engine_print_stats(e, "stats:");
			next = time(NULL) + stats_interval;
		}
	}
	api_close(api);
	sd_notify(0, "STOPPING=1");
	log_info("%s received; %s %s", strsignal(stop_signal), path ? "leaving" : "detaching from",
		 c->iface);
	engine_print_stats(e, "total:");
	return engine_stop(e, path == NULL) ? 1 : 0;
}

static int cmd_check_or_run(int argc, char **argv, bool run)
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
	int opt, verbose = 0, n, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:vnh", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'n':
			break;
		case 'h':
			printf(run ? "Usage: dsrlb run -c FILE [-v]\n"
				     "Run the balancer on a config file, in the foreground (systemd Type=notify).\n"
				     "SIGHUP re-reads the file: a valid one is applied as a diff, an invalid\n"
				     "one changes nothing. SIGINT/SIGTERM detach and exit 0.\n"
				     "  -c, --config FILE   the config (YAML or JSON; see dsrlb.yaml(5) in the README)\n"
				     "  -v, --verbose       counters every 5 s; -vv adds debug output\n" :
				     "Usage: dsrlb check -c FILE   (or: dsrlb -n -c FILE)\n"
				     "Validate a config file without touching the data plane. Prints\n"
				     "'configuration OK' and exits 0, or every error as FILE:LINE:COLUMN and exits 1.\n");
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
	libbpf_set_print(libbpf_print);
	n = cfg_load(path, &c, &errors);
	if (n) {
		print_errors(errors);
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
	r = serve(&c, path, verbose, 5);
	cfg_free(&c);
	return r;
}

/* The quick start: flags become the same model a config file gives. */
static int cmd_quick(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "vip", required_argument, NULL, 'a' },
		{ "backends", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "table-size", required_argument, NULL, 't' },
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
	int nv = 0, nb, opt, verbose = 0, stats_interval = 5, r;
	bool check_only = false;
	char err[256], a[ADDR_STRLEN], *errors = NULL;
	unsigned long u;
	struct cfg c;

	cfg_init(&c);
	while ((opt = getopt_long(argc, argv, "i:b:m:c:nvVh", longopts, NULL)) != -1) {
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
		case 't':
			if (parse_uint(optarg, DSRLB_RING_SIZE_MAX, &u) ||
			    !maglev_is_prime((uint32_t)u)) {
				log_errx("--table-size '%s': must be a prime up to %u (e.g. 65537, 131071)",
					 optarg, DSRLB_RING_SIZE_MAX);
				return 2;
			}
			c.table_size = (uint32_t)u;
			break;
		case 's':
			if (parse_uint(optarg, UINT32_MAX, &u)) {
				log_errx("--hash-seed '%s': must be a number from 0 to 4294967295",
					 optarg);
				return 2;
			}
			c.hash_seed = (uint32_t)u;
			break;
		case 'r':
			if (parse_uint(optarg, 60, &u) || !u) {
				log_errx("--resolve-timeout '%s': seconds from 1 to 60", optarg);
				return 2;
			}
			c.resolve_timeout_ms = (int)u * 1000;
			break;
		case 'k':
			if (parse_uint(optarg, 3600, &u) || !u) {
				log_errx("--stats-interval '%s': seconds from 1 to 3600", optarg);
				return 2;
			}
			stats_interval = (int)u;
			break;
		case 'c':
			cfgpath = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("dsrlb %s\n", DSRLB_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'dsrlb --help'.\n");
			return 2;
		}
	}
	if (check_only || cfgpath) {
		/* dsrlb -n -c FILE (keepalived's spelling), or -c FILE alone to run it */
		char *args[] = { argv[0], "-c", (char *)(cfgpath ? cfgpath : ""), NULL };

		if (!cfgpath) {
			log_errx("-n needs -c FILE");
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
	libbpf_set_print(libbpf_print);

	nb = backends_parse(backends_arg, baddr, MAX_BACKENDS_CLI, err, sizeof(err));
	if (nb < 0) {
		log_errx("%s", err);
		return 2;
	}
	c.vips = calloc((size_t)nv, sizeof(*c.vips));
	if (!c.vips)
		return 1;
	/* Every VIP takes the backends of its own family; each needs one. */
	for (int v = 0; v < nv; v++) {
		struct cfg_vip *cv = &c.vips[c.nv++];

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
		print_errors(errors);
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
	r = serve(&c, NULL, verbose, stats_interval);
	cfg_free(&c);
	return r;
}

/* dsrlb stop --detach: the explicit way to remove a daemon's data plane. */
static int cmd_stop(int argc, char **argv)
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
			print_errors(errors);
			free(errors);
			return 1;
		}
		free(errors);
	}
	if (!iface && !path) {
		log_errx("say which interface: -c FILE or -i IFACE");
		return 2;
	}
	r = engine_detach_pinned(iface ? iface : c.iface, pin_dir ? pin_dir : c.pin_dir, err,
				 sizeof(err));
	cfg_free(&c);
	if (r) {
		log_errx("%s", err);
		return 1;
	}
	return 0;
}

/* dsrlb backend setup: run on a backend (see src/setup.c). */
static int cmd_backend(int argc, char **argv)
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
static int cmd_doctor(int argc, char **argv)
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
		print_errors(errors);
		free(errors);
		return 1;
	}
	free(errors);
	libbpf_set_print(libbpf_print);
	r = doctor_run(&c);
	cfg_free(&c);
	return r;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "status") || !strcmp(argv[1], "stats") ||
			 !strcmp(argv[1], "vip") || !strcmp(argv[1], "trace")))
		return client_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "backend"))
		return cmd_backend(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "stop"))
		return cmd_stop(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "run"))
		return cmd_check_or_run(argc - 1, argv + 1, true);
	if (argc > 1 && !strcmp(argv[1], "check"))
		return cmd_check_or_run(argc - 1, argv + 1, false);
	return cmd_quick(argc, argv);
}
