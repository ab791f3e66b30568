#!/bin/bash
# The daemon on the playground (issue 4, first part): dsrlb run -c FILE,
# SIGHUP reloads that apply as a whole or not at all, and backend states.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
CONF="$PG_DIR/dsrlb.yaml"
# Pins must outlive each `ip netns exec` (which gives every command its own
# /sys, hence its own /sys/fs/bpf): a bpffs mounted here, outside /sys, is
# seen by all of them.
PIN="$PG_DIR/bpffs"
mkdir -p "$PIN" && mount -t bpf bpf "$PIN"
cleanup() {
	[ -n "${PG_LB_PID:-}" ] && kill -9 "$PG_LB_PID" 2>/dev/null
	for n in lb; do ip netns exec "$(pg_ns $n)" "$ROOT/build/dsrlb" stop --detach -i eth0 --pin-dir "$PIN" >/dev/null 2>&1; done
	umount "$PIN" 2>/dev/null
	pg_down
}
trap cleanup EXIT

fetch_whoami() { # URL N: one backend name (or FAIL) per request
	local i
	for i in $(seq 1 "$2"); do
		pg_in client curl -sf --max-time 3 "$1/whoami" || echo FAIL
	done
}

# The data plane's configuration maps, found through the attached program
# (the daemon's bpffs lives in its own mount namespace): a digest of each.
maps_digest() {
	local prog ids m
	prog=$(ip -n "$(pg_ns lb)" -j link show eth0 | python3 -c \
		'import json,sys; print(json.load(sys.stdin)[0].get("xdp",{}).get("prog",{}).get("id",""))')
	[ -n "$prog" ] || { echo "no program"; return; }
	ids=$(bpftool prog show id "$prog" -j | python3 -c \
		'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["map_ids"])))')
	for m in $ids; do
		case $(bpftool map show id "$m" | head -1 | awk '{print $4}') in
		vip_index | rings | vip_info | backends)
			echo "$(bpftool map show id "$m" | head -1 | awk '{print $4}') $(bpftool map dump id "$m" | sha256sum | cut -c1-16)"
			;;
		esac
	done | sort
}

reload() { pg_reload "$CONF"; }

config() { # config STATE_OF_B2 [TABLE_SIZE]
	cat <<EOF2
interface: eth0
pin_dir: $PIN
table_size: ${2:-65537}
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends:
      - address: $B1_4
      - address: $B2_4
        state: $1
EOF2
}

pg_up && pg_start_http 8000 && ok "playground up" ||
	bail "playground setup failed"

expect_check() { # CODE NEEDLE FILE
	local out rc
	out=$("$ROOT/build/dsrlb" check -c "$3" 2>&1)
	rc=$?
	check "dsrlb check on $(basename "$3"): exit $1, says '$2' (said: $(head -1 <<<"$out"))" \
		bash -c "[ $rc -eq $1 ] && grep -qF -- \"$2\" <<<'$out'"
}
expect_check 0 "configuration OK" "$ROOT/examples/dsrlb.yaml"
printf 'interface: eth0\nvips:\n  - name: w\n    address: 198.18.178.15\n    backends: [198.18.178.11\n' >"$PG_DIR/trunc.yaml"
expect_check 1 "trunc.yaml:6:1: not valid YAML" "$PG_DIR/trunc.yaml"
check "dsrlb -n -c FILE is the same check" bash -c "'$ROOT/build/dsrlb' -n -c '$ROOT/examples/dsrlb.yaml' | grep -qx 'configuration OK'"

config up >"$CONF"
# systemd's side of Type=notify: a socket that records what the daemon says.
python3 "$ROOT/tests/lib/notify_listen.py" "$PG_DIR/notify.sock" 20 >"$PG_DIR/notify.log" &
PG_PIDS+=($!)
for _ in $(seq 1 50); do [ -S "$PG_DIR/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET="$PG_DIR/notify.sock" pg_start_daemon "$CONF" || bail "dsrlb run -c FILE did not start"
check "dsrlb run -c FILE starts and says SIGHUP reloads it" grep -q "SIGHUP reloads the config" "$PG_DIR/dsrlb.log"

out=$(fetch_whoami "http://$VIP4:8000" 30)
check "the daemon balances: 30 requests, both backends, no failure" \
	bash -c "! grep -q FAIL <<<'$out' && grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"

before=$(maps_digest)
printf 'interface: eth0\nvips:\n  - name: web\n    address: %s\n    port: 8000\n    scheduler: fastest\n    backends: [%s]\n' "$VIP4" "$B1_4" | reload
check "a bad config on SIGHUP is rejected, naming its line" \
	grep -q "dsrlb.yaml:6:16: unknown scheduler 'fastest'" "$PG_DIR/dsrlb.log"
check "the rejection says nothing was changed" grep -q "reload rejected: .* is not valid; nothing was changed" "$PG_DIR/dsrlb.log"
after=$(maps_digest)
check "the data plane's maps are identical before and after the rejected reload" test "$before" = "$after"
check "the maps were really read (4 of them)" test "$(wc -l <<<"$before")" -eq 4
out=$(fetch_whoami "http://$VIP4:8000" 20)
check "after the rejected reload both backends still serve" \
	bash -c "! grep -q FAIL <<<'$out' && grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"

config off | reload
check "SIGHUP with backend-02 off is applied" grep -q "reloaded" "$PG_DIR/dsrlb.log"
check "systemd was told READY=1 once balancing, with the daemon's PID" \
	grep -q "READY=1 STATUS=balancing on eth0 MAINPID=$PG_LB_PID" "$PG_DIR/notify.log"
check "... and RELOADING=1 then READY=1 around each reload" \
	bash -c "grep -A1 RELOADING=1 '$PG_DIR/notify.log' | grep -q READY=1"
check "the change is logged with old and new state" grep -q "backend $B2_4 up weight 1 -> off weight 0" "$PG_DIR/dsrlb.log"
out=$(fetch_whoami "http://$VIP4:8000" 30)
check "with backend-02 off, all 30 new requests go to backend-01" \
	bash -c "[ \$(grep -c backend-01 <<<'$out') -eq 30 ]"

config up | reload
out=$(fetch_whoami "http://$VIP4:8000" 30)
check "back up: both backends serve again" \
	bash -c "! grep -q FAIL <<<'$out' && grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"

printf 'interface: eth0\npin_dir: %s\nvips:\n  - name: web\n    address: %s\n    port: 8000\n    protocol: tcp\n    backends: [%s, %s, 198.18.178.99]\nresolve_timeout: 1\n' "$PIN" "$VIP4" "$B1_4" "$B2_4" | reload
check "a reload naming an unreachable backend is applied at once (MACs are found in the background)" \
	grep -q "backend 198.18.178.99 added" "$PG_DIR/dsrlb.log"
out=$(fetch_whoami "http://$VIP4:8000" 20)
check "... the two that answer serve every request, the unknown one none" \
	bash -c "! grep -q FAIL <<<'$out' && grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"
pg_wait_log "backend 198.18.178.99: no MAC after 1 s on eth0" 1 40
check "after resolve_timeout the daemon says which backend has no MAC and why it takes no flows" \
	grep -q "backend 198.18.178.99: no MAC after 1 s on eth0; is it up and on the same LAN as eth0? It takes no new flows until it answers" "$PG_DIR/dsrlb.log"
st=$("$ROOT/build/dsrlb" stats -j | python3 -c 'import json,sys; print([b["status"] for b in json.load(sys.stdin)["vips"][0]["backends"]])')
check "... and its status reads unreachable ($st)" test "$st" = "['active', 'active', 'unreachable']"

config up >"$CONF"
pg_stop_lb
check "SIGTERM: the daemon exits 0" test $? -eq 0
check "... saying it left the data plane running" grep -q "left attached to eth0 on its last state" "$PG_DIR/dsrlb.log"
out=$(fetch_whoami "http://$VIP4:8000" 20)
check "with no daemon, traffic still flows to both backends" \
	bash -c "! grep -q FAIL <<<'$out' && grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"

pg_start_daemon "$CONF" || not_ok "the daemon did not restart"
check "a new daemon adopts the pinned data plane (the unreachable backend's id too)" \
	grep -q "adopted the data plane pinned at $PIN/eth0 (1 VIPs, 3 backends)" "$PG_DIR/dsrlb.log"

# kill -9 while a client sends a steady stream of requests, then restart.
(for i in $(seq 1 60); do
	pg_in client curl -sf --max-time 3 "http://$VIP4:8000/whoami" >/dev/null && echo ok || echo FAIL
	sleep 0.05
done >"$PG_DIR/stream.out") &
stream=$!
sleep 1
kill -9 "$PG_LB_PID"
wait "$PG_LB_PID" 2>/dev/null
sleep 0.5
pg_start_daemon "$CONF" || not_ok "the daemon did not start after kill -9"
wait "$stream"
check "kill -9 and restart under a steady stream: 0 of 60 requests failed ($(grep -c FAIL "$PG_DIR/stream.out") failed)" \
	test "$(grep -c ok "$PG_DIR/stream.out")" -eq 60
check "after kill -9 the restarted daemon adopted the state" grep -q "adopted the data plane" "$PG_DIR/dsrlb.log"
pg_stop_lb

before=$(maps_digest)
config up | sed 's/^interface: eth0/interface: eth0\nhash_seed: 7/' >"$PG_DIR/other.yaml"
out=$(timeout 10 ip netns exec "$(pg_ns lb)" "$ROOT/build/dsrlb" run -c "$PG_DIR/other.yaml" 2>&1)
check "a daemon whose hash_seed differs from the pinned one refuses to start, naming both" \
	bash -c "grep -q 'built for hash_seed 1685287473 and flow_table size 1000000 (ABI 4); this config has 7 and 1000000' <<<'$out'"
check "... and the data plane is untouched" test "$before" = "$(maps_digest)"

timeout 10 ip netns exec "$(pg_ns lb)" "$ROOT/build/dsrlb" -i eth0 --vip "$VIP4" --backends "$B1_4" >"$PG_DIR/quick.out" 2>&1
check "the quick start refuses to replace a daemon's data plane" \
	grep -qF "already has an XDP program; remove it first (a dsrlb daemon's: dsrlb stop --detach -i eth0" "$PG_DIR/quick.out"
check "... which is still there" test "$before" = "$(maps_digest)"

out=$(ip netns exec "$(pg_ns lb)" "$ROOT/build/dsrlb" stop -c "$CONF" 2>&1)
check "dsrlb stop without --detach explains itself and changes nothing" \
	bash -c "grep -q 'needs --detach' <<<'$out' && ip -n $(pg_ns lb) link show eth0 | grep -q prog/xdp"
ip netns exec "$(pg_ns lb)" "$ROOT/build/dsrlb" stop --detach -c "$CONF" >"$PG_DIR/stop.out" 2>&1
check "dsrlb stop --detach exits 0" test $? -eq 0
check "... removes the program" bash -c "! ip -n $(pg_ns lb) link show eth0 | grep -q prog/xdp"
check "... and its pinned maps ($PIN/eth0 is gone)" test ! -e "$PIN/eth0"
tap_done
