#!/bin/bash
# Runs every test suite and prints one tally: "N passed, N failed".
# Suites print "ok - ..." / "not ok - ..." lines; a suite that exits non-zero
# without reporting a failure counts as one failure of its own.
set -u
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "tests: run as root (the data plane tests load XDP programs and build network namespaces)" >&2
	exit 1
fi

SUITES=(
	"maglev|build/tests/test_maglev"
	"addr|build/tests/test_addr"
	"vipindex|build/tests/test_vipindex"
	"config|build/tests/test_config"
	"structure|python3 tests/unit/structure.py"
	"man pages|python3 tests/unit/man.py"
	"plan|build/tests/test_plan"
	"health at scale|build/tests/test_health"
	"xdp fixtures|unshare --net build/tests/test_xdp"
	"icmp fixtures|unshare --net build/tests/test_icmp"
	"engine faults|unshare --net build/tests/test_engine"
	"cli|tests/e2e/cli.sh"
	"playground|tests/e2e/playground.sh"
	"tutorial|tests/e2e/tutorial.sh"
	"pmtu|tests/e2e/pmtu.sh"
	"daemon|tests/e2e/daemon.sh"
	"reload|tests/e2e/reload.sh"
	"schedulers|tests/e2e/schedulers.sh"
	"health|tests/e2e/health.sh"
	"health more|tests/e2e/health_more.sh"
	"backend setup|tests/e2e/setup.sh"
	"doctor|tests/e2e/doctor.sh"
	"api|tests/e2e/api.sh"
	"vips_dir|tests/e2e/vipsdir.sh"
	"ha bgp|tests/e2e/ha_bgp.sh"
	"ha vrrp|tests/e2e/ha_vrrp.sh"
	"security|tests/e2e/security.sh"
	"web|tests/e2e/web.sh"
	"fuzz|tests/fuzz/run.sh ${FUZZ_SECONDS:-10}"
	"package|tests/e2e/package.sh"
)
# ONLY=playground make test   runs the suites whose name contains it
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for s in "${SUITES[@]}"; do
	name=${s%%|*}
	cmd=${s#*|}
	if [ -n "${ONLY:-}" ] && [[ "$name" != *"$ONLY"* ]]; then continue; fi
	# the package is built by dpkg-buildpackage with Debian's flags, whatever SANITIZE says
	if [ "${SANITIZE:-}" = 1 ] && [ "$name" = package ]; then
		echo "# suite package: skipped under SANITIZE=1 (its binary is dh's build, not the sanitized one)"
		skipped=$((skipped + 1))
		continue
	fi
	echo "# suite: $name"
	start=$SECONDS
	bash -c "$cmd" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - suite $name exited with status $rc without reporting a failure"
		f=1
	fi
	echo "# suite $name: $p passed, $f failed ($((SECONDS - start)) s)"
	passed=$((passed + p))
	failed=$((failed + f))
done
# make test SANITIZE=1: any AddressSanitizer or UBSan report, from any binary
# of any suite (daemons included), is a failure of its own
for f in build/sanitizer/*; do
	[ -f "$f" ] || continue
	echo "not ok - sanitizer report $f:"
	sed 's/^/#   /' "$f" | head -40
	failed=$((failed + 1))
done
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
