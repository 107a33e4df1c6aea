#!/bin/sh
# HA quorum through ping nodes (ha.cf `ping`), measured from the client.
#
#                      external LAN 192.168.10.0/24 (swext)
#   +--------+   ping node 192.168.10.10 (answers ICMP echo)
#   | client |eth0 .10 ----+--------------------------+
#   +--------+             |   <-- uplink cut here    |
#                      eth0 .2                    eth0 .3
#                     +------+  heartbeats: bcast +------+
#                     | dir1 |  on eth0 and eth1  | dir2 |
#                     +------+  every 100 ms      +------+
#                   eth1 10.0.0.2              eth1 10.0.0.3
#                          +------------+-------------+
#                      internal LAN 10.0.0.0/24 (swint)
#                      real1 .11 (nginx)         real2 .12 (nginx)
#
# ha.cf as test_ha_failover.sh (keepalive 100ms, deadtime 500ms,
# auto_failback on, dir1 preferred) plus `ping 192.168.10.10`; deadping
# defaults to deadtime. An uplink cut drops a director's frames on the
# external switch only, so heartbeats still flow over eth1 and the peer
# stays up: only the ping quorum can move the VIPs.
#   (1) dir1 (active, preferred) loses its uplink: it no longer reaches the
#       ping node, dir2 does -> the VIPs move to dir2 (outage measured);
#       dir1 does not take them back while cut; link back -> auto_failback
#       gives them to dir1 again
#   (2) dir2 (standby) loses its uplink: no role change, no request lost
#   (3) `xdirectorctl --json status` shows each director's ping node state
#       (.ha.pings[].up), .ha.pings_up and .ha.quorum

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

PING_NODE=192.168.10.10

# cut_ext BOX / uncut_ext BOX: like cut_box, on the external switch only.
cut_ext() {
	nsx swext nft add table bridge cutext_$1 &&
	nsx swext nft "add chain bridge cutext_$1 c { type filter hook forward priority -10; }" &&
	nsx swext nft add rule bridge cutext_$1 c iifname "$1" drop &&
	nsx swext nft add rule bridge cutext_$1 c oifname "$1" drop
}

uncut_ext() {
	nsx swext nft delete table bridge cutext_$1 2>/dev/null
	return 0
}

# ping_state DIR: "up=<ping node up> pings_up=N quorum=<bool>" from status.
ping_state() {
	ha_json "$1" '"up=" + ([.pings[] | select(.name == "'$PING_NODE'") |
		.up | tostring] | join(",")) + " pings_up=" +
		(.pings_up | tostring) + " quorum=" + (.quorum | tostring)'
}

_ping_is() { [ "$(ping_state "$1")" = "$2" ]; }

# ha_wait_ping DIR STATE [TRIES of 0.1 s]: wait for ping_state DIR = STATE.
ha_wait_ping() { wait_for "${3:-50}" _ping_is "$1" "$2"; }

PING_UP="up=true pings_up=1 quorum=true"
PING_DOWN="up=false pings_up=0 quorum=false"

# roles_are ACTIVE STANDBY: roles and VIP placement as expected.
roles_are() {
	[ "$(ha_role $1)" = active ] && [ "$(ha_role $2)" = standby ] &&
		has_vip $1 && ! has_vip $2
}

check_roles() {
	if roles_are "$1" "$2"; then
		t_ok "$3: $1 active with the VIPs, $2 standby without"
	else
		t_fail "$3: $1 active with the VIPs, $2 standby without" \
			"$1=$(ha_role $1) $2=$(ha_role $2)"
	fi
}

# (3) status at start-up: both reach the ping node.
case_status_start() {
	local T="status" s1 s2
	ha_wait_ping dir1 "$PING_UP" 20
	ha_wait_ping dir2 "$PING_UP" 20
	s1=$(ping_state dir1); s2=$(ping_state dir2)
	if [ "$s1" = "$PING_UP" ] && [ "$s2" = "$PING_UP" ]; then
		t_ok "$T: ping node $PING_NODE reachable from both (dir1: $s1; dir2: $s2)"
	else
		t_fail "$T: ping node $PING_NODE reachable from both" \
			"dir1: $s1; dir2: $s2"
	fi
}

case_dir1_uplink() {
	local T="dir1 uplink lost" r s1 s2 st i bad
	probe_start probe-uplink 3
	cut_ext dir1 || t_fail "$T: cut dir1 off the external switch"
	ha_wait_role dir2 active 25
	probe_wait probe-uplink
	r=$(probe_result probe-uplink)
	echo "# measured: dir1 uplink lost, VIPs to dir2: outage $(kv outage_ms "$r") ms [$r]"
	# deadping (500 ms) after the last reply for dir1 to notice (the
	# echo goes every keepalive), then a handover on eth1: 700 ms.
	check_outage "$T: VIPs move to dir2" "$r" 700
	check_roles dir2 dir1 "$T"
	# Heartbeats kept flowing on eth1: dir2 must see dir1 up, not dead.
	st=$(ha_json dir2 '.peer_state + " " + ([.links[] | .link + "=" +
		.state] | join(" "))')
	case $st in
	"up "*"bcast eth1=up"*) t_ok "$T: peer still up over eth1 ($st)" ;;
	*) t_fail "$T: peer still up over eth1" "$st" ;;
	esac
	# (3) the status tells why.
	s1=$(ping_state dir1); s2=$(ping_state dir2)
	if [ "$s1" = "$PING_DOWN" ] && [ "$s2" = "$PING_UP" ]; then
		t_ok "status: dir1 shows the ping node down ($s1), dir2 up ($s2)"
	else
		t_fail "status: dir1 shows the ping node down, dir2 up" \
			"dir1: $s1; dir2: $s2"
	fi
	# dir1 is preferred and auto_failback is on, yet it must not take the
	# VIPs back while it cannot reach the ping node.
	bad=
	i=0
	while [ $i -lt 15 ]; do
		roles_are dir2 dir1 || { bad="dir1=$(ha_role dir1) dir2=$(ha_role dir2)"; break; }
		sleep 0.1; i=$((i + 1))
	done
	if [ -z "$bad" ]; then
		t_ok "$T: dir1 does not take the VIPs back while cut (1.5 s)"
	else
		t_fail "$T: dir1 does not take the VIPs back while cut" "$bad"
	fi
	# Link back: auto_failback on returns the VIPs to dir1.
	probe_start probe-uplink-back 3
	uncut_ext dir1
	ha_wait_role dir1 active 25
	probe_wait probe-uplink-back
	r=$(probe_result probe-uplink-back)
	echo "# measured: dir1 uplink back, auto_failback to dir1: outage $(kv outage_ms "$r") ms [$r]"
	check_outage "$T: link back, auto_failback on: dir1 gets them back" "$r" 300
	check_roles dir1 dir2 "$T: link back"
	s1=$(ping_state dir1)
	if [ "$s1" = "$PING_UP" ]; then
		t_ok "status: dir1 shows the ping node up again ($s1)"
	else
		t_fail "status: dir1 shows the ping node up again" "$s1"
	fi
}

case_dir2_uplink() {
	local T="dir2 (standby) uplink lost" r s2
	probe_start probe-standby 2.5
	cut_ext dir2 || t_fail "$T: cut dir2 off the external switch"
	sleep 1.5
	s2=$(ping_state dir2)
	check_roles dir1 dir2 "$T: no change"
	probe_wait probe-standby
	r=$(probe_result probe-standby)
	if [ "$(kv failed "$r")" = 0 ] && [ "$(kv recovered "$r")" = 1 ]; then
		t_ok "$T: no request lost [$r]"
	else
		t_fail "$T: no request lost" "$r"
	fi
	if [ "$s2" = "$PING_DOWN" ]; then
		t_ok "status: dir2 shows the ping node down ($s2)"
	else
		t_fail "status: dir2 shows the ping node down" "$s2"
	fi
	uncut_ext dir2
	if ha_wait_ping dir2 "$PING_UP" 20; then
		check_roles dir1 dir2 "$T: link back: no change"
	else
		t_fail "$T: link back: dir2 reaches the ping node" \
			"$(ping_state dir2)"
	fi
}

topo_cleanup_stale
if ! ha_setup on; then
	t_fail "ha ping: set up"
elif ! { for d in dir1 dir2; do
		echo "ping $PING_NODE" >>"$(director_confdir $d)/ha.cf"
	done; ha_start_pair; }; then
	t_fail "ha ping: dir1 active, dir2 standby after start"
	ha_dump_logs
else
	check_roles dir1 dir2 "start-up"
	case_status_start
	case_dir1_uplink
	case_dir2_uplink
	[ "$XD_FAILED" = 0 ] || ha_dump_logs
fi
stop_director dir1
stop_director dir2
topo_destroy
t_status
