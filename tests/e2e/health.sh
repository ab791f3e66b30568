#!/bin/bash
# Health checks that reach the VIP, drain, and following a backend's MAC
# (issue 5), on the playground with the daemon.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
PG_NODES+=(b3)
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
LOG="$PG_DIR/dsrlb.log"

pg_up && pg_start_http 8000 && ok "playground up" ||
	bail "playground setup failed"

# INTERVAL 0.2 s, TIMEOUT 0.5 s, RISE 2, FALL 2: detection within 0.2 x 2 + 0.5 = 0.9 s.
config() { # config [B3 [B3_CHECK_OVERRIDE]]
	cat <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    health_check: {type: http, path: /whoami, interval: 0.2, timeout: 0.5, rise: 2, fall: 2}
    hold_down: 1
    backends:
      - $B1_4
      - $B2_4
${1:+      - address: $1}
${2:+        health_check: $2}
  - name: web6
    address: $VIP6
    port: 8000
    protocol: tcp
    health_check: {type: tcp, interval: 0.2, timeout: 0.5, rise: 2, fall: 2}
    backends: [$B1_6, $B2_6]
EOF2
}
now_ms() { date +%s%3N; }

config >"$CONF"
pg_start_daemon "$CONF" || bail "the daemon did not start"
sleep 1.5
check "both backends pass VIP-true probes (http to VIP:8000 at each MAC, tcp for IPv6)" \
	bash -c "! grep -q 'fails its health check' '$LOG'"
check "the probes reached backend-01's server on the VIP, from the balancer's own address" \
	grep -q '^198.18.178.10 .*"GET /whoami HTTP/1.0" 200' "$PG_DIR/http-b1-v4.log"

# 1. Stop backend-01's server while a client asks every 50 ms.
# bounded: at most 400 requests and 9 s
pg_spawn client "$PG_DIR/reqs.log" bash -c \
	"end=\$((\$(date +%s%3N) + 9000)); for i in \$(seq 1 400); do t=\$(date +%s%3N); [ \$t -gt \$end ] && break; r=\$(curl -s --max-time 1 http://$VIP4:8000/whoami); echo \"\$t \${r:-FAIL}\"; sleep 0.05; done"
LOOP=$PG_LAST_PID
sleep 1.5
t_stop=$(now_ms)
pg_http_stop b1
sleep 3.5
pg_http_start b1
t_start=$(now_ms)
wait "$LOOP"
detect=900
late=$(awk -v s="$t_stop" -v d=$((detect + 300)) -v e="$t_start" '$1 > s + d && $2 == "FAIL"' "$PG_DIR/reqs.log" | wc -l)
early=$(awk -v s="$t_stop" '$1 > s && $2 == "FAIL"' "$PG_DIR/reqs.log" | wc -l)
total=$(wc -l <"$PG_DIR/reqs.log")
check "backend-01 stopped: 0 failed requests after the detection time ($late; $early failed within it; $total requests)" \
	test "$late" -eq 0 -a "$total" -ge 100
check "the daemon logged why backend-01 went down" \
	grep -q "backend 198.18.178.11 fails its health check: connect: refused" "$LOG"
back=$(awk -v s="$t_start" '$1 >= s && $2 == "backend-01" {print $1 - s; exit}' "$PG_DIR/reqs.log")
check "restarted, backend-01 serves again within rise x interval (0.4 s; first answer after ${back:-never} ms, 0.6 s allowed for the client's turn)" \
	test -n "$back" -a "${back:-9999}" -le 1000
check "while it was down no request reached backend-01" \
	test "$(awk -v s="$t_stop" -v d=$((detect + 300)) -v e="$t_start" '$1 > s + d && $1 < e && $2 == "backend-01"' "$PG_DIR/reqs.log" | wc -l)" -eq 0

# 2. VIP-true probing: backend-03 serves on every address but has no VIP on lo.
pg_add_backend3
B3_PID=$PG_LAST_PID
kill "$B3_PID"
wait "$B3_PID" 2>/dev/null
pg_in b3 ip addr del "$VIP4/32" dev lo
pg_spawn b3 "$PG_DIR/http-b3-any.log" python3 -u -m http.server 8000 --bind 0.0.0.0 \
	--directory "$PG_DIR/www-b3"
pg_wait_listen b3 tcp "0.0.0.0:8000"
config "$B3_4" | pg_reload "$CONF"
check "backend-03 added by a reload" test $? -eq 0
pg_wait_log "backend $B3_4 fails its health check"
check "backend-03 without the VIP on lo fails its VIP-true probe" \
	grep -q "backend $B3_4 fails its health check: no answer within 500 ms" "$LOG"
# A backend added by a reload takes new flows until it fails (as keepalived
# without alpha): the table drops it once its hold-down since the add ends.
check "backend-03 is then taken out of new-flow scheduling" \
	pg_wait_log "backend $B3_4 taken out of new-flow scheduling"
out=$(for i in $(seq 1 20); do pg_in client curl -s --max-time 1 "http://$VIP4:8000/whoami" || echo FAIL; done)
check "20 requests: none failed, none went to backend-03 ($(grep -c backend-03 <<<"$out") did, $(grep -c FAIL <<<"$out") failed)" \
	bash -c "! grep -q 'FAIL\|backend-03' <<<'$out'"
config "$B3_4" "{target: real}" | pg_reload "$CONF"
pg_wait_log "backend $B3_4 passes its health check again"
check "probing backend-03's own address instead calls it healthy (what VIP-true probing avoids)" \
	grep -q "backend $B3_4 passes its health check again.*the backend's own address" "$LOG"
config | pg_reload "$CONF"

# The rest without health checks: drain and MAC changes on their own.
plain() { # plain [STATE_B1] [STATE_B2]
	cat <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends:
      - {address: $B1_4, state: ${1:-up}}
      - {address: $B2_4, state: ${2:-up}}
EOF2
}
plain | pg_reload "$CONF"

# 3. Drain: a long download on the drained backend completes; no new connection goes there.
# port 61100: above the ephemeral range (32768-60999), so no earlier request's
# TIME_WAIT holds it (curl would fail with 45, "bind failed")
pg_spawn client "$PG_DIR/dl.log" curl -sf --limit-rate 1000k --local-port 61100 \
	-o "$PG_DIR/dl.bin" "http://$VIP4:8000/big.bin"
DL=$PG_LAST_PID
sleep 0.5
if [ "$(pg_in b1 ss -tnH state established "( dport = :61100 )" | grep -c .)" -ge 1 ]; then
	drained=backend-01
	plain drain up | pg_reload "$CONF"
else
	drained=backend-02
	plain up drain | pg_reload "$CONF"
fi
out=$(for i in $(seq 1 20); do pg_in client curl -s --max-time 1 "http://$VIP4:8000/whoami" || echo FAIL; done)
echo "# drain out: $(tr "\n" " " <<<"$out")"
check "drain $drained: 0 of 20 new connections go there, none fail" \
	bash -c "! grep -q 'FAIL\|$drained' <<<'$out'"
wait "$DL"
rc=$?
check "the 4 MiB download from the drained $drained completes intact (curl $rc)" \
	bash -c "[ $rc -eq 0 ] && cmp -s '$PG_DIR/dl.bin' '$PG_DIR/big.bin'"
plain | pg_reload "$CONF"

# 4. backend-02 changes its MAC: traffic to it resumes within 2 s.
pg_in b2 ip link set eth0 address 02:dd:00:00:00:12
t0=$(now_ms)
for i in $(seq 1 60); do
	echo "$(now_ms) $(pg_in client curl -s --max-time 0.3 "http://$VIP4:8000/whoami" || echo FAIL)"
	sleep 0.05
done >"$PG_DIR/mac.log"
first=$(awk -v s="$t0" '$2 == "backend-02" {print $1 - s; exit}' "$PG_DIR/mac.log")
late=$(awk -v s="$t0" '$1 > s + 2000 && $2 == "FAIL"' "$PG_DIR/mac.log" | wc -l)
check "new MAC of backend-02: it answers again after ${first:-never} ms (at most 2000), and nothing fails after 2 s ($late)" \
	test -n "$first" -a "${first:-9999}" -le 2000 -a "$late" -eq 0
check "the daemon logged the move" grep -q "backend $B2_4 moved from MAC .* to 02:dd:00:00:00:12" "$LOG"

pg_stop_lb
filters=$(pg_in lb tc filter show dev lo egress)
check "at exit the steering filter on lo is gone" bash -c "! grep -q dsrlb_hc <<<'$filters'"
tap_done
