#!/bin/bash
# Hostile neighbours (issue 15): another local user, a careless script, a
# forged answer. On the playground, with the daemon's API on loopback TCP:
#   - a non-root user can read over TCP but changes nothing (401), and the
#     Unix socket refuses it;
#   - with a token, the scheme is case-insensitive;
#   - 100 slow senders from a non-root user hold no slot past the deadline and
#     never shut root out (the Unix socket, or TCP from another address);
#   - a config or directory another user may write is refused, at start and
#     at reload (the running state unchanged);
#   - what a kill -9 during a write left is removed at start;
#   - a backend at the LAN's broadcast address is refused (its MAC is broadcast).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT
CONF="$PG_DIR/etc/dsrlb.yaml"
SOCK="$PG_DIR/api.sock"
DSRLB="$ROOT/build/dsrlb"
URL=http://127.0.0.1:9180
mkdir -p "$PG_DIR/etc" "$PG_DIR/bin"
chmod 755 "$PG_DIR" "$PG_DIR/etc" "$PG_DIR/bin" # nobody may read what it needs, write nothing
# what nobody runs, where nobody can reach it (the checkout may be under /root)
cp "$DSRLB" "$ROOT/tests/lib/slow_client.py" "$PG_DIR/bin/"
chmod 755 "$PG_DIR/bin/dsrlb" "$PG_DIR/bin/slow_client.py"
as_nobody() { pg_in lb setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
code() { # code [curl args]: the HTTP status of a request from the lb node as nobody (its body in $PG_DIR/body)
	as_nobody curl -s -w '\n%{http_code}' --max-time 5 "$@" >"$PG_DIR/out"
	head -n -1 "$PG_DIR/out" >"$PG_DIR/body"
	tail -1 "$PG_DIR/out"
}

write_conf() { # write_conf [extra api lines]
	cat >"$CONF" <<EOF
interface: eth0
api:
  socket: $SOCK
  listen: 127.0.0.1:9180
$1
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends: [$B1_4, $B2_4]
EOF
	chmod 644 "$CONF"
}

pg_up && pg_start_http 8000 && ok "playground up" || bail "playground setup failed"
# a leftover of an interrupted write, and a dot file that is not ours
echo "half a config" >"$PG_DIR/etc/.dsrlb.yaml.dsrlb-Ab12Cd"
echo keep >"$PG_DIR/etc/.notes"
write_conf ""
pg_start_daemon "$CONF" || bail "the daemon did not start"
check "the temporary file a kill -9 left next to the config is removed at start, and said so; another dot file stays" \
	bash -c "[ ! -e '$PG_DIR/etc/.dsrlb.yaml.dsrlb-Ab12Cd' ] && [ -e '$PG_DIR/etc/.notes' ] && grep -q 'removed $PG_DIR/etc/.dsrlb.yaml.dsrlb-Ab12Cd, left by a write that was interrupted' '$PG_DIR/dsrlb.log'"

# ---- another local user, over loopback TCP ----
c=$(code "$URL/api/v1/status")
check "a non-root user reads the status over loopback TCP ($c)" test "$c" = 200
c=$(code -X POST -H 'Content-Type: application/json' -d "{\"name\": \"evil\", \"address\": \"$VIP4\", \"port\": 81, \"backends\": [\"$B1_4\"]}" "$URL/api/v1/vips")
check "but cannot create a VIP: $c, $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$PG_DIR/body")" \
	bash -c "[ '$c' = 401 ] && grep -q 'changes over TCP need a token' '$PG_DIR/body'"
c=$(code -X PATCH -H 'Content-Type: application/json' -d '{"state": "off"}' "$URL/api/v1/vips/web/backends/$B1_4")
c2=$(code -X DELETE "$URL/api/v1/vips/web")
check "nor turn a backend off ($c) nor delete a VIP ($c2)" test "$c" = 401 -a "$c2" = 401
out=$(as_nobody "$PG_DIR/bin/dsrlb" status -s "$SOCK" 2>&1)
denied=$(grep -c 'Permission denied' <<<"$out")
check "the Unix socket (0660, root) refuses the same user: $(head -1 <<<"$out")" \
	bash -c "[ $denied -ge 1 ] && grep -q 'cannot reach the daemon at $SOCK: Permission denied' <<<\"\$1\"" _ "$out"
check "nothing changed: no VIP 'evil' in the file or the daemon, both backends up" \
	bash -c "! grep -q evil '$CONF' && [ \"\$('$DSRLB' stats -s '$SOCK' | grep -c active)\" = 2 ]"

# ---- an error that once multiplied: the same backend 3,000 times in one POST (under the 64 KiB cap) ----
python3 -c "import json; print(json.dumps({'name': 'many', 'address': '$VIP4', 'port': 82, 'backends': ['$B1_4'] * 3000}, separators=(',', ':')))" >"$PG_DIR/many.json"
t0=$(date +%s%N)
c=$(curl -s -o "$PG_DIR/many.out" -w '%{http_code}' --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
	--data-binary @"$PG_DIR/many.json" http://dsrlb/api/v1/vips)
ms=$((($(date +%s%N) - t0) / 1000000))
check "a $(stat -c %s "$PG_DIR/many.json")-byte POST with one backend 3,000 times: $c in $ms ms, the errors capped ($(grep -o '[.][.][.] and [0-9]* more errors' "$PG_DIR/many.out"))" \
	bash -c "[ '$c' = 400 ] && grep -q 'and 2994 more errors' '$PG_DIR/many.out'"

# ---- slow senders ----
as_nobody /usr/bin/python3 "$PG_DIR/bin/slow_client.py" 127.0.0.1 9180 100 2 14 >"$PG_DIR/slow.out" &
slow=$!
sleep 3
t0=$(date +%s%N)
"$DSRLB" status -s "$SOCK" >/dev/null
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
c=$(pg_in lb curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 "$URL/api/v1/status")
wait "$slow"
read -r _ opened _ refused _ held _ longest <"$PG_DIR/slow.out"
check "100 slow senders from a non-root user: root's dsrlb status answers meanwhile (exit $rc, $ms ms), TCP from 127.0.0.2 too ($c)" \
	test "$rc" = 0 -a "$ms" -lt 2000 -a "$c" = 200
check "and the daemon held at most 16 of them ($held of $opened opened, $refused refused), none past the 10 s deadline (longest $longest s)" \
	python3 -c "import sys; sys.exit(not ($held <= 16 and $longest <= 12.0))"

# ---- a token, in any case ----
TOKEN=tok-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$TOKEN" >"$PG_DIR/token"
chmod 600 "$PG_DIR/token"
pg_stop_lb
write_conf "  token_file: $PG_DIR/token"
pg_start_daemon "$CONF" || bail "the daemon did not start with a token"
J='Content-Type: application/json'
c1=$(code -X PATCH -H "$J" -d '{"state": "drain"}' "$URL/api/v1/vips/web/backends/$B2_4")
c2=$(code -H "authorization: bearer $TOKEN" -X PATCH -H "$J" -d '{"state": "drain"}' "$URL/api/v1/vips/web/backends/$B2_4")
c3=$(code -H "Authorization: BEARER   $TOKEN" -X PATCH -H "$J" -d '{"state": "up"}' "$URL/api/v1/vips/web/backends/$B2_4")
c4=$(code -H "Authorization: Bearer ${TOKEN}x" "$URL/api/v1/status")
check "with a token: without it 401 ($c1); 'bearer' in lower case ($c2) and 'BEARER' with spaces ($c3) are the scheme; a wrong token 401 ($c4)" \
	test "$c1" = 401 -a "$c2" = 200 -a "$c3" = 200 -a "$c4" = 401

# ---- a config another user may write ----
chmod 666 "$CONF"
kill -HUP "$PG_LB_PID"
pg_wait_log "may be written by another user" 1 30
check "SIGHUP on a config of mode 0666: the reload is refused, naming the fix ($(grep -o 'may be written by another user[^;]*' "$PG_DIR/dsrlb.log" | head -1))" \
	grep -q 'chmod 644' "$PG_DIR/dsrlb.log"
check "and the running state is unchanged (both backends active)" \
	test "$("$DSRLB" stats -s "$SOCK" | grep -c active)" = 2
pg_stop_lb
out=$(pg_in lb "$DSRLB" run -c "$CONF" 2>&1)
check "the daemon does not start on it (exit $?): $(head -1 <<<"$out" | cut -c1-120)" \
	bash -c "grep -q 'may be written by another user' <<<'$out'"
chmod 644 "$CONF"
chmod 777 "$PG_DIR/etc"
out=$(pg_in lb "$DSRLB" check -c "$CONF" 2>&1)
check "nor on one in a directory anyone may write: $(head -1 <<<"$out" | cut -c1-110)" \
	bash -c "grep -q 'its directory $PG_DIR/etc may be written by another user' <<<'$out'"
chmod 755 "$PG_DIR/etc"
chown nobody "$CONF"
out=$(pg_in lb "$DSRLB" check -c "$CONF" 2>&1)
check "nor on one owned by another user: $(head -1 <<<"$out" | cut -c1-110)" \
	bash -c "grep -q 'owner uid 65534' <<<'$out'"
chown root "$CONF"

# ---- a backend at the LAN's broadcast address ----
write_conf ""
sed -i "s/backends: \[$B1_4, $B2_4\]/backends: [$B1_4, 198.18.178.255]/" "$CONF"
out=$(pg_in lb timeout 20 "$DSRLB" run -c "$CONF" 2>&1)
check "a backend at the LAN's broadcast address: the daemon does not start ($(grep -o "backend 198.18.178.255 is the [^;]*" <<<"$out" | head -1))" \
	bash -c "grep -q \"vip 'web': backend 198.18.178.255 is the broadcast address of eth0's LAN 198.18.178.0/24\" <<<\"\$1\"" _ "$out"
write_conf ""
pg_start_daemon "$CONF" || bail "the daemon did not start"
out=$("$DSRLB" backend add web 198.18.178.0 -s "$SOCK" 2>&1)
rc=$?
grep -q 'is the network address' <<<"$out" || { kill -0 "$PG_LB_PID" 2>&1; tail -5 "$PG_DIR/dsrlb.log"; } | sed 's/^/# /'

check "dsrlb backend add web 198.18.178.0 (the LAN's network address): exit $rc, $(cut -c1-100 <<<"$out")" \
	bash -c "[ $rc -eq 1 ] && grep -q 'is the network address of' <<<\"\$1\"" _ "$out"
check "and nothing changed: the file has no such backend, both backends active" \
	bash -c "! grep -q '198.18.178.0[],]' '$CONF' && [ \"\$('$DSRLB' stats -s '$SOCK' | grep -c active)\" = 2 ]"

tap_done
