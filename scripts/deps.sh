#!/bin/bash
# What dsrlb needs from Debian 12, in one place.
#   --check    name what is missing and how to get it (exit 1 if anything is)
#   --install  apt-get install what is missing (needs root)
#   --install --tests   also what only the tests need (the browser test's chromium and node)
set -u

# "test that says it is there" "package"
NEEDS=(
	"command -v clang|clang"
	"command -v llvm-strip|llvm"
	"command -v bpftool|bpftool"
	"command -v gcc|gcc"
	"command -v make|make"
	"command -v pkg-config|pkg-config"
	"test -f /usr/include/bpf/libbpf.h|libbpf-dev"
	"test -f /usr/include/libmnl/libmnl.h|libmnl-dev"
	"test -f /usr/include/yaml.h|libyaml-dev"
	"test -f /usr/include/systemd/sd-daemon.h|libsystemd-dev"
	"test -f /usr/include/gelf.h|libelf-dev"
	"test -f /usr/include/zlib.h|zlib1g-dev"
	"test -f /usr/include/linux/bpf.h|linux-libc-dev"
	"test -f /usr/include/jansson.h|libjansson-dev"
	"test -f /usr/include/microhttpd.h|libmicrohttpd-dev"
	"test -f /usr/include/sodium.h|libsodium-dev"
	"command -v scdoc|scdoc"
)
# Only the tests and the demo need these.
RUN_NEEDS=(
	"command -v ip|iproute2"
	"command -v curl|curl"
	"command -v python3|python3"
	"/usr/bin/python3 -c 'import prometheus_client'|python3-prometheus-client"
	"command -v tcpdump|tcpdump"
	"command -v ethtool|ethtool"
	"command -v sha256sum|coreutils"
	"command -v ping|iputils-ping"
	"command -v ss|iproute2"
)
# Only the tests need these (the browser test's, the real BGP and VRRP engines,
# clang's libFuzzer; playwright-core comes from npm).
TEST_NEEDS=(
	"command -v chromium|chromium"
	"command -v node|nodejs"
	"command -v npm|npm"
	"command -v bird|bird2"
	"command -v keepalived|keepalived"
	"ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a|libclang-rt-14-dev"
	"command -v dh|debhelper"
	"command -v lintian|lintian"
	"command -v hardening-check|devscripts"
	"command -v systemd-nspawn|systemd-container"
	"command -v mmdebstrap|mmdebstrap"
)

missing=()
for n in "${NEEDS[@]}"; do
	bash -c "${n%%|*}" >/dev/null 2>&1 || missing+=("${n##*|}")
done
if [ "${1:-}" = "--install" ]; then
	more=("${RUN_NEEDS[@]}")
	[ "${2:-}" = --tests ] && more+=("${TEST_NEEDS[@]}")
	for n in "${more[@]}"; do
		bash -c "${n%%|*}" >/dev/null 2>&1 || missing+=("${n##*|}")
	done
fi

[ ${#missing[@]} -eq 0 ] && exit 0

case "${1:-}" in
--install)
	if [ "$(id -u)" != 0 ]; then
		echo "dsrlb: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "dsrlb: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# bird2 and keepalived are for the tests, which run their own in namespaces:
	# their packages must not start a system-wide daemon on this host.
	norc=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && norc=1
	fi
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	rc=$?
	[ -n "$norc" ] && rm -f /usr/sbin/policy-rc.d
	for s in bird keepalived; do
		if command -v systemctl >/dev/null && systemctl is-enabled "$s" >/dev/null 2>&1; then
			systemctl disable --now "$s" >/dev/null 2>&1
		fi
	done
	[ "$rc" = 0 ] || { echo "dsrlb: apt-get install ${missing[*]} failed" >&2; exit 1; }
	;;
*)
	echo "dsrlb: missing packages: ${missing[*]}" >&2
	echo "       install them with: sudo apt-get install ${missing[*]}  (or: sudo make deps)" >&2
	exit 1
	;;
esac
