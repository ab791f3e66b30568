#!/bin/bash
# The daemon's API, CLI and metrics (issue 6), on the playground: every
# resource and error path with status codes and messages, changes written
# back and kept across a restart, stats/status as text and JSON, and
# /metrics parsed by prometheus_client with counters matching the traffic.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
LOG="$PG_DIR/dsrlb.log"
SOCK="$PG_DIR/api.sock"
DSRLB="$ROOT/build/dsrlb"

pg_up && pg_start_http 8000 && pg_start_udp 9000 && ok "playground up" ||
	bail "playground setup failed"
# The token for TCP on the LAN address: root-only, as the daemon demands.
TOKEN=tok-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" >"$PG_DIR/token"
chmod 600 "$PG_DIR/token"
cat >"$CONF" <<EOF2
interface: eth0
api:
  socket: $SOCK
  group: nogroup
  listen: 198.18.178.10:9180
  token_file: $PG_DIR/token
  web_dir: $PG_DIR/web
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends: [$B1_4, $B2_4]
EOF2
mkdir -p "$PG_DIR/web"
printf '<title>dsrlb test page</title>' >"$PG_DIR/web/index.html"
# every listing in slices as short as they go: the answers below are read across many
export DSRLB_TEST_SLICE_NS=0
pg_start_daemon "$CONF" || bail "the daemon did not start"

# api METHOD PATH [BODY]: sets $CODE (the HTTP status) and $ANS (the body)
api() {
	CODE=$(curl -s --max-time 5 --unix-socket "$SOCK" -o "$PG_DIR/ans" -w '%{http_code}' \
		-X "$1" ${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://dsrlb$2")
	ANS=$(cat "$PG_DIR/ans")
}
# jq-like: jget EXPR < json (python, no extra package)
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

check "the Unix socket is mode 0660, owner root, group nogroup ($(stat -c '%a %U:%G' "$SOCK"))" \
	test "$(stat -c '%a %U:%G' "$SOCK")" = "660 root:nogroup"

# ---- resources ----
api GET /api/v1/status
out=$ANS
check "GET /api/v1/status: 200, interface eth0, 1 vip, 2 backends" \
	test "$CODE" = 200 -a "$(jget 'd["interface"], d["vips"], d["backends"]' <<<"$out")" = "eth0 1 2"
api GET /api/v1/vips
out=$ANS
check "GET /api/v1/vips: 200, the list with web and its two backends and their MACs" \
	test "$CODE" = 200 -a "$(jget '[v["name"] for v in d], [len(b["mac"]) for b in d[0]["backends"]]' <<<"$out")" = "['web'] [17, 17]"
api POST /api/v1/vips "{\"name\": \"web6\", \"address\": \"$VIP6\", \"port\": 8000, \"protocol\": \"tcp\", \"backends\": [\"$B1_6\", {\"address\": \"$B2_6\", \"weight\": 2}]}"
check "POST /api/v1/vips creates web6: 201" test "$CODE" = 201
# the change returns at once; its backends take flows as soon as their MACs are known
for i in $(seq 1 40); do
	api GET /api/v1/vips/web6
	[ "$(jget '[b["status"] for b in d["backends"]]' <<<"$ANS")" = "['active', 'active']" ] && break
	sleep 0.05
done
check "web6's backends resolve in the background and go active within 2 s (took $((i * 50)) ms at most)" \
	test "$(jget '[b["status"] for b in d["backends"]]' <<<"$ANS")" = "['active', 'active']"
out=$(for i in $(seq 1 6); do pg_in client curl -s --max-time 1 "http://[$VIP6]:8000/whoami" || echo FAIL; done)
check "traffic through the new VIP: 6 of 6 answered ($(grep -c FAIL <<<"$out") failed)" \
	bash -c "! grep -q FAIL <<<'$out'"
check "the config file has web6 now (written back)" grep -q 'name: web6' "$CONF"
api GET /api/v1/vips/web6
out=$ANS
check "GET /api/v1/vips/web6: its backends with weights 1 and 2" \
	test "$CODE" = 200 -a "$(jget '[b["weight"] for b in d["backends"]]' <<<"$out")" = "[1, 2]"
api PATCH /api/v1/vips/web6 '{"scheduler": "rr"}'
check "PATCH /api/v1/vips/web6 scheduler rr: 200" test "$CODE" = 200
check "  and the file says so" grep -q 'scheduler: rr' "$CONF"
api POST /api/v1/vips/web/backends "{\"address\": \"198.18.178.13\", \"state\": \"off\"}"
check "POST /api/v1/vips/web/backends adds a backend (off): 201" test "$CODE" = 201
api GET /api/v1/vips/web/backends/198.18.178.13
out=$ANS
check "GET .../backends/198.18.178.13: state off" test "$CODE" = 200 -a "$(jget 'd["state"]' <<<"$out")" = off
api DELETE /api/v1/vips/web/backends/198.18.178.13
check "DELETE .../backends/198.18.178.13: 200" test "$CODE" = 200
api PATCH "/api/v1/vips/web/backends/$B1_4" '{"state": "drain"}'
out=$(for i in $(seq 1 10); do pg_in client curl -s --max-time 1 "http://$VIP4:8000/whoami" || echo FAIL; done)
check "PATCH backend-01 state drain: 200, and 0 of 10 new connections go there" \
	bash -c "[ $CODE = 200 ] && ! grep -q 'FAIL\|backend-01' <<<'$out'"
api GET "/api/v1/vips/web/backends/$B1_4"
out=$ANS
check "  its status reads draining" test "$(jget 'd["status"]' <<<"$out")" = draining
api PATCH "/api/v1/vips/web/backends/$B1_4" '{"state": "up"}'
api PUT /api/v1/vips/web6 "{\"address\": \"$VIP6\", \"port\": 8000, \"protocol\": \"tcp\", \"backends\": [\"$B2_6\"]}"
api GET /api/v1/vips/web6
out=$ANS
check "PUT /api/v1/vips/web6 replaces it: one backend, scheduler back to maglev" \
	test "$CODE" = 200 -a "$(jget 'len(d["backends"]), d["scheduler"]' <<<"$out")" = "1 maglev"

out=$(curl -s --unix-socket "$SOCK" -w ' %{http_code} %{content_type}' http://dsrlb/)
check "GET / serves web_dir/index.html as text/html ($out)" \
	test "$out" = "<title>dsrlb test page</title> 200 text/html; charset=utf-8"
check "a path out of web_dir (/../dsrlb.yaml): 404" \
	test "$(curl -s --path-as-is --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' http://dsrlb/../dsrlb.yaml)" = 404
check "a path below a resource (/api/v1/vips/web/frobs): 404" \
	test "$(curl -s --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' http://dsrlb/api/v1/vips/web/frobs)" = 404

# ---- errors: the status, a message a person can act on, nothing changed ----
sum=$(sha256sum <"$CONF")
err() { # err NAME STATUS MESSAGE-PART METHOD PATH [BODY]
	local name=$1 want=$2 msg=$3 out
	shift 3
	api "$@"
	out=$ANS
	if [ "$CODE" = "$want" ] && grep -qF -- "$msg" <<<"$out"; then
		ok "$name: $want, \"$(jget 'd["error"]' <<<"$out")\""
	else
		not_ok "$name: wanted $want with '$msg', got $CODE $out"
	fi
}
err "bad JSON" 400 "the body is not valid JSON" POST /api/v1/vips '{"name": "x",'
err "unknown VIP" 404 "no vip named 'nope'" GET /api/v1/vips/nope
err "unknown backend" 404 "vip 'web' has no backend 198.18.178.99" DELETE /api/v1/vips/web/backends/198.18.178.99
err "wrong family" 400 "backend 2001:2::11 is IPv6 but vip 'web' is IPv4" POST /api/v1/vips/web/backends '"2001:2::11"'
err "unknown key" 400 "unknown key 'colour'" PATCH /api/v1/vips/web '{"colour": "red"}'
err "bad value" 400 "unknown scheduler 'fastest'" PATCH /api/v1/vips/web '{"scheduler": "fastest"}'
err "duplicate name" 409 "a vip named 'web' exists already" POST /api/v1/vips "{\"name\": \"web\", \"address\": \"198.18.178.16\", \"backends\": [\"$B1_4\"]}"
err "duplicate service" 400 "duplicates vip 'web'" POST /api/v1/vips "{\"name\": \"web2\", \"address\": \"$VIP4\", \"port\": 8000, \"protocol\": \"tcp\", \"backends\": [\"$B1_4\"]}"
err "backend twice" 409 "is in vip 'web' already" POST /api/v1/vips/web/backends "\"$B2_4\""
err "the last backend" 409 "is the last of vip 'web6'" DELETE "/api/v1/vips/web6/backends/$B2_6"
err "address change" 400 "a backend's address cannot change" PATCH "/api/v1/vips/web/backends/$B2_4" '{"address": "198.18.178.14"}'
err "wrong method" 405 "use GET or POST" DELETE /api/v1/vips
err "unknown resource" 404 "no such resource" GET /api/v1/frobs
head -c 70000 /dev/zero | tr '\0' x >"$PG_DIR/big.json"
out=$(curl -s --unix-socket "$SOCK" -w ' %{http_code}' -X POST --data-binary @"$PG_DIR/big.json" http://dsrlb/api/v1/vips)
out=$(tr -d '\n' <<<"$out")
check "oversized body (70000 bytes): 413 ($out)" grep -q 'larger than 65536 bytes.* 413$' <<<"$out"
check "none of the rejected changes touched the config file" test "$(sha256sum <"$CONF")" = "$sum"
api GET /api/v1/vips
out=$ANS
check "nor the running model (web with 2 backends, web6 with 1)" \
	test "$(jget '[(v["name"], len(v["backends"])) for v in d]' <<<"$out")" = "[('web', 2), ('web6', 1)]"
# a rejected edit of a field: the answer names it, for the web form
api PATCH /api/v1/vips/web '{"port": 70000}'
out=$ANS
check "an out-of-range port: 400, field 'port' ($(jget 'd.get("field")' <<<"$out"))" \
	test "$CODE" = 400 -a "$(jget 'd.get("field")' <<<"$out")" = port

# ---- TCP: loopback or a token ----
T="http://198.18.178.10:9180/api/v1/status"
check "TCP on the LAN address without a token: 401" \
	test "$(pg_in client curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$T")" = 401
check "with a wrong token: 401" \
	test "$(pg_in client curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'Authorization: Bearer nottheone-nottheone' "$T")" = 401
check "with the token: 200" \
	test "$(pg_in client curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer $TOKEN" "$T")" = 200

# ---- dsrlb trace: each new flow's backend, each drop's reason ----
# trace_start NAME ARGS...: dsrlb trace in the background (its PID in
# TRACE_PID), once it said "tracing" (it then follows the data plane).
trace_start() {
	local name=$1
	shift
	"$DSRLB" trace -s "$SOCK" -j "$@" >"$PG_DIR/$name.out" 2>"$PG_DIR/$name.err" &
	TRACE_PID=$!
	for _ in $(seq 1 50); do
		grep -q '^tracing' "$PG_DIR/$name.err" && return 0
		sleep 0.1
	done
	return 1
}
# trace_wait: until the trace ends by itself (at most 10 s); its exit status
trace_wait() {
	for _ in $(seq 1 100); do
		kill -0 "$TRACE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$TRACE_PID" 2>/dev/null
	wait "$TRACE_PID"
}
check "trace off before anyone traces (log says nothing of it)" bash -c "! grep -q 'trace: on' '$LOG'"
trace_start other --vip web6 -t 4
other_pid=$TRACE_PID
trace_start tr --vip web -n 7 || not_ok "dsrlb trace did not start"
out=$(for i in $(seq 1 5); do pg_in client curl -s --max-time 1 "http://$VIP4:8000/whoami" || echo FAIL; done)
# 2000 bytes in one datagram: two IPv4 fragments, which a VIP address never takes
pg_in client python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * 2000, ('$VIP4', 9999))"
trace_wait
rc=$?
sed 's/^/# /' "$PG_DIR/tr.out" | head -8
check "dsrlb trace --vip web -n 7: exit 0 after 7 records (rc $rc, $(grep -c . "$PG_DIR/tr.out") lines)" \
	test "$rc" = 0 -a "$(grep -c . "$PG_DIR/tr.out")" = 7
# the backend each record names, as the backend's own name, against the answers
want=$(tr '\n' ' ' <<<"$out")
got=$(python3 - "$PG_DIR/tr.out" "$B1_4" "$B2_4" <<'PY'
import json, sys
names = {sys.argv[2]: "backend-01", sys.argv[3]: "backend-02"}
recs = [json.loads(l) for l in open(sys.argv[1])]
new = [r for r in recs if r["event"] in ("new", "replaced", "unkept")]
print(" ".join(names.get(r["backend"], r["backend"]) for r in new), end=" ")
PY
)
check "each of the 5 connections' records names the backend that answered it ($got)" test "$got" = "$want"
check "  from the client to web's address and port, tcp, vip web" \
	python3 -c "
import json, sys
new = [json.loads(l) for l in open('$PG_DIR/tr.out')][:5]
sys.exit(not all(r['vip'] == 'web' and r['protocol'] == 'tcp' and r['client'].startswith('$CLIENT4:') and r['to'] == '$VIP4:8000' for r in new))"
check "the 2000-byte datagram: two drops, reason fragment, from the client" \
	python3 -c "
import json, sys
d = [json.loads(l) for l in open('$PG_DIR/tr.out')][5:]
sys.exit(not (len(d) == 2 and all(r['event'] == 'drop' and r['reason'] == 'fragment' and r['client'] == '$CLIENT4' for r in d)))"
TRACE_PID=$other_pid
trace_wait
check "a trace of web6 at the same time saw none of it (rc $?, $(grep -c . "$PG_DIR/other.out") records)" \
	test "$(grep -c . "$PG_DIR/other.out")" = 0
"$DSRLB" trace -s "$SOCK" -n 1 >"$PG_DIR/text.out" 2>&1 &
TRACE_PID=$!
for _ in $(seq 1 50); do grep -q '^tracing' "$PG_DIR/text.out" && break; sleep 0.1; done
who=$(pg_in client curl -s --max-time 1 "http://$VIP4:8000/whoami")
trace_wait
sed 's/^/# /' "$PG_DIR/text.out"
[ "$who" = backend-01 ] && who=$B1_4 || who=$B2_4
check "dsrlb trace as text: time, new, web, tcp, client -> VIP:8000, the backend that answered" \
	grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}  new +web +tcp $CLIENT4:[0-9]+ -> $VIP4:8000  backend $who\$" "$PG_DIR/text.out"
out=$("$DSRLB" trace -s "$SOCK" --vip nope 2>&1)
rc=$?
check "dsrlb trace --vip nope: exit 1, no vip named 'nope' ($out)" \
	test "$rc" = 1 -a -n "$(grep "no vip named 'nope'" <<<"$out")"
out=$("$DSRLB" trace -s "$SOCK" -n 0 2>&1)
rc=$?
check "dsrlb trace -n 0: exit 2, says what it wants ($out)" \
	test "$rc" = 2 -a -n "$(grep "count '0' is out of range (1 to" <<<"$out")"
pg_wait_log 'trace: off' 1 80
check "when the last tracer is gone the data plane stops writing records (log: trace: off)" \
	grep -q 'trace: off' "$LOG"

# ---- CLI ----
out=$("$DSRLB" stats -s "$SOCK")
check "dsrlb stats: a table with a row per VIP and per backend" \
	bash -c "grep -q '^tcp  198.18.178.15:8000 (web)' <<<'$out' && grep -q -- '-> 198.18.178.12 .* active' <<<'$out' && grep -q '^tcp  \[2001:2::15\]:8000 (web6)' <<<'$out'"
echo "$out" | sed 's/^/# /'
"$DSRLB" stats -s "$SOCK" -j >"$PG_DIR/stats.json"
"$DSRLB" status -s "$SOCK" -j >"$PG_DIR/status.json"
check "dsrlb stats -j and status -j validate against the documented shape" \
	python3 "$ROOT/tests/lib/check_shape.py" "$PG_DIR/stats.json" "$PG_DIR/status.json"
out=$("$DSRLB" status -s "$SOCK")
check "dsrlb status: version, interface, VIPs" \
	bash -c "grep -q '^dsrlb .* on eth0 (native mode)' <<<'$out' && grep -qE 'web6 .* table [0-9]+ slots of [124] B, [0-9]+ KB  1 of 1 backends take new flows' <<<'$out'"
out=$("$DSRLB" backend drain web "$B2_4" -s "$SOCK")
check "dsrlb backend drain web backend-02: done ($out)" test "$out" = "vip 'web': backend $B2_4 changed"
"$DSRLB" backend set web "$B2_4" --state up --weight 3 -s "$SOCK" >/dev/null
check "dsrlb backend set --weight 3: the file says weight 3" grep -q "address: $B2_4, weight: 3" "$CONF"
out=$("$DSRLB" vip add dns --address "$VIP4" --port 9000 --protocol udp --backend "$B1_4" --backend "$B2_4" -s "$SOCK" -j)
check "dsrlb vip add dns -j: JSON with what was done" test "$(jget 'd["done"]' <<<"$out")" = "vip 'dns' created"
"$DSRLB" vip set dns --flow-table off -s "$SOCK" >/dev/null
check "dsrlb vip set dns --flow-table off: the file and status say it" \
	bash -c "grep -q 'flow_table: off' '$CONF' && '$DSRLB' status -s '$SOCK' | grep -q 'dns .* maglev (flow_table: off)'"
out=$("$DSRLB" vip set dns --scheduler rr -s "$SOCK" 2>&1)
rc=$?
check "dsrlb vip set dns --scheduler rr without its flow table: exit 1, naming it ($out)" \
	test "$rc" -eq 1 -a -n "$(grep 'flow_table: off is for maglev and sh' <<<"$out")"
"$DSRLB" vip set dns --flow-table on -s "$SOCK" >/dev/null
out=$("$DSRLB" vip add bad --address "$VIP6" --backend "$B1_4" -s "$SOCK" 2>&1)
rc=$?
check "dsrlb vip add with a wrong family: exit 1 and the API's message ($out)" \
	test "$rc" -eq 1 -a -n "$(grep 'is IPv4 but vip .bad. is IPv6' <<<"$out")"
out=$("$DSRLB" stats -s "$PG_DIR/nothing.sock" 2>&1)
rc=$?
check "no daemon at the socket: exit 1, says so ($out)" \
	test "$rc" -eq 1 -a -n "$(grep 'cannot reach the daemon at' <<<"$out")"
check "dsrlb vip --help, backend --help and trace --help exit 0 with usage" \
	bash -c "'$DSRLB' vip --help | grep -q 'Usage: dsrlb vip add' && '$DSRLB' backend --help | grep -q 'Usage: dsrlb backend add' && '$DSRLB' trace --help | grep -q 'Usage: dsrlb trace'"

# ---- metrics: exactly the traffic sent ----
# metrics_of VIP N: /metrics once the counters (sampled every second) show N packets for VIP, at most 3 s
metrics_of() {
	for _ in $(seq 1 30); do
		curl -s --unix-socket "$SOCK" http://dsrlb/metrics >"$PG_DIR/metrics.txt"
		grep -q "^dsrlb_vip_packets_total{vip=\"$1\",.*} $2\$" "$PG_DIR/metrics.txt" && return
		sleep 0.1
	done
}
pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 25 >"$PG_DIR/udp.out"
sent=$(grep -c . "$PG_DIR/udp.out")
metrics_of dns 25
/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$PG_DIR/metrics.txt" dns 25 "$sent" | sed "s/^/# /"
check "GET /metrics parses with prometheus_client; dns got exactly the 25 datagrams sent (answered: $(grep -vc LOST "$PG_DIR/udp.out"))" \
	/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$PG_DIR/metrics.txt" dns 25 "$sent"

# A VIP deleted and made again reuses the ids (VIP and backends) the old one
# had: the new one's counters start at 0.
"$DSRLB" vip del dns -s "$SOCK" >/dev/null
"$DSRLB" vip add dns --address "$VIP4" --port 9000 --protocol udp --backend "$B1_4" --backend "$B2_4" -s "$SOCK" >/dev/null
pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 10 >"$PG_DIR/udp.out"
sent=$(grep -c . "$PG_DIR/udp.out")
metrics_of dns 10
/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$PG_DIR/metrics.txt" dns 10 "$sent" | sed "s/^/# /"
check "dns deleted and made again: its counters start at 0 (exactly the 10 sent since)" \
	/usr/bin/python3 "$ROOT/tests/lib/check_metrics.py" "$PG_DIR/metrics.txt" dns 10 "$sent"

# ---- bash completion, with names from the running daemon ----
complete_words() { # complete_words WORD...: what bash completion offers for the last word
	PATH="$ROOT/build:$PATH" bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dsrlb; echo "${COMPREPLY[@]}"' \
		_ "$ROOT/dist/dsrlb.bash-completion" "$@"
}
got=$(complete_words dsrlb vip set "")
got2=$(complete_words dsrlb backend drain web "")
check "bash completion offers the daemon's VIPs ($got) and a VIP's backend addresses ($got2)" \
	bash -c "grep -qw web <<<'$got' && grep -qw dns <<<'$got' && grep -q '$B1_4' <<<'$got2'"

# ---- a restart keeps what was done through the API ----
pg_stop_lb
pg_start_daemon "$CONF" || not_ok "the daemon did not start again on the file it wrote"
api GET /api/v1/vips
out=$ANS
check "after a restart: web, web6 and dns, with backend-02 at weight 3" \
	test "$(jget '[v["name"] for v in d], [b["weight"] for b in d[0]["backends"]]' <<<"$out")" = "['web', 'web6', 'dns'] [1, 3]"
out=$(pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 5)
check "and dns (made through the CLI) still answers: $(grep -vc LOST <<<"$out") of 5" \
	test "$(grep -vc LOST <<<"$out")" -eq 5
pg_stop_lb
check "at exit the socket is gone" test ! -e "$SOCK"

# ---- a token file anyone can read is refused ----
chmod 644 "$PG_DIR/token"
out=$(pg_in lb "$DSRLB" run -c "$CONF" 2>&1)
check "token_file mode 0644: the daemon refuses to start and says how to fix it" \
	bash -c "grep -q 'token_file .* must be a regular file owned by root with mode 0600 .*chmod 600' <<<'$out'"
tap_done
