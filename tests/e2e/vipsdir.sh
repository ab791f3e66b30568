#!/bin/bash
# VIPs kept one per file in vips_dir (issue 12): the daemon reads them, an API
# change rewrites only the file of the VIP it changes (a new VIP gets its own,
# a deleted one's goes), a file edited by hand is taken at SIGHUP, a bad one
# is refused naming its file and line, and a restart finds what the API wrote.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"
DIR="$PG_DIR/vips.d"
SOCK="$PG_DIR/api.sock"
DSRLB="$ROOT/build/dsrlb"

pg_up && pg_start_http 8000 && ok "playground up" || bail "playground setup failed"
mkdir -p "$DIR"
MAIN="interface: eth0
vips_dir: $DIR
api: {socket: $SOCK}"
echo "$MAIN" >"$CONF"
cat >"$DIR/web.yaml" <<EOF
name: web
address: $VIP4
port: 8000
protocol: tcp
backends: [$B1_4, $B2_4]
EOF
# dot files are never read (our own temporary files are dot files)
echo "this: is [not a VIP" >"$DIR/.web.yaml.dsrlb-x1Y2z3"

api() { # api METHOD PATH [BODY]: $CODE, $ANS
	CODE=$(curl -s --max-time 5 --unix-socket "$SOCK" -o "$PG_DIR/ans" -w '%{http_code}' \
		-X "$1" ${3:+-H 'Content-Type: application/json' --data-binary "$3"} "http://dsrlb$2")
	ANS=$(cat "$PG_DIR/ans")
}
fetch() { # fetch N: N connections to the web VIP from the client
	local i
	for i in $(seq 1 "$1"); do
		pg_in client curl -sf --max-time 3 "http://$VIP4:8000/whoami" || echo FAIL
	done
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

out=$("$DSRLB" check -c "$CONF" 2>&1)
check "dsrlb check reads the VIP files: configuration OK ($out)" test "$out" = "configuration OK"
pg_start_daemon "$CONF" || bail "the daemon did not start"
out=$(fetch 10)
check "traffic through web, a VIP of vips_dir: 10 of 10 answered ($(grep -c FAIL <<<"$out") failed)" \
	bash -c "! grep -q FAIL <<<'$out'"

web_before=$(sum "$DIR/web.yaml")
api POST /api/v1/vips "{\"name\": \"web6\", \"address\": \"$VIP6\", \"port\": 8000, \"protocol\": \"tcp\", \"backends\": [\"$B1_6\"]}"
check "POST web6: 201 ($CODE)" test "$CODE" = 201
check "web6 has a file of its own, vips.d/web6.yaml, that names it" grep -q "^name: web6$" "$DIR/web6.yaml"
check "web.yaml is untouched by web6's creation" test "$(sum "$DIR/web.yaml")" = "$web_before"
check "the main file is untouched (no vips written into it)" bash -c "! grep -q vips: '$CONF'"

web6_before=$(sum "$DIR/web6.yaml")
api PATCH "/api/v1/vips/web/backends/$B1_4" '{"weight": 3}'
check "PATCH web's backend weight: 200 ($CODE)" test "$CODE" = 200
check "web.yaml now says weight 3" grep -q "weight: 3" "$DIR/web.yaml"
check "web6.yaml is untouched by web's change" test "$(sum "$DIR/web6.yaml")" = "$web6_before"
left=$(find "$DIR" -name '.*.dsrlb-*' ! -name '.web.yaml.dsrlb-x1Y2z3' | wc -l)
check "no temporary file is left behind ($left)" test "$left" -eq 0

api DELETE /api/v1/vips/web6
check "DELETE web6: 200 ($CODE), and its file is gone" test "$CODE" = 200 -a ! -e "$DIR/web6.yaml"

cat >"$DIR/extra.yaml" <<EOF
vips:
  - name: extra
    address: $VIP4
    port: 8080
    protocol: tcp
    backends: [$B2_4]
EOF
pg_reload "$CONF" <<<"$MAIN"
check "a file added by hand is taken at SIGHUP (reloaded)" test $? -eq 0
api GET /api/v1/vips/extra
check "GET /api/v1/vips/extra: 200, from extra.yaml" test "$CODE" = 200

printf 'name: broken\naddress: %s\nport: 99999\nbackends: [%s]\n' "$VIP4" "$B1_4" >"$DIR/broken.yaml"
pg_reload "$CONF" <<<"$MAIN"
rc=$?
check "a bad VIP file is refused at SIGHUP (rejected)" test "$rc" -eq 1
check "  the error names the file and its line (broken.yaml:3)" \
	grep -qE "broken\.yaml:3:[0-9]+: .*port" "$PG_DIR/dsrlb.log"
api GET /api/v1/vips/extra
check "  and what ran stays (extra: $CODE)" test "$CODE" = 200
rm -f "$DIR/broken.yaml"

pg_stop_lb
pg_start_daemon "$CONF" || bail "the daemon did not start again"
api GET /api/v1/vips/web
w=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print([b["weight"] for b in d["backends"]])' <<<"$ANS")
check "after a restart web has what the API wrote: weights $w" test "$w" = "[3, 1]"
api GET /api/v1/vips/web6
check "  and web6, deleted, is not back ($CODE)" test "$CODE" = 404
tap_done
