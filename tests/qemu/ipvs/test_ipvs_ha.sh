#!/bin/sh
# Guest script (tests/qemu/run.sh): an HA pair on IPVS whose connections
# survive a hard failover through the kernel's own sync daemon, on Debian
# 12's 6.1 kernel.
#
#   +--------+        VIP 192.168.10.100:7
#   | client |eth0 .10 -------+--------------------+
#   +--------+  xd-conns      |                    |
#                         eth0 .2              eth0 .3
#                        +------+ IPVS sync   +------+
#                        | dir1 | ----------> | dir2 |  kernel sync daemon:
#                        +------+ 224.0.0.81  +------+  master / backup
#                     eth1 10.0.0.2  (eth1)    eth1 10.0.0.3
#                            |   gateway VIP 10.0.0.1  |
#                +-----------+-----------+-------------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+
#           | real1 |               | real2 |   xd-echod :7
#           +-------+               +-------+
#
# haresources lists LVSSyncDaemonSwap::master: the active director runs
# the kernel's master sync daemon, the standby the backup one, on eth1
# with sync id 7 (syncinterface=, syncid=). dir1 then hard-fails (both
# switches drop its frames); dir2 takes over with the connections its
# kernel learnt, and becomes sync master.

. "${XD_ROOT:-.}/tests/netns/lib.sh"
. "${XD_ROOT:-.}/tests/netns/ha_lib.sh"

NCONNS=50

write_configs() {
	local c d
	for d in dir1 dir2; do
		director_config $d <<'EOF'
datapath=ipvs
syncinterface=eth1
syncid=7
checkinterval=1
virtual=192.168.10.100:7
	real=10.0.0.11:7 masq 1
	real=10.0.0.12:7 masq 1
	scheduler=rr
	checktype=on
EOF
		c=$(director_confdir $d)
		cat >"$c/ha.cf" <<EOF
keepalive 100ms
deadtime 500ms
warntime 300ms
initdead 1
udpport 694
bcast eth0 eth1
auto_failback on
node dir1 dir2
EOF
		echo 'dir1 IPaddr2::192.168.10.100/24/eth0 IPaddr2::10.0.0.1/24/eth1 ldirectord::ldirectord.cf LVSSyncDaemonSwap::master' \
			>"$c/haresources"
		printf 'auth 1\n1 sha1 ipvs-sync-test\n' >"$c/authkeys"
		chmod 600 "$c/authkeys"
	done
}

ipvs_sync() {
	xdctl "$1" --json status 2>/dev/null | jq -r .ipvs_sync_daemon
}

# kernel_conns DIR: established connections to VIP:7 in DIR's kernel.
kernel_conns() {
	nsx "$1" cat /proc/net/ip_vs_conn |
		awk '$4 == "C0A80A64" && $5 == "0007" && $8 == "ESTABLISHED"' |
		wc -l
}

main() {
	local T="ipvs ha" out rc n i

	topo_create
	write_configs
	start_echod real1 7 && start_echod real2 7 || xd_die "echod"
	prime_neigh
	if ! start_director dir1 || ! start_director dir2 ||
	   ! ha_wait_role dir1 active 100 || ! ha_wait_role dir2 standby 100; then
		t_fail "$T: pair starts, dir1 active"
		ha_dump_logs
		exit 1
	fi
	if [ "$(ipvs_sync dir1)/$(ipvs_sync dir2)" = master/backup ]; then
		t_ok "$T: kernel sync daemons: master on the active, backup on the standby"
	else
		t_fail "$T: kernel sync daemons master/backup" \
			"$(ipvs_sync dir1)/$(ipvs_sync dir2)"
	fi
	prime_neigh

	# No nudge here (the kernel's sync carries no probe): after the
	# takeover each connection resumes at its next retransmission, some
	# seconds into TCP's backoff; only one with no echo for 30 s is broken
	bg_start conns client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n $NCONNS -i 50 -d 300 -t 30000 -v
	pid=$XD_BG_PID
	# the backup's kernel learns the connections from dir1's master
	i=0
	while [ $i -lt 200 ] && [ "$(kernel_conns dir2)" -lt $NCONNS ]; do
		sleep 0.1; i=$((i + 1))
	done
	n=$(kernel_conns dir2)
	if [ "$n" -ge $NCONNS ]; then
		t_ok "$T: the standby's kernel holds the $NCONNS synced connections"
	else
		t_fail "$T: standby's kernel holds the synced connections" \
			"$n of $NCONNS (dir1: $(kernel_conns dir1))"
	fi

	cut_box dir1 || t_fail "$T: cut dir1"
	ha_wait_role dir2 active 100 || t_fail "$T: dir2 takes over"
	echo "# dir2 after the takeover: $(kernel_conns dir2) established in its kernel"
	# SIGTERM: xd-conns stops sending and waits for every echo in flight,
	# up to its timeout, so a connection still in backoff resumes first
	sleep 5
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/conns.log" | tail -n 1)
	if [ $rc = 0 ] && echo "$out" | grep -q " established=$NCONNS broken=0 "; then
		t_ok "$T: hard failover keeps every connection ($out)"
		echo "# measured: $T: longest stall $(echo "$out" | sed -n 's/.*max_stall_ms=\([0-9]*\).*/\1/p') ms (no nudge: TCP backoff)"
	else
		t_fail "$T: hard failover keeps every connection" "rc=$rc $out"
		sed 's/^/#   /' "$XD_RUN/conns.log" | tail -n 8
	fi
	t_check "$T: dir2 runs the master sync daemon after the takeover" \
		test "$(ipvs_sync dir2)" = master
	[ "$XD_FAILED" = 0 ] || ha_dump_logs
	uncut_box dir1
	stop_director dir1
	stop_director dir2
	t_status
}

command -v jq >/dev/null || { echo "not ok - ipvs ha: jq missing"; exit 1; }
main "$@"
