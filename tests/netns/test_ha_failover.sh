#!/bin/sh
# HA failover between two directors, measured from the client.
#
#                      external LAN 192.168.10.0/24 (swext)
#   +--------+   xd-probe: a new HTTP request to VIP:80 every 10 ms
#   | client |eth0 .10 ----+--------------------------+
#   +--------+             |                          |
#                      eth0 .2                    eth0 .3
#                     +------+  heartbeats: bcast +------+
#                     | dir1 |  on eth0 and eth1  | dir2 |
#                     +------+  every 100 ms      +------+
#                   eth1 10.0.0.2              eth1 10.0.0.3
#                          |   internal VIP 10.0.0.1 (gateway of reals)
#                          +------------+-------------+
#                      internal LAN 10.0.0.0/24 (swint)
#                      real1 .11 (nginx)         real2 .12 (nginx)
#
# ha.cf: keepalive 100ms, deadtime 500ms, warntime 300ms, initdead 1,
# bcast eth0 eth1; haresources: dir1 owns both VIPs. For auto_failback on
# and off:
#   start-up: dir1 active with the VIPs, dir2 standby without them
#   one heartbeat link lost (udp/694 dropped on the internal switch): no
#     role change, no request lost, status shows eth1 down and eth0 up
#   hard failure (both switches drop all of dir1's frames): dir2 takes over,
#     outage <= deadtime + 100 ms; links back: one active, dir1 (both modes)
#   graceful stop (SIGTERM on the active): outage < 300 ms
#   dir1 restarts: auto_failback on -> it takes the VIPs back (outage
#     < 300 ms); off -> dir2 keeps them and no request is lost

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

# One active director, the other standby, VIP only on the active.
check_one_active() {
	local a=$1 s=$2
	if [ "$(ha_role $a)" = active ] && [ "$(ha_role $s)" = standby ] &&
		has_vip $a && ! has_vip $s; then
		t_ok "$3: $a active with the VIPs, $s standby without"
	else
		t_fail "$3: $a active with the VIPs, $s standby without" \
			"$a=$(ha_role $a) $s=$(ha_role $s)"
	fi
}

case_one_link() {
	local T="$1: one heartbeat link lost" r st
	probe_start probe-link 3
	nsx swint nft add table bridge hbcut
	nsx swint nft 'add chain bridge hbcut c { type filter hook forward priority 0; }'
	nsx swint nft add rule bridge hbcut c udp dport 694 counter drop
	sleep 2
	st=$(ha_json dir2 '[.links[] | .link + "=" + .state] | join(" ")')
	probe_wait probe-link
	r=$(probe_result probe-link)
	if [ "$(kv failed "$r")" = 0 ] && [ "$(kv recovered "$r")" = 1 ]; then
		t_ok "$T: no request lost [$r]"
	else
		t_fail "$T: no request lost" "$r"
	fi
	check_one_active dir1 dir2 "$T"
	case $st in
	*"bcast eth0=up"*"bcast eth1=down"*) t_ok "$T: status shows it ($st)" ;;
	*) t_fail "$T: status shows it" "$st" ;;
	esac
	nsx swint nft delete table bridge hbcut
	sleep 0.7
}

case_hard_failure() {
	local T="$1: hard failure" r
	probe_start probe-hard 3
	cut_box dir1 || t_fail "$T: cut dir1 off the switches"
	probe_wait probe-hard
	r=$(probe_result probe-hard)
	check_outage "$T" "$r" 600
	if [ "$(ha_role dir2)" = active ] && has_vip dir2; then
		t_ok "$T: dir2 active with the VIPs"
	else
		t_fail "$T: dir2 active with the VIPs" "dir2=$(ha_role dir2)"
	fi
	# Heal: both were active, exactly one must remain.
	probe_start probe-heal 3
	uncut_box dir1
	probe_wait probe-heal
	r=$(probe_result probe-heal)
	sleep 0.5
	check_one_active dir1 dir2 "$T: links back, split brain resolved"
	t_ok "$T: links back: outage $(kv outage_ms "$r") ms (measured, no limit) [$r]"
}

case_graceful() {
	local T="$1: graceful stop" r
	probe_start probe-stop 2.5
	stop_director dir1 TERM
	probe_wait probe-stop
	r=$(probe_result probe-stop)
	check_outage "$T" "$r" 300
	if [ "$(ha_role dir2)" = active ] && has_vip dir2 && ! has_vip dir1; then
		t_ok "$T: dir2 active, dir1 gave its VIPs up"
	else
		t_fail "$T: dir2 active, dir1 gave its VIPs up" "dir2=$(ha_role dir2)"
	fi
	probe_start probe-back 3.5
	start_director dir1
	if [ "$2" = on ]; then
		ha_wait_role dir1 active 30
		probe_wait probe-back
		r=$(probe_result probe-back)
		check_outage "$1: dir1 back, auto_failback on: fails back" "$r" 300
		check_one_active dir1 dir2 "$1: dir1 back, auto_failback on"
	else
		sleep 2
		probe_wait probe-back
		r=$(probe_result probe-back)
		if [ "$(kv failed "$r")" = 0 ]; then
			t_ok "$1: dir1 back, auto_failback off: no request lost [$r]"
		else
			t_fail "$1: dir1 back, auto_failback off: no request lost" "$r"
		fi
		check_one_active dir2 dir1 "$1: dir1 back, auto_failback off"
	fi
}

run_mode() {
	local T="ha auto_failback $1" f0=$XD_FAILED
	if ! ha_setup "$1"; then
		t_fail "$T: set up"; topo_destroy; return
	fi
	if ! ha_start_pair; then
		t_fail "$T: dir1 active, dir2 standby after start"
		ha_dump_logs; topo_destroy; return
	fi
	check_one_active dir1 dir2 "$T: start-up"
	tally=$(curl_tally 10)
	if [ "$(tally_get fail "$tally")" = 0 ]; then
		t_ok "$T: requests served ($tally)"
	else
		t_fail "$T: requests served" "$tally"
	fi
	case_one_link "$T"
	case_hard_failure "$T"
	case_graceful "$T" "$1"
	[ "$XD_FAILED" = "$f0" ] || ha_dump_logs
	stop_director dir1
	stop_director dir2
	topo_destroy
}

topo_cleanup_stale
for m in ${XD_HA_MODES:-on off}; do
	run_mode "$m"
done
t_status
