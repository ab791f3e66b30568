#!/bin/bash
# The tutorial's own steps, in its own words (issue 18): the VIP on the
# balancer's eth0 as a /32 (the playground does what the tutorial does:
# ip addr add VIP/32 dev eth0), then
#     dsrlb -i eth0 --backends 198.18.178.11,198.18.178.12
# and curl from the client: both backends answer, and their logs show the
# client's own address. Without a /32 the error says both ways out; --vip
# still wins when given.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
DSRLB="$ROOT/build/dsrlb"

pg_up && pg_start_http 8000 && ok "playground up (the VIP on the balancer's eth0 as a /32, as the tutorial has it)" ||
	bail "playground setup failed"
check "eth0 holds $VIP4/32" bash -c "ip netns exec $(pg_ns lb) ip addr show eth0 | grep -q 'inet $VIP4/32'"
pg_start_lb --backends "$B1_4,$B2_4" || bail "dsrlb -i eth0 --backends ... did not start"
line=$(grep 'VIPs: ' "$PG_DIR/dsrlb.log")
check "one log line says which VIPs it found and how: $line" \
	bash -c "grep -q 'VIPs: $VIP4 (no --vip: the /32 and /128 addresses of eth0, every port, TCP and UDP); left out, no backend of their family: $VIP6' <<<\"\$1\"" _ "$line"
who=$(for i in $(seq 1 20); do pg_in client curl -s --max-time 3 "http://$VIP4:8000/whoami" || echo FAIL; done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
check "curl from the client, 20 times: both backends answer, none fails ($who)" \
	bash -c "grep -q backend-01 <<<'$who' && grep -q backend-02 <<<'$who' && ! grep -q FAIL <<<'$who'"
c1=$(grep -c '^198.19.0.20 ' "$PG_DIR/http-b1-v4.log") c2=$(grep -c '^198.19.0.20 ' "$PG_DIR/http-b2-v4.log")
other=$(cat "$PG_DIR/http-b1-v4.log" "$PG_DIR/http-b2-v4.log" | grep '"GET /whoami' | grep -vc '^198.19.0.20 ')
check "the backends' logs show the client's own address ($c1 + $c2 requests from 198.19.0.20, $other from anyone else)" \
	test $((c1 + c2)) -eq 20 -a "$other" -eq 0
pg_stop_lb

# no /32 on eth0: the error names both ways out
pg_in lb ip addr del "$VIP4/32" dev eth0
pg_in lb ip addr del "$VIP6/128" dev eth0
out=$(pg_in lb "$DSRLB" -i eth0 --backends "$B1_4,$B2_4" 2>&1)
rc=$?
check "without a /32 on eth0: exit $rc, and the message says --vip or ip addr add ($(head -1 <<<"$out" | cut -c1-160))" \
	bash -c "[ $rc -eq 2 ] && grep -q -- '--vip ADDR' <<<\"\$1\" && grep -q 'ip addr add VIP/32 dev eth0' <<<\"\$1\"" _ "$out"

# --vip wins when given
pg_in lb ip addr add "$VIP4/32" dev eth0
pg_start_lb --vip "$VIP4:8000/tcp" --backends "$B1_4,$B2_4" || bail "dsrlb --vip did not start"
check "--vip given: it is the VIP (port 8000, TCP), and nothing is looked for" \
	bash -c "! grep -q 'VIPs: ' '$PG_DIR/dsrlb.log' && grep -q 'VIP $VIP4:8000/tcp' '$PG_DIR/dsrlb.log'"
n=$(for i in $(seq 1 10); do pg_in client curl -s --max-time 3 "http://$VIP4:8000/whoami"; done | grep -c backend)
check "and serves (10 of 10: $n)" test "$n" -eq 10
pg_stop_lb
tap_done
