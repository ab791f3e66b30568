#!/bin/bash
# The command line as a user meets it: exit codes and messages for bad input,
# and refusing to start when a backend cannot be resolved.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
DSRLB="$ROOT/build/dsrlb"
NS="dsrlbcli$$"
OUT=$(mktemp)
cleanup() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS-peer" 2>/dev/null
	rm -f "$OUT"
}
trap cleanup EXIT

# expect CODE "message part" args...: exit status and stderr both as stated
expect() {
	local code=$1 msg=$2 rc show
	shift 2
	show="$*"
	show="dsrlb${show#*build/dsrlb}"
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qF -- "$msg" "$OUT"; then
		ok "$show: exit $code, says '$msg'"
	else
		not_ok "$show: want exit $code and '$msg'; got exit $rc: $(head -c 300 "$OUT")"
	fi
}

expect 0 "Usage: dsrlb" "$DSRLB" --help
expect 0 "dsrlb 0." "$DSRLB" --version
expect 2 "-i IFACE is required" "$DSRLB" --vip 198.18.178.15 --backends 198.18.178.11
expect 2 "interface 'dsrlbnone0' not found" "$DSRLB" -i dsrlbnone0 --backends 198.18.178.11
expect 2 "--backends LIST is required" "$DSRLB" -i eth0 --vip 198.18.178.15
expect 2 "port '70000' is not a number from 1 to 65535" "$DSRLB" -i eth0 --vip 198.18.178.15:70000 --backends 198.18.178.11
expect 2 "unknown protocol 'sctp'" "$DSRLB" -i eth0 --vip 198.18.178.15/sctp --backends 198.18.178.11
expect 2 "backend 'backend-01' is not an IPv4 or IPv6 address" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends backend-01
expect 2 "VIP [2001:2::15]:80/tcp is IPv6 but no IPv6 backend is given" "$DSRLB" -i eth0 --vip '[2001:2::15]:80/tcp' --backends 198.18.178.11
expect 2 "--vip: vip '198.18.178.15/tcp' duplicates vip '198.18.178.15': both serve 198.18.178.15/tcp" "$DSRLB" -i eth0 --vip 198.18.178.15 --vip 198.18.178.15/tcp --backends 198.18.178.11
expect 2 "--table-size '65536': must be a prime" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends 198.18.178.11 --table-size 65536
expect 2 "--mode 'xdp': use native or skb" "$DSRLB" -i eth0 -m xdp --vip 198.18.178.15 --backends 198.18.178.11
expect 2 "unexpected argument 'extra'" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends 198.18.178.11 extra

# A LAN with nobody at the backend's address.
ip netns add "$NS" && ip netns add "$NS-peer" &&
	ip link add dcli$$a type veth peer name dcli$$b &&
	ip link set dcli$$a netns "$NS" && ip link set dcli$$b netns "$NS-peer" &&
	ip -n "$NS" link set dcli$$a name eth0 && ip -n "$NS" link set eth0 up &&
	ip -n "$NS-peer" link set dcli$$b up &&
	ip -n "$NS" addr add 198.18.178.10/24 dev eth0 || bail "set up the test namespace"

expect 1 "interface 'nope0' not found" ip netns exec "$NS" "$DSRLB" -i nope0 --vip 198.18.178.15 --backends 198.18.178.11
start=$SECONDS
expect 1 "backend 198.18.178.99: no MAC after 1 s on eth0; is it up and on the same LAN as eth0?" \
	ip netns exec "$NS" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends 198.18.178.99 --resolve-timeout 1
took=$((SECONDS - start))
check "an unresolvable backend is given up on within the timeout (took ${took} s)" test "$took" -le 4
check "after refusing to start, no XDP program is attached" \
	bash -c "! ip -n $NS link show eth0 | grep -q xdp"
check "after refusing to start, the neighbour entry dsrlb asked for is gone" \
	bash -c "! ip -n $NS neigh show 198.18.178.99 | grep -q ."
check "the warning names a VIP that is not on the interface, with the command to add it" \
	grep -qF "add it: ip addr add 198.18.178.15/32 dev eth0" "$OUT"

# A backend that answers late, but within the timeout, is waited for: each
# backend has the whole --resolve-timeout from the ARP request dsrlb sends
# once its program is loaded (the load alone can take seconds). The peer
# takes the address 0.5 s after the first request for it reaches the LAN;
# the kernel asks again a second after the first.
PEER="dcli$$b"
LOG=$(mktemp)
ip netns exec "$NS-peer" timeout 20 tcpdump -i "$PEER" -n -c1 -l \
	'arp[6:2] = 1 and arp[24:4] = 0xc612b20b' >/dev/null 2>&1 &&
	sleep 0.5 && ip -n "$NS-peer" addr add 198.18.178.11/24 dev "$PEER" &
late=$!
sleep 0.5 # tcpdump listening before the first request
ip netns exec "$NS" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends 198.18.178.11 \
	--resolve-timeout 2 >"$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	grep -q '^dsrlb: balancing' "$LOG" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
check "a backend answering the second ARP request, 1 s after dsrlb's first ARP request, with --resolve-timeout 2: dsrlb starts ($(grep -m1 -E 'error|balancing' "$LOG"))" \
	grep -q '^dsrlb: balancing' "$LOG"
kill "$pid" 2>/dev/null
wait "$pid"
wait "$late"
rm -f "$LOG"
ip -n "$NS-peer" addr flush dev "$PEER"

# Somebody else's XDP program is never replaced.
ip -n "$NS" link set dev eth0 xdpgeneric obj "$ROOT/build/xdp_pass.bpf.o" sec xdp
ip -n "$NS" neigh add 198.18.178.11 lladdr 02:00:00:00:00:11 dev eth0 nud permanent
expect 1 "eth0 already has an XDP program" \
	ip netns exec "$NS" "$DSRLB" -i eth0 --vip 198.18.178.15 --backends 198.18.178.11
check "the other program is still attached" bash -c "ip -n $NS link show eth0 | grep -q xdpgeneric"
ip -n "$NS" link set dev eth0 xdpgeneric off

# Under systemd stderr is the journal's stream ($JOURNAL_STREAM: its device and
# inode): each line then starts with its priority, <3> errors, <4> warnings.
JLOG=$(mktemp)
printf 'interface: eth0\nvips: []\nbogus: 1\n' >"$JLOG.yaml"
(
	exec 2>"$JLOG"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$JLOG") "$DSRLB" check -c "$JLOG.yaml"
)
check "with stderr the journal's stream, an error line carries priority <3> ($(head -1 "$JLOG" | cut -c1-40))" \
	grep -q '^<3>dsrlb: error: ' "$JLOG"
"$DSRLB" check -c "$JLOG.yaml" 2>"$JLOG"
check "and without it, none" grep -q '^dsrlb: error: ' "$JLOG"
rm -f "$JLOG" "$JLOG.yaml"

tap_done
