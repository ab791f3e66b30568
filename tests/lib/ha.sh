# shellcheck shell=bash
# The bench of several balancers (issue 14), shared by tests/e2e/ha_bgp.sh
# and ha_vrrp.sh. Source after playground.sh, set VIP4 and VIP6, define
# conf NODE (prints that balancer's dsrlb.yaml), then call ha_up.
#
#   client 198.19.0.20 ── gw 198.19.0.2 | 198.18.178.2 ── br0 ─┬─ lb1 198.18.178.10
#                                                             ├─ lb2 198.18.178.20
#                                                             ├─ b1  198.18.178.11
#                                                             └─ b2  198.18.178.12
# Each balancer: pin_dir $PIN/NODE (one bpffs for all), API $PG_DIR/NODE.sock,
# log $PG_DIR/dsrlb-NODE.log. Long flows are paced downloads
# (tests/lib/paced_get.py, about 12 s on the wire each).
PG_NODES=(client gw lan lb1 lb2 b1 b2)
LB1=198.18.178.10
LB2=198.18.178.20
DSRLB="$ROOT/build/dsrlb"
PIN="$PG_DIR/bpffs"
SECRET="$PG_DIR/sync.secret"
RATE=350000 # bytes/s: a 4 MiB download takes 12 s
declare -A DPID BPID

ha_cleanup() {
	local n
	for n in lb1 lb2; do
		[ -n "${DPID[$n]:-}" ] && kill -9 "${DPID[$n]}" 2>/dev/null
		pg_in "$n" "$DSRLB" stop --detach -i eth0 --pin-dir "$PIN/$n" >/dev/null 2>&1
	done
	umount "$PIN" 2>/dev/null
	pg_down
}

ha_up() {
	local n
	pg_nodes_up || return 1
	pg_link client eth0 gw eth0 && pg_link gw eth1 lan p-gw && pg_link lb1 eth0 lan p-lb1 &&
		pg_link lb2 eth0 lan p-lb2 && pg_link b1 eth0 lan p-b1 && pg_link b2 eth0 lan p-b2 || return 1
	pg_lan p-gw p-lb1 p-lb2 p-b1 p-b2
	pg_sysctl gw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	# a link that goes down keeps its IPv6 addresses (the default flushes them,
	# and bird's IPv6 session could not come back): docs/ha.md
	pg_sysctl lb1 net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
	pg_sysctl lb2 net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
	pg_addr lb1 eth0 "$LB1/24" 2001:2::10/64
	pg_addr lb2 eth0 "$LB2/24" 2001:2::20/64
	for n in lb1 lb2; do
		pg_in "$n" ip route add default via 198.18.178.2
		pg_in "$n" ip -6 route add default via 2001:2::2
	done
	pg_backend b1 198.18.178.11 2001:2::11
	pg_backend b2 198.18.178.12 2001:2::12
	[ -n "${SOLO:-}" ] && pg_in b1 ip addr add "$SOLO/32" dev lo
	for p in p-lb1 p-lb2; do
		pg_in lan ip link set dev "$p" xdpdrv obj "$ROOT/build/xdp_pass.bpf.o" sec xdp || return 1
	done
	for n in client gw lb1 lb2 b1 b2; do
		for dev in eth0 eth1; do
			pg_in "$n" ip link show "$dev" >/dev/null 2>&1 && pg_in "$n" ethtool -K "$dev" tx off >/dev/null 2>&1
		done
	done
	mkdir -p "$PIN" && mount -t bpf bpf "$PIN"
	head -c 32 /dev/urandom | base64 >"$SECRET" && chmod 600 "$SECRET"
}

# The balancer's config: the example, with this bench's paths.
start_lb() { # start_lb lb1|lb2 (waits until it says it is ready)
	local n=$1 i
	[ -f "$PG_DIR/$n.yaml" ] || conf "$n" >"$PG_DIR/$n.yaml"
	: >"$PG_DIR/dsrlb-$n.log"
	pg_spawn "$n" "$PG_DIR/dsrlb-$n.log" "$DSRLB" run -c "$PG_DIR/$n.yaml"
	DPID[$n]=$PG_LAST_PID
	for i in $(seq 1 100); do
		grep -q "ready: " "$PG_DIR/dsrlb-$n.log" && return 0
		kill -0 "${DPID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$PG_DIR/dsrlb-$n.log" >&2
	return 1
}

api() { # api lb1 PATH: GET a JSON document from that balancer
	curl -s --unix-socket "$PG_DIR/$1.sock" "http://dsrlb$2"
}
cli() { local n=$1; shift; "$DSRLB" "$@" -s "$PG_DIR/$n.sock"; }

vip_packets() { # vip_packets lb1 web: what that balancer sent on for the VIP
	api "$1" /api/v1/vips | python3 -c "import json,sys; print([v for v in json.load(sys.stdin) if v['name'] == '$2'][0]['packets'])"
}

# N paced downloads of /big.bin (v4 and v6 alternating); PIDs in DL_PIDS.
DL_PIDS=()
downloads() { # downloads TAG N
	local i host
	DL_PIDS=()
	for i in $(seq 1 "$2"); do
		host=$VIP4
		[ $((i % 3)) = 0 ] && host=$VIP6
		ip netns exec "$(pg_ns client)" python3 "$ROOT/tests/lib/paced_get.py" "$host" 8000 /big.bin \
			"$RATE" "$WANT" 40 >"$PG_DIR/dl-$1-$i.out" 2>&1 &
		DL_PIDS+=($!)
	done
}
# Wait for them: "K of N whole" into $DL_RESULT; 0 if all are whole.
downloads_end() { # downloads_end TAG
	local p ok=0 n=0 f
	for p in "${DL_PIDS[@]}"; do wait "$p"; done
	for f in "$PG_DIR"/dl-"$1"-*.out; do
		n=$((n + 1))
		grep -q '^ok ' "$f" && ok=$((ok + 1))
	done
	DL_RESULT="$ok of $n whole"
	grep -h '^broken' "$PG_DIR"/dl-"$1"-*.out | head -3 | sed 's/^/# /'
	[ "$ok" = "$n" ]
}

# ha_wait TENTHS CMD...: until CMD succeeds (bounded: TENTHS tenths of a
# second, polled every 20 ms); prints the milliseconds it took, or "timeout".
ha_wait() {
	local t0 i n=$(($1 * 5))
	shift
	t0=$(date +%s%N)
	for i in $(seq 1 "$n"); do
		if "$@"; then
			echo $((($(date +%s%N) - t0) / 1000000))
			return 0
		fi
		sleep 0.02
	done
	echo timeout
	return 1
}
