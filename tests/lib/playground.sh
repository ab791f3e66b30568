# shellcheck shell=bash
# The tutorial's playground in network namespaces, for the demo and the tests.
#
#   client 198.19.0.20/16 ── gw 198.19.0.2 | 198.18.178.2 ── br0 (ns "lan")
#                                                          ├─ lb  198.18.178.10 (VIP on eth0)
#                                                          ├─ b1  198.18.178.11 (VIP on lo)
#                                                          └─ b2  198.18.178.12 (VIP on lo)
#   IPv6: client 2001:2:0:1::20/64, LAN 2001:2::/64 (.2 .10 .11 .12 as ::2 ::10 ...),
#   VIP 198.18.178.15 and 2001:2::15.
#
# Source this file; call pg_up, then pg_down (also from a trap). Every
# namespace name starts with $PG_PREFIX, so parallel runs never collide, and
# pg_down ends only the processes this file started (by PID).

PG_PREFIX=${PG_PREFIX:-dsrlb$$}
PG_DIR=${PG_DIR:-$(mktemp -d /tmp/dsrlb-pg.XXXXXX)}
PG_PIDS=()
PG_ROOT=${PG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PG_NODES=(client gw lan lb b1 b2)
# Each playground's daemon has its own API socket (docs/veth.md, item 13).
export DSRLB_SOCKET=$PG_DIR/api.sock

VIP4=198.18.178.15
VIP6=2001:2::15
CLIENT4=198.19.0.20
CLIENT6=2001:2:0:1::20
B1_4=198.18.178.11
B2_4=198.18.178.12
B1_6=2001:2::11
B2_6=2001:2::12

pg_ns() { echo "${PG_PREFIX}-$1"; }
# Run a command inside a node: pg_in lb ip addr
pg_in() {
	local n=$1
	shift
	ip netns exec "$(pg_ns "$n")" "$@"
}

# Connect node A's interface IFA to node B's IFB with a veth pair.
pg_link() {
	local a="dl$RANDOM$RANDOM" b="dr$RANDOM$RANDOM"
	a=${a:0:15}
	b=${b:0:15}
	ip link add "$a" type veth peer name "$b" || return 1
	ip link set "$a" netns "$(pg_ns "$1")" && ip -n "$(pg_ns "$1")" link set "$a" name "$2" &&
		ip link set "$b" netns "$(pg_ns "$3")" && ip -n "$(pg_ns "$3")" link set "$b" name "$4"
}

pg_sysctl() {
	local n=$1
	shift
	for kv in "$@"; do pg_in "$n" sysctl -qw "$kv" >/dev/null || return 1; done
}

# One namespace per node of PG_NODES, lo up, no lookup leaving it.
pg_nodes_up() {
	local n
	for n in "${PG_NODES[@]}"; do
		ip netns add "$(pg_ns "$n")" || return 1
		# ip netns exec bind-mounts /etc/netns/NAME/* over /etc: no lookup leaves
		# the namespace (python's http.server asks DNS for its own name).
		mkdir -p "/etc/netns/$(pg_ns "$n")"
		printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
			>"/etc/netns/$(pg_ns "$n")/resolv.conf"
		printf '127.0.0.1 localhost\n::1 localhost\n' >"/etc/netns/$(pg_ns "$n")/hosts"
		pg_in "$n" ip link set lo up
		# DAD would hold the IPv6 addresses back for a second or two.
		pg_sysctl "$n" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
}

# The LAN's bridge (ns "lan") over the given ports, the client and the
# gateway's addresses and routes: what every bench of nodes shares.
pg_lan() {
	local p
	pg_in lan ip link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	for p in "$@"; do
		pg_in lan ip link set "$p" master br0
		pg_in lan ip link set "$p" up
	done
	pg_in lan ip link set br0 up

	pg_addr client eth0 198.19.0.20/16 2001:2:0:1::20/64
	pg_in client ip route add default via 198.19.0.2
	pg_in client ip -6 route add default via 2001:2:0:1::2

	pg_addr gw eth0 198.19.0.2/16 2001:2:0:1::2/64
	pg_addr gw eth1 198.18.178.2/24 2001:2::2/64
	pg_sysctl gw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

pg_up() {
	pg_nodes_up || return 1

	pg_link client eth0 gw eth0 &&
		pg_link gw eth1 lan p-gw &&
		pg_link lb eth0 lan p-lb &&
		pg_link b1 eth0 lan p-b1 &&
		pg_link b2 eth0 lan p-b2 || return 1

	pg_lan p-gw p-lb p-b1 p-b2

	pg_addr lb eth0 198.18.178.10/24 2001:2::10/64
	# The balancer owns the VIP on the LAN: the gateway's ARP/NDP finds it.
	pg_in lb ip addr add "$VIP4/32" dev eth0
	pg_in lb ip addr add "$VIP6/128" dev eth0 nodad
	pg_in lb ip route add default via 198.18.178.2
	pg_in lb ip -6 route add default via 2001:2::2

	pg_backend b1 198.18.178.11 2001:2::11
	pg_backend b2 198.18.178.12 2001:2::12

	# veth fact 1: an XDP_TX'd frame is only taken by a peer running XDP.
	pg_in lan ip link set dev p-lb xdpdrv obj "$PG_ROOT/build/xdp_pass.bpf.o" sec xdp || return 1

	# veth fact 2: checksums left to offload are never filled in after XDP
	# rewrote the frame; make every sender compute them in software.
	local dev
	for n in client gw lb b1 b2; do
		for dev in eth0 eth1; do
			pg_in "$n" ip link show "$dev" >/dev/null 2>&1 || continue
			pg_in "$n" ethtool -K "$dev" tx off >/dev/null 2>&1
		done
	done
	pg_wait_ready
}

pg_addr() {
	local n=$1 dev=$2 a4=$3 a6=$4
	pg_in "$n" ip addr add "$a4" dev "$dev"
	pg_in "$n" ip addr add "$a6" dev "$dev" nodad
	pg_in "$n" ip link set "$dev" up
}

# A backend as the tutorial prepares it: VIP on lo, ARP for it suppressed.
pg_backend() {
	local n=$1
	pg_addr "$n" eth0 "$2/24" "$3/64"
	pg_in "$n" ip addr add "$VIP4/32" dev lo
	pg_in "$n" ip addr add "$VIP6/128" dev lo
	pg_in "$n" ip route add default via 198.18.178.2
	pg_in "$n" ip -6 route add default via 2001:2::2
	pg_sysctl "$n" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
}

# A third backend, backend-03 (198.18.178.13), prepared like the others and
# serving HTTP on the VIP. Add b3 to PG_NODES after sourcing this file (pg_up
# then creates its namespace, pg_down removes it); call after pg_start_http.
B3_4=198.18.178.13
pg_add_backend3() {
	pg_link b3 eth0 lan p-b3 && pg_in lan ip link set p-b3 master br0 &&
		pg_in lan ip link set p-b3 up || return 1
	pg_backend b3 "$B3_4" 2001:2::13
	pg_in b3 ethtool -K eth0 tx off >/dev/null 2>&1
	mkdir -p "$PG_DIR/www-b3"
	echo backend-03 >"$PG_DIR/www-b3/whoami"
	ln -f "$PG_DIR/big.bin" "$PG_DIR/www-b3/big.bin"
	pg_spawn b3 "$PG_DIR/http-b3-v4.log" python3 -u -m http.server 8000 --bind "$VIP4" \
		--directory "$PG_DIR/www-b3"
	pg_wait_listen b3 tcp "$VIP4:8000"
}

# Links come up asynchronously; wait (bounded) until the client reaches the LAN.
pg_wait_ready() {
	local i
	for i in $(seq 1 50); do
		if pg_in client ping -c1 -W1 198.18.178.10 >/dev/null 2>&1 &&
			pg_in client ping -6 -c1 -W1 2001:2::10 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "playground: the client cannot reach the LAN" >&2
	return 1
}

# Start a command in a node in the background; its PID goes to PG_PIDS and $PG_LAST_PID.
pg_spawn() {
	local n=$1 log=$2
	shift 2
	ip netns exec "$(pg_ns "$n")" "$@" >"$log" 2>&1 </dev/null &
	PG_LAST_PID=$!
	PG_PIDS+=("$PG_LAST_PID")
}

# Wait (bounded) until a node listens: pg_wait_listen b1 tcp 198.18.178.15:8000
pg_wait_listen() {
	local n=$1 proto=$2 addr=$3 i flag=-ltnH
	[ "$proto" = udp ] && flag=-lunH
	for i in $(seq 1 100); do
		pg_in "$n" ss "$flag" | awk '{print $4}' | grep -qxF "$addr" && return 0
		sleep 0.05
	done
	echo "playground: nothing listens on $proto $addr in $n" >&2
	return 1
}

# Serve files from each backend over HTTP, bound to the VIP only (as the tutorial).
# Each backend's directory has /whoami (its name) and /big.bin (the same bytes on both).
pg_start_http() {
	local port=${1:-8000} n
	if [ ! -f "$PG_DIR/big.bin" ]; then
		head -c $((4 * 1024 * 1024)) /dev/urandom >"$PG_DIR/big.bin"
	fi
	for n in b1 b2; do
		mkdir -p "$PG_DIR/www-$n"
		echo "backend-0${n#b}" >"$PG_DIR/www-$n/whoami"
		ln -f "$PG_DIR/big.bin" "$PG_DIR/www-$n/big.bin"
		pg_http_start "$n" "$port" nowait || return 1
	done
	for n in b1 b2; do
		pg_wait_listen "$n" tcp "$VIP4:$port" || return 1
		pg_wait_listen "$n" tcp "[$VIP6]:$port" || return 1
	done
}

# One backend's HTTP servers (v4 and v6, on the VIP), started or stopped alone.
declare -A PG_HTTP_PIDS
pg_http_start() { # pg_http_start NODE [PORT] [nowait]
	local n=$1 port=${2:-8000}
	pg_spawn "$n" "$PG_DIR/http-$n-v4.log" python3 -u -m http.server "$port" \
		--bind "$VIP4" --directory "$PG_DIR/www-$n"
	PG_HTTP_PIDS[$n]=$PG_LAST_PID
	pg_spawn "$n" "$PG_DIR/http-$n-v6.log" python3 -u -m http.server "$port" \
		--bind "$VIP6" --directory "$PG_DIR/www-$n"
	PG_HTTP_PIDS[$n]="${PG_HTTP_PIDS[$n]} $PG_LAST_PID"
	[ "${3:-}" = nowait ] && return 0
	pg_wait_listen "$n" tcp "$VIP4:$port" && pg_wait_listen "$n" tcp "[$VIP6]:$port"
}
pg_http_stop() { # pg_http_stop NODE: ends the servers pg_http_start started there
	local p
	for p in ${PG_HTTP_PIDS[$1]:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PG_HTTP_PIDS[$1]=
}

# A UDP echo service on each backend, bound to the VIP (v4 and v6); the PIDs
# of node N's two in PG_UDP_PIDS[N].
declare -A PG_UDP_PIDS
pg_start_udp() {
	local port=${1:-9000} n
	for n in b1 b2; do
		pg_spawn "$n" "$PG_DIR/udp-$n-v4.log" python3 -u "$PG_ROOT/tests/lib/udp_echo.py" \
			"$VIP4" "$port" "backend-0${n#b}"
		PG_UDP_PIDS[$n]=$PG_LAST_PID
		pg_spawn "$n" "$PG_DIR/udp-$n-v6.log" python3 -u "$PG_ROOT/tests/lib/udp_echo.py" \
			"$VIP6" "$port" "backend-0${n#b}"
		PG_UDP_PIDS[$n]="${PG_UDP_PIDS[$n]} $PG_LAST_PID"
	done
	for n in b1 b2; do
		pg_wait_listen "$n" udp "$VIP4:$port" || return 1
		pg_wait_listen "$n" udp "[$VIP6]:$port" || return 1
	done
}

# Start dsrlb in the lb node; waits (bounded) until it says it is balancing.
#   pg_start_lb --vip ... --backends ...    the quick start on eth0
#   pg_start_daemon FILE                    dsrlb run -c FILE
pg_start_lb() { pg_start_dsrlb -i eth0 "$@"; }
pg_start_daemon() { pg_start_dsrlb run -c "$1"; }
pg_start_dsrlb() {
	local i
	# emptied here, not by the spawn's redirection: that happens in the child,
	# and a first look before it would find the last daemon's "balancing"
	: >"$PG_DIR/dsrlb.log"
	pg_spawn lb "$PG_DIR/dsrlb.log" "$PG_ROOT/build/dsrlb" "$@"
	PG_LB_PID=$PG_LAST_PID
	for i in $(seq 1 150); do
		grep -q "^dsrlb: balancing" "$PG_DIR/dsrlb.log" 2>/dev/null && return 0
		kill -0 "$PG_LB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "playground: dsrlb did not start:" >&2
	cat "$PG_DIR/dsrlb.log" >&2
	return 1
}

# Reload the daemon: write FILE from stdin, SIGHUP, wait (bounded) for the
# outcome in its log. Returns 0 if applied, 1 if rejected, 2 on no answer.
pg_reload() {
	local file=$1 outcome="^dsrlb: (reloaded|error: reload rejected)" before
	cat >"$file"
	before=$(grep -cE "$outcome" "$PG_DIR/dsrlb.log")
	kill -HUP "$PG_LB_PID"
	for _ in $(seq 1 100); do
		if [ "$(grep -cE "$outcome" "$PG_DIR/dsrlb.log")" -gt "$before" ]; then
			grep -E "$outcome" "$PG_DIR/dsrlb.log" | tail -1 | grep -q reloaded && return 0
			return 1
		fi
		sleep 0.05
	done
	return 2
}

# pg_wait_log PATTERN [COUNT] [TENTHS]: until dsrlb's log has COUNT lines
# matching the extended regex (default 1), at most TENTHS tenths of a second (30).
pg_wait_log() {
	local i
	for i in $(seq 1 "${3:-30}"); do
		[ "$(grep -cE "$1" "$PG_DIR/dsrlb.log")" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

# Stop dsrlb with SIGTERM; returns its exit status.
pg_stop_lb() {
	local rc
	kill -TERM "$PG_LB_PID" 2>/dev/null
	wait "$PG_LB_PID"
	rc=$?
	PG_LB_PID=
	return $rc
}

pg_down() {
	local pid n
	for pid in "${PG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	PG_PIDS=()
	for n in "${PG_NODES[@]}"; do
		ip netns del "$(pg_ns "$n")" 2>/dev/null
		rm -rf "/etc/netns/$(pg_ns "$n")"
	done
	[ -n "${PG_KEEP_DIR:-}" ] || rm -rf "$PG_DIR"
}
