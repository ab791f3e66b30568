#!/bin/bash
# The web interface (issue 6), in Debian's chromium driven by playwright-core
# (tests/web/ui.mjs), against a daemon on the playground: a VIP made through
# the form carries the client's traffic, the form shows each backend's MAC
# and health and puts the API's error beside the field, drain and delete
# work from the page, the page asks for the token where the API needs one,
# and a screenshot of the VIP list is kept (build/web-vips.png).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
SOCK="$PG_DIR/api.sock"
DSRLB="$ROOT/build/dsrlb"
URL=http://127.0.0.1:9180/
SHOT="$ROOT/build/web-vips.png"

[ -d "$ROOT/tests/web/node_modules/playwright-core" ] && command -v chromium >/dev/null ||
	bail "playwright-core or chromium missing (make test installs them: scripts/deps.sh, npm ci in tests/web)"
pg_up && pg_start_http 8000 && ok "playground up" ||
	bail "playground setup failed"
# Changes over TCP need a token, loopback too (any local user reaches it).
TOKEN=tok-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" >"$PG_DIR/token"
chmod 600 "$PG_DIR/token"
cat >"$CONF" <<EOF2
interface: eth0
api:
  socket: $SOCK
  listen: 127.0.0.1:9180
  token_file: $PG_DIR/token
  web_dir: $ROOT/web
vips:
  - name: web6
    address: $VIP6
    port: 8000
    protocol: tcp
    backends: [$B1_6, $B2_6]
EOF2
pg_start_daemon "$CONF" || bail "the daemon did not start"

# ui STEP ARGS...: one step in the browser (run in the balancer's namespace,
# where the API listens on loopback); its JSON in $OUT, exit status in $RC
ui() {
	OUT=$(DSRLB_UI_TOKEN=$TOKEN pg_in lb timeout 90 node "$ROOT/tests/web/ui.mjs" "$URL" "$@" 2>"$PG_DIR/ui.err")
	RC=$?
	echo "# ui $1: $OUT" | cut -c1-400
	[ "$RC" = 0 ] || sed 's/^/# /' "$PG_DIR/ui.err" | tail -5
}
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# whoami N ADDR PORT: N requests from the client, one answer (or FAIL) per line
whoami() {
	local i
	for i in $(seq 1 "$1"); do
		pg_in client curl -s --max-time 2 "http://$2:$3/whoami" || echo FAIL
	done
}

# ---- create a VIP with two backends through the form ----
ui create site "$VIP4" 8000 "$B1_4" "$B2_4"
check "the form creates VIP site with backends-01 and 02 (mode $(jget 'd.get("mode")' <<<"$OUT"), $(jget 'd.get("dsr_type")' <<<"$OUT"))" \
	test "$RC" = 0 -a "$(jget 'd.get("backends")' <<<"$OUT")" = "['$B1_4', '$B2_4']"
check "  in the running model and written to the config file" \
	bash -c "'$DSRLB' stats -s '$SOCK' | grep -q '(site)' && grep -q 'name: site' '$CONF'"
out=$(whoami 10 "$VIP4" 8000)
check "curl from the client through site: 10 of 10 answered ($(grep -c FAIL <<<"$out") failed)" \
	bash -c "! grep -q FAIL <<<'$out'"
check "  both backends served it (their answers: $(sort <<<"$out" | uniq -c | tr -s ' \n' ' '))" \
	bash -c "grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"
check "  and the backends' access logs have the requests" \
	bash -c "[ \$(cat '$PG_DIR'/http-b1-v4.log '$PG_DIR'/http-b2-v4.log | grep -c 'GET /whoami') -ge 10 ]"
check "no errors in the page's console" test "$(jget 'd.get("console_errors")' <<<"$OUT")" = "[]"
check "  its row has the ICMP errors counter: '$(jget 'd.get("icmp")' <<<"$OUT")' ($(jget 'd.get("icmp_title")' <<<"$OUT"))" \
	test "$(jget 'd.get("icmp")' <<<"$OUT")" = 0 -a \
	"$(jget 'd.get("icmp_title")' <<<"$OUT")" = "0 ICMP errors sent on to their flows' backends, 0 unmatched"

# ---- the form shows each backend's resolved MAC and health ----
ui edit site
check "the edit form shows both backends' resolved MACs and their health (tcp check)" \
	python3 -c "
import json, sys
d = json.loads(sys.argv[1])
b = d.get('backends', [])
sys.exit(not (len(b) == 2 and all(len(x['mac']) == 17 for x in b) and
              all(x['health'].startswith('passing') for x in b) and d['health_check'] == 'tcp'))" "$OUT"
want=$(pg_in b1 cat /sys/class/net/eth0/address)
check "  backend-01's MAC is backend-01's eth0 address ($want)" \
	test "$(jget '[b["mac"] for b in d["backends"] if b["address"] == "'"$B1_4"'"][0]' <<<"$OUT")" = "$want"

ui edit site "$B1_4" 3
check "Edit, weight 3 for backend-01, Save: the file says weight 3 (interval shown: $(jget 'd.get("interval")' <<<"$OUT"))" \
	bash -c "[ '$RC' = 0 ] && grep -q 'address: $B1_4, weight: 3' '$CONF'"
check "  and what the form did not change stays: the tcp check every 0.5 s" \
	python3 -c "
import json, subprocess, sys
v = json.loads(subprocess.run(['curl', '-s', '--unix-socket', '$SOCK', 'http://dsrlb/api/v1/vips/site'], capture_output=True).stdout)
sys.exit(not (v['health_check']['type'] == 'tcp' and v['health_check']['interval'] == 0.5))"

# ---- an error from the API appears beside the field it concerns ----
sum=$(sha256sum <"$CONF")
ui error bad "$VIP4" 8001 "$B1_6"
msg=$(jget 'd.get("error")' <<<"$OUT")
check "a backend of the wrong family: the API's message beside Backends ($msg)" \
	test "$RC" = 0 -a -n "$(grep 'IPv6 but vip .bad. is IPv4' <<<"$msg")"
check "  the form stays open, and the file is as it was" \
	test "$(jget 'd.get("dialog_open")' <<<"$OUT")" = True -a "$(sha256sum <"$CONF")" = "$sum"

# ---- drain in the page ----
ui drain site "$B2_4"
check "Drain in the page: backend-02 goes from $(jget 'd.get("before")' <<<"$OUT") to $(jget 'd.get("after")' <<<"$OUT") (button now: $(jget 'd.get("button")' <<<"$OUT"))" \
	test "$RC" = 0 -a "$(jget 'd["before"], d["after"], d["button"]' <<<"$OUT")" = "active draining Undrain"
out=$(whoami 10 "$VIP4" 8000)
check "  new connections then go to backend-01 only ($(sort <<<"$out" | uniq -c | tr -s ' \n' ' '))" \
	test "$(grep -c backend-01 <<<"$out")" = 10
check "  and the file says drain" grep -q "address: $B2_4, state: drain" "$CONF"

# ---- the VIP list, with live rates, as a screenshot ----
# traffic until the shot is taken (a file says stop; at most 150 rounds)
rm -f "$PG_DIR/stop"
(for _ in $(seq 1 150); do
	[ -e "$PG_DIR/stop" ] && break
	pg_in client curl -s --max-time 1 -o /dev/null "http://$VIP4:8000/whoami"
	pg_in client curl -s --max-time 1 -o /dev/null "http://[$VIP6]:8000/whoami"
	sleep 0.1
done) &
traffic=$!
ui shot "$SHOT"
touch "$PG_DIR/stop"
wait "$traffic"
check "a screenshot of the VIP list with a chart of $(jget 'd.get("series")' <<<"$OUT") backend series: $SHOT" \
	test "$RC" = 0 -a -s "$SHOT" -a "$(jget 'd.get("series")' <<<"$OUT")" = 4

# ---- delete asks first ----
ui delete web6
check "Delete asks first ($(jget 'd.get("asked")' <<<"$OUT")); Keep it keeps the VIP" \
	test "$RC" = 0 -a "$(jget 'd.get("kept")' <<<"$OUT")" = True
check "  Delete then deletes it: gone from the model and the file" \
	bash -c "[ '$(jget 'd.get("deleted")' <<<"$OUT")' = True ] && ! '$DSRLB' stats -s '$SOCK' | grep -q '(web6)' && ! grep -q 'name: web6' '$CONF'"

# ---- what a page on another site cannot do ----
code=$(pg_in lb curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebind.example:9180' "${URL}api/v1/status")
check "a Host that is not this listener (DNS rebinding): 403" test "$code" = 403
code=$(pg_in lb curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' -H "Authorization: Bearer $TOKEN" \
	--data-binary '{"name": "x", "address": "198.18.178.15", "port": 81, "backends": ["198.18.178.11"]}' "${URL}api/v1/vips")
check "a body sent as text/plain (what a cross-site form can send): 415, nothing created" \
	bash -c "[ '$code' = 415 ] && ! grep -q 'name: x$' '$CONF'"

# ---- exposed on the LAN: the page asks for the token ----
pg_stop_lb
echo "$TOKEN" >"$PG_DIR/token"
chmod 600 "$PG_DIR/token"
cat >"$CONF" <<EOF2
interface: eth0
api:
  socket: $SOCK
  listen: 198.18.178.10:9180
  token_file: $PG_DIR/token
  web_dir: $ROOT/web
vips:
  - name: site
    address: $VIP4
    port: 8000
    protocol: tcp
    backends: [$B1_4, $B2_4]
EOF2
pg_start_daemon "$CONF" || not_ok "the daemon did not start with the token"
code=$(pg_in client curl -s -o /dev/null -w '%{http_code}' http://198.18.178.10:9180/)
code2=$(pg_in client curl -s -o /dev/null -w '%{http_code}' http://198.18.178.10:9180/api/v1/vips)
check "with a token: the page loads without it ($code), the API does not ($code2)" \
	test "$code" = 200 -a "$code2" = 401
OUT=$(pg_in client timeout 90 node "$ROOT/tests/web/ui.mjs" http://198.18.178.10:9180/ token "$TOKEN" 2>"$PG_DIR/ui.err")
RC=$?
echo "# ui token: $OUT"
check "the page asks for the token, and with it lists the VIPs ($(jget 'd.get("vips")' <<<"$OUT"))" \
	test "$RC" = 0 -a "$(jget 'd.get("asked"), d.get("vips")' <<<"$OUT")" = "True ['site']"
tap_done
