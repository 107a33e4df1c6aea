#!/bin/sh
# Failback after a crash: the returning director takes the VIPs only once
# it holds the active director's connection table (docs/sync.md, "Failback
# handshake"; issue 20).
#
#                external LAN 192.168.10.0/24
#   +--------+        VIP 192.168.10.100:7
#   | client |eth0 .10 -------+--------------------+
#   +--------+  xd-conns      |                    |
#                         eth0 .2              eth0 .3
#                        +------+  heartbeats  +------+
#                        | dir1 |  sync 8848   | dir2 |  answers table requests
#                        +------+  bcast both  +------+  4 s late (test hook)
#                     eth1 10.0.0.2        eth1 10.0.0.3
#                            |   gateway VIP 10.0.0.1  |
#                +-----------+-----------+-------------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+
#           | real1 |               | real2 |   xd-echod :7
#           +-------+               +-------+
#
# The race is forced, not hoped for: dir2 runs with XD_TEST_BULK_DELAY_MS
# (a test-only hook: each answer to a table request waits that long), so a
# dir1 that took the VIPs before holding dir2's table would serve an empty
# one, and its datapath drops every segment of a connection it does not
# know: all connections break, every run. Each case opens NCONNS
# connections through dir1, crashes dir1 (both switches drop its frames,
# the daemon is killed, its VIPs and pins removed, as after a reboot),
# lets dir2 take over, opens NCONNS more through dir2, then brings dir1
# back with an empty table:
#   auto_failback on: dir1 becomes active only after dir2's log says dir1
#     holds its table; no connection of either batch broken
#   auto_failback off, `xdirectorctl takeover` on dir1 as soon as it is
#     standby: the same
#   auto_failback on, dir2's sync port blocked (nft in dir2): dir1's table
#     never completes; past one wait (10 s) dir2 still has the VIPs and dir1
#     none, both say "postponed" in status (text and --json) and in their
#     logs, dir1 keeps asking; nothing broken. Unblocked: the transfer
#     completes, dir1 takes over, nothing broken.
# XD_FAILBACK_CONNS (default 200) sets the connections per batch;
# XD_FAILBACK_BULK_DELAY_MS (default 4000) dir2's delay (with 1, the table
# is there before any failback is due: no wait to see, nothing broken);
# XD_FAILBACK_PARTS=auto|takeover runs one part.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/sync_lib.sh"

NCONNS=${XD_FAILBACK_CONNS:-200}
DEADTIME_MS=500
BULK_DELAY_MS=${XD_FAILBACK_BULK_DELAY_MS:-4000}
TABLE_WAIT_MS=10000	# HA_TABLE_WAIT_MS

# conns_start NAME: NCONNS connections from the client, a line every
# 50 ms each, until conns_stop; broken if an echo takes over 3 s.
conns_start() {
	bg_start "$1" client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n "$NCONNS" -i 50 -d 300 -r 2000 -t 3000 -v
	eval "XD_PID_$1=\$XD_BG_PID"
}

# conns_stop T NAME: end run NAME; ok if all its connections were
# established and none broke.
conns_stop() {
	local pid rc out
	eval "pid=\$XD_PID_$2"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/$2.log" | tail -n 1)
	if [ $rc = 0 ] && [ "$(kv broken "$out")" = 0 ] &&
		[ "$(kv established "$out")" = "$NCONNS" ]; then
		t_ok "$1: $NCONNS connections, none broken [$out]"
	else
		t_fail "$1: $NCONNS connections, none broken" \
			"xd-conns exit $rc: ${out:-no summary}"
		grep -v '^progress' "$XD_RUN/$2.log" | tail -n 5 | sed 's/^/#   /'
	fi
}

# conns_ok NAME: run NAME's latest progress line shows no broken connection.
conns_ok() {
	local p
	p=$(grep '^progress ' "$XD_RUN/$1.log" | tail -n 1)
	[ -n "$p" ] && [ "$(kv broken "$p")" = 0 ]
}

# crash_dir1: as a crash and reboot would leave it: the links cut, the
# daemon killed, the VIPs and pins gone.
crash_dir1() {
	cut_box dir1 || return 1
	stop_director dir1 KILL
	del_vip dir1
	rm -rf "$(director_bpffs dir1)"
}

# pair_up AUTO_FAILBACK: topology, configuration, echo servers, dir1
# active and dir2 (with the bulk delay) standby.
pair_up() {
	topo_create
	xdpmode_offloads
	enable_gro_on_switch_ports
	for d in dir1 dir2; do
		write_ldirectord $d
		write_ha $d "$1"
	done
	start_echod real1 7 && start_echod real2 7 || return 1
	prime_neigh
	start_director dir1 || return 1
	export XD_TEST_BULK_DELAY_MS=$BULK_DELAY_MS
	start_director dir2
	rc=$?
	unset XD_TEST_BULK_DELAY_MS
	[ $rc = 0 ] || return 1
	ha_wait_role dir1 active 60 && ha_wait_role dir2 standby 60
}

pair_down() {
	[ "$XD_FAILED" != 0 ] && ha_dump_logs
	uncut_box dir1
	stop_director dir1
	stop_director dir2
	topo_destroy
}

# to_dir2 T: batch NAME-a through dir1, synced to dir2; dir1 crashes; dir2
# takes over; batch NAME-b through dir2. Leaves both batches running.
to_dir2() {
	local T=$1 missing
	conns_start "$2a"
	wait_established dir1 "$NCONNS" ||
		t_fail "$T: $NCONNS connections through dir1" "$(count_established dir1)"
	missing=$(wait_synced dir1 dir2)
	[ "$missing" = 0 ] || t_fail "$T: dir2 synced before the crash" \
		"$missing missing"
	crash_dir1 || t_fail "$T: crash dir1"
	if ha_wait_role dir2 active 50 && has_vip dir2; then
		t_ok "$T: dir1 crashed, dir2 took over"
	else
		t_fail "$T: dir1 crashed, dir2 took over" "dir2 $(ha_role dir2)"
	fi
	conns_start "$2b"
	wait_established dir2 $((2 * NCONNS)) ||
		t_fail "$T: $NCONNS more connections through dir2" \
			"$(count_established dir2) established"
}

# back_dir1: dir1 starts again with an empty table, links back.
back_dir1() {
	uncut_box dir1
	start_director dir1
}

# log_has DIR TEXT: DIR's current daemon log has TEXT.
log_has() {
	grep -qF "$2" "$XD_RUN/xdirectord-$1.log"
}

# check_waited T WHY: dir2's log says it kept the resources for WHY until
# dir1 held its table, and dir1's that it stayed standby meanwhile. From
# the logs, as they happened: a status read could come after the fact.
check_waited() {
	local i=0
	while [ $i -lt 100 ]; do
		log_has dir2 "ha: $2: keeping the resources until dir1 holds our connection table" &&
			log_has dir1 "ha: dir2 hands the resources over once we hold its connection table: staying standby" &&
			break
		sleep 0.1; i=$((i + 1))
	done
	if [ $i -lt 100 ]; then
		t_ok "$1: dir1 back as standby; dir2 keeps the VIPs until dir1 holds its table ($2)"
	else
		t_fail "$1: dir2 waits for dir1's table ($2)"
	fi
}

# check_handed_over T N: dir1 active with the VIPs, dir2 standby without;
# dir2 handed over after a wait (its Nth), dir1 holding dir2's table then.
check_handed_over() {
	local T=$1 h n
	if ha_wait_role dir1 active 300 && ha_wait_role dir2 standby 50 &&
		has_vip dir1 && ! has_vip dir2; then
		t_ok "$T: dir1 active with the VIPs, dir2 standby without"
	else
		t_fail "$T: dir1 active with the VIPs" \
			"dir1 $(ha_role dir1), dir2 $(ha_role dir2)"
	fi
	h=$(ha_json dir2 .handover)
	n=$(grep -cF 'ha: dir1 holds our connection table' \
		"$XD_RUN/xdirectord-dir2.log")
	if [ "$(echo "$h" | jq .completed)" = "$2" ] && [ "$n" = "$2" ]; then
		t_ok "$T: dir2 handed over once dir1 held its table ($(grep -F 'ha: dir1 holds our connection table' \
			"$XD_RUN/xdirectord-dir2.log" | tail -n 1 | sed 's/.*ha: //'))"
	else
		t_fail "$T: dir2 handed over after the table" "$h"
	fi
}

part_auto() {
	local T="failback auto" s1 s2 i missing
	pair_up on || { t_fail "$T: pair starts, dir1 active"; pair_down; return; }

	to_dir2 "$T" fa_
	back_dir1 || t_fail "$T: dir1 restarts"
	check_waited "$T" "auto_failback: peer ranks higher"
	check_handed_over "$T" 1
	sleep 4		# > xd-conns' 3 s: a lost connection would show
	conns_stop "$T: before the crash, failback" fa_a
	conns_stop "$T: during dir2's tenure, failback" fa_b

	# Again, with dir2's sync port blocked: the table never completes.
	T="failback blocked"
	missing=$(wait_synced dir1 dir2)
	[ "$missing" = 0 ] || t_fail "$T: dir2 synced before the crash" \
		"$missing missing"
	to_dir2 "$T" fb_
	nsx dir2 nft add table inet fbblock &&
		nsx dir2 nft 'add chain inet fbblock in { type filter hook input priority 0; }' &&
		nsx dir2 nft add rule inet fbblock in udp dport 8848 counter drop ||
		t_fail "$T: block dir2's sync port"
	back_dir1 || t_fail "$T: dir1 restarts"
	ha_wait_role dir1 standby 50 || t_fail "$T: dir1 standby" "$(ha_role dir1)"
	# Past one whole wait on both sides (they began within a heartbeat);
	# at most 25 s from here.
	i=$(($(date +%s) + 25))
	while [ "$(date +%s)" -lt $i ]; do
		[ "$(ha_json dir1 .handover.state)/$(ha_json dir2 .handover.state)" = \
			postponed/postponed ] && break
		sleep 0.2
	done
	s1=$(ha_json dir1 .handover); s2=$(ha_json dir2 .handover)
	if [ "$(ha_role dir2)" = active ] && has_vip dir2 &&
		[ "$(ha_role dir1)" = standby ] && ! has_vip dir1; then
		t_ok "$T: past a wait of $TABLE_WAIT_MS ms dir2 keeps the VIPs, dir1 stays standby"
	else
		t_fail "$T: dir2 keeps the VIPs" \
			"dir1 $(ha_role dir1), dir2 $(ha_role dir2)"
	fi
	if [ "$(echo "$s2" | jq -r '.state + "/" + .direction')" = postponed/giving ] &&
		[ "$(echo "$s2" | jq .waits_expired)" -ge 1 ] &&
		[ "$(echo "$s1" | jq -r '.state + "/" + .direction')" = postponed/taking ] &&
		[ "$(echo "$s1" | jq .waits_expired)" -ge 1 ] &&
		[ "$(echo "$s1" | jq .table.holding_generation)" = 0 ]; then
		t_ok "$T: both say postponed in status --json"
	else
		t_fail "$T: both say postponed in status --json" "dir1 $s1; dir2 $s2"
	fi
	if xdctl dir2 status | grep -q '^  failback:  postponed: keeping the resources until dir1 holds' &&
		xdctl dir1 status | grep -q '^  failback:  postponed: dir2 hands over once we hold'; then
		t_ok "$T: both say postponed in status"
	else
		t_fail "$T: both say postponed in status" \
			"$(xdctl dir2 status | grep failback:) / $(xdctl dir1 status | grep failback:)"
	fi
	if log_has dir2 "dir1 has not got our connection table within $TABLE_WAIT_MS ms: keeping the resources" &&
		log_has dir1 "no complete connection table from dir2 within $TABLE_WAIT_MS ms: staying standby"; then
		t_ok "$T: both logged the expired wait"
	else
		t_fail "$T: both logged the expired wait"
	fi
	i=$(sync_field dir1 .bulk.requests_sent)
	t_check "$T: dir1 asked for the table again and again ($i requests)" \
		test "${i:-0}" -ge 3
	t_check "$T: no connection broken while waiting" conns_ok fb_a
	t_check "$T: no connection broken while waiting (dir2's)" conns_ok fb_b

	nsx dir2 nft delete table inet fbblock
	check_handed_over "$T, unblocked" 2
	sleep 4
	conns_stop "$T: before the crash, unblocked" fb_a
	conns_stop "$T: during dir2's tenure, unblocked" fb_b
	pair_down
}

part_takeover() {
	local T="failback takeover"
	pair_up off || { t_fail "$T: pair starts, dir1 active"; pair_down; return; }
	to_dir2 "$T" ft_
	back_dir1 || t_fail "$T: dir1 restarts"
	ha_wait_role dir1 standby 50 || t_fail "$T: dir1 standby" "$(ha_role dir1)"
	# At once: the table is 4 s away.
	t_check "$T: xdirectorctl takeover on dir1" xdctl dir1 takeover
	check_waited "$T" "peer asked to take over"
	check_handed_over "$T" 1
	t_check "$T: dir2 held by the takeover" test "$(ha_json dir2 .hold)" = true
	sleep 4
	conns_stop "$T: before the crash, takeover" ft_a
	conns_stop "$T: during dir2's tenure, takeover" ft_b
	pair_down
}

topo_cleanup_stale
command -v jq >/dev/null || { echo "not ok - failback: jq missing"; exit 1; }
command -v nft >/dev/null || { echo "not ok - failback: nft missing"; exit 1; }
case ${XD_FAILBACK_PARTS:-auto takeover} in
*auto*) part_auto ;;
esac
case ${XD_FAILBACK_PARTS:-auto takeover} in
*takeover*) part_takeover ;;
esac
t_status
