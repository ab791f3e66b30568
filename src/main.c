// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dsrlb: the quick-start balancer. Resolves the backends' MACs, builds each
 * VIP's Maglev ring, loads and attaches the XDP program, reports counters,
 * and detaches cleanly on SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "neigh.h"

#ifndef DSRLB_VERSION
#define DSRLB_VERSION "0.1.0"
#endif

#define MAX_VIPS_CLI 64
#define MAX_BACKENDS_CLI 1024
#define BPFFS "/sys/fs/bpf"
/* Shared by all balancers of a deployment unless --hash-seed says otherwise. */
#define DEFAULT_HASH_SEED 0x64737231u /* "dsr1" */

struct backend {
	struct dsrlb_addr addr;
	uint8_t mac[6];
	bool neigh_created; /* we asked the kernel for this entry; remove at exit */
};

struct vip {
	struct vip_spec spec;
	uint32_t id;
	int nb;
	int bidx[MAX_BACKENDS_CLI];   /* into the backend list */
	uint32_t bid[MAX_BACKENDS_CLI]; /* data plane backend ids */
};

struct opts {
	const char *ifname;
	enum dp_mode mode;
	uint32_t table_size;
	uint32_t hash_seed;
	int resolve_timeout_ms;
	int stats_interval;
	int verbose;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dsrlb -i IFACE --vip ADDR[:PORT][/tcp|udp] --backends ADDR[,ADDR...] [options]\n"
		"\n"
		"Layer 2 direct-server-return load balancer (XDP). Frames for a VIP are sent to a\n"
		"backend chosen by Maglev hashing with only their MAC addresses rewritten; backends\n"
		"hold the VIP on lo and answer clients directly.\n"
		"\n"
		"Options:\n"
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
		"  -h, --help                this text\n"
		"\n"
		"Example:\n"
		"  dsrlb -i eth0 --vip 198.18.178.15:8000/tcp --backends 198.18.178.11,198.18.178.12\n",
		DSRLB_RING_SIZE_DEFAULT);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && log_get_level() < LOG_LVL_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && log_get_level() < LOG_LVL_DEBUG)
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

/*
 * `ip netns exec` gives the command a fresh /sys in which /sys/fs/bpf is not
 * a bpffs; mount one there rather than fail (it lives in that mount
 * namespace only).
 */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	log_info("mounted a bpffs on " BPFFS " (it was not one, as under ip netns exec)");
	return 0;
}

static int iface_mac(const char *ifname, uint8_t mac[6], bool *up)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!err && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		*up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return err;
}

/* Is the VIP an address of ifname? If not, no router will send it to us. */
static bool vip_is_local(const char *ifname, const struct dsrlb_addr *a)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return true; /* cannot tell; do not warn */
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && a->family == DSRLB_AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
					a->bytes, 4);
		else if (i->ifa_addr->sa_family == AF_INET6 && a->family == DSRLB_AF_INET6)
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					a->bytes, 16);
	}
	freeifaddrs(ifa);
	return found;
}

static const char *mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	return buf;
}

static const char *proto_str(unsigned protos)
{
	return protos == VIP_PROTO_TCP ? "tcp" : protos == VIP_PROTO_UDP ? "udp" : "tcp+udp";
}

static void print_stats(struct dp *dp, struct vip *vips, int nv, struct backend *bk,
			const char *when)
{
	static const char *const rnames[] = DSRLB_REASON_NAMES;
	uint64_t r[DSRLB_R__MAX];
	char a[ADDR_STRLEN], line[4096];

	for (int v = 0; v < nv; v++) {
		struct dsrlb_counter c;
		size_t off;

		if (dp_counter_sum(dp, DP_VIP_STATS, vips[v].id, &c))
			continue;
		off = (size_t)snprintf(line, sizeof(line), "%s VIP %s: %llu packets, %llu bytes;",
				       when, vip_spec_str(&vips[v].spec, a, sizeof(a)),
				       (unsigned long long)c.packets,
				       (unsigned long long)c.bytes);
		for (int j = 0; j < vips[v].nb && off < sizeof(line); j++) {
			struct dsrlb_counter bc = {};

			dp_counter_sum(dp, DP_BACKEND_STATS, vips[v].bid[j], &bc);
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
						addr_str(&bk[vips[v].bidx[j]].addr, a, sizeof(a)),
						(unsigned long long)bc.packets);
		}
		log_info("%s", line);
	}
	if (!dp_reasons(dp, r)) {
		size_t off = (size_t)snprintf(line, sizeof(line), "%s not balanced:", when);
		int any = 0;

		for (int i = 0; i < DSRLB_R__MAX && off < sizeof(line); i++) {
			if (!r[i])
				continue;
			any = 1;
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%llu",
						rnames[i], (unsigned long long)r[i]);
		}
		if (any)
			log_info("%s", line);
	}
}

static void forget_neighbours(int ifindex, struct backend *bk, int nb)
{
	for (int i = 0; i < nb; i++)
		if (bk[i].neigh_created)
			neigh_forget(ifindex, &bk[i].addr);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "vip", required_argument, NULL, 'a' },
		{ "backends", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "table-size", required_argument, NULL, 't' },
		{ "hash-seed", required_argument, NULL, 's' },
		{ "resolve-timeout", required_argument, NULL, 'r' },
		{ "stats-interval", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = {
		.mode = DP_MODE_AUTO,
		.table_size = DSRLB_RING_SIZE_DEFAULT,
		.hash_seed = DEFAULT_HASH_SEED,
		.resolve_timeout_ms = 3000,
		.stats_interval = 5,
	};
	static struct vip vips[MAX_VIPS_CLI];
	static struct backend bk[MAX_BACKENDS_CLI];
	struct dsrlb_addr baddr[MAX_BACKENDS_CLI];
	char err[256], a[ADDR_STRLEN], m[18];
	const char *backends_arg = NULL;
	int nv = 0, nb = 0, ifindex, opt, ret = 1, e;
	uint32_t next_bid = 0, *ring = NULL;
	enum dp_mode used = DP_MODE_NATIVE;
	struct dp *dp = NULL;
	bool attached = false, up = true, pinned = false;
	char pindir[PATH_MAX];
	uint8_t ifmac[6];
	unsigned long u;

	while ((opt = getopt_long(argc, argv, "i:b:m:vVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'a':
			if (nv == MAX_VIPS_CLI) {
				log_errx("too many --vip (at most %d here; use a config file)",
					 MAX_VIPS_CLI);
				return 2;
			}
			if (vip_spec_parse(optarg, &vips[nv].spec, err, sizeof(err))) {
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
				o.mode = DP_MODE_AUTO;
			} else if (!strcmp(optarg, "skb")) {
				o.mode = DP_MODE_SKB;
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
			o.table_size = (uint32_t)u;
			break;
		case 's':
			if (parse_uint(optarg, UINT32_MAX, &u)) {
				log_errx("--hash-seed '%s': must be a number from 0 to 4294967295",
					 optarg);
				return 2;
			}
			o.hash_seed = (uint32_t)u;
			break;
		case 'r':
			if (parse_uint(optarg, 60, &u) || !u) {
				log_errx("--resolve-timeout '%s': seconds from 1 to 60", optarg);
				return 2;
			}
			o.resolve_timeout_ms = (int)u * 1000;
			break;
		case 'n':
			if (parse_uint(optarg, 3600, &u) || !u) {
				log_errx("--stats-interval '%s': seconds from 1 to 3600", optarg);
				return 2;
			}
			o.stats_interval = (int)u;
			break;
		case 'v':
			o.verbose++;
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
	if (optind < argc) {
		log_errx("unexpected argument '%s'; try 'dsrlb --help'", argv[optind]);
		return 2;
	}
	if (!o.ifname || !nv || !backends_arg) {
		log_errx("%s is required; try 'dsrlb --help'",
			 !o.ifname ? "-i IFACE" : !nv ? "--vip ADDR" : "--backends LIST");
		return 2;
	}
	log_set_level(o.verbose > 1 ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	libbpf_set_print(libbpf_print);

	nb = backends_parse(backends_arg, baddr, MAX_BACKENDS_CLI, err, sizeof(err));
	if (nb < 0) {
		log_errx("%s", err);
		return 2;
	}
	for (int i = 0; i < nb; i++)
		bk[i].addr = baddr[i];

	/* Every VIP takes the backends of its own family; each needs one. */
	for (int v = 0; v < nv; v++) {
		for (int j = 0; j < v; j++) {
			if (!addr_cmp(&vips[j].spec.addr, &vips[v].spec.addr) &&
			    vips[j].spec.port == vips[v].spec.port &&
			    (vips[j].spec.protos & vips[v].spec.protos)) {
				char b2[ADDR_STRLEN];

				log_errx("VIP %s overlaps VIP %s (same address, port and protocol)",
					 vip_spec_str(&vips[v].spec, a, sizeof(a)),
					 vip_spec_str(&vips[j].spec, b2, sizeof(b2)));
				return 2;
			}
		}
		for (int i = 0; i < nb; i++)
			if (bk[i].addr.family == vips[v].spec.addr.family)
				vips[v].bidx[vips[v].nb++] = i;
		if (!vips[v].nb) {
			log_errx("VIP %s is IPv%d but no IPv%d backend is given in --backends",
				 vip_spec_str(&vips[v].spec, a, sizeof(a)),
				 vips[v].spec.addr.family, vips[v].spec.addr.family);
			return 2;
		}
		vips[v].id = (uint32_t)v;
	}
	for (int i = 0; i < nb; i++) {
		bool used_by_vip = false;

		for (int v = 0; v < nv; v++)
			used_by_vip |= bk[i].addr.family == vips[v].spec.addr.family;
		if (!used_by_vip)
			log_warnx("backend %s is IPv%d but no VIP is; it will get no traffic",
				  addr_str(&bk[i].addr, a, sizeof(a)), bk[i].addr.family);
	}

	if (geteuid() != 0)
		log_warnx("not running as root: loading XDP needs CAP_BPF and CAP_NET_ADMIN");

	ifindex = (int)if_nametoindex(o.ifname);
	if (!ifindex) {
		log_errx("interface '%s' not found (see: ip link show)", o.ifname);
		return 1;
	}
	e = iface_mac(o.ifname, ifmac, &up);
	if (e) {
		log_err(e, "cannot read the MAC address of %s", o.ifname);
		return 1;
	}
	if (!up)
		log_warnx("%s is down; bring it up with: ip link set %s up", o.ifname, o.ifname);

	e = ensure_bpffs();
	if (e)
		log_warn(e, "no bpffs at " BPFFS " and mounting one failed; maps will not be pinned");
	else if (mkdir(BPFFS "/dsrlb", 0700) && errno != EEXIST)
		log_warn(errno, "cannot create " BPFFS "/dsrlb");
	snprintf(pindir, sizeof(pindir), BPFFS "/dsrlb/%s", o.ifname);

	for (int v = 0; v < nv; v++) {
		if (!vip_is_local(o.ifname, &vips[v].spec.addr)) {
			addr_str(&vips[v].spec.addr, a, sizeof(a));
			log_warnx("VIP %s is not an address of %s, so nothing on the LAN will resolve it to this balancer; add it: ip addr add %s/%d dev %s%s",
				  a, o.ifname, a,
				  vips[v].spec.addr.family == DSRLB_AF_INET ? 32 : 128, o.ifname,
				  vips[v].spec.addr.family == DSRLB_AF_INET6 ? " nodad" : "");
		}
	}

	/* Backend MACs first: refuse to start rather than blackhole a backend. */
	for (int i = 0; i < nb; i++) {
		addr_str(&bk[i].addr, a, sizeof(a));
		e = neigh_resolve(ifindex, &bk[i].addr, o.resolve_timeout_ms, bk[i].mac,
				  &bk[i].neigh_created);
		if (e == -ETIMEDOUT) {
			log_errx("backend %s: no MAC after %d s on %s; is it up and on the same LAN as %s? (check: ip neigh show %s dev %s)",
				 a, o.resolve_timeout_ms / 1000, o.ifname, o.ifname, a, o.ifname);
			goto out;
		}
		if (e) {
			log_err(e, "backend %s: cannot resolve its MAC on %s", a, o.ifname);
			goto out;
		}
		log_debug("backend %s is at %s", a, mac_str(bk[i].mac, m, sizeof(m)));
	}

	{
		struct dp_opts dopts = { .hash_seed = o.hash_seed, .ring_size = o.table_size };

		memcpy(dopts.ifmac, ifmac, 6);
		e = dp_open(&dp, &dopts);
	}
	if (e) {
		log_err(e, "cannot load the XDP program (run as root; -vv shows the verifier log)");
		goto out;
	}
	e = dp_pin(dp, pindir);
	if (e)
		log_warn(e, "cannot pin maps under %s; bpftool will not find them", pindir);
	else
		pinned = true;

	ring = calloc(o.table_size, sizeof(*ring));
	if (!ring) {
		log_errx("out of memory for a table of %u slots", o.table_size);
		goto out;
	}
	for (int v = 0; v < nv; v++) {
		struct maglev_backend mb[MAX_BACKENDS_CLI];
		struct vip *vp = &vips[v];

		for (int j = 0; j < vp->nb; j++) {
			vp->bid[j] = next_bid++;
			mb[j].addr = bk[vp->bidx[j]].addr;
			mb[j].weight = 1;
			e = dp_backend_set(dp, vp->bid[j], bk[vp->bidx[j]].mac);
			if (e) {
				log_err(e, "cannot write backend %s",
					addr_str(&mb[j].addr, a, sizeof(a)));
				goto out;
			}
		}
		e = maglev_build(mb, vp->nb, o.table_size, ring);
		if (e) {
			log_err(e, "cannot build the Maglev table of VIP %s",
				vip_spec_str(&vp->spec, a, sizeof(a)));
			goto out;
		}
		/* The ring holds indexes into mb[]; the data plane wants backend ids. */
		for (uint32_t s = 0; s < o.table_size; s++)
			ring[s] = vp->bid[ring[s]];
		e = dp_ring_swap(dp, vp->id, ring);
		for (int p = 0; !e && p < 2; p++) {
			unsigned bit = p ? VIP_PROTO_UDP : VIP_PROTO_TCP;

			if (vp->spec.protos & bit)
				e = dp_vip_set(dp, &vp->spec.addr, vp->spec.port,
					       p ? IPPROTO_UDP : IPPROTO_TCP, vp->id);
		}
		if (e) {
			log_err(e, "cannot install VIP %s", vip_spec_str(&vp->spec, a, sizeof(a)));
			goto out;
		}
	}

	e = dp_commit(dp);
	if (e) {
		log_err(e, "cannot build the VIP index");
		goto out;
	}
	e = dp_attach(dp, ifindex, o.mode, &used);
	if (e == -EBUSY || e == -EEXIST) {
		log_errx("%s already has an XDP program; remove it first (ip link set dev %s xdp off) or pick another interface",
			 o.ifname, o.ifname);
		goto out;
	}
	if (e) {
		log_err(e, "cannot attach to %s in %s mode", o.ifname,
			o.mode == DP_MODE_SKB ? "skb" : "native or skb");
		goto out;
	}
	attached = true;
	if (o.mode == DP_MODE_AUTO && used == DP_MODE_SKB)
		log_warnx("%s has no native XDP support; running in skb (generic) mode, which is slower",
			  o.ifname);
	log_info("attached to %s (%s mode, MAC %s)", o.ifname,
		 used == DP_MODE_SKB ? "skb" : "native", mac_str(ifmac, m, sizeof(m)));
	for (int v = 0; v < nv; v++) {
		char line[2048];
		size_t off = (size_t)snprintf(line, sizeof(line), "VIP %s (%s, %s) ->",
					      vip_spec_str(&vips[v].spec, a, sizeof(a)),
					      proto_str(vips[v].spec.protos),
					      vips[v].spec.port ? "one port" : "every port");

		for (int j = 0; j < vips[v].nb && off < sizeof(line); j++) {
			struct backend *b = &bk[vips[v].bidx[j]];

			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s (%s)",
						j ? "," : "", addr_str(&b->addr, a, sizeof(a)),
						mac_str(b->mac, m, sizeof(m)));
		}
		log_info("%s", line);
	}

	{
		struct sigaction sa = { .sa_handler = on_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	log_info("balancing; SIGINT or SIGTERM detaches and exits");
	fflush(stderr);

	{
		time_t next = time(NULL) + o.stats_interval;

		while (!stop_signal) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			if (o.verbose && time(NULL) >= next) {
				print_stats(dp, vips, nv, bk, "stats:");
				next = time(NULL) + o.stats_interval;
			}
		}
	}
	log_info("%s received; detaching from %s", strsignal(stop_signal), o.ifname);
	print_stats(dp, vips, nv, bk, "total:");
	ret = 0;
out:
	if (attached) {
		e = dp_detach(dp, ifindex, used);
		if (e) {
			log_err(e, "could not detach from %s; remove it with: ip link set dev %s xdp off",
				o.ifname, o.ifname);
			ret = 1;
		}
	}
	forget_neighbours(ifindex, bk, nb);
	if (pinned)
		dp_unpin(dp, pindir);
	free(ring);
	dp_close(dp);
	return ret;
}
