#!/bin/bash
# Several balancers behind a router's ECMP (issue 14), with the real engines:
# bird2 on the router (examples/bird-router.conf) and on each balancer
# (examples/bird-balancer.conf), dsrlb on each (examples/dsrlb-bgp.yaml).
#
#   client 198.19.0.20 ── gw (bird, ECMP, L4 multipath hash) ── br0 ─┬─ lb1 198.18.178.10
#                                                                   ├─ lb2 198.18.178.20
#                                                                   ├─ b1  198.18.178.11
#                                                                   └─ b2  198.18.178.12
#   VIPs 198.18.179.15 and 2001:2:1::15 (port 8000) are on no balancer's
#   interface: the router learns them over BGP from each balancer that can
#   serve them. A third, 198.18.179.16, has backend-01 alone.
#
# Long flows are paced downloads (tests/lib/paced_get.py, about 12 s on the
# wire each), so every failover happens in the middle of them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
source "$ROOT/tests/lib/ha.sh"
VIP4=198.18.179.15
VIP6=2001:2:1::15
SOLO=198.18.179.16
trap ha_cleanup EXIT

conf() { # conf lb1|lb2
	local me=$LB1 peer=$LB2
	[ "$1" = lb2 ] && me=$LB2 peer=$LB1
	sed -e "s|/etc/dsrlb/sync.secret|$SECRET|" -e "s|listen: $LB1:7310|listen: $me:7310|" \
		-e "s|peers: \[$LB2:7310\]|peers: [$peer:7310]|" -e "s|withdraw_wait: 2 |withdraw_wait: 1 |" \
		"$ROOT/examples/dsrlb-bgp.yaml"
	# a VIP with one backend, no health check: the withdrawal test
	printf '  - {name: solo, address: %s, port: 8000, protocol: tcp, backends: [198.18.178.11]}\n' "$SOLO"
	# UDP, for the agreement test
	printf '  - {name: dns, address: %s, port: 9000, protocol: udp, backends: [198.18.178.11, 198.18.178.12]}\n' "$VIP4"
	cat <<EOF
pin_dir: $PIN/$1
state_dir: $PG_DIR/state-$1
api: {socket: $PG_DIR/$1.sock}
EOF
}

start_bird() { # start_bird NODE CONF
	pg_spawn "$1" "$PG_DIR/bird-$1.log" bird -f -c "$2" -s "$PG_DIR/bird-$1.ctl" -P "$PG_DIR/bird-$1.pid"
	BPID[$1]=$PG_LAST_PID
}

# Next hops the router has for a VIP now (0 when it has no route).
paths() {
	local r
	if [[ "$1" == *:* ]]; then r=$(pg_in gw ip -6 route show "$1/128"); else r=$(pg_in gw ip route show "$1/32"); fi
	grep -o ' via ' <<<"$r" | wc -l
}
has_path() { # has_path VIP LBADDR
	if [[ "$1" == *:* ]]; then pg_in gw ip -6 route show "$1/128"; else pg_in gw ip route show "$1/32"; fi | grep -q "via $2 "
}
# Wait (bounded, TENTHS tenths of a second) until paths VIP is N; prints the ms it took.
paths_are() { [ "$(paths "$1")" -eq "$2" ]; }
wait_paths() { ha_wait "$3" paths_are "$1" "$2"; } # wait_paths VIP N TENTHS

ha_up && pg_start_http 8000 && pg_start_udp 9000 && ok "bench up: client, router, 2 balancers, 2 backends" || bail "bench setup failed"
WANT=$(sha256sum "$PG_DIR/big.bin" | cut -d' ' -f1)

sed -e 's/interface "eth1"/interface "eth1"/' "$ROOT/examples/bird-router.conf" >"$PG_DIR/bird-gw.conf"
cp "$ROOT/examples/bird-balancer.conf" "$PG_DIR/bird-lb1.conf"
sed -e "s/198.18.178.10/$LB2/g" -e 's/2001:2::10/2001:2::20/g' "$ROOT/examples/bird-balancer.conf" >"$PG_DIR/bird-lb2.conf"
start_bird gw "$PG_DIR/bird-gw.conf"
start_bird lb1 "$PG_DIR/bird-lb1.conf"
start_bird lb2 "$PG_DIR/bird-lb2.conf"
start_lb lb1 && start_lb lb2 && ok "dsrlb runs on both balancers from examples/dsrlb-bgp.yaml and says it is ready" ||
	bail "dsrlb did not start"

t=$(wait_paths "$VIP4" 2 300) && t6=$(wait_paths "$VIP6" 2 100) &&
	ok "the router learns both VIPs from both balancers over BGP (2 ECMP paths each; IPv4 after $t ms, IPv6 $t6 ms more)" ||
	bail "the router has $(paths "$VIP4") paths to $VIP4 and $(paths "$VIP6") to $VIP6: $(pg_in gw birdc -s "$PG_DIR/bird-gw.ctl" show protocols 2>&1 | tr '\n' ' '); lb1's table 4242: $(pg_in lb1 ip route show table 4242 | tr '\n' ';') $(pg_in lb1 ip -6 route show table 4242 | tr '\n' ';'); lb1's bird: $(pg_in lb1 birdc -s "$PG_DIR/bird-lb1.ctl" show route all 2>&1 | tr '\n' ' '); $(grep -E 'ready|announce|warn' "$PG_DIR/dsrlb-lb1.log" | tr '\n' ' ')"
check "neither balancer has a VIP on its interface (the router reaches them through BGP alone); both have them on lo" \
	bash -c "! ip netns exec $(pg_ns lb1) ip addr show eth0 | grep -q '$VIP4' && ! ip netns exec $(pg_ns lb2) ip addr show eth0 | grep -q '$VIP4' && ip netns exec $(pg_ns lb1) ip addr show lo | grep -q '$VIP4/32'"
r=$(pg_in lb1 ip route show table 4242)
check "lb1's kernel table 4242 holds what bird learns: $(echo "$r" | tr '\n' ';')" \
	bash -c "grep -q '$VIP4 dev lo proto 197' <<<'$r' && grep -q '$SOLO dev lo proto 197' <<<'$r'"

# ---- spread and agreement ----
a1=$(vip_packets lb1 web) a2=$(vip_packets lb2 web)
for i in $(seq 1 30); do pg_in client curl -s --max-time 3 -o /dev/null "http://$VIP4:8000/whoami"; done
sleep 2.2 # counters are sampled each second, listings rendered each second
d1=$(($(vip_packets lb1 web) - a1)) d2=$(($(vip_packets lb2 web) - a2))
check "30 connections spread over both balancers (lb1 sent on $d1 packets, lb2 $d2)" test "$d1" -gt 0 -a "$d2" -gt 0

# The same 40 tuples through each balancer alone (policy routing on the
# router): each lands on the same backend. UDP, so that a tuple can be used
# again at once (TCP's TIME_WAIT would refuse the port).
pg_in gw ip rule add from 198.19.0.20 iif eth0 table 100 pref 100
through() { # through LBADDR: one "BACKEND SEEN_ADDR" per source port 43001..43040
	pg_in gw ip route replace "$VIP4/32" via "$1" dev eth1 table 100
	pg_in gw ip route flush cache
	pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 40 43001
}
through "$LB1" >"$PG_DIR/via-lb1"
through "$LB2" >"$PG_DIR/via-lb2"
pg_in gw ip rule del pref 100
differ=$(paste -d' ' "$PG_DIR/via-lb1" "$PG_DIR/via-lb2" | awk '$1 != $3' | wc -l)
lost=$(cat "$PG_DIR/via-lb1" "$PG_DIR/via-lb2" | grep -c LOST)
both=$(awk '{print $1}' "$PG_DIR/via-lb1" | sort -u | grep -c backend)
check "the same 40 tuples through lb1 alone and lb2 alone: $differ land on a different backend, $lost lost, both backends used ($both)" \
	test "$differ" -eq 0 -a "$lost" -eq 0 -a "$both" -eq 2
out=$(cli lb1 peers)
check "dsrlb peers on lb1: lb2 is up, ready and agrees ($(echo "$out" | tail -1))" \
	bash -c "grep -q '$LB2:7310 (.*): up, ready, agrees' <<<'$out'"

s1=$(cli lb1 status) s2=$(cli lb2 status)
check "dsrlb status on lb1 says ready, what it announces and its peer: $(grep -E '^(ready|announce|sync)' <<<"$s1" | tr '\n' ';')" \
	bash -c "grep -q '^ready; 4 of 4 VIPs can be served' <<<'$s1' && grep -q '^announce: 3 addresses in kernel table 4242' <<<'$s1' && grep -q '^sync: 1 of 1 peers heard, 1 agree' <<<'$s1'"
f1=$(grep -A1 '^  web ' <<<"$s1" | grep -o 'fingerprint [0-9a-f]*') f2=$(grep -A1 '^  web ' <<<"$s2" | grep -o 'fingerprint [0-9a-f]*')
check "web's fingerprint is the same in both balancers' status ($f1, $f2)" test -n "$f1" -a "$f1" = "$f2"
curl -s --unix-socket "$PG_DIR/lb1.sock" http://dsrlb/metrics | grep -q "^dsrlb_vip_table_info{vip=\"web\",fingerprint=\"${f1#fingerprint }\"} 1$"
check "and in /metrics (dsrlb_vip_table_info)" test $? -eq 0

# a disagreement is named: dns's weights changed on lb1 alone
cli lb1 backend set dns 198.18.178.11 --weight 2 >/dev/null
for i in $(seq 1 30); do # bounded: 6 s (HELLO each second, then the fingerprints)
	out=$(cli lb1 peers)
	rc=$?
	grep -q '    dns: tables differ' <<<"$out" && break
	sleep 0.2
done
check "dns's weight changed on lb1 alone: dsrlb peers exits $rc and names it ($(grep dns <<<"$out" | tr -s ' '))" \
	bash -c "[ $rc -eq 1 ] && grep -q 'DISAGREES' <<<'$out' && grep -q '    dns: tables differ' <<<'$out' && [ \$(grep -c '^    ' <<<'$out') -eq 1 ]"
cli lb1 backend set dns 198.18.178.11 --weight 1 >/dev/null
for i in $(seq 1 30); do cli lb1 peers >/dev/null && break; sleep 0.2; done
check "and back to weight 1: they agree again (dsrlb peers exits 0)" cli lb1 peers

# ---- losing a balancer: its link goes ----
downloads link 9
sleep 3
b1=$(vip_packets lb1 web)
pg_in lb1 ip link set eth0 down
t=$(wait_paths "$VIP4" 1 50)
echo "# figure: failover (lb1's link down to the router's one path): $t ms"
downloads_end link
check "lb1's link down during 9 paced downloads (3 IPv6; lb1 had carried $b1 packets): $DL_RESULT, the router dropped lb1's path in $t ms" \
	test "${DL_PIDS[*]}" != "" -a "$DL_RESULT" = "9 of 9 whole"
pg_in lb1 ip link set eth0 up
t=$(wait_paths "$VIP4" 2 200) && t6=$(wait_paths "$VIP6" 2 100)
check "lb1's link back: the router has both paths again after $t ms (IPv6 $t6 more)" test "$t" != timeout -a "$t6" != timeout
sleep 1
# New flows right after its return: lb1's MACs were flushed with the link
fails=0
for i in $(seq 1 30); do pg_in client curl -sf --max-time 3 -o /dev/null "http://$VIP4:8000/whoami" || fails=$((fails + 1)); done
check "30 new connections right after lb1's return: $fails fail" test "$fails" -eq 0

# ---- a drain while downloads run, then a balancer's daemon and bird SIGKILLed ----
downloads drain 9
sleep 2
for n in lb1 lb2; do
	cli "$n" backend drain web 198.18.178.12 >/dev/null && cli "$n" backend drain web6 2001:2::12 >/dev/null
done
sleep 2.5 # the walk finds the drained backend's flows and sends them to the peer
l1=$(api lb1 /api/v1/peers | python3 -c "import json,sys; print(json.load(sys.stdin)['received']['learned'])")
e2=$(api lb2 /api/v1/peers | python3 -c "import json,sys; print(json.load(sys.stdin)['exceptions'])")
kill -9 "${DPID[lb2]}" "${BPID[lb2]}"
wait "${DPID[lb2]}" "${BPID[lb2]}" 2>/dev/null
DPID[lb2]= BPID[lb2]=
t=$(wait_paths "$VIP4" 1 50)
echo "# figure: failover (lb2's daemon and bird SIGKILLed to the router's one path): $t ms"
downloads_end drain
check "backend-02 drained on both while 9 downloads ran, then lb2's dsrlb and bird SIGKILLed: $DL_RESULT (lb2 had $e2 exceptions, lb1 learned $l1 flows), path gone in $t ms" \
	test "$DL_RESULT" = "9 of 9 whole"
check "the drained flows travelled: lb2 found exceptions ($e2) and lb1 learned flows ($l1)" test "$e2" -gt 0 -a "$l1" -gt 0

# ---- sync input, while lb2 is down (its address and port are free to forge from) ----
before=$(api lb1 /api/v1/peers)
for m in badkey short flipped stale badentry; do
	pg_in lb2 python3 "$ROOT/tests/lib/sync_send.py" "$m" "$SECRET" "$LB2" 7310 "$LB1" 7310 198.19.0.20 5555 "$VIP4" 8000 198.18.178.11
done
pg_in gw python3 "$ROOT/tests/lib/sync_send.py" good "$SECRET" 198.18.178.2 7310 "$LB1" 7310 198.19.0.20 5556 "$VIP4" 8000 198.18.178.11
sleep 0.3
after=$(api lb1 /api/v1/peers)
delta() { python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(eval('b' + sys.argv[3]) - eval('a' + sys.argv[3]))" "$before" "$after" "$1"; }
check "forged sync messages are counted by reason: auth $(delta "['dropped']['auth']") (wrong key, a flipped bit), short $(delta "['dropped']['short']"), stale $(delta "['dropped']['stale']"), format $(delta "['dropped']['format']"), not a peer $(delta "['dropped']['source']")" \
	test "$(delta "['dropped']['auth']")" = 2 -a "$(delta "['dropped']['short']")" = 1 -a "$(delta "['dropped']['stale']")" = 1 -a \
	"$(delta "['dropped']['format']")" = 1 -a "$(delta "['dropped']['source']")" = 1
check "and none of them changed a flow (learned +$(delta "['received']['learned']"))" test "$(delta "['received']['learned']")" = 0
before=$after
pg_in lb2 python3 "$ROOT/tests/lib/sync_send.py" replay "$SECRET" "$LB2" 7310 "$LB1" 7310 198.19.0.20 5557 "$VIP4" 8000 198.18.178.11
sleep 0.3
after=$(api lb1 /api/v1/peers)
check "a genuine message is learned once (+$(delta "['received']['learned']")); the same bytes again are a replay (+$(delta "['dropped']['replay']"))" \
	test "$(delta "['received']['learned']")" = 1 -a "$(delta "['dropped']['replay']")" = 1
sleep 1.2 # /metrics is rendered once a second
curl -s --unix-socket "$PG_DIR/lb1.sock" http://dsrlb/metrics >"$PG_DIR/metrics"
grep '^dsrlb_sync' "$PG_DIR/metrics" | sed 's/^/# /' 
check "/metrics has dsrlb_sync_dropped_total{reason=\"auth\"} 2 and the peer's state" \
	bash -c "grep -q '^dsrlb_sync_dropped_total{reason=\"auth\"} 2$' '$PG_DIR/metrics' && grep -q '^dsrlb_sync_peer_agrees{peer=\"$LB2:7310\"} [01]$' '$PG_DIR/metrics'"

# ---- a pin_dir is one daemon's ----
sed "s|pin_dir: .*|pin_dir: $PIN/lb1|" "$PG_DIR/lb2.yaml" >"$PG_DIR/lb2-wrong-pin.yaml"
out=$(pg_in lb2 timeout 20 "$DSRLB" run -c "$PG_DIR/lb2-wrong-pin.yaml" 2>&1)
rc=$?
grep -q 'belongs to another' <<<"$out" || echo "$out" | sed 's/^/# /' | head -5
check "a daemon in lb2's namespace given lb1's pin_dir is refused (exit $rc), naming it: $(echo "$out" | grep -o 'pinned at [^ ]* belongs to another[^(]*' | head -1)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'pinned at $PIN/lb1/eth0 belongs to another interface or network namespace' <<<'$out'"
out=$(pg_in lb2 "$DSRLB" stop --detach -i eth0 --pin-dir "$PIN/lb1" 2>&1)
rc=$?
check "dsrlb stop --detach from lb2 on lb1's pin_dir is refused (exit $rc) and lb1's pins stay ($(ls "$PIN/lb1/eth0" | wc -l) files)" \
	bash -c "[ $rc -ne 0 ] && grep -q 'belongs to another' <<<'$out' && [ -n \"\$(ls '$PIN/lb1/eth0')\" ]"

# lb2 returns: adopting its pinned data plane, learning from lb1 before it announces
start_bird lb2 "$PG_DIR/bird-lb2.conf"
start_lb lb2 || bail "lb2 did not come back"
check "lb2 back: it learned lb1's exceptions before it was ready" \
	bash -c "grep -q 'sync: learned the exceptions of $LB1' '$PG_DIR/dsrlb-lb2.log' && awk '/sync: learned/ {l=NR} /ready: / {r=NR} END {exit !(l && r && l < r)}' '$PG_DIR/dsrlb-lb2.log'"
wait_paths "$VIP4" 2 200 >/dev/null
for n in lb1 lb2; do
	cli "$n" backend set web 198.18.178.12 --state up >/dev/null && cli "$n" backend set web6 2001:2::12 --state up >/dev/null
done

# ---- a weight change while downloads run, then a link down ----
downloads weight 9
sleep 2
for n in lb1 lb2; do
	cli "$n" backend set web 198.18.178.11 --weight 3 >/dev/null && cli "$n" backend set web6 2001:2::11 --weight 3 >/dev/null
done
sleep 2.5
pg_in lb2 ip link set eth0 down
t=$(wait_paths "$VIP4" 1 50)
downloads_end weight
check "backend-01's weight 1 -> 3 on both while 9 downloads ran, then lb2's link down: $DL_RESULT (path gone in $t ms)" \
	test "$DL_RESULT" = "9 of 9 whole"
pg_in lb2 ip link set eth0 up
wait_paths "$VIP4" 2 200 >/dev/null

# ---- withdrawing: a VIP that loses its last backend ----
check "both balancers announce solo ($SOLO)" test "$(wait_paths "$SOLO" 2 100)" != timeout
t0=$(date +%s%N)
cli lb1 backend drain solo 198.18.178.11 >/dev/null
for i in $(seq 1 150); do has_path "$SOLO" "$LB1" || break; sleep 0.01; done
t=$((($(date +%s%N) - t0) / 1000000))
echo "# figure: withdraw (solo's last backend drained on lb1 to the router's route without lb1): $t ms"
gone=yes kept=no
has_path "$SOLO" "$LB1" && gone=no
has_path "$SOLO" "$LB2" && kept=yes
check "solo's only backend drained on lb1: the router drops lb1's path in $t ms (at most 1000: $gone), keeps lb2's ($kept)" \
	test "$t" -le 1000 -a "$gone" = yes -a "$kept" = yes
cli lb1 backend set solo 198.18.178.11 --state up >/dev/null
t=$(wait_paths "$SOLO" 2 50)
check "solo's backend back up: lb1 announces it again ($t ms)" test "$t" != timeout

# ---- a planned drain of a balancer: maintenance ----
downloads maint 9
sleep 2
cli lb1 maintenance on >/dev/null
t=$(wait_paths "$VIP4" 1 50)
t6=$(wait_paths "$VIP6" 1 50)
downloads_end maint
check "dsrlb maintenance on lb1 during 9 downloads: $DL_RESULT; the router dropped lb1's paths in $t ms (IPv6 $t6)" \
	test "$DL_RESULT" = "9 of 9 whole" -a "$t" != timeout
s=$(api lb1 /api/v1/status)
check "status on lb1 says maintenance and 0 announced" \
	python3 -c "import json,sys; s=json.loads(sys.argv[1]); sys.exit(not (s['maintenance'] is True and s['announce']['announced'] == 0))" "$s"
cli lb1 maintenance off >/dev/null
t=$(wait_paths "$VIP4" 2 50)
check "maintenance off: lb1 announces again ($t ms)" test "$t" != timeout

# ---- a restart and a kill -9 withdraw nothing ----
min=2
kill -9 "${DPID[lb1]}"
wait "${DPID[lb1]}" 2>/dev/null
for i in $(seq 1 20); do p=$(paths "$VIP4"); [ "$p" -lt "$min" ] && min=$p; sleep 0.05; done
start_lb lb1 || bail "lb1 did not come back"
for i in $(seq 1 20); do p=$(paths "$VIP4"); [ "$p" -lt "$min" ] && min=$p; sleep 0.05; done
check "kill -9 of lb1's daemon and its restart: the router kept both paths throughout (fewest seen $min)" test "$min" -eq 2

# ---- dsrlb stop --detach withdraws first, waits, then detaches ----
kill -TERM "${DPID[lb1]}"
wait "${DPID[lb1]}" 2>/dev/null
DPID[lb1]=
pg_in lb1 "$DSRLB" stop --detach -c "$PG_DIR/lb1.yaml" >"$PG_DIR/stop.out" 2>&1 &
sp=$!
t=$(wait_paths "$VIP4" 1 20)
xdp=$(pg_in lb1 ip link show eth0 | grep -c 'xdp')
wait "$sp"
rc=$?
xdp_after=$(pg_in lb1 ip link show eth0 | grep -c 'prog/xdp')
check "dsrlb stop --detach -c on lb1: the router drops its path ($t ms) while the program is still attached ($xdp), then it detaches (exit $rc, attached after: $xdp_after)" \
	test "$t" != timeout -a "$xdp" -ge 1 -a "$rc" -eq 0 -a "$xdp_after" -eq 0

tap_done
