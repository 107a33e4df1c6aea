#!/bin/sh
# End-to-end test of the XDP/TC NAT datapath with one director.
#
#                external LAN 192.168.10.0/24
#   +--------+        VIP 192.168.10.100
#   | client |eth0 .10 ------+
#   +--------+               |
#                        eth0 .2
#                       +------+   forward hook: policy drop + counter
#                       | dir1 |   (the kernel must forward nothing)
#                       +------+
#                    eth1 10.0.0.2, gateway VIP 10.0.0.1
#                            |
#                +-----------+-----------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+
#           | real1 |               | real2 |   nginx :80, xd-echod :7
#           +-------+               +-------+
#                internal LAN 10.0.0.0/24
#
# Run once with --datapath tc (endpoint offloads at their defaults) and once
# with --datapath xdp (tx checksum offload off on the endpoints, GRO on the
# switch ports of the director); XD_MODES="tc xdp auto" adds auto (which
# picks tc on veth). Cases per mode:
#   the VIP refuses connections before the daemon runs (the test can fail)
#   both interfaces run the requested datapath, through the hook status
#   names (xdp-link; tcx-link, or clsact with our filter in `tc filter`)
#   xdirectorctl list -n shows the service and both reals
#   20 requests to the VIP all answered, balanced rr between the reals
#   real1's nginx stopped: its check takes it out, all requests go to
#   real2; restarted: it comes back, requests balanced again
#   50 echo connections survive kill -9 and restart of the daemon
#   ping to the director's own address still works through the kernel
#   the forward-hook drop counter stays 0: the kernel forwarded nothing

. "$(dirname "$0")/lib.sh"

write_config() {
	director_config dir1 <<'EOF'
checktimeout=3
checkinterval=1
quiescent=no
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq 1
	real=10.0.0.12:80 masq 1
	scheduler=rr
	protocol=tcp
	checktype=connect
virtual=192.168.10.100:7
	real=10.0.0.11:7 masq
	real=10.0.0.12:7 masq
	scheduler=wrr
	protocol=tcp
	checktype=on
EOF
}

# both_up: both reals of :80 passed their first connect check.
both_up() {
	local out
	out=$(xdctl dir1 list -n 2>&1)
	echo "$out" | grep -qE -- '-> +10\.0\.0\.11:80 +Masq +1( |$)' &&
		echo "$out" | grep -qE -- '-> +10\.0\.0\.12:80 +Masq +1( |$)'
}

# check_list T: the control socket reports the configured table, once the
# first checks are in (connect checks start spread over their interval).
check_list() {
	local out
	wait_for 100 both_up
	out=$(xdctl dir1 list -n 2>&1)
	if echo "$out" | grep -qE '^TCP +192\.168\.10\.100:80 +rr( |$)' &&
		echo "$out" | grep -qE -- '-> +10\.0\.0\.11:80 +Masq +1( |$)' &&
		echo "$out" | grep -qE -- '-> +10\.0\.0\.12:80 +Masq +1( |$)' &&
		echo "$out" | grep -qE '^TCP +192\.168\.10\.100:7 +wrr( |$)'; then
		t_ok "$1: xdirectorctl list shows service and reals"
	else
		t_fail "$1: xdirectorctl list shows service and reals" \
			"unexpected output"
		echo "$out" | sed 's/^/#   /'
	fi
}

check_requests() {
	local tally r1 r2 fail
	tally=$(curl_tally 20)
	r1=$(tally_get real1 "$tally")
	r2=$(tally_get real2 "$tally")
	fail=$(tally_get fail "$tally")
	if [ "$fail" = 0 ] && [ "$r1" -ge 8 ] && [ "$r2" -ge 8 ]; then
		t_ok "$1: requests balanced ($tally)"
	else
		t_fail "$1: requests balanced" "$tally"
	fi
}

# check_forwarded T WHEN: the nft forward counter is still 0.
check_forwarded() {
	local n
	n=$(forward_count dir1)
	if [ "$n" = 0 ]; then
		t_ok "$1: kernel forwarded nothing ($2)"
	else
		t_fail "$1: kernel forwarded nothing ($2)" \
			"forward-drop counter: ${n:-unreadable} packets"
	fi
}

check_restart() {
	local pid rc out
	bg_start conns client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n 50 -i 50 -d 8
	pid=$XD_BG_PID
	sleep 2
	stop_director dir1 KILL
	if ! start_director dir1 --datapath "$2"; then
		t_fail "$1: connections survive daemon kill -9 and restart" \
			"daemon did not come back"
		wait "$pid"
		return
	fi
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/conns.log" | tail -n 1)
	if [ $rc = 0 ] && echo "$out" | grep -q ' broken=0 ' &&
		echo "$out" | grep -q ' established=50 ' &&
		echo "$out" | grep -q ' real1=' &&
		echo "$out" | grep -q ' real2='; then
		t_ok "$1: connections survive daemon kill -9 and restart ($out)"
	else
		t_fail "$1: connections survive daemon kill -9 and restart" \
			"xd-conns exit $rc: ${out:-no summary}"
		sed 's/^/#   /' "$XD_RUN/conns.log" | tail -n 12
	fi
	check_list "$1 after restart"
}

# check_flow_cache T: after the traffic so far (the 50 live connections
# of check_restart among it), the flow cache served packets, every
# established or reply packet was counted once, as a hit or as a miss,
# and the metrics say the same. (A flow sending every 50 ms misses on
# most packets: an entry serves one clock tick; echoes and their ACKs
# within the tick hit.)
check_flow_cache() {
	local j hits misses fwd m
	j=$(xdctl dir1 --json status 2>/dev/null)
	hits=$(echo "$j" | jq -r '.flow_cache.hits' 2>/dev/null)
	misses=$(echo "$j" | jq -r '.flow_cache.misses' 2>/dev/null)
	fwd=$(echo "$j" | jq -r '.reasons.fwd_established.pkts + .reasons.fwd_reply.pkts' 2>/dev/null)
	m=$(xdctl dir1 metrics 2>/dev/null |
		awk '$1 == "xdirector_flow_cache_hits_total" { print $2 }')
	if [ -n "$hits" ] && [ -n "$misses" ] && [ -n "$fwd" ] &&
		[ "$((hits + misses))" = "$fwd" ] && [ "$hits" -gt 0 ] &&
		[ "${m:-0}" -ge "$hits" ]; then
		t_ok "$1: flow cache hits and misses add up to the forwarded packets (hits=$hits misses=$misses forwarded=$fwd metrics=$m)"
	else
		t_fail "$1: flow cache hits and misses add up to the forwarded packets" \
			"hits=$hits misses=$misses forwarded=$fwd metrics=$m"
	fi
}

# check_mode T MODE: both interfaces run the requested datapath, per the
# daemon and, for native XDP, per the kernel.
# check_mode T MODE: both interfaces run MODE, through the hook status
# names, and the kernel shows that hook (clsact: our cls_bpf filter).
check_mode() {
	local out ok=1 ifc hook json
	out=$(xdctl dir1 status 2>&1)
	for ifc in eth0 eth1; do
		echo "$out" | grep -qE "^ +$ifc +$2 " || ok=0
		case $2 in
		xdp)
			echo "$out" | grep -qE "^ +$ifc +xdp +xdp-link " || ok=0
			nsx dir1 ip link show $ifc | grep -q ' xdp ' || ok=0 ;;
		tc)
			if echo "$out" | grep -qE "^ +$ifc +tc +clsact "; then
				nsx dir1 tc filter show dev $ifc ingress |
					grep -q 'bpf.* direct-action' || ok=0
			else
				echo "$out" | grep -qE "^ +$ifc +tc +tcx-link " || ok=0
			fi ;;
		esac
	done
	# --json names the same hook, and the reason for clsact.
	hook=$(echo "$out" | awk '$1 == "eth0" { print $3 }')
	json=$(xdctl dir1 --json status 2>&1)
	[ "$(echo "$json" | jq -r '.datapath[] | select(.ifname == "eth0") | .hook')" = \
		"$hook" ] || ok=0
	if [ "$hook" = clsact ]; then
		echo "$json" | jq -r '.datapath[0].hook_why' |
			grep -q '^clsact: no tcx links in Linux ' || ok=0
	fi
	if [ $ok = 1 ]; then
		t_ok "$1: eth0 and eth1 run the $2 datapath ($hook)"
	else
		t_fail "$1: eth0 and eth1 run the $2 datapath" "see status"
		echo "$out" | sed 's/^/#   /'
	fi
}

# check_health T: real1's nginx stops; its check fails, it leaves the
# table and every request goes to real2. Started again, it comes back and
# the requests are balanced again. (Waits are bounded retries.)
check_health() {
	local tally i
	bg_stop nginx-real1
	i=0
	while [ $i -lt 60 ] && xdctl dir1 list -n 2>/dev/null |
		grep -qE -- '-> +10\.0\.0\.11:80 '; do
		sleep 0.5; i=$((i + 1))
	done
	tally=$(curl_tally 10)
	if [ "$(tally_get real2 "$tally")" = 10 ]; then
		t_ok "$1: a real failing its check leaves ($tally)"
	else
		t_fail "$1: a real failing its check leaves" "$tally"
		xdctl dir1 list -n 2>&1 | sed 's/^/#   /'
	fi
	if ! start_nginx real1; then
		t_fail "$1: a real passing its check again comes back" \
			"nginx did not restart"
		return
	fi
	i=0
	while [ $i -lt 60 ] && ! xdctl dir1 list -n 2>/dev/null |
		grep -qE -- '-> +10\.0\.0\.11:80 '; do
		sleep 0.5; i=$((i + 1))
	done
	tally=$(curl_tally 20)
	if [ "$(tally_get fail "$tally")" = 0 ] &&
		[ "$(tally_get real1 "$tally")" -ge 8 ] &&
		[ "$(tally_get real2 "$tally")" -ge 8 ]; then
		t_ok "$1: a real passing its check again comes back ($tally)"
	else
		t_fail "$1: a real passing its check again comes back" "$tally"
	fi
}

# The mode the daemon reports for MODE on veth: auto picks tc there
# (virtual devices).
resolved_mode() {
	case $1 in
	auto) echo tc ;;
	*) echo "$1" ;;
	esac
}

run_mode() {
	local mode=$1 T="datapath $1"

	topo_create --one-director
	if [ "$mode" = xdp ]; then
		xdpmode_offloads
		enable_gro_on_switch_ports
	fi
	add_vip dir1
	write_config
	if ! start_nginx real1 || ! start_nginx real2 ||
		! start_echod real1 7 || ! start_echod real2 7; then
		t_fail "$T: set up real servers"
		topo_destroy
		return
	fi
	forward_drop dir1 || t_fail "$T: install forward-drop rule"
	prime_neigh

	# Without the daemon the VIP is only a local address with no
	# listener: the request must fail, or the test proves nothing.
	if nsx client curl -s --max-time 2 http://$XD_VIP/ >/dev/null 2>&1; then
		t_fail "$T: VIP refuses before the daemon runs" "it answered"
	else
		t_ok "$T: VIP refuses before the daemon runs"
	fi

	if ! start_director dir1 --datapath "$mode"; then
		t_fail "$T: xdirectord starts" "see log above"
		topo_destroy
		return
	fi
	t_ok "$T: xdirectord starts"

	check_mode "$T" "$(resolved_mode "$mode")"
	check_list "$T"
	check_requests "$T"
	check_forwarded "$T" "requests"
	check_health "$T"
	check_restart "$T" "$mode"
	check_flow_cache "$T"
	if nsx client ping -c 3 -i 0.2 -W 1 192.168.10.2 >/dev/null 2>&1; then
		t_ok "$T: ping to the director itself answered"
	else
		t_fail "$T: ping to the director itself answered"
	fi
	check_forwarded "$T" "whole test"

	if [ "$XD_FAILED" != 0 ]; then
		echo "# xdirectord log (dir1, $mode):"
		director_log dir1 60
	fi
	stop_director dir1
	topo_destroy
}

topo_cleanup_stale
for m in ${XD_MODES:-tc xdp}; do
	run_mode "$m"
done
t_status
