#!/bin/bash
# make bench: how close dsrlb gets to the hardware, against nftables and the
# kernel, in one run, and its control plane against the number of VIPs
# (bench/control.sh). QUICK=1 for the everyday short run.
#
#   generator ns: g0 ──veth── l0 :balancer ns
#   A live-frames XDP generator sends 64-byte frames out of g0; the system
#   under test on l0 sends them back (XDP_TX, nft fwd, or kernel forwarding);
#   a sink on g0 counts them. Everything runs on one core (see dsrlb_bench.c),
#   but for the two-core case: two queues a veth, a generator on each CPU
#   sending its own flows, so each CPU carries its own pipeline (docs/veth.md).
#
# Writes bench/results/latest.json and latest.png, prints a table, and updates
# the figures in README.md. Everything happens in namespaces it creates and
# removes; addresses are from 198.18.0.0/15 and 2001:2::/48.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=build/bench/dsrlb-bench
DSRLB=build/dsrlb

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (it loads XDP programs and builds namespaces): sudo make bench" >&2
	exit 1
fi
for need in "nft:nftables" "gnuplot:gnuplot-nox"; do
	if ! command -v "${need%%:*}" >/dev/null; then
		echo "bench: installing ${need#*:}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need#*:}" >/dev/null ||
			{ echo "bench: apt-get install ${need#*:} failed" >&2; exit 1; }
	fi
done

if [ -n "${QUICK:-}" ]; then
	REPS=2 PACKETS=600000 SCALE_REPS=1 SCALE_PACKETS=400000 COST_REPS=3
else
	REPS=5 PACKETS=4000000 SCALE_REPS=5 SCALE_PACKETS=2000000 COST_REPS=11
fi
KINDS=(udp4 tcp4 udp6)
CASES=(xdp_drop xdp_macswap dsrlb nft_fwd kernel_fwd)

P=dsrlbb$$
GEN=$P-gen
LB=$P-lb
RAW=$(mktemp /tmp/dsrlb-bench.XXXXXX)
DSRLB_PID=
cleanup() {
	[ -n "$DSRLB_PID" ] && kill "$DSRLB_PID" 2>/dev/null && wait "$DSRLB_PID" 2>/dev/null
	ip netns del "$GEN" 2>/dev/null
	ip netns del "$LB" 2>/dev/null
	rm -rf "$RAW" "$RAW.dsrlb" "$RAW.control" "$RAW.yaml" "$RAW.sock" "$RAW.state"
}
trap cleanup EXIT

lb() { ip netns exec "$LB" "$@"; }

VIP4=198.18.0.15
VIP6=2001:2:0:ff::15
setup() {
	local a="bg$$" b="bl$$"
	ip netns add "$GEN" && ip netns add "$LB" &&
		ip link add "$a" numtxqueues 2 numrxqueues 2 type veth peer name "$b" numtxqueues 2 numrxqueues 2 &&
		ip link set "$a" netns "$GEN" && ip link set "$b" netns "$LB" &&
		ip -n "$GEN" link set "$a" name g0 && ip -n "$LB" link set "$b" name l0 &&
		ip -n "$GEN" link set g0 up && ip -n "$LB" link set l0 up || return 1
	ip -n "$LB" addr add 198.18.0.1/24 dev l0
	ip -n "$LB" addr add 2001:2:0:ff::1/64 dev l0 nodad
	G0_MAC=$(ip netns exec "$GEN" cat /sys/class/net/g0/address)
	L0_MAC=$(lb cat /sys/class/net/l0/address)
	# dsrlb's backends: static neighbours (no real hosts needed).
	for n in 11 12; do
		ip -n "$LB" neigh add "198.18.0.$n" lladdr "02:be:00:00:00:$n" dev l0 nud permanent
		ip -n "$LB" neigh add "2001:2:0:ff::$n" lladdr "02:be:00:00:00:$n" dev l0 nud permanent
	done
	# Kernel forwarding: the VIP is routed back out of l0 to the generator.
	lb sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.l0.send_redirects=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.l0.rp_filter=0
	ip -n "$LB" neigh add 198.18.0.99 lladdr "$G0_MAC" dev l0 nud permanent
	ip -n "$LB" neigh add 2001:2:0:ff::99 lladdr "$G0_MAC" dev l0 nud permanent
	ip -n "$LB" route add "$VIP4/32" via 198.18.0.99 dev l0
	ip -n "$LB" -6 route add "$VIP6/128" via 2001:2:0:ff::99 dev l0
	# Sources: 198.19.0.0/17 and 2001:2:0:1::1:0/112 route back too.
	ip -n "$LB" route add 198.19.0.0/16 via 198.18.0.99 dev l0
	ip -n "$LB" -6 route add 2001:2:0:1::/64 via 2001:2:0:ff::99 dev l0
}

# What nftlb generates for an L2 DSR farm: a VIP verdict map, a jhash of the
# client tuple to a backend MAC, fwd back out.
nft_rules() {
	cat <<EOF
table netdev dsrlb_bench {
	map vip4 { type ipv4_addr . inet_proto : verdict; elements = { $VIP4 . udp : goto farm4u, $VIP4 . tcp : goto farm4t } }
	map vip6 { type ipv6_addr . inet_proto : verdict; elements = { $VIP6 . udp : goto farm6u } }
	chain ingress {
		type filter hook ingress device "l0" priority 100;
		counter ip daddr . meta l4proto vmap @vip4
		ip6 daddr . meta l4proto vmap @vip6
	}
	chain farm4u { ether saddr set $L0_MAC ether daddr set jhash ip saddr . udp sport mod 2 map { 0 : 02:be:00:00:00:11, 1 : 02:be:00:00:00:12 } fwd to "l0"; }
	chain farm4t { ether saddr set $L0_MAC ether daddr set jhash ip saddr . tcp sport mod 2 map { 0 : 02:be:00:00:00:11, 1 : 02:be:00:00:00:12 } fwd to "l0"; }
	chain farm6u { ether saddr set $L0_MAC ether daddr set jhash ip6 saddr . udp sport mod 2 map { 0 : 02:be:00:00:00:11, 1 : 02:be:00:00:00:12 } fwd to "l0"; }
}
EOF
}

rate() { # rate CASE KIND [args]: one measurement, JSON to $RAW
	local c=$1 k=$2
	shift 2
	$BENCH rate --gen-ns "$GEN" --lb-ns "$LB" --kind "$k" --dst4 "$VIP4" --dst6 "$VIP6" "$@" >>"$RAW" ||
		echo "bench: $c/$k failed" >&2
}

# veth fact 1: frames from the generator only enter l0 if l0 runs XDP, so the
# kernel-path cases get an XDP_PASS there (its cost is part of their path).
xdp_pass_on() { ip -n "$LB" link set dev l0 xdpdrv obj build/xdp_pass.bpf.o sec xdp; }
xdp_off() { ip -n "$LB" link set dev l0 xdpdrv off 2>/dev/null; }

run_case() {
	local c=$1 k=$2 packets=$3 i
	# Every case starts from a bare l0; a leftover program would be measured instead.
	if ip -n "$LB" link show l0 | grep -q 'prog/xdp'; then
		echo "bench: l0 still has an XDP program before $c/$k; stopping" >&2
		exit 1
	fi
	case $c in
	xdp_drop) rate "$c" "$k" --case drop --label xdp_drop --packets "$packets" ;;
	xdp_macswap) rate "$c" "$k" --case macswap --label xdp_macswap --packets "$packets" ;;
	dsrlb)
		# As users run it: the real binary and a config of the defaults (every
		# port, TCP and UDP) but new_flows_per_second, raised so that the
		# warm-up establishes all 524,288 flows: the figure is of established
		# flows, not of a flood (at the default 100,000 a second the warm-up
		# would remember a tenth of them). Not through lb(): a backgrounded
		# function is a subshell, and $! would be its PID, not dsrlb's (ip
		# netns exec execs, so this $! is dsrlb).
		cat >"$RAW.yaml" <<-EOF
			interface: l0
			flow_table: {new_flows_per_second: 10000000}
			api: {socket: $RAW.sock}
			state_dir: $RAW.state
			vips:
			  - {name: v4, address: $VIP4, backends: [198.18.0.11, 198.18.0.12]}
			  - {name: v6, address: $VIP6, backends: ["2001:2:0:ff::11", "2001:2:0:ff::12"]}
		EOF
		ip netns exec "$LB" "$DSRLB" run -c "$RAW.yaml" >"$RAW.dsrlb" 2>&1 &
		DSRLB_PID=$!
		for i in $(seq 1 100); do
			grep -q balancing "$RAW.dsrlb" && break
			sleep 0.05
		done
		rate "$c" "$k" --case external --label dsrlb --packets "$packets"
		kill "$DSRLB_PID"
		wait "$DSRLB_PID"
		DSRLB_PID=
		# a daemon leaves its program attached for the next one to adopt
		ip netns exec "$LB" "$DSRLB" stop --detach -c "$RAW.yaml" >/dev/null 2>&1
		;;
	nft_fwd)
		xdp_pass_on
		nft_rules | lb nft -f - || echo "bench: loading the nft rules failed" >&2
		rate "$c" "$k" --case external --label nft_fwd --packets "$packets"
		# The rules must have seen the traffic, or this measured something else.
		if ! lb nft list chain netdev dsrlb_bench ingress | grep -qE 'counter packets [1-9]'; then
			echo "bench: the nft rules saw no packet in $c/$k; discarding the run" >&2
			sed -i '$d' "$RAW"
		fi
		lb nft delete table netdev dsrlb_bench
		xdp_off
		;;
	kernel_fwd)
		xdp_pass_on
		rate "$c" "$k" --case external --label kernel_fwd --packets "$packets"
		xdp_off
		;;
	esac
}

start=$SECONDS
setup || { echo "bench: could not build the namespaces" >&2; exit 1; }
echo "bench: ${QUICK:+quick mode, }$REPS repetitions x ${#KINDS[@]} traffic kinds x ${#CASES[@]} systems, $PACKETS frames each"

# 1. The comparison, interleaved: every system once per repetition.
for r in $(seq 1 "$REPS"); do
	for k in "${KINDS[@]}"; do
		for c in "${CASES[@]}"; do
			run_case "$c" "$k" "$PACKETS"
		done
	done
	echo "bench: comparison repetition $r/$REPS done ($((SECONDS - start)) s)"
done

# 2. Scaling, through dsrlb's own loader, with the XDP_DROP reference beside it,
# of established flows (new_flows_per_second raised as above).
# VIPs of ten backends each, their tables sized as the control plane sizes
# them (1021 slots: the smallest above 100 a backend).
for r in $(seq 1 "$SCALE_REPS"); do
	rate ref udp4 --case drop --label scale_ref --packets "$SCALE_PACKETS"
	# The flow table's cost (issue 16): on, the same build with none, a VIP that says flow_table: off.
	rate ft udp4 --case dsrlb-lib --flow-rate 10000000 --label ft_on --packets "$SCALE_PACKETS"
	rate ft udp4 --case dsrlb-lib --flow-rate 10000000 --label ft_size0 --flow-table 0 --packets "$SCALE_PACKETS"
	rate ft udp4 --case dsrlb-lib --flow-rate 10000000 --label ft_vip_off --stateless --packets "$SCALE_PACKETS"
	# Every core: two generators, each CPU its own flows and its own queue.
	rate cores udp4 --case drop --label cores_ref --cpus 2 --packets "$((2 * SCALE_PACKETS))"
	rate cores udp4 --case dsrlb-lib --flow-rate 10000000 --label cores_ft_on --cpus 2 --packets "$((2 * SCALE_PACKETS))"
	for v in 1 100 10000; do
		# traffic spread over every VIP (the worst case for caches) ...
		rate vips udp4 --case dsrlb-lib --flow-rate 10000000 --label scale_vips --vips "$v" --backends 10 --table 1021 \
			--packets "$SCALE_PACKETS"
		# ... and to one VIP among them (what the lookup itself costs)
		[ "$v" -gt 1 ] && rate vips udp4 --case dsrlb-lib --flow-rate 10000000 --label scale_vips_one --vips "$v" --ndst 1 \
			--backends 10 --table 1021 --packets "$SCALE_PACKETS"
	done
	for b in 2 100 1000; do
		rate backends udp4 --case dsrlb-lib --flow-rate 10000000 --label scale_backends --backends "$b" --packets "$SCALE_PACKETS"
	done
	for f in 1000 100000 1000000; do
		rate flows udp4 --case dsrlb-lib --flow-rate 10000000 --label scale_flows --flows "$f" --srcs 32768 --packets "$SCALE_PACKETS"
	done
	echo "bench: scaling repetition $r/$SCALE_REPS done ($((SECONDS - start)) s)"
done

# 3. Per-packet cost in test-run, and the table build.
for v in 1 100 10000; do
	t=65537
	[ "$v" -gt 100 ] && t=1021
	unshare --net $BENCH cost --vips "$v" --table "$t" --reps "$COST_REPS" >>"$RAW"
done
for b in 100 1000; do
	unshare --net $BENCH cost --backends "$b" --reps "$COST_REPS" >>"$RAW"
done
# The flow table: repeats of one packet hit its entry (the cases above); with
# no table at all; and with every new entry refused (a lookup that misses).
unshare --net $BENCH cost --flow-table 0 --reps "$COST_REPS" | grep -v '"floor"\|miss_udp4' >>"$RAW"
unshare --net $BENCH cost --flow-rate 1 --reps "$COST_REPS" | grep -v '"floor"\|miss_udp4' >>"$RAW"
unshare --net $BENCH build --backends 1000 --reps "$COST_REPS" >>"$RAW"

# What a flow-table hit waits for once the table outgrows the caches.
$BENCH memlat >>"$RAW"

# 4. The control plane against the number of VIPs (its own namespaces).
COUNTS="1 10 100 1000 10000"
[ -n "${QUICK:-}" ] && COUNTS="10 10000"
echo "bench: control plane, $COUNTS VIPs ($((SECONDS - start)) s)"
# shellcheck disable=SC2086
bench/control.sh $COUNTS >>"$RAW" 2>"$RAW.control" ||
	{ echo "bench: the control-plane panel failed:" >&2; grep -v '^dsrlb: VIP' "$RAW.control" | tail -20 >&2; }

python3 bench/report.py "$RAW" --quick "${QUICK:-}" --seconds "$((SECONDS - start))"
