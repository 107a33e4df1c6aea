#!/bin/sh
# Connection-state sync between two directors: established connections
# survive a failover.
#
#                external LAN 192.168.10.0/24
#   +--------+        VIP 192.168.10.100:7
#   | client |eth0 .10 -------+--------------------+
#   +--------+  xd-conns      |                    |
#                         eth0 .2              eth0 .3
#                        +------+   sync UDP  +------+
#                        | dir1 | ----------> | dir2 |   port 8848, signed
#                        +------+  (eth1)     +------+   with authkeys
#                     eth1 10.0.0.2        eth1 10.0.0.3
#                            |   gateway VIP 10.0.0.1  |
#                +-----------+-----------+-------------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+
#           | real1 |               | real2 |   xd-echod :7
#           +-------+               +-------+
#
# Part 1, roles by hand (--sync-role, `xdirectorctl sync-role`), no ha.cf,
# sync by unicast (--sync-peer):
#   the standby's table matches the active one's (client, vip, real, state)
#   forged, truncated and replayed sync datagrams are dropped and counted
#   the VIPs move to dir2 by hand with roles swapped: no connection broken
#   dir1 restarted with an empty table resyncs from dir2 (bulk)
# Part 2, membership decides (ha.cf bcast eth0 eth1, haresources with
# LVSSyncDaemonSwap::master, deadtime 500 ms):
#   dir1 is sync master and dir2 backup; 1000 connections each sending a
#   line every 50 ms; dir1 hard-fails (both switches drop its frames);
#   no connection breaks; dir2 nudges the endpoints (probes, their ACKs,
#   ICMPs: user/sync/nudge.h) so they retransmit without waiting out
#   their backoff; the longest stall is measured against the target of
#   deadtime+200 ms and reported as "# measured:"
#   before that, with 1000 connections running through dir1: a flood of
#   junk (random bytes, unsigned sync and heartbeat headers) from the
#   client to dir2's sync and heartbeat ports changes no role, makes no
#   heartbeat late and is dropped and counted by dir2; then a graceful
#   handover (`xdirectorctl standby` on dir1: dir2 active and sync master)
#   and back (`xdirectorctl takeover` on dir1): no connection broken by
#   either, stalls reported as "# measured:"
# XD_SYNC_CONNS (default 1000) sets the number of connections,
# XD_SYNC_FLOOD (default 20000) the number of junk datagrams.
# For the benchmark: XD_SYNC_NUDGE=off starts the directors with
# --no-nudge; XD_SYNC_HANDOVER=0 skips the flood and the graceful
# handover; XD_SYNC_PARTS=ha runs the HA part only.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"
. "$(dirname "$0")/sync_lib.sh"

NCONNS=${XD_SYNC_CONNS:-1000}
XD_NUDGE_ARG=
[ "${XD_SYNC_NUDGE:-on}" = off ] && XD_NUDGE_ARG=--no-nudge
NFLOOD=${XD_SYNC_FLOOD:-20000}
# XD_SYNC_DEADTIME_MS and XD_SYNC_WAIT_TRIES (0.2 s each) are for slow
# emulated VMs (tests/qemu), where a 500 ms deadtime flaps.
DEADTIME_MS=${XD_SYNC_DEADTIME_MS:-500}

# start_conns NAME SECONDS [xd-conns options...]: SECONDS only bounds the
# run; check_conns ends it (SIGTERM: stop sending, wait for the echoes in
# flight) once the steps in between are done, however long a busy machine
# made them take.
start_conns() {
	local _n=$1 _d=$2
	shift 2
	bg_start "$_n" client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n "$NCONNS" -i 50 -d "$_d" -r 2000 -t 3000 "$@"
	XD_CONNS_PID=$XD_BG_PID
}

# check_conns T NAME LIMIT_MS: xd-conns finished with every connection
# established and none broken; the longest stall within LIMIT_MS.
check_conns() {
	local out rc stall
	# traffic goes on past the last move's stalls before it ends
	sleep 3
	kill -TERM "$XD_CONNS_PID" 2>/dev/null
	wait "$XD_CONNS_PID"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/$2.log" | tail -n 1)
	stall=$(kv max_stall_ms "$out")
	if [ $rc = 0 ] && [ "$(kv broken "$out")" = 0 ] &&
		[ "$(kv established "$out")" = "$NCONNS" ]; then
		t_ok "$1: $NCONNS connections, none broken [$out]"
	else
		t_fail "$1: $NCONNS connections, none broken" \
			"xd-conns exit $rc: ${out:-no summary}"
		sed 's/^/#   /' "$XD_RUN/$2.log" | tail -n 8
	fi
	# The stall is the takeover plus TCP's retransmission backoff on the
	# endpoints (200, 400, 800 ms...): a measurement against the target,
	# reported but not asserted; a broken connection is the failure.
	if [ -n "$stall" ] && [ "$stall" -le "$3" ]; then
		echo "# measured: $1: longest stall $stall ms (target $3 ms): met"
	else
		echo "# measured: $1: longest stall ${stall:-?} ms (target $3 ms): missed"
	fi
}

# dump_verdicts DIR: DIR's non-zero datapath verdicts and sync counters,
# as comment lines, to tell which side dropped what.
dump_verdicts() {
	echo "# $1 verdicts: $(xdctl "$1" --json status 2>/dev/null | jq -c \
		'.reasons | with_entries(select(.value.pkts > 0)) |
		 map_values(.pkts)' 2>/dev/null)"
	echo "# $1 sync: $(xdctl "$1" --json status 2>/dev/null | jq -c \
		'.sync | {role, installed, rejected, bulk: {state: .bulk.state,
		 completed: .bulk.completed}}' 2>/dev/null)"
}

check_tables_match() {
	local T=$1 a b missing
	conn_tuples dir1 | grep ' ESTABLISHED$' >"$XD_RUN/t1"
	conn_tuples dir2 | grep ' ESTABLISHED$' >"$XD_RUN/t2"
	a=$(wc -l <"$XD_RUN/t1")
	b=$(wc -l <"$XD_RUN/t2")
	missing=$(comm -23 "$XD_RUN/t1" "$XD_RUN/t2" | wc -l)
	if [ "$a" -ge "$NCONNS" ] && [ "$missing" = 0 ]; then
		t_ok "$T: standby holds all $a established entries of the active ($b)"
	else
		t_fail "$T: standby holds the active's entries" \
			"active $a, standby $b, missing on standby $missing"
		comm -23 "$XD_RUN/t1" "$XD_RUN/t2" | head -n 5 | sed 's/^/#   /'
	fi
}

# Forged, truncated and replayed: capture one of dir1's sync datagrams on
# its eth1, then send it again, cut short, and with a flipped byte.
check_bad_input() {
	local T=$1 before after out
	before=$(xdctl dir2 --json status | jq -c '.sync.drops')
	out=$(nsx dir1 timeout 10 python3 - <<'EOF'
import socket
# ETH_P_ALL: only those taps see outgoing frames.
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(3))
s.bind(("eth1", 3))
while True:
    f = s.recv(65535)
    if f[12:14] != b"\x08\x00":
        continue
    ip = f[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17:
        continue
    udp = ip[ihl:]
    if int.from_bytes(udp[2:4], "big") != 8848 or ip[16:20] != socket.inet_aton("10.0.0.3"):
        continue
    data = udp[8:]
    break
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = ("10.0.0.3", 8848)
for _ in range(3):
    u.sendto(data, dst)                       # replayed
u.sendto(data[:-1], dst)                      # truncated
forged = bytearray(data); forged[-25] ^= 1    # a payload byte
u.sendto(bytes(forged), dst)
u.sendto(b"\0" * 64, dst)                     # junk
print("sent", len(data))
EOF
)
	sleep 0.5
	after=$(xdctl dir2 --json status | jq -c '.sync.drops')
	if echo "$out" | grep -q '^sent' &&
		[ "$(echo "$after" | jq .replay)" -ge $(($(echo "$before" | jq .replay) + 3)) ] &&
		[ "$(echo "$after" | jq .length)" -ge $(($(echo "$before" | jq .length) + 1)) ] &&
		[ "$(echo "$after" | jq .mac)" -ge $(($(echo "$before" | jq .mac) + 1)) ] &&
		[ "$(echo "$after" | jq .magic)" -ge $(($(echo "$before" | jq .magic) + 1)) ]; then
		t_ok "$T: replayed, truncated, forged and junk datagrams dropped ($after)"
	else
		t_fail "$T: bad sync datagrams dropped" "$out; before $before after $after"
	fi
}

# neigh_mac BOX ADDR: the MAC BOX's neighbour cache holds for ADDR.
neigh_mac() {
	nsx "$1" ip -j neigh show "$2" | jq -r '.[0].lladdr // empty'
}

# move_vips FROM TO: the addresses move, and the client's and the reals'
# neighbour caches must follow (a garp lost or killed by its timeout on a
# loaded machine left the traffic on FROM, whose datapath kept forwarding
# it, and the run failed minutes later at a check that did not say why).
move_vips() {
	local ext int i=0 c r1 r2
	del_vip "$1"
	add_vip "$2"
	ext=$(nsx "$2" cat /sys/class/net/eth0/address)
	int=$(nsx "$2" cat /sys/class/net/eth1/address)
	while :; do
		garp "$2" eth0 $XD_VIP
		garp "$2" eth1 $XD_VIP_INT
		c=$(neigh_mac client $XD_VIP)
		r1=$(neigh_mac real1 $XD_VIP_INT)
		r2=$(neigh_mac real2 $XD_VIP_INT)
		if [ "$c/$r1/$r2" = "$ext/$int/$int" ]; then
			echo "# VIPs $1 -> $2: neighbour caches followed after $((i + 1)) garp round(s)"
			return 0
		fi
		[ $i -ge 5 ] && break
		i=$((i + 1))
	done
	t_fail "VIPs moved from $1 to $2: neighbour caches follow" \
		"client has $XD_VIP at $c, real1/real2 $XD_VIP_INT at $r1/$r2; $2 is $ext/$int"
	return 1
}

part_manual() {
	local T="sync manual" n missing
	topo_create
	xdpmode_offloads
	enable_gro_on_switch_ports
	write_ldirectord dir1
	write_ldirectord dir2
	start_echod real1 7 && start_echod real2 7 || { t_fail "$T: reals"; return; }
	add_vip dir1
	prime_neigh
	if ! start_director dir1 --sync-role master --sync-peer 10.0.0.3 ||
		! start_director dir2 --sync-role backup --sync-peer 10.0.0.2; then
		t_fail "$T: directors start"
		topo_destroy
		return
	fi
	t_check "$T: roles master/backup" test \
		"$(sync_field dir1 .role)/$(sync_field dir2 .role)" = master/backup

	start_conns conns-manual 300
	if wait_established dir1 "$NCONNS"; then
		sleep 1
		check_tables_match "$T"
	else
		t_fail "$T: $NCONNS connections established on dir1" \
			"$(count_established dir1)"
	fi
	check_bad_input "$T"

	# Failover by hand: roles first (the new active stops listening),
	# then the addresses.
	xdctl dir2 sync-role master >/dev/null
	xdctl dir1 sync-role backup >/dev/null
	move_vips dir1 dir2
	# As an operator moving addresses by other means would.
	t_check "$T: xdirectorctl nudge on dir2" xdctl dir2 nudge
	check_conns "$T: VIPs moved to dir2 by hand" conns-manual 3000
	n=$(xdctl dir2 --json status | jq -c '.sync.nudge')
	t_check "$T: the nudge probed the $NCONNS connections ($n)" test \
		"$(echo "$n" | jq .conns)" -ge "$NCONNS"

	# Standby restart with an empty table: it must pull the whole table.
	start_conns conns-resync 300
	wait_established dir2 "$NCONNS"
	stop_director dir1 KILL
	rm -rf "$(director_bpffs dir1)"
	start_director dir1 --sync-role backup --sync-peer 10.0.0.3
	# As an operator would: fail back only once the standby reports its
	# table complete (every entry of the active one, same real server).
	missing=$(wait_synced dir2 dir1)
	n=$(count_established dir1)
	if [ "$missing" = 0 ] && [ "$n" -ge "$NCONNS" ]; then
		t_ok "$T: restarted standby resynced ($n established, bulk of $(sync_field dir1 .bulk.last_entries) in $(sync_field dir1 .bulk.last_duration_s) s)"
	else
		t_fail "$T: restarted standby resynced" \
			"$n established, $missing of the active's missing, bulk $(xdctl dir1 --json status | jq -c .sync.bulk)"
	fi
	# And the connections keep working through it; then back to dir1.
	xdctl dir1 sync-role master >/dev/null
	xdctl dir2 sync-role backup >/dev/null
	move_vips dir2 dir1
	check_conns "$T: failback to the resynced dir1" conns-resync 3000
	dump_verdicts dir1
	dump_verdicts dir2

	if [ "$XD_FAILED" != 0 ]; then
		echo "# --- dir1"; director_log dir1 30
		echo "# --- dir2"; director_log dir2 30
	fi
	stop_director dir1
	stop_director dir2
	topo_destroy
}

# --- HA part: junk flood, graceful handover --------------------------------

# udp_sock_drops BOX PORT: datagrams the kernel dropped (receive buffer
# full) on BOX's UDP sockets bound to PORT, summed.
udp_sock_drops() {
	nsx "$1" awk -v p="$(printf '%04X' "$2")" 'NR > 1 {
		split($2, a, ":"); if (a[2] == p) n += $NF } END { print n + 0 }' \
		/proc/net/udp
}

# log_lines DIR: lines in DIR's current daemon log so far.
log_lines() {
	wc -l <"$XD_RUN/xdirectord-$1.log"
}

# hb_trouble DIR FROM: DIR's log lines after line FROM that tell of a
# missed heartbeat (late, a link down, the peer dead).
hb_trouble() {
	tail -n +"$(($2 + 1))" "$XD_RUN/xdirectord-$1.log" |
		grep -E 'late heartbeat|is dead|within initdead|down \(no heartbeat|ha: (active|standby) -> '
}

# ha_state DIR: "role/sync-role/takeovers/releases".
ha_state() {
	xdctl "$1" --json status 2>/dev/null |
		jq -r '"\(.ha.role)/\(.sync.role)/\(.ha.takeovers)/\(.ha.releases)"'
}

# drop_counts DIR: "SYNC HA": the datagrams DIR's sync and heartbeat code
# dropped for a reason junk can have (not: replayed, which the sync's
# own copies over the second link are, wrong role or unknown node).
drop_counts() {
	xdctl "$1" --json status 2>/dev/null | jq -r '
		(.sync.drops | .short + .magic + .version + .type + .key +
		 .length + .mac) as $s |
		(.ha.dropped | .truncated + .bad_format + .unknown_key +
		 .bad_auth) as $h | "\($s) \($h)"'
}

# check_flood T: NFLOOD junk datagrams as fast as python can send them,
# from the client to the standby dir2's external address, half to the
# sync port, half to the heartbeat port (both listen on eth0: sync on any
# address, heartbeat bound to the bcast link's device), while the
# connections run. Heartbeats go on over both links, so nothing may be
# late; the daemon must have read and counted what the kernel queued.
check_flood() {
	local T=$1 s1 s2 l1 l2 d0 d1 ks0 kh0 ks kh out ss sh ds dh trouble
	s1=$(ha_state dir1); s2=$(ha_state dir2)
	l1=$(log_lines dir1); l2=$(log_lines dir2)
	d0=$(drop_counts dir2)
	ks0=$(udp_sock_drops dir2 8848); kh0=$(udp_sock_drops dir2 694)
	out=$(nsx client timeout 30 python3 - 192.168.10.3 "$NFLOOD" <<'EOF'
import os, random, socket, struct, sys, time
dst, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(694)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
gen = int(time.time() * 1e6) + 10**9
sent = {8848: 0, 694: 0}
err = 0
t0 = time.monotonic()
for i in range(n):
    k = i % 4
    if k == 0:      # random bytes, some long enough to pass the length check
        port, d = 8848, os.urandom(rnd.randint(1, 300))
    elif k == 1:    # a sync CONN header from dir1, key 1, MAC made up
        port = 8848
        d = struct.pack(">IBBBBQQIIIHH", 0x58445359, 1, rnd.choice((1, 3, 4)),
                        1, 4, gen, i, i, 0, 0, 0, 0) + b"dir1" + os.urandom(20)
    elif k == 2:
        port, d = 694, os.urandom(rnd.randint(1, 300))
    else:           # a heartbeat (or takeover) from dir1, MAC made up
        port = 694
        d = struct.pack(">IBBBBQQ32sBBBBIIQI", 0x58444842, 2,
                        rnd.choice((1, 2)), rnd.choice((0, 1)), 1, gen, i,
                        b"dir1", 2, 0, 0, 0, 1, 100, 0, 0) + os.urandom(20)
    try:
        s.sendto(d, (dst, port))
        sent[port] += 1
    except OSError:
        err += 1
print("sync=%d hb=%d errors=%d ms=%d" % (sent[8848], sent[694], err,
      (time.monotonic() - t0) * 1000))
EOF
)
	# Long enough after the flood for a late heartbeat (warntime 300 ms)
	# or a dead link (deadtime 500 ms) to be noticed and logged.
	sleep 1
	d1=$(drop_counts dir2)
	ks=$(($(udp_sock_drops dir2 8848) - ks0))
	kh=$(($(udp_sock_drops dir2 694) - kh0))
	ss=$(kv sync "$out"); sh=$(kv hb "$out")
	ds=$(($(echo "$d1" | cut -d' ' -f1) - $(echo "$d0" | cut -d' ' -f1)))
	dh=$(($(echo "$d1" | cut -d' ' -f2) - $(echo "$d0" | cut -d' ' -f2)))
	echo "# measured: $T: junk flood [$out]: dir2 counted sync $ds, heartbeat $dh; the kernel dropped (socket buffer full) sync $ks, heartbeat $kh"
	if [ -z "$ss" ] || [ -z "$sh" ]; then
		t_fail "$T: junk flood sent" "${out:-no output}"
		return
	fi
	# "Most": the kernel may drop some when the socket's buffer is full
	# (those never reach the daemon); counted ones must be the bulk.
	if [ "$ds" -ge $((ss * 9 / 10)) ] && [ "$dh" -ge $((sh * 9 / 10)) ]; then
		t_ok "$T: junk flood reached dir2 and was dropped and counted (sync $ds of $ss, heartbeat $dh of $sh)"
	else
		t_fail "$T: junk flood dropped and counted by dir2" \
			"sync $ds of $ss, heartbeat $dh of $sh, kernel drops $ks/$kh"
		xdctl dir2 --json status | jq -c '{sync: .sync.drops, ha: .ha.dropped}' |
			sed 's/^/#   /'
	fi
	t_check "$T: no role change during the flood ($s1 $s2)" test \
		"$(ha_state dir1) $(ha_state dir2)" = "$s1 $s2"
	trouble=$(hb_trouble dir1 "$l1"; hb_trouble dir2 "$l2")
	if [ -z "$trouble" ]; then
		t_ok "$T: no late heartbeat, link down or dead peer during the flood"
	else
		t_fail "$T: no late heartbeat during the flood" \
			"$(echo "$trouble" | head -n 3 | tr '\n' ';')"
	fi
}

# wait_sync_roles MASTER BACKUP: up to 5 s for the sync roles to follow.
wait_sync_roles() {
	local i=0
	while [ $i -lt 50 ]; do
		[ "$(sync_field "$1" .role)/$(sync_field "$2" .role)" = \
			master/backup ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# progress DIR NAME: the latest "progress" line of xd-conns run NAME.
progress() {
	grep '^progress ' "$XD_RUN/$1.log" | tail -n 1
}

# check_handover T: with the connections of run conns-handover going
# through dir1 (and synced to dir2), junk flood, then `standby` on dir1,
# then `takeover` on dir1. No connection may break; the stalls are
# reported. xd-conns' progress lines (every second, counts so far) tell
# the two moves apart.
check_handover() {
	local T=$1 p1 b1 st1 missing
	start_conns conns-handover 300 -v
	if ! wait_established dir1 "$NCONNS"; then
		t_fail "$T: $NCONNS connections established on dir1" \
			"$(count_established dir1)"
		return
	fi
	missing=$(wait_synced dir1 dir2)
	[ "$missing" = 0 ] || t_fail "$T: standby synced before the flood" \
		"$missing missing"
	check_flood "$T"

	xdctl dir1 standby >/dev/null || t_fail "$T: xdirectorctl dir1 standby"
	if ha_wait_role dir2 active 30 && ha_wait_role dir1 standby 30 &&
		wait_sync_roles dir2 dir1; then
		t_ok "$T: standby on dir1: dir2 active and sync master, dir1 sync backup"
	else
		t_fail "$T: standby on dir1: dir2 active and sync master" \
			"dir1 $(ha_state dir1), dir2 $(ha_state dir2)"
	fi
	# As an operator would: move back once dir1's table is complete.
	missing=$(wait_synced dir2 dir1)
	[ "$missing" = 0 ] || t_fail "$T: dir1 synced from dir2 before takeover" \
		"$missing missing"
	# Past the handover's stalls (3 s TCP timeout), and a progress line.
	sleep 1.5
	p1=$(progress conns-handover)
	b1=$(kv broken "$p1"); st1=$(kv max_stall_ms "$p1")
	if [ -n "$p1" ] && [ "$b1" = 0 ] &&
		[ "$(kv established "$p1")" = "$NCONNS" ]; then
		t_ok "$T: standby: no connection broken [$p1]"
	else
		t_fail "$T: standby: no connection broken" "${p1:-no progress line}"
	fi
	echo "# measured: $T: standby: longest stall so far $st1 ms (target $((DEADTIME_MS + 200)) ms)"
	pid_alive "$XD_CONNS_PID" ||
		t_fail "$T: connections still running at takeover" "xd-conns ended early"

	xdctl dir1 takeover >/dev/null || t_fail "$T: xdirectorctl dir1 takeover"
	if ha_wait_role dir1 active 30 && ha_wait_role dir2 standby 30 &&
		wait_sync_roles dir1 dir2; then
		t_ok "$T: takeover on dir1: dir1 active and sync master again"
	else
		t_fail "$T: takeover on dir1: dir1 active and sync master" \
			"dir1 $(ha_state dir1), dir2 $(ha_state dir2)"
	fi
	# check_conns reports the whole run's longest stall (both moves).
	check_conns "$T: graceful handover and back" conns-handover \
		$((DEADTIME_MS + 200))
}

# check_nudge T: dir2 took over from a dead dir1, so it probed every
# synced connection (two probes each), heard the first pure ACK of both
# endpoints of each (the probes' answers) and sent the ICMPs that let
# them retransmit without waiting out their backoff.
check_nudge() {
	local n
	n=$(xdctl dir2 --json status | jq -c '.sync.nudge')
	if [ "$(echo "$n" | jq .runs)" = 1 ] &&
		[ "$(echo "$n" | jq .conns)" -ge "$NCONNS" ] &&
		[ "$(echo "$n" | jq .probes)" -ge $((2 * NCONNS)) ] &&
		[ "$(echo "$n" | jq .probe_errors)" = 0 ] &&
		[ "$(echo "$n" | jq .reports)" -ge $((2 * NCONNS)) ] &&
		[ "$(echo "$n" | jq .icmps)" -ge $((2 * NCONNS)) ] &&
		[ "$(echo "$n" | jq .icmp_errors)" = 0 ]; then
		t_ok "$T: dir2 nudged the $NCONNS synced connections ($n)"
		echo "# measured: $T: dir2 took over and started nudging $(echo "$n" |
			jq --arg cut "$XD_CUT_AT" '(.last_start - ($cut | tonumber)) * 1000 | floor') ms after the cut"
	else
		t_fail "$T: dir2 nudged the synced connections" "${n:-no status}"
	fi
}

part_ha() {
	local T="sync ha"
	topo_create
	xdpmode_offloads
	enable_gro_on_switch_ports
	for d in dir1 dir2; do
		write_ldirectord $d
		write_ha $d
	done
	start_echod real1 7 && start_echod real2 7 || { t_fail "$T: reals"; return; }
	prime_neigh
	if ! start_director dir1 $XD_NUDGE_ARG ||
		! start_director dir2 $XD_NUDGE_ARG ||
		! ha_wait_role dir1 active 60 || ! ha_wait_role dir2 standby 60; then
		t_fail "$T: pair starts, dir1 active"
		ha_dump_logs
		topo_destroy
		return
	fi
	t_check "$T: membership sets sync roles master/backup" test \
		"$(sync_field dir1 .role)/$(sync_field dir2 .role)" = master/backup
	prime_neigh

	[ "${XD_SYNC_HANDOVER:-1}" = 0 ] || check_handover "$T"

	start_conns conns-ha 300
	if ! wait_established dir2 "$NCONNS"; then
		t_fail "$T: standby synced $NCONNS connections" \
			"$(count_established dir2)"
	fi
	sleep 1
	check_tables_match "$T"
	XD_CUT_AT=$(date +%s.%N)
	cut_box dir1 || t_fail "$T: cut dir1"
	check_conns "$T: hard failure of dir1" conns-ha $((DEADTIME_MS + 200))
	if [ -z "$XD_NUDGE_ARG" ]; then
		check_nudge "$T"
	else
		t_check "$T: no nudge with $XD_NUDGE_ARG" test \
			"$(xdctl dir2 --json status | jq -c .sync.nudge)" = null
	fi
	dump_verdicts dir2
	t_check "$T: dir2 became sync master" test "$(sync_field dir2 .role)" = master
	xdctl dir2 status | sed -n '/^sync:/,$p' | sed 's/^/# /'
	[ "$XD_FAILED" != 0 ] && ha_dump_logs
	uncut_box dir1
	stop_director dir1
	stop_director dir2
	topo_destroy
}

topo_cleanup_stale
command -v jq >/dev/null || { echo "not ok - sync: jq missing"; exit 1; }
case ${XD_SYNC_PARTS:-manual ha} in
*manual*) part_manual ;;
esac
case ${XD_SYNC_PARTS:-manual ha} in
*ha*) part_ha ;;
esac
t_status
