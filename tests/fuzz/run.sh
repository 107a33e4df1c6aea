#!/bin/sh
# Run each libFuzzer target for FUZZ_TIME seconds (default 10) from its
# seeds, and print "ok - fuzz NAME" or "not ok - fuzz NAME [why]" for
# tests/run.sh. The corpus grows in a scratch directory, never in the tree;
# a crash leaves its input in $FUZZ_ARTIFACTS (default /tmp/xd-fuzz).
#
#   FUZZ_TIME=60 sh tests/fuzz/run.sh [NAME...]     e.g. ldirectord hbmsg
#
# Seeds: the unit tests' configuration files for the parsers, and
# tests/fuzz/seeds/NAME/ (built by tests/fuzz/seeds.py) for the wire formats.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
FUZZ_TIME=${FUZZ_TIME:-10}
ART=${FUZZ_ARTIFACTS:-/tmp/xd-fuzz}
mkdir -p "$ART"
WORK=$(mktemp -d /tmp/xdfuzz.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT

seeds() {
	case $1 in
	ldirectord) ls tests/unit/data/ldirectord/* ;;
	hacf) ls tests/unit/data/ha/ha.cf* ;;
	haresources) ls tests/unit/data/ha/haresources* ;;
	authkeys) ls tests/unit/data/ha/authkeys* ;;
	*) ls tests/fuzz/seeds/"$1"/* 2>/dev/null ;;
	esac
}

status=0
names=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
for n in $names; do
	bin=$BUILD/fuzz/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $n [$bin not built]"
		status=1
		continue
	fi
	mkdir -p "$WORK/$n"
	for f in $(seeds "$n"); do
		cp "$f" "$WORK/$n/" 2>/dev/null
	done
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$FUZZ_TIME" -use_value_profile=1 \
		-max_len=8192 -artifact_prefix="$ART/$n-" -print_final_stats=1 \
		"$WORK/$n" >"$WORK/$n.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$n.log")
	cov=$(grep -o 'cov: [0-9]*' "$WORK/$n.log" | tail -n 1)
	if [ $rc = 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz $n: ${runs} inputs in ${FUZZ_TIME} s, no crash ($cov)"
	else
		echo "not ok - fuzz $n [exit $rc; input in $ART/$n-*]"
		grep -E 'ERROR|SUMMARY|runtime error' "$WORK/$n.log" | head -n 5 |
			sed 's/^/#   /'
		status=1
	fi
done
exit $status
