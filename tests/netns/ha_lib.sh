# shellcheck shell=sh
# Helpers for the HA tests (test_ha_*.sh), on top of lib.sh: two directors
# with heartbeat's ha.cf / haresources / authkeys, nginx on both reals, and
# xd-probe from the client to measure outages.

ha_write_config() {
	# ha_write_config AUTO_FAILBACK(on|off) [EXTRA ha.cf lines on stdin? no]
	local d c
	for d in dir1 dir2; do
		director_config $d <<'CF'
checktimeout=3
checkinterval=1
quiescent=no
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq 1
	real=10.0.0.12:80 masq 1
	scheduler=rr
	protocol=tcp
	checktype=on
CF
		c=$(director_confdir $d)
		cat >"$c/ha.cf" <<CF
keepalive 100ms
deadtime 500ms
warntime 300ms
initdead 1
udpport 694
bcast eth0 eth1
auto_failback $1
node dir1 dir2
CF
		echo 'dir1 IPaddr2::192.168.10.100/24/eth0 IPaddr2::10.0.0.1/24/eth1 ldirectord::ldirectord.cf LVSSyncDaemonSwap::master' \
			>"$c/haresources"
		printf 'auth 1\n1 sha1 %s\n' "${HA_SECRET:-secret}" >"$c/authkeys"
		chmod 600 "$c/authkeys"
	done
}

# ha_json DIR JQ-FILTER: a field of DIR's status .ha
ha_json() {
	xdctl "$1" --json status 2>/dev/null | jq -r ".ha | $2" 2>/dev/null
}

ha_role() { ha_json "$1" .role; }

_role_is() { [ "$(ha_role "$1")" = "$2" ]; }

# ha_wait_role DIR ROLE [TRIES of 0.1 s]
ha_wait_role() { wait_for "${3:-50}" _role_is "$1" "$2"; }

# has_vip DIR: the external VIP is on DIR's eth0.
has_vip() {
	nsx "$1" ip -4 -o addr show dev eth0 | grep -q " $XD_VIP/"
}

ha_setup() {
	topo_create
	xdpmode_offloads
	enable_gro_on_switch_ports
	ha_write_config "$1"
	start_nginx real1 && start_nginx real2 || return 1
	prime_neigh
}

# ha_start_pair: dir1 then dir2; dir1 (preferred) must end up active.
# ha_setup_and_start NAME: a whole script's set-up (ha_setup on, both
# directors, dir1 active); on failure reports under NAME and exits.
ha_setup_and_start() {
	topo_cleanup_stale
	ha_setup on || { t_fail "$1: set up"; exit 1; }
	if ! ha_start_pair; then
		t_fail "$1: dir1 active, dir2 standby after start"
		ha_dump_logs
		exit 1
	fi
}

ha_start_pair() {
	start_director dir1 || return 1
	start_director dir2 || return 1
	ha_wait_role dir1 active 40 && ha_wait_role dir2 standby 40
}

# probe_start NAME SECONDS: xd-probe from the client in the background.
probe_start() {
	bg_start "$1" client "$XD_BUILD/tools/testing/xd-probe" \
		-c $XD_VIP:80 -i 10 -t 300 -d "$2"
	XD_PROBE_PID=$XD_BG_PID
	sleep 0.5
}

# probe_wait NAME: wait for the probe (not in a subshell: only this shell
# can wait for it); then probe_result NAME prints its result line.
probe_wait() {
	wait "$XD_PROBE_PID" 2>/dev/null
}

probe_result() {
	grep '^sent=' "$XD_RUN/$1.log" | tail -n 1
}

# kv KEY LINE: the value of KEY=... in LINE.
kv() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# check_outage NAME RESULT TARGET_MS: ok when the service recovered; the
# outage is reported against TARGET_MS, not asserted.
check_outage() {
	local _o _r
	_o=$(kv outage_ms "$2")
	_r=$(kv recovered "$2")
	# The service must come back within the probe's run; how fast is a
	# measurement against the target (a loaded machine stretches it), not
	# an assertion.
	if [ -n "$_o" ] && [ "$_r" = 1 ]; then
		t_ok "$1: service back after the move [$2]"
	else
		t_fail "$1: service back after the move" "$2"
	fi
	if [ -n "$_o" ] && [ "$_o" -le "$3" ]; then
		echo "# measured: $1: outage $_o ms (target $3 ms): met"
	else
		echo "# measured: $1: outage ${_o:-?} ms (target $3 ms): missed"
	fi
}

ha_dump_logs() {
	echo "# --- dir1 log"; director_log dir1 40
	echo "# --- dir2 log"; director_log dir2 40
}

# cut_box BOX / uncut_box BOX: BOX's switch ports drop every frame both
# ways, as if the box died. Not `ip link set down`: that flushes the
# bridge's fdb entry, and flooded frames would reach the other director.
cut_box() {
	local _sw
	for _sw in swext swint; do
		nsx $_sw nft add table bridge cut_$1 &&
		nsx $_sw nft "add chain bridge cut_$1 c { type filter hook forward priority -10; }" &&
		nsx $_sw nft add rule bridge cut_$1 c iifname "$1" drop &&
		nsx $_sw nft add rule bridge cut_$1 c oifname "$1" drop || return 1
	done
}

uncut_box() {
	nsx swext nft delete table bridge cut_$1 2>/dev/null
	nsx swint nft delete table bridge cut_$1 2>/dev/null
	return 0
}
