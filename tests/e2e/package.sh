#!/bin/bash
# The Debian package under real systemd (issue 17): make deb; lintian and
# hardening-check on it; a minimal Debian 12 root file system (mmdebstrap,
# this machine's apt sources, cached in build/nspawn/) booted with
# systemd-nspawn inside the playground's balancer namespace; there the .deb
# installed with apt, the unit enabled and started, traffic through the VIP,
# a CLI change that rewrites the file, reload, a restart under load, the
# journal's warnings, stop and apt remove.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/lib/tap.sh"
source "$ROOT/tests/lib/playground.sh"
CACHE="$ROOT/build/nspawn/rootfs.tar"
RFS="$PG_DIR/root"
NSPAWN_PID=
cleanup() {
	[ -n "$NSPAWN_PID" ] && kill "$NSPAWN_PID" 2>/dev/null && wait "$NSPAWN_PID" 2>/dev/null
	umount "$PG_DIR/bpffs" 2>/dev/null
	pg_down
}
trap cleanup EXIT

# ---- the package ----
make -C "$ROOT" deb >"$PG_DIR/deb.log" 2>&1 || { tail -20 "$PG_DIR/deb.log"; bail "make deb failed"; }
DEB=$(ls "$ROOT"/build/deb/dsrlb_*_amd64.deb | head -1)
ver=$(dpkg-deb -f "$DEB" Version)
check "make deb builds $(basename "$DEB"), its version from git ($ver)" \
	bash -c "grep -q '+git[0-9]*\\.$(git -C "$ROOT" rev-parse --short HEAD)$' <<<'$ver' || [ -n \"\$(git -C '$ROOT' describe --tags 2>/dev/null)\" ]"
files=$(dpkg-deb -c "$DEB" | awk '{print $6}')
check "it holds the binary in /usr/sbin, the unit in /lib/systemd/system, man pages, completion, examples, the web page and the copyright" \
	bash -c "for f in ./usr/sbin/dsrlb ./lib/systemd/system/dsrlb.service ./usr/share/man/man8/dsrlb.8.gz ./usr/share/man/man5/dsrlb.yaml.5.gz ./usr/share/bash-completion/completions/dsrlb ./usr/share/doc/dsrlb/examples/keepalived.conf ./usr/share/dsrlb/web/index.html ./usr/share/doc/dsrlb/copyright; do grep -qx \"\$f\" <<<'$files' || exit 1; done"
dep=$(dpkg-deb -f "$DEB" Depends)
check "its Depends are generated: $dep" bash -c "grep -q libbpf1 <<<'$dep' && grep -q libmicrohttpd12 <<<'$dep'"
unit=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./lib/systemd/system/dsrlb.service)
check "the unit's paths come from the prefix (/usr/sbin/dsrlb) and its docs are man pages" \
	bash -c "grep -q '^ExecStart=/usr/sbin/dsrlb run' <<<'$unit' && grep -q '^Documentation=man:dsrlb(8)' <<<'$unit' && ! grep -q /usr/local <<<'$unit'"
mkdir -p "$PG_DIR/x" && dpkg-deb -x "$DEB" "$PG_DIR/x"
hc=$(hardening-check "$PG_DIR/x/usr/sbin/dsrlb")
# bookworm's crt objects carry no IBT note, so no binary of it passes CFI (bird and keepalived neither)
check "hardening-check: every check yes but control flow integrity (bookworm's toolchain marks no binary)" \
	bash -c "[ \$(grep -c ': yes' <<<'$hc') -eq 6 ] && [ \$(grep -c ': no' <<<'$hc') -eq 1 ] && grep -q 'Control flow integrity: no' <<<'$hc'"
lt=$(lintian -I "$DEB" 2>&1 | grep -v 'running with root privileges')
check "lintian -I: clean, but the overrides explained in debian/dsrlb.lintian-overrides ($(wc -l <<<"${lt:-}" | tr -d ' ') lines: ${lt:0:100})" test -z "$lt"

# ---- a Debian 12 root file system, booted ----
if [ ! -f "$CACHE" ]; then
	mkdir -p "$(dirname "$CACHE")"
	mmdebstrap --variant=minbase \
		--include=systemd,systemd-sysv,dbus,iproute2,curl,procps,libbpf1,libmnl0,libyaml-0-2,libjansson4,libmicrohttpd12,libsodium23,libelf1,zlib1g,libsystemd0 \
		bookworm "${CACHE%.tar}.new.tar" >"$PG_DIR/mmdebstrap.log" 2>&1 && mv "${CACHE%.tar}.new.tar" "$CACHE" ||
		{ tail -5 "$PG_DIR/mmdebstrap.log"; bail "mmdebstrap failed"; }
fi
mkdir -p "$RFS" && tar -xf "$CACHE" -C "$RFS" && cp "$DEB" "$RFS/opt/dsrlb.deb" || bail "cannot unpack the root file system"
pg_up && pg_start_http 8000 && ok "playground up; the container joins the balancer's namespace" || bail "playground setup failed"
mkdir -p "$PG_DIR/bpffs" && mount -t bpf bpf "$PG_DIR/bpffs"
# docs/veth.md 21: what nspawn needs here
systemd-nspawn -q -D "$RFS" --boot --register=no --keep-unit --system-call-filter=bpf \
	--capability=CAP_NET_ADMIN,CAP_BPF,CAP_SYS_ADMIN,CAP_PERFMON \
	--network-namespace-path="/run/netns/$(pg_ns lb)" --bind="$PG_DIR/bpffs:/sys/fs/bpf" \
	>"$PG_DIR/nspawn.log" 2>&1 </dev/null &
NSPAWN_PID=$!
C=
for i in $(seq 1 100); do
	# the container's PID 1: systemd, a child of nspawn, in a PID namespace of its own
	for p in $(pgrep -P "$NSPAWN_PID"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = systemd ] && C=$p
	done
	[ -n "$C" ] && break
	sleep 0.1
done
[ -n "$C" ] || { cat "$PG_DIR/nspawn.log"; bail "the container did not start"; }
# a command in the container, with the container's own environment (not this test's DSRLB_SOCKET)
inc() { nsenter -t "$C" -m -u -i -n -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb "$@"; }
for i in $(seq 1 150); do # bounded: 30 s for the container's systemd to boot
	state=$(inc systemctl is-system-running 2>&1)
	case $state in running | degraded) break ;; esac
	sleep 0.2
done
check "systemd boots in the container ($state)" bash -c "[ '$state' = running ] || [ '$state' = degraded ]"

# ---- install, start, traffic ----
out=$(inc apt-get install -y -q /opt/dsrlb.deb 2>&1)
echo "$out" | tail -3 | sed "s/^/# apt: /"
check "apt installs the .deb ($(grep -o 'Setting up dsrlb[^.]*' <<<"$out"))" inc dpkg -s dsrlb
inc sh -c "cat >/etc/dsrlb/dsrlb.yaml" <<EOF
interface: eth0
vips:
  - name: web
    address: $VIP4
    port: 8000
    protocol: tcp
    backends: [$B1_4, $B2_4]
EOF
inc chmod 644 /etc/dsrlb/dsrlb.yaml
inc systemctl enable --now dsrlb >"$PG_DIR/enable.log" 2>&1
act=$(inc systemctl is-active dsrlb)
check "systemctl enable --now dsrlb: $act" test "$act" = active
who=$(for i in $(seq 1 20); do pg_in client curl -s --max-time 3 "http://$VIP4:8000/whoami" || echo FAIL; done | sort | uniq -c | tr -s ' ' | tr '\n' ',')
check "traffic through the VIP: both backends answer, none fails ($who)" \
	bash -c "grep -q backend-01 <<<'$who' && grep -q backend-02 <<<'$who' && ! grep -q FAIL <<<'$who'"
st=$(inc systemctl status dsrlb --no-pager 2>&1 | grep 'Status:')
check "systemctl status shows the one-line state ($st)" bash -c "grep -q 'Status: \"balancing on eth0\"' <<<'$st'"

# ---- a change through the CLI, a reload, a restart under load ----
out=$(inc dsrlb vip add web2 --address "$VIP4" --port 8001 --protocol tcp --backend "$B1_4" 2>&1)
check "dsrlb vip add through the CLI rewrites /etc/dsrlb/dsrlb.yaml ($(head -1 <<<"$out"))" \
	bash -c "ip netns exec $(pg_ns lb) true; nsenter -t $C -m -- grep -q 'name: web2' /etc/dsrlb/dsrlb.yaml"
inc systemctl reload dsrlb
rc=$?
act=$(inc systemctl is-active dsrlb)
check "systemctl reload: exit $rc, $act, and the daemon says it reloaded" \
	bash -c "[ $rc -eq 0 ] && [ '$act' = active ] && nsenter -t $C -m -u -i -n -p -- journalctl -u dsrlb -b --no-pager | grep -q 'reloaded'"
ip netns exec "$(pg_ns client)" bash -c "while [ ! -e '$PG_DIR/stop' ]; do curl -s --max-time 2 -o /dev/null -w '%{http_code}\n' http://$VIP4:8000/whoami || echo FAIL; sleep 0.05; done" >"$PG_DIR/load.out" 2>&1 &
load=$!
sleep 1
inc systemctl restart dsrlb
sleep 2
touch "$PG_DIR/stop"
wait "$load"
n=$(wc -l <"$PG_DIR/load.out") bad=$(grep -vc '^200$' "$PG_DIR/load.out")
act=$(inc systemctl is-active dsrlb)
check "systemctl restart while requests flow: $bad of $n fail, and it is $act (adopted: $(inc journalctl -u dsrlb -b --no-pager | grep -c 'adopt'))" \
	test "$bad" -eq 0 -a "$n" -gt 20 -a "$act" = active
jw=$(inc journalctl -u dsrlb -p warning -b --no-pager -q 2>&1)
ji=$(inc journalctl -u dsrlb -p info -b --no-pager -q 2>&1 | grep -c 'dsrlb: ')
check "journalctl -u dsrlb -p warning: nothing to warn of (${jw:0:160}), while -p info has $ji lines" test -z "$jw" -a "$ji" -gt 3
# an error reaches the journal as err: a reload of a broken file is refused
inc cp /etc/dsrlb/dsrlb.yaml /etc/dsrlb/good.yaml
inc sh -c 'echo "bogus: 1" >>/etc/dsrlb/dsrlb.yaml'
inc systemctl reload dsrlb 2>/dev/null
je=$(inc journalctl -u dsrlb -p err -b --no-pager -q 2>&1)
jn=$(inc journalctl -u dsrlb -p err -b --no-pager -q 2>&1 | grep -vc 'dsrlb: error: ')
check "a reload of a broken file: its errors are in the journal at priority err, and only they ($(grep -m1 -o 'dsrlb: error: .*' <<<"$je" | cut -c1-90))" \
	bash -c "grep -q \"dsrlb: error: .*unknown key 'bogus'\" <<<\"\$1\" && [ $jn -le 2 ]" _ "$je"
inc cp /etc/dsrlb/good.yaml /etc/dsrlb/dsrlb.yaml
act=$(inc systemctl is-active dsrlb)
check "and the daemon kept running on what it had ($act)" test "$act" = active

# ---- stop, remove ----
inc systemctl stop dsrlb
act=$(inc systemctl is-active dsrlb)
check "systemctl stop: $act" test "$act" = inactive
out=$(inc apt-get remove -y -q dsrlb 2>&1)
check "apt remove dsrlb ($(grep -o 'Removing dsrlb[^.]*' <<<"$out"))" bash -c "! nsenter -t $C -m -- test -e /usr/sbin/dsrlb"
tap_done
