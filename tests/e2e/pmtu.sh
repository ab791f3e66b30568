#!/bin/bash
# Path MTU discovery through the balancer (issue 13), on the playground with a
# narrow hop: the gateway's link to the client at MTU 1400, everything else at
# 1500. A backend's full-size reply cannot cross it; the gateway's "fragmentation
# needed" (IPv4) or "packet too big" (IPv6) goes to the VIP, the balancer sends
# it to the flow's backend, and the backend's kernel lowers its path MTU. Large
# downloads from both backends, over IPv4 and IPv6, must then arrive intact.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
SOCK="$PG_DIR/api.sock"
DSRLB="$ROOT/build/dsrlb"
MTU=1400

pg_up && pg_start_http 8000 && ok "playground up" || bail "playground setup failed"
cat >"$CONF" <<EOF
interface: eth0
api: {socket: $SOCK}
vips:
  - {name: web4, address: $VIP4, port: 8000, protocol: tcp, backends: [$B1_4, $B2_4]}
  - {name: web6, address: $VIP6, port: 8000, protocol: tcp, backends: [$B1_6, $B2_6]}
EOF
pg_start_daemon "$CONF" || bail "the daemon did not start"
pg_in gw ip link set eth0 mtu "$MTU"
g=$(pg_in gw cat /sys/class/net/eth0/mtu) c=$(pg_in client cat /sys/class/net/eth0/mtu)
check "the gateway's link to the client is at MTU $g, the client's own at $c" test "$g" = "$MTU" -a "$c" = 1500

want=$(sha256sum "$PG_DIR/big.bin" | cut -d' ' -f1)
served() { grep -c '"GET /big.bin' "$PG_DIR/http-$1-v$2.log"; }
# Downloads (each from its own source port: Maglev spreads them) until both
# backends have served 5, at most 40; every one must arrive whole.
for fam in 4 6; do
	url="http://$VIP4:8000/big.bin"
	[ "$fam" = 6 ] && url="http://[$VIP6]:8000/big.bin"
	tries=0 broken=0
	while [ "$tries" -lt 40 ] && { [ "$(served b1 "$fam")" -lt 5 ] || [ "$(served b2 "$fam")" -lt 5 ]; }; do
		tries=$((tries + 1))
		got=$(pg_in client curl -s --max-time 10 "$url" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || broken=$((broken + 1))
	done
	n1=$(served b1 "$fam") n2=$(served b2 "$fam")
	check "IPv$fam: $tries downloads of 4 MiB through the narrow hop, $broken broken or stalled; backend-01 served $n1, backend-02 $n2" \
		test "$broken" -eq 0 -a "$n1" -ge 5 -a "$n2" -ge 5
done

# Each backend's kernel learned the client's path MTU from the errors it was sent.
for n in b1 b2; do
	r4=$(pg_in "$n" ip route get "$CLIENT4" from "$VIP4")
	r6=$(pg_in "$n" ip -6 route get "$CLIENT6" from "$VIP6")
	check "backend $n has the client's path MTU $MTU cached, IPv4 ($(grep -o 'mtu [0-9]*' <<<"$r4"))" \
		grep -q "mtu $MTU" <<<"$r4"
	check "backend $n has the client's path MTU $MTU cached, IPv6 ($(grep -o 'mtu [0-9]*' <<<"$r6"))" \
		grep -q "mtu $MTU" <<<"$r6"
done

# And the balancer counted what it sent on.
sleep 1.2 # counters are sampled each second
json=$(curl -s --unix-socket "$SOCK" http://dsrlb/api/v1/vips)
for v in web4 web6; do
	f=$(python3 -c "import json,sys; print([x for x in json.load(sys.stdin) if x['name'] == '$v'][0]['icmp_forwarded'])" <<<"$json")
	check "$v: the API counts the ICMP errors sent on to its backends ($f)" test "$f" -gt 0
done
curl -s --unix-socket "$SOCK" http://dsrlb/metrics >"$PG_DIR/metrics"
n=$(grep -cE '^dsrlb_vip_icmp_errors_total\{vip="web[46]",result="forwarded"\} [1-9]' "$PG_DIR/metrics")
check "/metrics: dsrlb_vip_icmp_errors_total{result=\"forwarded\"} above 0 for both VIPs ($n)" test "$n" -eq 2
"$DSRLB" stats -s "$SOCK" >"$PG_DIR/stats.txt"
n=$(grep -cE 'icmp errors: [1-9][0-9]* sent to their flows. backends, 0 unmatched' "$PG_DIR/stats.txt")
check "dsrlb stats shows them under each VIP ($n)" test "$n" -eq 2

# dsrlb trace shows each forwarded error with its backend.
pg_in gw ip route flush cache 2>/dev/null
for n in b1 b2; do pg_in "$n" ip route flush cache; pg_in "$n" ip -6 route flush cache; done
"$DSRLB" trace -s "$SOCK" --vip web4 -t 5 >"$PG_DIR/trace.out" 2>/dev/null &
tp=$!
sleep 0.5
pg_in client curl -s --max-time 10 -o /dev/null "http://$VIP4:8000/big.bin"
wait "$tp"
check "dsrlb trace: an icmp record naming a backend ($(grep -m1 ' icmp ' "$PG_DIR/trace.out"))" \
	grep -qE " icmp +web4 +tcp $CLIENT4:[0-9]+ -> $VIP4:8000  backend 198\.18\.178\.1[12] \(an ICMP error about the flow\)" "$PG_DIR/trace.out"

# ping VIP is still answered by the balancer's own kernel.
check "ping to the VIP is answered (by the balancer)" pg_in client ping -c1 -W2 "$VIP4"
tap_done
