#!/bin/bash
# Health checks, part two (issue 5): a flapping backend changes the table at
# most once per hold-down; a udp check; a backend whose neighbour entry fails;
# all_down keep vs drop. On the playground with the daemon.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
LOG="$PG_DIR/dsrlb.log"

pg_up && pg_start_http 8000 && pg_start_udp 9000 && ok "playground up" ||
	bail "playground setup failed"
now_ms() { date +%s%3N; }
# asks N: N HTTP requests from the client, one line each (the backend's name or FAIL)
asks() {
	local i
	for i in $(seq 1 "$1"); do
		pg_in client curl -s --max-time 0.5 "http://$VIP4:8000/whoami" || echo FAIL
	done
}

# HOLD s hold-down; every check decides in one probe (rise 1, fall 1).
config() { # config HOLD [ALL_DOWN] [HEALTH_PORT]
	cat <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    health_check: {type: tcp, port: ${3:-8000}, interval: 0.1, timeout: 0.2, rise: 1, fall: 1}
    hold_down: $1
    all_down: ${2:-keep}
    backends: [$B1_4, $B2_4]
  - name: dns-like
    address: $VIP4
    port: 9000
    protocol: udp
    health_check: {type: udp, payload: are-you-there, expect: are-you-there, interval: 0.2, timeout: 0.3, rise: 2, fall: 2}
    backends: [$B1_4, $B2_4]
EOF2
}
# The kernel decides when a neighbour entry fails (part 3); its timers take new
# values only when next armed, so shorten them on the balancer's eth0 before the
# daemon creates its entries (else the first wait is the default 15-45 s).
pg_sysctl lb net.ipv4.neigh.eth0.base_reachable_time_ms=500 \
	net.ipv4.neigh.eth0.delay_first_probe_time=1 net.ipv4.neigh.eth0.retrans_time_ms=200
config 2 >"$CONF"
pg_start_daemon "$CONF" || bail "the daemon did not start"
sleep 1
check "the udp check passes on both backends (echo bound to the VIP, reply contains the payload)" \
	bash -c "! grep -q 'fails its health check' '$LOG'"
check "the udp probes reached backend-01's echo service on the VIP" \
	grep -q '^198.18.178.10 ' "$PG_DIR/udp-b1-v4.log"

# 1. Flapping: backend-01 loses and regains the VIP on lo every 0.4 s for 6 s.
# Its check changes about 15 times; the table (hold_down 2 s) at most once per 2 s.
marks="vip 'web': backend $B1_4 (taken out of new-flow scheduling|takes new flows again)"
before=$(grep -cE "$marks" "$LOG")
( for i in $(seq 1 15); do
	pg_in b1 ip addr del "$VIP4/32" dev lo
	sleep 0.2
	pg_in b1 ip addr add "$VIP4/32" dev lo
	sleep 0.2
done ) &
FLAP=$!
# sample the log every 50 ms (bounded: 8 s): the time each table change appeared
: >"$PG_DIR/changes"
seen=$before
end=$(($(now_ms) + 8000))
while [ "$(now_ms)" -lt "$end" ]; do
	n=$(grep -cE "$marks" "$LOG")
	while [ "$seen" -lt "$n" ]; do
		now_ms >>"$PG_DIR/changes"
		seen=$((seen + 1))
	done
	sleep 0.05
done
wait "$FLAP"
checks=$(grep -cE "vip 'web': backend $B1_4 (fails its|passes its) health check" "$LOG")
changes=$(wc -l <"$PG_DIR/changes")
gap=$(awk 'NR > 1 { d = $1 - p; if (min == "" || d < min) min = d } { p = $1 } END { print (min == "" ? 99999 : min) }' "$PG_DIR/changes")
check "flapping backend-01: its check changed $checks times, the table $changes times" \
	test "$checks" -ge 8 -a "$changes" -ge 2 -a "$changes" -le 5
check "table changes at least one hold-down (2000 ms) apart: closest pair $gap ms (50 ms sampling)" \
	test "$gap" -ge 1900
check "the daemon said backend-01 is flapping" \
	grep -q "vip 'web': backend $B1_4 is flapping; the table follows in .* (hold_down 2000 ms)" "$LOG"
for i in $(seq 1 30); do # bounded: 3 s, more than the last hold-down left
	grep -E "$marks" "$LOG" | tail -1 | grep -q 'takes new flows again' && break
	sleep 0.1
done
check "flapping over, backend-01 serves again (table caught up after the last hold-down)" \
	bash -c "grep -E \"$marks\" '$LOG' | tail -1 | grep -q 'takes new flows again'"

# 2. The udp check: backend-01's echo service stops; udp flows go to backend-02.
# The flapping above also failed this check; its 5 s hold-down may still hold a
# change back: wait (bounded) until backend-01 is back in, then count from there.
udp_marks="vip 'dns-like': backend $B1_4 taken out of new-flow scheduling"
for i in $(seq 1 70); do
	last=$(grep -E "vip 'dns-like': backend $B1_4 (taken out of new-flow scheduling|takes new flows again)" "$LOG" | tail -1)
	[[ "$last" != *"taken out"* ]] && break
	sleep 0.1
done
n=$(grep -c "$udp_marks" "$LOG")
for p in ${PG_UDP_PIDS[b1]}; do kill "$p"; wait "$p" 2>/dev/null; done
# bounded 8 s: the 5 s hold-down of this VIP may still run from the flapping
pg_wait_log "$udp_marks" $((n + 1)) 80
check "backend-01's udp echo stopped: its udp check fails, saying why" \
	bash -c "grep \"vip 'dns-like': backend $B1_4 fails its health check\" '$LOG' | tail -1 | grep -q 'refused (nothing listens) (2 in a row: udp $VIP4:9000/udp'"
out=$(pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 20)
check "20 new udp flows: all answered by backend-02 ($(grep -c backend-02 <<<"$out") of 20; others: $(grep -v backend-02 <<<"$out" | sort | uniq -c | tr -s "\n " " "))" \
	test "$(grep -c '^backend-02 ' <<<"$out")" -eq 20
out=$(asks 10)
check "the http VIP on the same backend is not affected: 10 of 10 answered, backend-01 among them ($(grep -c FAIL <<<"$out") failed, $(grep -c backend-01 <<<"$out") from backend-01)" \
	test "$(grep -c FAIL <<<"$out")" -eq 0 -a "$(grep -c backend-01 <<<"$out")" -ge 1

# 3. backend-02 falls silent on the LAN: its neighbour entry fails, it is taken out.
# arp_ignore=8 makes it answer no ARP at all; the kernel's probes of the
# balancer's managed entry go unanswered and the entry fails.
config 2 keep 8000 | sed '/name: dns-like/,$d; s/health_check: .*/health_check: {type: none}/' |
	pg_reload "$CONF"
check "reloaded without health checks on web (only the neighbour decides)" test $? -eq 0
pg_sysctl b2 net.ipv4.conf.all.arp_ignore=8
pg_wait_log "backend $B2_4: no answer to ARP/NDP on eth0 \(neighbour entry failed\)" 1 100
check "backend-02 silent: the daemon says its neighbour entry failed and takes it out" \
	grep -q "backend $B2_4: no answer to ARP/NDP on eth0 (neighbour entry failed); it takes no new flows" "$LOG"
out=$(asks 10)
check "10 requests meanwhile: all answered by backend-01 ($(grep -c FAIL <<<"$out") failed)" \
	test "$(grep -c '^backend-01$' <<<"$out")" -eq 10
pg_sysctl b2 net.ipv4.conf.all.arp_ignore=1
pg_wait_log "backend $B2_4 resolves again" 1 50
check "backend-02 answers ARP again: the daemon puts it back" grep -q "backend $B2_4 resolves again" "$LOG"
out=$(asks 20)
check "and it gets new flows again ($(grep -c backend-02 <<<"$out") of 20), none fail" \
	test "$(grep -c backend-02 <<<"$out")" -ge 1 -a "$(grep -c FAIL <<<"$out")" -eq 0

# 4. Every backend down. The health check probes port 8001 (nothing listens
# there), while the service on 8000 still runs: keep sends to the last to fail,
# drop drops.
config 0.1 keep 8001 | sed '/name: dns-like/,$d' | pg_reload "$CONF"
pg_wait_log "vip 'web': EVERY backend is down; keeping .*, the last to fail, in the table \(all_down: keep\)"
check "all_down keep: the daemon says loudly that every backend is down and which one it keeps" \
	grep -qE "^dsrlb: error: vip 'web': EVERY backend is down; keeping 198.18.178.1[12], the last to fail" "$LOG"
out=$(asks 10)
check "all_down keep: requests still answered ($(grep -c FAIL <<<"$out") of 10 failed)" \
	test "$(grep -c FAIL <<<"$out")" -eq 0
config 0.1 drop 8001 | sed '/name: dns-like/,$d' | pg_reload "$CONF"
pg_wait_log "vip 'web': EVERY backend is down; its new flows are dropped"
check "all_down drop: the daemon says new flows are dropped" \
	grep -q "^dsrlb: error: vip 'web': EVERY backend is down; its new flows are dropped" "$LOG"
out=$(asks 5)
check "all_down drop: new connections get nothing ($(grep -c FAIL <<<"$out") of 5 failed)" \
	test "$(grep -c FAIL <<<"$out")" -eq 5
n=$(grep -c "passes its health check again" "$LOG")
config 0.1 drop 8000 | sed '/name: dns-like/,$d' | pg_reload "$CONF"
pg_wait_log "passes its health check again" $((n + 2))
out=$(asks 10)
check "health restored (check on 8000): requests answered again ($(grep -c FAIL <<<"$out") failed)" \
	test "$(grep -c FAIL <<<"$out")" -eq 0

pg_stop_lb
check "the daemon exits cleanly" test $? -eq 0
tap_done
