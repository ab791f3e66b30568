#!/bin/bash
# Changes under load (issue 4): 20 reloads that change weights, drain, and
# add and remove a backend, while a client sends a steady stream of requests
# and long downloads through the VIP. Pass: no request fails, no download is
# corrupted. Three backends; backend-03 is the one added and removed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
PG_NODES+=(b3) # after sourcing: the library sets the list
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"

pg_up && pg_start_http 8000 && pg_add_backend3 && ok "playground with three backends up" ||
	bail "playground setup failed"

config() { # config W1 W2 [STATE_OF_B3: none, up or drain]
	cat <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends:
      - address: $B1_4
        weight: $1
      - address: $B2_4
        weight: $2
EOF2
	[ "${3:-none}" != none ] && printf '      - address: %s\n        state: %s\n' "$B3_4" "$3"
	return 0
}
config 1 1 >"$CONF"
pg_start_daemon "$CONF" || bail "the daemon did not start"

# The load: short requests every 20 ms, and 4 MiB downloads back to back
# (each records curl's exit status and the file's hash).
want=$(sha256sum <"$PG_DIR/big.bin" | cut -d' ' -f1)
(for i in $(seq 1 400); do
	pg_in client curl -sf --max-time 5 "http://$VIP4:8000/whoami" >/dev/null && echo ok || echo FAIL
	sleep 0.02
done >"$PG_DIR/requests.out") &
req=$!
(for i in $(seq 1 40); do
	got=$(pg_in client curl -sf --max-time 20 --limit-rate 20M "http://$VIP4:8000/big.bin" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] && echo ok || echo "BAD $got"
done >"$PG_DIR/downloads.out") &
dl=$!

# 20 reloads, one every 0.4 s: weights change each time; backend-03 is
# added, drained for two periods (as an operator would), then removed.
applied=0
for r in $(seq 1 20); do
	case $((r % 4)) in
	1) config 3 1 up ;;
	2) config 1 3 drain ;;
	3) config 2 1 drain ;;
	0) config 1 2 none ;;
	esac | pg_reload "$CONF" && applied=$((applied + 1))
	sleep 0.4
done
wait "$req" "$dl"

check "20 reloads applied while traffic flowed ($applied)" test "$applied" -eq 20
check "backend-03 was added and removed along the way" \
	bash -c "grep -q 'backend $B3_4 added' '$PG_DIR/dsrlb.log' && grep -q 'backend $B3_4 removed' '$PG_DIR/dsrlb.log'"
n=$(grep -c ok "$PG_DIR/requests.out")
check "400 short requests during the reloads: all answered ($n ok, $(grep -c FAIL "$PG_DIR/requests.out") failed)" test "$n" -eq 400
n=$(grep -c ok "$PG_DIR/downloads.out")
check "40 downloads of 4 MiB during the reloads: all intact ($n ok, $(grep -c BAD "$PG_DIR/downloads.out") bad)" test "$n" -eq 40
served=0
for b in b1 b2 b3; do grep -q '"GET /big.bin' "$PG_DIR/http-$b-v4.log" && served=$((served + 1)); done
check "the downloads were served by more than one backend ($served)" test "$served" -ge 2
pg_stop_lb
tap_done
