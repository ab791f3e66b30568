# shellcheck shell=bash
# Bash side of the harness: "ok - name" / "not ok - name: why" lines that
# tests/run.sh adds up, and this suite's own tally as a comment at the end.
TAP_PASSED=0
TAP_FAILED=0

ok() {
	echo "ok - $*"
	TAP_PASSED=$((TAP_PASSED + 1))
}

not_ok() {
	echo "not ok - $*"
	TAP_FAILED=$((TAP_FAILED + 1))
}

# check "name" command...: ok if the command succeeds
check() {
	local name=$1
	shift
	if "$@" >/dev/null; then ok "$name"; else not_ok "$name"; fi
}

# bail "name": a step the rest depends on failed; end the suite here
bail() {
	not_ok "$*"
	tap_done
	exit 1
}

tap_done() {
	echo "# $TAP_PASSED passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}
