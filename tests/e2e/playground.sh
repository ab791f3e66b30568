#!/bin/bash
# The tutorial's playground end to end (issue 2): real HTTP and UDP services
# on two backends, a client behind a gateway, dsrlb on the balancer.
# What a user would check: answers, access logs, captures, file hashes.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
trap pg_down EXIT

REQS=40

mac_of() { pg_in "$1" cat /sys/class/net/eth0/address; }

# GET /whoami N times (each a new connection, so a new source port); prints
# one backend name per line, or FAIL.
fetch_whoami() {
	local url=$1 n=$2 i
	for i in $(seq 1 "$n"); do
		pg_in client curl -sf --max-time 3 "$url/whoami" || echo FAIL
	done
}

t_setup() {
	pg_up && pg_start_http 8000 && pg_start_udp 9000 && ok "playground: namespaces, backends with the VIP on lo, HTTP and UDP services up" ||
		bail "playground: setup failed"
	LB_MAC=$(mac_of lb)
	B1_MAC=$(mac_of b1)
	B2_MAC=$(mac_of b2)
}

t_start() {
	pg_start_lb --vip "$VIP4" --vip "$VIP6" --backends "$B1_4,$B2_4,$B1_6,$B2_6" -v && ok "dsrlb starts on the balancer and says it is balancing" ||
		bail "dsrlb did not start"
	check "dsrlb logs the VIP and both backends with their MACs" \
		grep -q "VIP $VIP4 (tcp+udp, every port) -> $B1_4 ($B1_MAC), $B2_4 ($B2_MAC)" "$PG_DIR/dsrlb.log"
	check "dsrlb attached in native mode" grep -q "attached to eth0 (native mode" "$PG_DIR/dsrlb.log"
	check "under ip netns exec, dsrlb mounted its own bpffs rather than fail" \
		grep -q "mounted a bpffs on /sys/fs/bpf" "$PG_DIR/dsrlb.log"
	check "the balancer has an XDP program on eth0" bash -c "ip -n $(pg_ns lb) link show eth0 | grep -q 'prog/xdp'"
}

# TESTPLAN 25: backends never answer ARP/NDP for the VIP; the gateway finds the balancer.
t_vip_owner() {
	pg_in gw ping -c1 -W1 "$VIP4" >/dev/null
	pg_in gw ping -6 -c1 -W1 "$VIP6" >/dev/null
	local n4 n6
	n4=$(pg_in gw ip neigh show "$VIP4" dev eth1 | awk '{print $3}')
	n6=$(pg_in gw ip -6 neigh show "$VIP6" dev eth1 | awk '{print $3}')
	check "the gateway resolves the IPv4 VIP to the balancer's MAC ($n4 = $LB_MAC)" test "$n4" = "$LB_MAC"
	check "the gateway resolves the IPv6 VIP to the balancer's MAC ($n6 = $LB_MAC)" test "$n6" = "$LB_MAC"
}

# HTTP through the VIP: all answered, both backends serve, logs show the client.
t_http() {
	local fam=$1 url=$2 client=$3 out n1 n2 fails l1 l2 others
	: >"$PG_DIR/http-b1-v$fam.log.mark"
	local before1 before2
	before1=$(grep -c '"GET /whoami' "$PG_DIR/http-b1-v$fam.log")
	before2=$(grep -c '"GET /whoami' "$PG_DIR/http-b2-v$fam.log")
	out=$(fetch_whoami "$url" "$REQS")
	fails=$(grep -c FAIL <<<"$out")
	n1=$(grep -c '^backend-01$' <<<"$out")
	n2=$(grep -c '^backend-02$' <<<"$out")
	check "IPv$fam: all $REQS requests to the VIP answered ($fails failed)" test "$fails" -eq 0
	check "IPv$fam: both backends serve ($n1 / $n2)" test "$n1" -gt 0 -a "$n2" -gt 0
	l1=$(($(grep -c '"GET /whoami' "$PG_DIR/http-b1-v$fam.log") - before1))
	l2=$(($(grep -c '"GET /whoami' "$PG_DIR/http-b2-v$fam.log") - before2))
	check "IPv$fam: each backend's access log has exactly the requests it answered ($l1=$n1, $l2=$n2)" \
		test "$l1" -eq "$n1" -a "$l2" -eq "$n2"
	others=$(cat "$PG_DIR/http-b1-v$fam.log" "$PG_DIR/http-b2-v$fam.log" | grep '"GET' | awk '{print $1}' | sort -u | tr '\n' ' ')
	check "IPv$fam: the access logs show only the client's own address ($others)" test "$others" = "$client "
}

# Replies never cross the balancer: they go from the backends to the gateway.
t_direct_return() {
	local caplb capgw n_lb n_gw_resp bad_src
	caplb="$PG_DIR/lb.pcap"
	capgw="$PG_DIR/gw.pcap"
	pg_spawn lb "$PG_DIR/tcpdump-lb.log" tcpdump -i eth0 -n -U -w "$caplb" "tcp or udp"
	local p1=$PG_LAST_PID
	pg_spawn gw "$PG_DIR/tcpdump-gw.log" tcpdump -i eth1 -n -U -w "$capgw" "src port 8000 or src port 9000"
	local p2=$PG_LAST_PID
	for _ in $(seq 1 50); do
		grep -q listening "$PG_DIR/tcpdump-lb.log" && grep -q listening "$PG_DIR/tcpdump-gw.log" && break
		sleep 0.1
	done
	fetch_whoami "http://$VIP4:8000" 10 >/dev/null
	fetch_whoami "http://[$VIP6]:8000" 10 >/dev/null
	python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 10 >/dev/null
	sleep 0.3
	kill -INT "$p1" "$p2"
	wait "$p1" "$p2" 2>/dev/null
	n_lb=$(tcpdump -nr "$caplb" "src port 8000 or src port 9000" 2>/dev/null | wc -l)
	n_gw_resp=$(tcpdump -nr "$capgw" 2>/dev/null | wc -l)
	bad_src=$(tcpdump -enr "$capgw" 2>/dev/null | awk '{print $2}' | grep -v -e "$B1_MAC" -e "$B2_MAC" | sort -u | tr '\n' ' ')
	check "a capture on the balancer sees no reply packet ($n_lb)" test "$n_lb" -eq 0
	check "the gateway receives the replies ($n_gw_resp packets)" test "$n_gw_resp" -gt 20
	check "every reply reaches the gateway straight from a backend's MAC (others: '$bad_src')" test -z "$bad_src"
}

# Large downloads arrive intact: a flow never changes backend mid-way.
t_downloads() {
	local want fam url i bad=0 pids=() served1 served2
	want=$(sha256sum <"$PG_DIR/big.bin" | cut -d' ' -f1)
	served1=$(grep -c 'GET /big.bin' "$PG_DIR"/http-b1-v*.log | awk -F: '{s+=$2} END {print s}')
	served2=$(grep -c 'GET /big.bin' "$PG_DIR"/http-b2-v*.log | awk -F: '{s+=$2} END {print s}')
	for i in $(seq 1 8); do
		for fam in 4 6; do
			[ $fam = 4 ] && url="http://$VIP4:8000/big.bin" || url="http://[$VIP6]:8000/big.bin"
			(pg_in client curl -sf --max-time 30 "$url" | sha256sum | cut -d' ' -f1 >"$PG_DIR/dl-$fam-$i") &
			pids+=($!)
		done
	done
	wait "${pids[@]}"
	for f in "$PG_DIR"/dl-*; do
		[ "$(cat "$f")" = "$want" ] || bad=$((bad + 1))
	done
	check "16 parallel 4 MiB downloads (IPv4 and IPv6) arrive intact ($bad corrupt or failed)" test "$bad" -eq 0
	served1=$(($(grep -c 'GET /big.bin' "$PG_DIR"/http-b1-v*.log | awk -F: '{s+=$2} END {print s}') - served1))
	served2=$(($(grep -c 'GET /big.bin' "$PG_DIR"/http-b2-v*.log | awk -F: '{s+=$2} END {print s}') - served2))
	check "the downloads were spread over both backends ($served1 / $served2)" test "$served1" -gt 0 -a "$served2" -gt 0
}

t_udp() {
	local fam=$1 vip=$2 client=$3 out lost n1 n2 seen logged
	out=$(pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$vip" 9000 "$REQS")
	lost=$(grep -c LOST <<<"$out")
	n1=$(grep -c '^backend-01 ' <<<"$out")
	n2=$(grep -c '^backend-02 ' <<<"$out")
	seen=$(grep -v LOST <<<"$out" | awk '{print $2}' | sort -u | tr '\n' ' ')
	check "UDP IPv$fam: all $REQS datagrams answered ($lost lost)" test "$lost" -eq 0
	check "UDP IPv$fam: both backends answer ($n1 / $n2)" test "$n1" -gt 0 -a "$n2" -gt 0
	check "UDP IPv$fam: backends saw the client's own address ($seen)" test "$seen" = "$client "
	logged=$(cat "$PG_DIR/udp-b1-v$fam.log" "$PG_DIR/udp-b2-v$fam.log" | awk '{print $1}' | sort -u | tr '\n' ' ')
	check "UDP IPv$fam: the backends' logs show only the client's address ($logged)" test "$logged" = "$client "
}

# The balancer host stays a host: its own services and ICMP work.
t_host_stays_host() {
	pg_spawn lb "$PG_DIR/http-lb.log" python3 -m http.server 8080 --bind 198.18.178.10 --directory "$PG_DIR/www-b1"
	pg_wait_listen lb tcp 198.18.178.10:8080
	check "a service on the balancer's own address answers through the XDP program" \
		pg_in client curl -sf --max-time 3 -o /dev/null http://198.18.178.10:8080/whoami
	check "the balancer answers ping to the VIP (ICMP passes to its kernel)" pg_in client ping -c1 -W2 "$VIP4"
	check "the balancer answers IPv6 ping to the VIP" pg_in client ping -6 -c1 -W2 "$VIP6"
}

t_stop() {
	local rc
	pg_stop_lb
	rc=$?
	check "SIGTERM: dsrlb exits 0 ($rc)" test "$rc" -eq 0
	check "at exit dsrlb prints the totals per VIP" grep -qE "total: VIP $VIP4: [1-9][0-9]* packets" "$PG_DIR/dsrlb.log"
	check "at exit dsrlb detached its program" bash -c "! ip -n $(pg_ns lb) link show eth0 | grep -q 'prog/xdp'"
	check "at exit dsrlb removed the neighbour entries it created" \
		bash -c "! ip -n $(pg_ns lb) neigh show | grep -q managed"
}

# The same through generic XDP, and a VIP on one port for TCP only.
t_skb_mode() {
	pg_start_lb -m skb --vip "$VIP4:8000/tcp" --backends "$B1_4,$B2_4" || { not_ok "dsrlb -m skb did not start"; return; }
	check "skb mode: dsrlb says so" grep -q "attached to eth0 (skb mode" "$PG_DIR/dsrlb.log"
	local out fails
	out=$(fetch_whoami "http://$VIP4:8000" 20)
	fails=$(grep -c FAIL <<<"$out")
	check "skb mode: all 20 requests answered ($fails failed)" test "$fails" -eq 0
	check "skb mode: both backends serve" bash -c "grep -q backend-01 <<<'$out' && grep -q backend-02 <<<'$out'"
	# UDP to the VIP is not balanced now: it goes to the balancer's own kernel.
	out=$(pg_in client python3 "$ROOT/tests/lib/udp_client.py" "$VIP4" 9000 3)
	check "a VIP for tcp/8000 leaves UDP to the VIP alone (no backend answers)" test "$(grep -c LOST <<<"$out")" -eq 3
	pg_stop_lb
	check "skb mode: exits 0 on SIGTERM" test $? -eq 0
}

t_setup
t_start
t_vip_owner
t_http 4 "http://$VIP4:8000" "$CLIENT4"
t_http 6 "http://[$VIP6]:8000" "$CLIENT6"
t_udp 4 "$VIP4" "$CLIENT4"
t_udp 6 "$VIP6" "$CLIENT6"
t_direct_return
t_downloads
t_host_stays_host
t_stop
t_skb_mode
tap_done
