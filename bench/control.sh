#!/bin/bash
# make bench, part 4: the control plane against the number of VIPs (issue 12).
#
#   generator ns: g0 ──veth── l0 :balancer ns
#   g0 also holds the ten backends' addresses (198.18.0.11-20) and a TCP
#   listener on 8080 for their health checks; during the restart a stream of
#   frames from the generator goes through the VIP v0 and a sink on g0 counts
#   what dsrlb sends back (bench_sink_pass lets the checks through).
#
# For each VIP count: N VIPs x 10 shared backends, one file each in vips_dir;
# health checks (tcp to the real address, every second) on the first 100
# VIPs (1,000 checks). Prints one JSON line per VIP count ("type":"control").
# Usage: bench/control.sh [COUNTS...]   (default: 1 10 100 1000 10000)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DSRLB=$ROOT/build/dsrlb
BENCH=$ROOT/build/bench/dsrlb-bench
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(1 10 100 1000 10000)

P=dsrlbc$$
GEN=$P-gen
LB=$P-lb
DIR=$(mktemp -d /tmp/dsrlb-control.XXXXXX)
SOCK=$DIR/api.sock
PINS=$DIR/bpf
DPID= LPID=
POLLERS=()
cleanup() {
	for p in "${POLLERS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	ip netns exec "$LB" "$DSRLB" stop --detach -i l0 --pin-dir "$PINS" >/dev/null 2>&1
	umount "$PINS" 2>/dev/null
	ip netns del "$GEN" 2>/dev/null
	ip netns del "$LB" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap "cp $DIR/*.log /tmp/ 2>/dev/null; cleanup" EXIT

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
lb() { ip netns exec "$LB" "$@"; }
api() { # api METHOD PATH [BODY]: prints the seconds the request took, body to $DIR/ans
	curl -s -o "$DIR/ans" -w '%{time_total}\n' --max-time 30 --unix-socket "$SOCK" -X "$1" \
		${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://dsrlb$2"
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
maxof() { sort -g | tail -1; }
# hist FAMILY LE: the cumulative count of a histogram's bucket in $DIR/metrics
hist() { awk -v n="$1_bucket{le=\"$2\"}" '$1 == n { print $2 }' "$DIR/metrics"; }
hcount() { awk -v n="$1_count" '$1 == n { print $2 }' "$DIR/metrics"; }

ip netns add "$GEN" && ip netns add "$LB" &&
	ip link add "cg$$" type veth peer name "cl$$" &&
	ip link set "cg$$" netns "$GEN" && ip link set "cl$$" netns "$LB" &&
	ip -n "$GEN" link set "cg$$" name g0 && ip -n "$LB" link set "cl$$" name l0 &&
	ip -n "$GEN" link set g0 up && ip -n "$LB" link set l0 up &&
	ip -n "$GEN" link set lo up && ip -n "$LB" link set lo up || { echo "control: no namespaces" >&2; exit 1; }
ip -n "$LB" addr add 198.18.0.1/24 dev l0
for n in $(seq 11 20); do ip -n "$GEN" addr add "198.18.0.$n/24" dev g0; done
# the generator's sources answer nothing; the balancer must not ARP for them
ip -n "$LB" route add 198.19.0.0/16 via 198.18.0.11 dev l0
mkdir -p "$PINS" && mount -t bpf bpf "$PINS" || { echo "control: no bpffs" >&2; exit 1; }
ip netns exec "$GEN" python3 -c '
import socket, selectors
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(4096); s.setblocking(False)
sel = selectors.DefaultSelector(); sel.register(s, selectors.EVENT_READ)
while True:
    for _ in sel.select():
        try:
            while True:
                c, _a = s.accept(); c.close()
        except BlockingIOError:
            pass
' &
LPID=$!

config() { # config N: the main file and N files in vips_dir
	rm -rf "$DIR/vips.d"
	python3 - "$1" "$DIR" "$SOCK" "$PINS" <<'EOF'
import os, sys
n, d, sock, pins = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
backends = "[" + ", ".join(f"198.18.0.{i}" for i in range(11, 21)) + "]"
with open(f"{d}/dsrlb.yaml", "w") as f:
    f.write(f"interface: l0\npin_dir: {pins}\nvips_dir: {d}/vips.d\napi: {{socket: {sock}}}\n")
os.makedirs(f"{d}/vips.d")
for i in range(n):
    check = "health_check: {type: tcp, port: 8080, target: real, interval: 1, timeout: 0.5}\n" if i < 100 else ""
    with open(f"{d}/vips.d/v{i}.yaml", "w") as f:
        f.write(f"name: v{i}\naddress: 198.18.{100 + i // 250}.{1 + i % 250}\nport: 80\nprotocol: tcp\n"
                f"{check}backends: {backends}\n")
EOF
}

start() { # start LOG: dsrlb run in the background; waits for "balancing"
	# not through lb(): a backgrounded function is a subshell, and $! would be its PID
	ip netns exec "$LB" "$DSRLB" run -c "$DIR/dsrlb.yaml" >"$1" 2>&1 &
	DPID=$!
	for _ in $(seq 1 1200); do
		grep -q "^dsrlb: balancing" "$1" && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
stop() {
	kill -TERM "$DPID" && wait "$DPID"
	DPID=
}

for N in "${COUNTS[@]}"; do
	config "$N"
	checks=()
	for _ in 1 2 3; do
		t=$(date +%s%N)
		"$DSRLB" check -c "$DIR/dsrlb.yaml" >/dev/null 2>&1 || echo "control: check failed at $N VIPs" >&2
		checks+=("$(ms "$t")")
	done
	check_ms=$(printf '%s\n' "${checks[@]}" | median)

	lb "$DSRLB" stop --detach -i l0 --pin-dir "$PINS" >/dev/null 2>&1
	t=$(date +%s%N)
	start "$DIR/run1.log" || { echo "control: dsrlb did not start at $N VIPs" >&2; cat "$DIR/run1.log" >&2; exit 1; }
	cold_ms=$(ms "$t")
	sleep 2 # the checks' first round, the first samples

	# listings: the first (rendered for the request) and the rest (from the last render)
	for what in "status /api/v1/status?format=text" "stats /api/v1/stats?format=text" "metrics /metrics"; do
		name=${what%% *} path=${what#* }
		first=$(api GET "$path")
		rest=$(for _ in $(seq 1 9); do api GET "$path"; done | median)
		eval "${name}_first=$first ${name}_p50=$rest"
	done
	bytes_metrics=$(api GET /metrics >/dev/null; wc -c <"$DIR/ans")

	window_start=$SECONDS
	# one change, end to end with its file: a weight, then a VIP added and deleted
	half=v$((N / 2))
	changes=$(for i in $(seq 1 20); do
		api PATCH "/api/v1/vips/$half/backends/198.18.0.11" "{\"weight\": $((2 + i % 2))}"
	done)
	change_p50=$(median <<<"$changes") change_max=$(maxof <<<"$changes")
	adds=() dels=()
	for i in 1 2 3; do
		adds+=("$(api POST /api/v1/vips "{\"name\": \"new$i\", \"address\": \"198.18.99.$i\", \"port\": 80, \"protocol\": \"tcp\", \"backends\": [\"198.18.0.11\", \"198.18.0.12\"]}")")
		dels+=("$(api DELETE "/api/v1/vips/new$i")")
	done
	add_p50=$(printf '%s\n' "${adds[@]}" | median) del_p50=$(printf '%s\n' "${dels[@]}" | median)
	[ -f "$DIR/vips.d/new1.yaml" ] && echo "control: new1's file is still there" >&2

	# the loop under load: 10 clients poll /metrics every 100 ms for 5 s
	api GET /metrics >/dev/null
	cp "$DIR/ans" "$DIR/metrics"
	cb0=$(hcount dsrlb_loop_callback_seconds) cb10_0=$(hist dsrlb_loop_callback_seconds 0.01)
	cpu10_0=$(hist dsrlb_loop_callback_cpu_seconds 0.01)
	pr0=$(hcount dsrlb_health_probe_late_seconds) pr100_0=$(hist dsrlb_health_probe_late_seconds 0.1)
	cbmax0=() prmax0=()
	for le in 0.001 0.002 0.005 0.01 0.02 0.05 0.1 0.25 0.5 1; do
		cbmax0+=("$(hist dsrlb_loop_callback_seconds $le)")
		prmax0+=("$(hist dsrlb_health_probe_late_seconds $le)")
	done
	POLLERS=()
	for c in $(seq 1 10); do
		( end=$((SECONDS + 5)); while [ $SECONDS -lt $end ]; do
			curl -s -o /dev/null --max-time 10 --unix-socket "$SOCK" http://dsrlb/metrics; sleep 0.1
		done ) &
		POLLERS+=($!)
	done
	for p in "${POLLERS[@]}"; do wait "$p"; done
	POLLERS=()
	api GET /metrics >/dev/null
	cp "$DIR/ans" "$DIR/metrics"
	cb=$(( $(hcount dsrlb_loop_callback_seconds) - cb0 ))
	cb_over10=$(( cb - ($(hist dsrlb_loop_callback_seconds 0.01) - cb10_0) ))
	cpu_over10=$(( cb - ($(hist dsrlb_loop_callback_cpu_seconds 0.01) - cpu10_0) ))
	pr=$(( $(hcount dsrlb_health_probe_late_seconds) - pr0 ))
	pr_over100=$(( pr - ($(hist dsrlb_health_probe_late_seconds 0.1) - pr100_0) ))
	# the smallest bucket that holds every callback (and probe) of the window: its bound
	i=0 cb_bound=">1" pr_bound=">1"
	for le in 0.001 0.002 0.005 0.01 0.02 0.05 0.1 0.25 0.5 1; do
		[ "$cb_bound" = ">1" ] && [ $(( $(hist dsrlb_loop_callback_seconds $le) - ${cbmax0[$i]} )) -eq "$cb" ] && cb_bound=$le
		[ "$pr_bound" = ">1" ] && [ $(( $(hist dsrlb_health_probe_late_seconds $le) - ${prmax0[$i]} )) -eq "$pr" ] && pr_bound=$le
		i=$((i + 1))
	done

	api GET /api/v1/status >/dev/null
	table_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["table_bytes"])' "$DIR/ans")
	# the callbacks over 5 ms in the window (and the changes before it), by name
	slow=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["loop"]["slow"]
print(json.dumps([[s["callback"], round(s["seconds"] * 1000, 1), round(s["cpu_seconds"] * 1000, 1)] for s in d if s["ago_seconds"] < float(sys.argv[2])]))' "$DIR/ans" "$((SECONDS - window_start + 1))")
	rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$DPID/status")

	# restart, adopting, with a stream through v0 all the while
	"$BENCH" stream --gen-ns "$GEN" --lb-ns "$LB" --kind tcp4 --dst4 198.18.100.1 --dport 80 \
		--seconds 6 --pps 8000 --flows 4096 --srcs 256 --label restart >"$DIR/stream.json" &
	spid=$!
	sleep 1.5
	stop
	t=$(date +%s%N)
	start "$DIR/run2.log" || { echo "control: dsrlb did not restart at $N VIPs" >&2; cat "$DIR/run2.log" >&2; exit 1; }
	restart_ms=$(ms "$t")
	wait "$spid"
	grep -q "adopted the data plane" "$DIR/run2.log" || echo "control: the restart at $N VIPs did not adopt" >&2
	stream=$(cat "$DIR/stream.json")
	stop

	cat <<EOF
{"type":"control","vips":$N,"backends":10,"checks":$(( (N < 100 ? N : 100) * 10 )),"check_ms":$check_ms,"cold_start_ms":$cold_ms,"restart_ms":$restart_ms,"status_first_s":$status_first,"status_s":$status_p50,"stats_first_s":$stats_first,"stats_s":$stats_p50,"metrics_first_s":$metrics_first,"metrics_s":$metrics_p50,"metrics_bytes":$bytes_metrics,"change_s":$change_p50,"change_max_s":$change_max,"vip_add_s":$add_p50,"vip_del_s":$del_p50,"callbacks":$cb,"callbacks_over_10ms":$cb_over10,"callbacks_cpu_over_10ms":$cpu_over10,"callback_bound_s":"$cb_bound","probes":$pr,"probes_late_over_100ms":$pr_over100,"probe_late_bound_s":"$pr_bound","slow_callbacks_ms":$slow,"table_bytes":$table_bytes,"rss_kb":$rss_kb,"stream":$stream}
EOF
done
