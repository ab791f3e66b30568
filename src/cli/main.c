// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb: the command line. Two ways to run the same engine:
 *   dsrlb -i IFACE --vip ... --backends ...   the quick start (flags -> model)
 *   dsrlb run -c FILE                          the daemon (file -> model, SIGHUP reloads)
 * and `dsrlb check -c FILE` to validate a file without touching anything.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "lib/fault.h"
#include "lib/log.h"

void cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: dsrlb -i IFACE --backends ADDR[,ADDR...] [--vip ADDR[:PORT][/tcp|udp]] [options]\n"
		"       dsrlb run -c FILE [-v]        run the daemon on a config file (SIGHUP reloads)\n"
		"       dsrlb check -c FILE           validate a config file (also: dsrlb -t -c FILE)\n"
		"       dsrlb stop --detach -c FILE   remove the daemon's data plane (see --help)\n"
		"       dsrlb status|stats [-j]       ask the running daemon (its API socket)\n"
		"       dsrlb trace [--vip NAME]      watch each new flow's backend and each drop live\n"
		"       dsrlb vip add|set|del ...     change VIPs live (dsrlb vip --help)\n"
		"       dsrlb backend add|set|drain|del ...   change backends live\n"
		"       dsrlb backend setup ...       prepare a backend host; dsrlb doctor -c FILE\n"
		"       dsrlb maintenance on|off      withdraw every VIP of this balancer (or announce again)\n"
		"       dsrlb peers                   compare this balancer's tables with its sync peers'\n"
		"\n"
		"Layer 2 direct-server-return load balancer (XDP). Frames for a VIP are sent to a\n"
		"backend chosen by Maglev hashing with only their MAC addresses rewritten; backends\n"
		"hold the VIP on lo and answer clients directly.\n"
		"\n"
		"Quick-start options:\n"
		"  -i, --interface IFACE     interface that receives VIP traffic (required)\n"
		"      --vip SPEC            ADDR[:PORT][/tcp|udp]; IPv6 as [ADDR]:PORT. No port: every\n"
		"                            port; no protocol: TCP and UDP. Repeatable. Without it: the\n"
		"                            interface's /32 and /128 addresses (the tutorial's setup)\n"
		"  -b, --backends LIST       comma-separated backend addresses; each VIP uses those of\n"
		"                            its own address family (required)\n"
		"  -m, --mode MODE           native (default; falls back to skb with a warning) or skb\n"
		"      --table-size N        Maglev table size per VIP, a prime (default: from its backends)\n"
		"      --hash-seed N         flow hash seed; balancers sharing it agree on every flow\n"
		"      --resolve-timeout S   seconds to wait for each backend's MAC (default 3)\n"
		"      --stats-interval S    with -v, print counters every S seconds (default 5)\n"
		"  -v, --verbose             per-VIP counters every few seconds; -vv adds debug output\n"
		"  -V, --version             print the version and exit\n"
		"  -h, --help                this text (also: dsrlb run --help, dsrlb check --help)\n"
		"\n"
		"Example:\n"
		"  dsrlb -i eth0 --vip 198.18.178.15:8000/tcp --backends 198.18.178.11,198.18.178.12\n");
}

void cli_print_errors(const char *errors)
{
	const char *p = errors;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		log_errx("%.*s", n, p);
		p = nl ? nl + 1 : p + n;
	}
}

int cli_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && log_get_level() < LOG_LVL_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	fault_init();
	if (!strcmp(sub, "status") || !strcmp(sub, "stats") || !strcmp(sub, "vip") ||
	    !strcmp(sub, "trace") || !strcmp(sub, "maintenance") || !strcmp(sub, "peers"))
		return client_main(argc - 1, argv + 1);
	if (!strcmp(sub, "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	if (!strcmp(sub, "backend"))
		return cmd_backend(argc - 1, argv + 1);
	if (!strcmp(sub, "stop"))
		return cmd_stop(argc - 1, argv + 1);
	if (!strcmp(sub, "run"))
		return cmd_check_or_run(argc - 1, argv + 1, true);
	if (!strcmp(sub, "check"))
		return cmd_check_or_run(argc - 1, argv + 1, false);
	return cmd_quick(argc, argv);
}
