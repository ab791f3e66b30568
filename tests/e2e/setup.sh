#!/bin/bash
# dsrlb backend setup and --undo (issue 5), in a namespace of its own; the
# files go under a --root prefix.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
NS=dsrlb-setup$$
R=$(mktemp -d /tmp/dsrlb-setup.XXXXXX)
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$R"; }
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
D="$ROOT/build/dsrlb"

ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add eth0 type veth peer name eth1
in_ns ip addr add 198.18.179.11/24 dev eth0
in_ns ip link set eth0 up
in_ns ip route add default via 198.18.179.1
snapshot() {
	in_ns ip -br addr show dev lo
	for k in all.arp_ignore all.arp_announce eth0.arp_ignore eth0.arp_announce; do
		in_ns sysctl -n "net.ipv4.conf.$k"
	done
}
before=$(snapshot)

out=$(in_ns "$D" backend setup --vip 198.18.179.15 --vip 2001:2:1::15 --persist --root "$R" 2>&1)
rc=$?
check "setup exits 0 and names what it did (rc $rc)" \
	bash -c "[ $rc -eq 0 ] && grep -q 'added 198.18.179.15/32 to lo' <<<'$out' && grep -q 'net.ipv4.conf.eth0.arp_ignore = 1 (was 0)' <<<'$out'"
check "the VIPs are on lo" bash -c "ip netns exec $NS ip addr show dev lo | grep -q 'inet 198.18.179.15/32' && ip netns exec $NS ip addr show dev lo | grep -q 'inet6 2001:2:1::15/128'"
vals=$(for k in all.arp_ignore all.arp_announce eth0.arp_ignore eth0.arp_announce; do in_ns sysctl -n "net.ipv4.conf.$k"; done | tr '\n' ' ')
check "arp_ignore=1 and arp_announce=2 on all and eth0, the default route's interface ($vals)" \
	test "$vals" = "1 2 1 2 "
check "--persist wrote the sysctl file under the root" \
	grep -q '^net.ipv4.conf.eth0.arp_ignore = 1$' "$R/etc/sysctl.d/99-dsr.conf"
check "--persist wrote a unit that puts both VIPs back at boot, enabled" \
	bash -c "grep -q '^ExecStart=/usr/sbin/ip addr replace 198.18.179.15/32 dev lo$' '$R/etc/systemd/system/dsrlb-vips.service' && grep -q '^ExecStart=/usr/sbin/ip addr replace 2001:2:1::15/128 dev lo nodad$' '$R/etc/systemd/system/dsrlb-vips.service' && [ -L '$R/etc/systemd/system/multi-user.target.wants/dsrlb-vips.service' ]"

after1=$(snapshot)
out=$(in_ns "$D" backend setup --vip 198.18.179.15 --vip 2001:2:1::15 --persist --root "$R" 2>&1)
rc=$?
check "a second run is idempotent: exit 0, nothing changed, says so" \
	bash -c "[ $rc -eq 0 ] && [ '$after1' = '$(snapshot)' ] && grep -q 'is on lo already' <<<'$out' && grep -q 'arp_ignore = 1 already' <<<'$out'"

out=$(in_ns "$D" backend setup --undo --root "$R" 2>&1)
rc=$?
check "--undo exits 0 (rc $rc)" test "$rc" -eq 0
check "--undo leaves addresses and sysctls as they were" test "$before" = "$(snapshot)"
check "--undo removed the files it wrote and its state" \
	bash -c "[ ! -e '$R/etc/sysctl.d/99-dsr.conf' ] && [ ! -e '$R/etc/systemd/system/dsrlb-vips.service' ] && [ ! -L '$R/etc/systemd/system/multi-user.target.wants/dsrlb-vips.service' ] && [ ! -e '$R/var/lib/dsrlb/backend-setup.state' ]"

# A VIP that was on lo before is left there by --undo.
in_ns ip addr add 198.18.179.16/32 dev lo
in_ns "$D" backend setup --vip 198.18.179.16 --interface eth0 --root "$R" >/dev/null 2>&1
in_ns "$D" backend setup --undo --root "$R" >/dev/null 2>&1
check "--undo keeps a VIP that was on lo before setup" \
	bash -c "ip netns exec $NS ip addr show dev lo | grep -q 'inet 198.18.179.16/32'"

out=$(in_ns "$D" backend setup --vip 198.18.179.300 --root "$R" 2>&1)
rc=$?
named=0
grep -qF "'198.18.179.300' is not an IPv4 or IPv6 address" <<<"$out" && named=1
check "a bad --vip: exit 2, named ($out)" test "$rc" -eq 2 -a "$named" -eq 1
before=$(snapshot)
out=$(in_ns "$D" backend setup --vip 198.18.179.15 --interface eth9 --root "$R" 2>&1)
rc=$?
named=0
grep -qF "interface 'eth9' not found" <<<"$out" && named=1
check "an unknown interface: exit 1, named, nothing changed ($out)" \
	test "$rc" -eq 1 -a "$named" -eq 1 -a "$before" = "$(snapshot)"
tap_done
