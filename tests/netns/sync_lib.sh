# shellcheck shell=sh
# Helpers for the sync tests (test_sync_*.sh), on top of lib.sh and
# ha_lib.sh: an echo service on both reals behind VIP:7, the cluster key,
# heartbeat's files with LVSSyncDaemonSwap, and the connection tables.

# write_ldirectord DIR: VIP:7 over xd-echod on both reals, and authkeys.
write_ldirectord() {
	director_config "$1" <<'CF'
checktimeout=3
checkinterval=1
quiescent=no
virtual=192.168.10.100:7
	real=10.0.0.11:7 masq 1
	real=10.0.0.12:7 masq 1
	scheduler=rr
	protocol=tcp
	checktype=on
CF
	printf 'auth 1\n1 sha1 %s\n' "sync-test-secret" \
		>"$(director_confdir "$1")/authkeys"
	chmod 600 "$(director_confdir "$1")/authkeys"
}

# write_ha DIR [AUTO_FAILBACK]: ha.cf (keepalive 100 ms, deadtime
# DEADTIME_MS, bcast on both LANs) and haresources: dir1 preferred, both
# VIPs, LVSSyncDaemonSwap::master. AUTO_FAILBACK defaults to on.
write_ha() {
	local c
	c=$(director_confdir "$1")
	cat >"$c/ha.cf" <<CF
keepalive 100ms
deadtime ${DEADTIME_MS:-500}ms
warntime 300ms
initdead 1
udpport 694
bcast eth0 eth1
auto_failback ${2:-on}
node dir1 dir2
CF
	echo 'dir1 IPaddr2::192.168.10.100/24/eth0 IPaddr2::10.0.0.1/24/eth1 ldirectord::ldirectord.cf LVSSyncDaemonSwap::master' \
		>"$c/haresources"
}

# sync_field DIR JQ: a field of DIR's status .sync
sync_field() {
	xdctl "$1" --json status 2>/dev/null | jq -r ".sync | $2" 2>/dev/null
}

# conn_tuples DIR: "client:port vip:port real:port state" per line, sorted.
conn_tuples() {
	xdctl "$1" --json conns 2>/dev/null | jq -r '.conns[] |
		"\(.client):\(.client_port) \(.vip):\(.port) \(.real):\(.real_port) \(.state)"' |
		sort
}

# wait_synced FROM TO: TO holds every ESTABLISHED entry of FROM, with the
# same real server (up to 10 s). Prints how many are missing.
wait_synced() {
	local i=0 missing
	while :; do
		conn_tuples "$1" | grep ' ESTABLISHED$' >"$XD_RUN/s1"
		conn_tuples "$2" | grep ' ESTABLISHED$' >"$XD_RUN/s2"
		missing=$(comm -23 "$XD_RUN/s1" "$XD_RUN/s2" | wc -l)
		[ "$missing" = 0 ] && [ "$(sync_field "$2" .bulk.state)" = done ] &&
			{ echo 0; return 0; }
		[ $i -ge 50 ] && { echo "$missing"; return 1; }
		sleep 0.2; i=$((i + 1))
	done
}

# count_established DIR: ESTABLISHED entries in DIR's table.
count_established() {
	conn_tuples "$1" | grep -c ' ESTABLISHED$'
}

# wait_established DIR N: DIR's table holds at least N ESTABLISHED entries
# (up to 20 s).
wait_established() {
	local i=0
	while [ $i -lt 100 ]; do
		[ "$(count_established "$1")" -ge "$2" ] && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
