#!/bin/bash
# dsrlb doctor (issue 5): finds a backend answering ARP (or NDP) for the VIP and one
# without the VIP on lo, names both with the fix, and is quiet once fixed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
PG_NODES+=(b3)
trap pg_down EXIT
CONF="$PG_DIR/dsrlb.yaml"

pg_up && pg_start_http 8000 && pg_add_backend3 && ok "playground with three backends up" ||
	bail "playground setup failed"
# backend-02 answers ARP for every address it holds, the VIP on lo included
pg_sysctl b2 net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth0.arp_ignore=0
# backend-03 serves on every address, but the VIP is not on its lo
B3_PID=$PG_LAST_PID
kill "$B3_PID"
wait "$B3_PID" 2>/dev/null
pg_in b3 ip addr del "$VIP4/32" dev lo
pg_spawn b3 "$PG_DIR/http-b3-any.log" python3 -u -m http.server 8000 --bind 0.0.0.0 \
	--directory "$PG_DIR/www-b3"
pg_wait_listen b3 tcp "0.0.0.0:8000"
cat >"$CONF" <<EOF2
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    health_check: {type: http, path: /whoami, timeout: 0.5}
    backends: [$B1_4, $B2_4, $B3_4]
  - name: web6
    address: $VIP6
    port: 8000
    protocol: tcp
    backends: [$B1_6, $B2_6]
EOF2
# backend-02 also holds the IPv6 VIP on eth0 (not only lo), so it answers NDP for it
pg_in b2 ip -6 addr add "$VIP6/128" dev eth0 nodad

out=$(pg_in lb "$ROOT/build/dsrlb" doctor -c "$CONF" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
has() { grep -qF -- "$1" <<<"$out"; }
check "doctor exits 1 when it finds problems (rc $rc)" test "$rc" -eq 1
has "PROBLEM 198.18.178.12" && has "answers ARP for the VIP 198.18.178.15" && a=1 || a=0
check "it names backend-02 answering ARP for the VIP" test "$a" -eq 1
has "fix on 198.18.178.12: sysctl -w net.ipv4.conf.all.arp_ignore=1" && a=1 || a=0
check "with the command that fixes it" test "$a" -eq 1
has "PROBLEM 2001:2::12" && has "answers NDP for the VIP 2001:2::15 (the VIP is on its LAN interface, not on lo)" && a=1 || a=0
check "it names backend-02 answering NDP for the IPv6 VIP" test "$a" -eq 1
has "fix on 2001:2::12: ip -6 addr show to 2001:2::15" && a=1 || a=0
check "with how to find and remove the address" test "$a" -eq 1
has "ok      2001:2::11" && ! has "PROBLEM 2001:2::11" && a=1 || a=0
check "backend-01 does not answer NDP for the VIP (on lo only): ok" test "$a" -eq 1
has "PROBLEM 198.18.178.13" && has "the VIP is not on its lo" && a=1 || a=0
check "it names backend-03 without the VIP on lo (it answers on its own address only)" test "$a" -eq 1
has "fix on 198.18.178.13: dsrlb backend setup --vip 198.18.178.15 --persist" && a=1 || a=0
check "with the command that fixes it" test "$a" -eq 1
has "ok      198.18.178.11" && ! has "PROBLEM 198.18.178.11" && a=1 || a=0
check "backend-01 is ok" test "$a" -eq 1
check "doctor leaves no filter on lo" bash -c "! ip netns exec $(pg_ns lb) tc filter show dev lo egress | grep -q dsrlb_hc"

pg_sysctl b2 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1
pg_in b2 ip -6 addr del "$VIP6/128" dev eth0
pg_in b3 "$ROOT/build/dsrlb" backend setup --vip "$VIP4" --interface eth0 --root "$PG_DIR/b3root" >/dev/null
out=$(pg_in lb "$ROOT/build/dsrlb" doctor -c "$CONF" 2>&1)
rc=$?
check "after both fixes doctor finds nothing and exits 0 (rc $rc, $(tail -1 <<<"$out"))" \
	test "$rc" -eq 0 -a "$(tail -1 <<<"$out")" = "0 problems found"
tap_done
