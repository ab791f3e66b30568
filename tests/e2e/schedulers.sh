#!/bin/bash
# The schedulers on the playground with three backends (issue 4): what each
# promises, checked from the backends' answers.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
PG_NODES+=(b3)
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"

pg_up && pg_start_http 8000 && pg_add_backend3 && ok "playground with three backends up" ||
	bail "playground setup failed"

config() { # config SCHED W1 W2 W3
	cat <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    scheduler: $1
    backends:
      - {address: $B1_4, weight: ${2:-1}}
      - {address: $B2_4, weight: ${3:-1}}
      - {address: $B3_4, weight: ${4:-1}}
EOF2
}

# N sequential connections from the client (optionally from address SRC).
fetch() { # fetch N [SRC]
	local i
	for i in $(seq 1 "$1"); do
		pg_in client curl -sf --max-time 3 ${2:+--interface "$2"} "http://$VIP4:8000/whoami" || echo FAIL
	done
}
count() { grep -c "^$1\$" <<<"$2"; }

config rr >"$CONF"
pg_start_daemon "$CONF" || bail "the daemon did not start"

out=$(fetch 30)
check "rr: 30 connections, none failed" bash -c "! grep -q FAIL <<<'$out'"
c1=$(count backend-01 "$out") c2=$(count backend-02 "$out") c3=$(count backend-03 "$out")
check "rr: new connections go to each backend in turn: 10/10/10 ($c1/$c2/$c3)" \
	test "$c1" -eq 10 -a "$c2" -eq 10 -a "$c3" -eq 10
turns=$(head -3 <<<"$out" | sort -u | wc -l)
check "rr: any three consecutive connections meet all three backends ($turns)" test "$turns" -eq 3

# wrr 3:1 (backend-03 off: weight 0 takes no new flows)
config wrr 3 1 0 | pg_reload "$CONF"
check "the switch from rr to wrr is applied by a reload" test $? -eq 0
out=$(fetch 400)
echo "# wrr: where backend-03 answered: $(grep -n backend-03 <<<"$out" | cut -d: -f1 | tr "\n" " ")"
c1=$(count backend-01 "$out") c2=$(count backend-02 "$out") c3=$(count backend-03 "$out")
check "wrr 3:1 over 400 connections: $c1:$c2 (3:1 within 5%: 285-315 to backend-01), $c3 to weight 0" \
	test "$c1" -ge 285 -a "$c1" -le 315 -a "$c3" -eq 0 -a $((c1 + c2)) -eq 400

# sh: one client address, one backend; several addresses spread.
config sh | pg_reload "$CONF"
check "the switch from wrr to sh is applied by a reload" test $? -eq 0
for n in $(seq 21 36); do pg_in client ip addr add "198.19.0.$n/16" dev eth0; done
sticky=0
used=""
for n in $(seq 21 36); do
	out=$(fetch 5 "198.19.0.$n")
	[ "$(sort -u <<<"$out" | wc -l)" -eq 1 ] && ! grep -q FAIL <<<"$out" && sticky=$((sticky + 1))
	used="$used $(head -1 <<<"$out")"
done
check "sh: each of 16 client addresses keeps all its 5 connections on one backend ($sticky of 16)" test "$sticky" -eq 16
spread=$(tr ' ' '\n' <<<"$used" | grep -c . | tr -d ' ')
kinds=$(tr ' ' '\n' <<<"$used" | grep . | sort -u | wc -l)
check "sh: different clients spread over the backends ($kinds of 3 used by $spread clients)" test "$kinds" -ge 2

# Backend access logs see each client's own address.
check "sh: backends saw the extra client addresses themselves" \
	bash -c "cat '$PG_DIR'/http-b*-v4.log | grep -q '^198.19.0.2[1-9] \\|^198.19.0.3[0-6] '"
# flow_table: off (issue 16): the same sh VIP without a flow table. The
# daemon says so, every connection still reaches one backend, and none of
# them makes a flow-table entry.
{ config sh; echo "    flow_table: off"; } | pg_reload "$CONF"
check "flow_table: off on the sh VIP is applied by a reload" test $? -eq 0
st=$("$ROOT/build/dsrlb" status 2>&1)
check "status marks the VIP: $(grep -o 'sh (flow_table: off)' <<<"$st")" grep -q 'web .* sh (flow_table: off)  table' <<<"$st"
flows_new() { "$ROOT/build/dsrlb" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["flow_table"]["new"])'; }
sleep 1.2 # stats are sampled once a second
n0=$(flows_new)
out=$(fetch 20 198.19.0.21)
sleep 1.2
n1=$(flows_new)
check "flow_table: off: 20 connections of one client all to one backend ($(sort -u <<<"$out" | tr '\n' ' ')), $((n1 - n0)) flow-table entries made" \
	test "$(sort -u <<<"$out" | wc -l)" -eq 1 -a "$n1" = "$n0" -a -n "$n0"
config sh | pg_reload "$CONF"

# lc: five idle connections held open land 2/2/1; every new short connection
# then goes to the backend that holds one, until the held ones close.
config lc | pg_reload "$CONF"
check "the switch from sh to lc is applied by a reload" test $? -eq 0
pg_spawn client "$PG_DIR/hold.log" python3 -u "$ROOT/tests/lib/tcp_hold.py" "$VIP4" 8000 5 60
HOLD_PID=$PG_LAST_PID
for _ in $(seq 1 50); do grep -q held "$PG_DIR/hold.log" && break; sleep 0.1; done
open_on() { pg_in "$1" ss -tnH state established "( sport = :8000 )" | grep -c .; }
o1=$(open_on b1) o2=$(open_on b2) o3=$(open_on b3)
sorted=$(printf '%s\n' "$o1" "$o2" "$o3" | sort -n | tr '\n' ' ')
check "lc: 5 held connections spread 2/2/1 ($o1/$o2/$o3 open)" test "$sorted" = "1 2 2 "
least=backend-01
[ "$o2" -eq 1 ] && least=backend-02
[ "$o3" -eq 1 ] && least=backend-03
out=$(fetch 12)
c=$(count "$least" "$out")
check "lc: 12 new connections all go to $least, the one holding fewer open ($c of 12)" test "$c" -eq 12
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
for _ in $(seq 1 50); do
	[ $(($(open_on b1) + $(open_on b2) + $(open_on b3))) -eq 0 ] && break
	sleep 0.1
done
out=$(fetch 30)
kinds=$(sort -u <<<"$out" | grep -c backend)
check "lc: once they close, new connections spread again ($kinds of 3 backends used by 30)" \
	test "$kinds" -ge 2
pg_stop_lb
named=$(grep "total: VIP" "$PG_DIR/dsrlb.log" | tail -1 | grep -oE "198\.18\.178\.1[123] [0-9]+ \(0 active\)" | wc -l)
check "lc: at exit its counters show each of the 3 backends with 0 active flows ($named)" test "$named" -eq 3
tap_done
