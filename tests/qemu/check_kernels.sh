#!/bin/sh
# make check-kernels: the tests that depend on the kernel, run inside a VM
# on each Debian kernel package of XD_KERNELS (default linux-image-amd64,
# Debian 12's current kernel; add a row by adding a package name). Per
# kernel, in one VM (tests/qemu/run.sh):
#   tests/qemu/guest/bpf_packet_tests.sh  every BPF packet case, XDP and
#                                      TC, split over the VM's CPUs
#   tests/netns/test_datapath_e2e.sh   client, director, two reals, in xdp,
#                                      tc and auto: balancing, a real failing
#                                      its check and coming back, 50
#                                      connections surviving kill -9 + restart
#   tests/netns/test_sync_failover.sh  (its HA part) an HA pair with sync:
#                                      a hard failover keeps established
#                                      connections
# Prints the guests' ok / not ok lines; exit status 0 only if all passed.
cd "$(dirname "$0")/../.." || exit 1
status=0
for k in ${XD_KERNELS:-linux-image-amd64}; do
	sh tests/qemu/run.sh --kernel "$k" --timeout "${XD_KERNEL_SCRIPT_TIMEOUT:-1500}" \
		--env XD_MODES="xdp tc auto" \
		--env XD_START_TRIES=600 --env XD_NSENTER=1 \
		--env XD_SYNC_PARTS=ha --env XD_SYNC_HANDOVER=0 \
		--env XD_SYNC_CONNS="${XD_KERNEL_SYNC_CONNS:-200}" \
		--env XD_SYNC_DEADTIME_MS=3000 --env XD_SYNC_WAIT_TRIES=600 \
		tests/qemu/guest/bpf_packet_tests.sh \
		tests/netns/test_datapath_e2e.sh \
		tests/netns/test_sync_failover.sh || status=1
done
exit $status
