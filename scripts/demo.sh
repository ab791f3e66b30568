#!/bin/bash
# The playground demo: build the tutorial's topology in namespaces, start two
# HTTP backends (VIP on lo) and dsrlb, send requests from the client and show
# which backend answered and which client address it saw. Cleans up after.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT

if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it creates network namespaces and loads XDP): sudo make demo" >&2
	exit 1
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the playground (namespaces: ${PG_PREFIX}-{client,gw,lan,lb,b1,b2})"
pg_up || exit 1
cat <<TOPO
  client $CLIENT4 ── gateway 198.19.0.2 / 198.18.178.2 ── LAN 198.18.178.0/24
                                                           ├─ lb          198.18.178.10  (VIP $VIP4 on eth0)
                                                           ├─ backend-01  $B1_4  (VIP on lo, arp_ignore=1)
                                                           └─ backend-02  $B2_4  (VIP on lo, arp_ignore=1)
TOPO

say "Starting python3 -m http.server 8000 --bind $VIP4 on both backends"
pg_start_http 8000 || exit 1

say "The tutorial's form: dsrlb -i eth0 --backends $B1_4,$B2_4 (the VIP is eth0's /32)"
pg_start_lb --backends "$B1_4,$B2_4" || exit 1
grep 'VIPs: ' "$PG_DIR/dsrlb.log" | sed 's/^/  /'
printf '  curl http://%s:8000/whoami: %s\n' "$VIP4" "$(pg_in client curl -sf --max-time 3 "http://$VIP4:8000/whoami" || echo 'no answer')"
pg_stop_lb

say "The explicit form: dsrlb -i eth0 --vip $VIP4:8000/tcp --vip [$VIP6]:8000/tcp --backends $B1_4,$B2_4,$B1_6,$B2_6"
pg_start_lb --vip "$VIP4:8000/tcp" --vip "[$VIP6]:8000/tcp" --backends "$B1_4,$B2_4,$B1_6,$B2_6" || exit 1
sed 's/^/  /' "$PG_DIR/dsrlb.log"

# requests URL N FAMILY: who answered each, and the client address it logged.
requests() {
	local i who seen
	for i in $(seq 1 "$2"); do
		who=$(pg_in client curl -sf --max-time 3 "$1/whoami" || echo "no answer")
		seen=$(grep '"GET /whoami' "$PG_DIR/http-b${who#backend-0}-v$3.log" 2>/dev/null | tail -1 | awk '{print $1}')
		printf '  request %2d: answered by %-10s  which saw the client as %s\n' "$i" "$who" "${seen:-?}"
	done
}

say "curl http://$VIP4:8000/whoami from the client, 10 times"
requests "http://$VIP4:8000" 10 4

say "The same over IPv6: curl http://[$VIP6]:8000/whoami"
requests "http://[$VIP6]:8000" 4 6

say "Direct server return: who sends the replies? (tcpdump on the gateway's LAN side)"
pg_spawn gw "$PG_DIR/tcpdump.log" tcpdump -i eth1 -e -n -c 4 "tcp src port 8000"
tdpid=$PG_LAST_PID
sleep 1
pg_in client curl -sf --max-time 3 -o /dev/null "http://$VIP4:8000/whoami"
pg_in client curl -sf --max-time 3 -o /dev/null "http://$VIP4:8000/big.bin"
for _ in $(seq 1 20); do kill -0 "$tdpid" 2>/dev/null || break; sleep 0.1; done
kill -INT "$tdpid" 2>/dev/null
wait "$tdpid" 2>/dev/null
m1=$(pg_in b1 cat /sys/class/net/eth0/address)
m2=$(pg_in b2 cat /sys/class/net/eth0/address)
grep -E '^[0-9]+:' "$PG_DIR/tcpdump.log" | awk -v m1="$m1" -v m2="$m2" '{
	who = $2 == m1 ? "backend-01" : $2 == m2 ? "backend-02" : "?"
	d = $12; sub(/:$/, "", d)
	printf "  reply frame from %s (%s): %s > %s\n", $2, who, $10, d }'
echo "  The balancer ($(pg_in lb cat /sys/class/net/eth0/address)) never carries a reply."

say "Stopping dsrlb (SIGTERM): it detaches and prints its counters"
pg_stop_lb
grep -E "total|detaching" "$PG_DIR/dsrlb.log" | sed 's/^/  /'

say "Done; removing the namespaces"
