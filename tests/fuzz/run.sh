#!/bin/bash
# Run libFuzzer harnesses for a bounded time each and say what they found, as
# a test suite: "ok - fuzz NAME: RUNS runs in S s, 0 findings" or "not ok"
# with the crash's first lines. The fuzzers are built by make fuzzers.
#   tests/fuzz/run.sh SECONDS [NAME...]     (names: config api packet)
set -u
cd "$(dirname "$0")/../.."
secs=${1:-10}
shift
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(config api packet)
fails=0
for n in "${names[@]}"; do
	bin=build/fuzz/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $n: $bin is not built (make fuzzers)"
		fails=$((fails + 1))
		continue
	fi
	mkdir -p "build/fuzz/corpus-$n" "build/fuzz/crash-$n"
	log=build/fuzz/$n.log
	start=$SECONDS
	# the first corpus gets what is new; the seeds in the repo are read only
	"$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build/fuzz/crash-$n/" "build/fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	if [ "$rc" -eq 0 ]; then
		echo "ok - fuzz $n: ${runs:-?} runs in $((SECONDS - start)) s, 0 findings ($(ls "tests/fuzz/corpus/$n" | wc -l) seeds, $(ls "build/fuzz/corpus-$n" | wc -l) found)"
	else
		echo "not ok - fuzz $n: exit $rc after ${runs:-?} runs; the input is in build/fuzz/crash-$n/"
		grep -E 'ERROR|SUMMARY|fuzz_packet:|runtime error|#[0-9]+ 0x' "$log" | head -15 | sed 's/^/#   /'
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
