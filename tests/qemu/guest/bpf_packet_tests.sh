#!/bin/sh
# Guest script: every BPF packet case (XDP and TC), as tests/run.sh's bpf
# group runs them, split over the VM's CPUs (XD_BPF_SHARD): each case loads
# the whole object, and verifying it under emulation is most of the time.
# Each shard is pinned to its own CPU (the tests pin to the first CPU they
# may use). Prints the TAP lines of all shards, also when stopped by its
# time limit (TERM); fails if any shard did.
cd "$(dirname "$0")/../../.." || exit 1
BIN=${XD_BUILD:-build}/tests/bpf_packet_tests
[ -x "$BIN" ] || { echo "not ok - bpf_packet_tests [no $BIN]"; exit 1; }
export CMOCKA_MESSAGE_OUTPUT=TAP
N=$(nproc)
TMP=$(mktemp -d) || exit 1

report() {
	i=0
	while [ $i -lt "$N" ]; do
		echo "# shard $i/$N"
		cat "$TMP/$i.out"
		i=$((i + 1))
	done
}
stopped() {
	for p in "$TMP"/*.pid; do
		kill "$(cat "$p")" 2>/dev/null
	done
	report
	echo "not ok - bpf_packet_tests [stopped by the time limit]"
	rm -rf "$TMP"
	exit 1
}
trap stopped TERM INT

i=0
while [ $i -lt "$N" ]; do
	XD_BPF_SHARD=$i/$N taskset -c $i "$BIN" >"$TMP/$i.out" 2>&1 &
	echo $! >"$TMP/$i.pid"
	i=$((i + 1))
done
status=0
i=0
while [ $i -lt "$N" ]; do
	wait "$(cat "$TMP/$i.pid")" || status=1
	i=$((i + 1))
done
report
rm -rf "$TMP"
exit $status
