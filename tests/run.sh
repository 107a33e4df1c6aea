#!/bin/sh
# Run every test and print one summary CI can read.
#
#   sh tests/run.sh [unit|bpf|san|fuzz|cli|netns|pkg|kernels|ipvs ...]   default: all but pkg, kernels, ipvs
#   TESTS=pattern sh tests/run.sh            only tests whose name contains
#                                            pattern (shell glob, e.g. conf*)
#
# Groups, in order:
#   unit   build/tests/test_*          cmocka, TAP output ("ok N - name")
#   bpf    build/tests/bpf_packet_tests cmocka, needs root
#   san    build-san/tests/*           unit and BPF tests built with ASan
#                                      and UBSan (make san-build)
#   fuzz   tests/fuzz/run.sh           each fuzz target for FUZZ_TIME (10) s
#                                      (make fuzz-build)
#   cli    tests/cli/test_*.sh         the programs' command lines, no root
#   netns  tests/netns/test_*.sh       "ok - name" / "not ok - name [why]"
#   pkg    tests/pkg/test_*.sh         the Debian package under systemd in a
#                                      cached clean Debian 12 root, needs root
#   kernels tests/qemu/check_kernels.sh the bpf and netns tests that depend
#                                      on the kernel, in a VM per kernel of
#                                      XD_KERNELS (default Debian 12's);
#                                      limit KERNELS_TIMEOUT (default 3600 s)
#   ipvs   tests/qemu/ipvs/test_*.sh   the same, in a Debian 12 (6.1) VM
# Every "ok"/"not ok" line counts. A program that exits non-zero (crash,
# timeout) without printing "not ok" counts as one failure named after it,
# and so does one that prints no result at all. The last line is
# "N passed, N failed"; the exit status is 0 only if nothing failed and
# something passed.

cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
TIMEOUT=${TEST_TIMEOUT:-600}
# pkg and kernels take too long for make check's 30 minutes: make check-pkg
# and make check-kernels run them.
RUN_GROUPS=${*:-unit bpf san fuzz cli netns}
export CMOCKA_MESSAGE_OUTPUT=TAP
TMP=$(mktemp -d /tmp/xdtests.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
: >"$TMP/failures"

selected() {
	[ -z "${TESTS:-}" ] && return 0
	case "$1" in
	*$TESTS*) return 0 ;;
	esac
	return 1
}

# run_one NAME CMD...: run with a time limit, echo output as it comes,
# then count the result lines.
run_one() {
	name=$1; shift
	echo "# --- $name"
	start=$(date +%s)
	{
		timeout -k 10 "$TIMEOUT" "$@" </dev/null 2>&1
		echo $? >"$TMP/rc"
	} | tee "$TMP/out"
	rc=$(cat "$TMP/rc")
	ok=$(grep -cE '^ok( |$)' "$TMP/out")
	nok=$(grep -cE '^not ok( |$)' "$TMP/out")
	grep -E '^not ok( |$)' "$TMP/out" | sed "s|^|$name: |" >>"$TMP/failures"
	if [ "$rc" != 0 ] && [ "$nok" = 0 ]; then
		case $rc in
		124|137) why="timed out after ${TIMEOUT}s" ;;
		129|13[0-9]|1[4-9][0-9]) why="killed by signal $((rc - 128))" ;;
		*) why="exit status $rc" ;;
		esac
		echo "not ok - $name [$why]"
		echo "$name: not ok - $name [$why]" >>"$TMP/failures"
		nok=1
	elif [ "$ok" = 0 ] && [ "$nok" = 0 ]; then
		echo "not ok - $name [no test result printed]"
		echo "$name: not ok - $name [no test result printed]" \
			>>"$TMP/failures"
		nok=1
	fi
	passed=$((passed + ok))
	failed=$((failed + nok))
	echo "# $name: $ok passed, $nok failed, $(($(date +%s) - start)) s"
}

run_unit() {
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		selected "$(basename "$t")" || continue
		run_one "$(basename "$t")" "$t"
	done
}

run_bpf() {
	t=$BUILD/tests/bpf_packet_tests
	[ -x "$t" ] || return 0
	selected bpf_packet_tests || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "not ok - bpf_packet_tests [needs root]"
		echo "bpf_packet_tests: not ok [needs root]" >>"$TMP/failures"
		failed=$((failed + 1))
		return 0
	fi
	run_one bpf_packet_tests "$t"
}

# The sanitizer build's unit and BPF tests, named san/NAME. A group that
# was not built (make san-build) is one failure, not a silent pass.
run_san() {
	sb=${SAN_BUILD:-build-san}
	if [ ! -x "$sb/tests/bpf_packet_tests" ]; then
		echo "not ok - san [$sb not built: make san-build]"
		echo "san: not ok [$sb not built]" >>"$TMP/failures"
		failed=$((failed + 1))
		return 0
	fi
	for t in "$sb"/tests/test_* "$sb/tests/bpf_packet_tests"; do
		[ -x "$t" ] || continue
		selected "san/$(basename "$t")" || continue
		run_one "san/$(basename "$t")" env ASAN_OPTIONS=detect_leaks=1 \
			UBSAN_OPTIONS=print_stacktrace=1 "$t"
	done
}

run_fuzz() {
	selected fuzz || return 0
	run_one fuzz env BUILD="$BUILD" FUZZ_TIME="${FUZZ_TIME:-10}" \
		sh tests/fuzz/run.sh
}

run_netns() {
	for t in tests/netns/test_*.sh; do
		[ -f "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		if [ "$(id -u)" != 0 ]; then
			echo "not ok - $(basename "$t" .sh) [needs root]"
			echo "$t: not ok [needs root]" >>"$TMP/failures"
			failed=$((failed + 1))
			continue
		fi
		run_one "$(basename "$t" .sh)" sh "$t"
	done
}

run_kernels() {
	selected kernels || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "not ok - kernels [needs root]"
		echo "kernels: not ok [needs root]" >>"$TMP/failures"
		failed=$((failed + 1))
		return 0
	fi
	group_timeout=$TIMEOUT
	TIMEOUT=${KERNELS_TIMEOUT:-3600} run_one "kernels ${XD_KERNELS:-linux-image-amd64}" \
		sh tests/qemu/check_kernels.sh
	TIMEOUT=$group_timeout
}

# The package test builds the package (1.5-4 min), and the first run makes
# its Debian 12 root with debootstrap (8 min): its own time limit.
run_pkg() {
	group_timeout=$TIMEOUT
	TIMEOUT=${PKG_TIMEOUT:-1500}
	for t in tests/pkg/test_*.sh; do
		[ -f "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		if [ "$(id -u)" != 0 ]; then
			echo "not ok - $(basename "$t" .sh) [needs root]"
			echo "$t: not ok [needs root]" >>"$TMP/failures"
			failed=$((failed + 1))
			continue
		fi
		run_one "$(basename "$t" .sh)" sh "$t"
	done
	TIMEOUT=$group_timeout
}

run_cli() {
	for t in tests/cli/test_*.sh; do
		[ -f "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		run_one "$(basename "$t" .sh)" sh "$t"
	done
}

# Kernel IPVS, absent here: guest scripts on Debian 12's 6.1 kernel in
# the qemu harness (tests/qemu/README.md), all in one VM.
run_ipvs() {
	local scripts=""
	for t in tests/qemu/ipvs/test_*.sh; do
		[ -f "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		scripts="$scripts $t"
	done
	[ -n "$scripts" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "not ok - ipvs [needs root]"
		echo "ipvs: not ok [needs root]" >>"$TMP/failures"
		failed=$((failed + 1))
		return 0
	fi
	# booting under emulation takes minutes: the VM's own limits apply
	# (tests/qemu/run.sh), this one only backs them up
	group_timeout=$TIMEOUT
	TIMEOUT=${IPVS_TIMEOUT:-2700}
	# shellcheck disable=SC2086
	run_one ipvs sh tests/qemu/run.sh --timeout 1200 $scripts
	TIMEOUT=$group_timeout
}

for g in $RUN_GROUPS; do
	case $g in
	unit) run_unit ;;
	bpf) run_bpf ;;
	san) run_san ;;
	fuzz) run_fuzz ;;
	cli) run_cli ;;
	netns) run_netns ;;
	ipvs) run_ipvs ;;
	pkg) run_pkg ;;
	kernels) run_kernels ;;
	*) echo "run.sh: unknown group '$g' (unit, bpf, san, fuzz, cli, netns, pkg,
	   kernels, ipvs)" >&2
	   exit 2 ;;
	esac
done

if [ -s "$TMP/failures" ]; then
	echo "# Failures:"
	sed 's/^/#   /' "$TMP/failures"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
