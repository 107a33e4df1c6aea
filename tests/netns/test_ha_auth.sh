#!/bin/sh
# HA heartbeats are authenticated and replay-proof. Topology as in
# test_ha_failover.sh; the client plays the attacker on the external LAN
# with tests/netns/hb_tool.py (heartbeat packets by hand):
#   forged: packets signed with a wrong key claiming "dir1 is leaving" (to
#     make dir2 take over) and "dir2 is active" (to make dir1 yield): both
#     dropped and counted, no role changes
#   unsigned: the header without a MAC: dropped as truncated, counted
#   replayed: real dir1 heartbeats captured, resent later: dropped and
#     counted; and when dir1 then really fails, replaying its captured
#     heartbeats does not keep it alive: dir2 takes over within deadtime

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

T="ha auth"
HB="python3 $XD_NETNS_DIR/hb_tool.py"
ha_setup_and_start "$T"

roles_unchanged() {
	[ "$(ha_role dir1)" = active ] && [ "$(ha_role dir2)" = standby ] &&
		has_vip dir1 && ! has_vip dir2
}

# forged
nsx client $HB forge wrongsecret dir1 leaving 20
nsx client $HB forge wrongsecret dir2 active 20
sleep 0.3
b1=$(ha_json dir1 .dropped.bad_auth)
b2=$(ha_json dir2 .dropped.bad_auth)
if roles_unchanged && [ "${b1:-0}" -ge 40 ] && [ "${b2:-0}" -ge 40 ]; then
	t_ok "$T: forged-key packets ignored and counted (dir1 bad_auth=$b1, dir2 bad_auth=$b2)"
else
	t_fail "$T: forged-key packets ignored and counted" \
		"dir1=$(ha_role dir1) bad_auth=$b1, dir2=$(ha_role dir2) bad_auth=$b2"
fi

# unsigned
nsx client $HB short 10
sleep 0.3
s2=$(ha_json dir2 .dropped.truncated)
if roles_unchanged && [ "${s2:-0}" -ge 10 ]; then
	t_ok "$T: unsigned packets ignored and counted (dir2 truncated=$s2)"
else
	t_fail "$T: unsigned packets ignored and counted" \
		"dir2=$(ha_role dir2) truncated=$s2"
fi

# replayed
if ! nsx client $HB capture dir1 10 "$XD_RUN/dir1.cap"; then
	t_fail "$T: capture dir1's heartbeats"
else
	sleep 0.3
	nsx client $HB replay "$XD_RUN/dir1.cap" 0.5
	rp=$(ha_json dir2 .dropped.replayed)
	if roles_unchanged && [ "${rp:-0}" -ge 10 ]; then
		t_ok "$T: replayed capture ignored and counted (dir2 replayed=$rp)"
	else
		t_fail "$T: replayed capture ignored and counted" \
			"dir2=$(ha_role dir2) replayed=$rp"
	fi
	# dir1 dies; its captured heartbeats keep coming.
	bg_start replay client $HB replay "$XD_RUN/dir1.cap" 3
	cut_box dir1
	t0=$(date +%s%N)
	if ha_wait_role dir2 active 30; then
		ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		t_ok "$T: dir1 dead despite its replayed heartbeats: dir2 active after $ms ms"
	else
		t_fail "$T: dir1 dead despite its replayed heartbeats" \
			"dir2=$(ha_role dir2) replayed=$(ha_json dir2 .dropped.replayed)"
	fi
	bg_stop replay
fi
[ "$XD_FAILED" = 0 ] || ha_dump_logs
t_status
