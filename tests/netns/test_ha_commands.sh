#!/bin/sh
# HA operator commands: xdirectorctl standby / takeover (hb_standby,
# hb_takeover) and the HA part of xdirectorctl status. Topology as in
# test_ha_failover.sh (two directors, client probing VIP:80 every 10 ms).
#   standby on the active dir1: dir2 takes the VIPs, outage < 300 ms, and
#     dir1 (preferred, auto_failback on) stays held in standby
#   standby on a standby node is refused with a reason
#   takeover on dir1: the VIPs come back, outage < 300 ms
#   status shows role, peer, both links with their last heartbeat, timers

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

T="ha commands"
ha_setup_and_start "$T"

out=$(xdctl dir2 status 2>&1)
if echo "$out" | grep -qE '^ha: +standby' &&
	echo "$out" | grep -qE 'peer: +dir1 up \(active\)' &&
	echo "$out" | grep -qE 'link: +bcast eth0 +up +last heartbeat +[0-9]+ ms ago' &&
	echo "$out" | grep -qE 'link: +bcast eth1 +up +last heartbeat +[0-9]+ ms ago' &&
	echo "$out" | grep -qE 'timers: +keepalive 100 ms, warntime 300 ms, deadtime 500 ms, initdead 1000 ms, auto_failback on' &&
	echo "$out" | grep -qE 'vip: +192\.168\.10\.100/24 dev eth0 absent'; then
	t_ok "$T: status shows role, peer, links, timers, VIPs"
else
	t_fail "$T: status shows role, peer, links, timers, VIPs"
	echo "$out" | grep -A30 '^ha:' | sed 's/^/#   /'
fi

if out=$(xdctl dir2 standby 2>&1); then
	t_fail "$T: standby on a standby node refused" "it succeeded"
else
	t_ok "$T: standby on a standby node refused ($out)"
fi

probe_start probe-standby 2
xdctl dir1 standby >/dev/null || t_fail "$T: xdirectorctl standby" "failed"
probe_wait probe-standby
r=$(probe_result probe-standby)
check_outage "$T: standby hands over" "$r" 300
if [ "$(ha_role dir2)" = active ] && has_vip dir2 && ! has_vip dir1 &&
	[ "$(ha_role dir1)" = standby ] && [ "$(ha_json dir1 .hold)" = true ]; then
	t_ok "$T: after standby: dir2 active, dir1 held in standby"
else
	t_fail "$T: after standby: dir2 active, dir1 held in standby" \
		"dir1=$(ha_role dir1) hold=$(ha_json dir1 .hold) dir2=$(ha_role dir2)"
fi

probe_start probe-takeover 2
xdctl dir1 takeover >/dev/null || t_fail "$T: xdirectorctl takeover" "failed"
probe_wait probe-takeover
r=$(probe_result probe-takeover)
check_outage "$T: takeover takes back" "$r" 300
if [ "$(ha_role dir1)" = active ] && has_vip dir1 && ! has_vip dir2 &&
	[ "$(ha_role dir2)" = standby ]; then
	t_ok "$T: after takeover: dir1 active, dir2 standby"
else
	t_fail "$T: after takeover: dir1 active, dir2 standby" \
		"dir1=$(ha_role dir1) dir2=$(ha_role dir2)"
fi
[ "$XD_FAILED" = 0 ] || ha_dump_logs
t_status
