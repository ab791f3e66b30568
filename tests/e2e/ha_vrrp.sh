#!/bin/bash
# Two balancers as active and standby with keepalived (issue 14): Debian's
# keepalived with examples/keepalived.conf on each (VRRPv3, advert_int 0.1,
# dsrlb's track file), dsrlb on each with vrrp: and sync:.
#
#   the bench of tests/lib/ha.sh; the VIPs 198.18.178.15 and 2001:2::15 are
#   on the LAN, held on eth0 by the master (keepalived), on lo by both (dsrlb).
#
# The master's crash (keepalived and dsrlb SIGKILLed), its link going down,
# and its return, each while paced downloads run and after a drain (sync);
# new connections all along the master's return; the standby's health view.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
source "$ROOT/tests/lib/ha.sh"
VIP4=198.18.178.15
VIP6=2001:2::15
declare -A KPID
trap 'for n in lb1 lb2; do ka_kill "$n"; done; ha_cleanup' EXIT

conf() { # conf lb1|lb2
	local me=$LB1 peer=$LB2
	[ "$1" = lb2 ] && me=$LB2 peer=$LB1
	cat <<EOF
interface: eth0
hash_seed: 0x64737231
pin_dir: $PIN/$1
state_dir: $PG_DIR/state-$1
api: {socket: $PG_DIR/$1.sock}
flow_table: {size: 100000}
vrrp: {track_file: $PG_DIR/$1.track}
sync: {listen: "$me:7310", peers: ["$peer:7310"], secret_file: $SECRET, learn_timeout: 2}
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    health_check: {type: http, path: /whoami, interval: 0.3, timeout: 0.25, rise: 1, fall: 2}
    hold_down: 0
    backends: [198.18.178.11, 198.18.178.12]
  - name: web6
    address: $VIP6
    port: 8000
    protocol: tcp
    health_check: {type: tcp, interval: 0.3, timeout: 0.25, rise: 1, fall: 2}
    hold_down: 0
    backends: [2001:2::11, 2001:2::12]
EOF
}

# keepalived, VRRP only, in the foreground, from the example (priority 150 for lb1, 100 for lb2).
ka_start() { # ka_start NODE
	local prio=150
	[ "$1" = lb2 ] && prio=100
	sed -e "s|router_id lb1|router_id $1|" -e "s|priority 150|priority $prio|" \
		-e "s|/run/dsrlb/eth0.track|$PG_DIR/$1.track|" "$ROOT/examples/keepalived.conf" >"$PG_DIR/ka-$1.conf"
	pg_spawn "$1" "$PG_DIR/ka-$1.log" keepalived -n -l -D -P -f "$PG_DIR/ka-$1.conf" \
		-p "$PG_DIR/ka-$1.pid" -r "$PG_DIR/ka-$1-vrrp.pid" -i "$1"
	KPID[$1]=$PG_LAST_PID
}
# SIGKILL keepalived: its VRRP child first (a crash says nothing to the peer), then the parent.
ka_kill() {
	local c
	c=$(cat "$PG_DIR/ka-$1-vrrp.pid" 2>/dev/null)
	[ -n "$c" ] && kill -9 "$c" 2>/dev/null
	[ -n "${KPID[$1]:-}" ] && kill -9 "${KPID[$1]}" 2>/dev/null && wait "${KPID[$1]}" 2>/dev/null
	KPID[$1]=
	rm -f "$PG_DIR/ka-$1-vrrp.pid" "$PG_DIR/ka-$1.pid"
}
on_eth0() { pg_in "$1" ip addr show eth0 | grep -q "inet $VIP4/32"; }
# Wait (bounded, TENTHS) until NODE holds the VIP on eth0; prints the ms it took.
wait_master() { ha_wait "$2" on_eth0 "$1"; } # wait_master NODE TENTHS
health_view() { # health_view NODE: "ADDR STATUS" per backend of every VIP
	api "$1" /api/v1/vips | python3 -c '
import json, sys
for v in json.load(sys.stdin):
    for b in v["backends"]:
        print(v["name"], b["address"], b["status"])'
}
# New connections every 50 ms from now until stop_probes; the failures counted.
start_probes() {
	ip netns exec "$(pg_ns client)" bash -c "while [ ! -e '$PG_DIR/probes.stop' ]; do curl -s --max-time 2 -o /dev/null -w '%{http_code}\n' http://$VIP4:8000/whoami || echo FAIL; sleep 0.05; done" >"$PG_DIR/probes.out" 2>&1 &
	PROBE_PID=$!
	rm -f "$PG_DIR/probes.stop"
}
stop_probes() {
	touch "$PG_DIR/probes.stop"
	wait "$PROBE_PID"
	rm -f "$PG_DIR/probes.stop"
	PROBES_N=$(wc -l <"$PG_DIR/probes.out")
	PROBES_FAILED=$(grep -vc '^200$' "$PG_DIR/probes.out")
}

ha_up && pg_start_http 8000 && ok "bench up: client, gateway, 2 balancers, 2 backends" || bail "bench setup failed"
WANT=$(sha256sum "$PG_DIR/big.bin" | cut -d' ' -f1)
ka_start lb1
ka_start lb2
start_lb lb1 && start_lb lb2 && ok "dsrlb runs on both balancers and says it is ready" || bail "dsrlb did not start"
t=$(wait_master lb1 100)
check "keepalived makes lb1 the master ($t ms after dsrlb was ready); lb2 does not hold the VIP on eth0" \
	bash -c "[ '$t' != timeout ] && ! ip netns exec $(pg_ns lb2) ip addr show eth0 | grep -q 'inet $VIP4/'"
check "both balancers hold the VIPs on lo (the standby's health checks need them)" \
	bash -c "for n in $(pg_ns lb1) $(pg_ns lb2); do ip netns exec \$n ip addr show lo | grep -q '$VIP4/32' && ip netns exec \$n ip addr show lo | grep -q '$VIP6/128' || exit 1; done"
check "the track files say 0 VIPs cannot be served: lb1 $(cat "$PG_DIR/lb1.track"), lb2 $(cat "$PG_DIR/lb2.track")" \
	test "$(cat "$PG_DIR/lb1.track")" = 0 -a "$(cat "$PG_DIR/lb2.track")" = 0
fails=0
for i in $(seq 1 20); do pg_in client curl -sf --max-time 3 -o /dev/null "http://$VIP4:8000/whoami" || fails=$((fails + 1)); done
check "20 connections through the master: $fails fail" test "$fails" -eq 0

# ---- the standby's health view is true ----
pg_http_stop b2
sleep 1.5
health_view lb1 >"$PG_DIR/hv1"
health_view lb2 >"$PG_DIR/hv2"
check "backend-02's server stopped: the standby's health view equals the master's ($(grep 198.18.178.12 "$PG_DIR/hv2" | tr '\n' ' '))" \
	bash -c "cmp -s '$PG_DIR/hv1' '$PG_DIR/hv2' && grep -q '198.18.178.12 .*down' '$PG_DIR/hv2'"
pg_http_start b2 8000
for i in $(seq 1 25); do # bounded: 5 s
	sleep 0.2
	health_view lb1 >"$PG_DIR/hv1"
	health_view lb2 >"$PG_DIR/hv2"
	grep -q down "$PG_DIR/hv1" "$PG_DIR/hv2" || break
done
grep -h down "$PG_DIR/hv1" "$PG_DIR/hv2" | sed 's/^/# still down: /'
check "and back: both see every backend up again" \
	bash -c "cmp -s '$PG_DIR/hv1' '$PG_DIR/hv2' && ! grep -q down '$PG_DIR/hv2'"

# ---- a master that cannot serve gives the VIP up ----
cli lb1 backend set web 198.18.178.11 --state off >/dev/null
cli lb1 backend set web 198.18.178.12 --state off >/dev/null
t=$(wait_master lb2 30)
check "web's backends all off on lb1: its track file says $(cat "$PG_DIR/lb1.track") and lb2 takes the VIP in $t ms" \
	test "$t" != timeout -a "$(cat "$PG_DIR/lb1.track")" = 1
cli lb1 backend set web 198.18.178.11 --state up >/dev/null
cli lb1 backend set web 198.18.178.12 --state up >/dev/null
t=$(wait_master lb1 50)
check "web's backends back on lb1: lb1 takes the VIP back ($t ms)" test "$t" != timeout

# ---- the master crashes: keepalived and dsrlb SIGKILLed, after a drain ----
downloads crash 9
sleep 2
for n in lb1 lb2; do
	cli "$n" backend drain web 198.18.178.12 >/dev/null && cli "$n" backend drain web6 2001:2::12 >/dev/null
done
sleep 2.5 # the walk finds the drained flows and sends them
t0=$(date +%s%N)
ka_kill lb1
kill -9 "${DPID[lb1]}"
wait "${DPID[lb1]}" 2>/dev/null
DPID[lb1]=
t=$(wait_master lb2 30)
echo "# figure: failover (master's keepalived and dsrlb SIGKILLed to the VIP on the standby): $t ms"
# the crashed master still has the VIP on eth0 (nobody removed it): as a reboot would, take it away
pg_in lb1 ip addr del "$VIP4/32" dev eth0 2>/dev/null
pg_in lb1 ip addr del "$VIP6/128" dev eth0 2>/dev/null
pg_in gw ip neigh flush dev eth1 2>/dev/null
downloads_end crash
check "backend-02 drained on both while 9 downloads ran, then the master crashed: $DL_RESULT, the standby holds the VIP after $t ms" \
	test "$DL_RESULT" = "9 of 9 whole" -a "$t" != timeout

# ---- the master returns: no VIP before it is ready, no new flow dropped ----
start_probes
sleep 0.5
ka_start lb1
early=0
: >"$PG_DIR/dsrlb-lb1.log"
pg_spawn lb1 "$PG_DIR/dsrlb-lb1.log" "$DSRLB" run -c "$PG_DIR/lb1.yaml"
DPID[lb1]=$PG_LAST_PID
for i in $(seq 1 250); do
	ready=$(grep -c 'ready: ' "$PG_DIR/dsrlb-lb1.log")
	if on_eth0 lb1; then
		[ "$ready" -eq 0 ] && early=1
		break
	fi
	sleep 0.02
done
t=$(wait_master lb1 50)
sleep 1.5
stop_probes
check "the master returns: it took the VIP only once dsrlb was ready (early: $early), and did ($t)" \
	test "$early" -eq 0 -a "$t" != timeout
check "new connections every 50 ms all through the return: $PROBES_FAILED of $PROBES_N fail" \
	test "$PROBES_FAILED" -eq 0 -a "$PROBES_N" -gt 20
for n in lb1 lb2; do
	cli "$n" backend set web 198.18.178.12 --state up >/dev/null && cli "$n" backend set web6 2001:2::12 --state up >/dev/null
done

# ---- the master's link goes down, then comes back ----
downloads link 9
sleep 2
start_probes
pg_in lb1 ip link set eth0 down
t=$(wait_master lb2 30)
echo "# figure: failover (master's link down to the VIP on the standby): $t ms"
sleep 2
pg_in lb1 ip link set eth0 up
t2=$(wait_master lb1 50)
downloads_end link
sleep 1
stop_probes
check "the master's link down, then up, during 9 downloads: $DL_RESULT; lb2 took the VIP in $t ms, lb1 took it back ($t2)" \
	test "$DL_RESULT" = "9 of 9 whole" -a "$t" != timeout -a "$t2" != timeout
check "new connections every 50 ms through the link's loss and return: $PROBES_FAILED of $PROBES_N fail" \
	test "$PROBES_FAILED" -eq 0 -a "$PROBES_N" -gt 20

# ---- maintenance: a planned handover ----
downloads maint 6
sleep 2
cli lb1 maintenance on >/dev/null
t=$(wait_master lb2 30)
downloads_end maint
check "dsrlb maintenance on the master: its track file says $(cat "$PG_DIR/lb1.track"), lb2 takes the VIP ($t ms), downloads: $DL_RESULT" \
	test "$t" != timeout -a "$DL_RESULT" = "6 of 6 whole" -a "$(cat "$PG_DIR/lb1.track")" != 0
cli lb1 maintenance off >/dev/null
t=$(wait_master lb1 50)
check "maintenance off: lb1 is the master again ($t ms)" test "$t" != timeout

tap_done
