#!/bin/sh
# End-to-end test of the controller: health checks move real servers in
# and out of the datapath, quiescent keeps connections, the fallback takes
# over, and a reload under traffic loses no request.
#
#                external LAN 192.168.10.0/24
#   +--------+        VIP 192.168.10.100
#   | client |eth0 .10 ------+
#   +--------+               |
#                        eth0 .2
#                       +------+   nginx :80 answering "dir1" (the
#                       | dir1 |   local fallback=127.0.0.1:80)
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
# Timing: checkinterval=1, checktimeout=1, failurecount=2: a dead server
# must leave within interval * failurecount + timeout = 3 s (we allow 1 s
# of slack for the loop and the apply), and return within 2 s of recovery.

. "$(dirname "$0")/lib.sh"

CONF_QUIESCENT=no
CONF_AUTORELOAD=no
W1=1
EXTRA_SERVICE=

write_config() {
	director_config dir1 <<EOF
# ldirectord.cf as a site would have it
checkinterval=1
checktimeout=1
failurecount=2
quiescent=no
autoreload=$CONF_AUTORELOAD
metrics=127.0.0.1:9101

virtual=192.168.10.100:80
	real=10.0.0.11:80 masq $W1
	real=10.0.0.12:80 masq
	fallback=127.0.0.1:80
	service=http
	request="/"
	receive="real[0-9]"
	scheduler=rr
	protocol=tcp
	checktype=negotiate

# echo service, checked through nginx (checkport), so a check can fail
# while its established connections are still fine
virtual=192.168.10.100:7
	real=10.0.0.11:7 masq
	real=10.0.0.12:7 masq
	checkport=80
	checktype=connect
	scheduler=wrr
	quiescent=$CONF_QUIESCENT

# HTTPS (nginx, self-signed) and FTP (vsftpd) negotiate checks
virtual=192.168.10.100:443
	real=10.0.0.11:443 masq
	real=10.0.0.12:443 masq
	service=https
	request="/"
	receive="real[0-9] tls"
	checktype=negotiate
virtual=192.168.10.100:21
	real=10.0.0.11:21 masq
	real=10.0.0.12:21 masq
	service=ftp
	login=anonymous
	passwd=probe@example.org
	request="probe.txt"
	receive="ftp-ok real[0-9]"
	checktype=negotiate
$EXTRA_SERVICE
EOF
}

# real_state REAL PORT: "up"/"down"/"absent" from `xdirectorctl list`.
listed_weight() {
	xdctl dir1 --json list | python3 -c '
import json, sys
want_port, want_real = int(sys.argv[1]), sys.argv[2]
for s in json.load(sys.stdin)["services"]:
    if s["port"] != want_port:
        continue
    for r in s["reals"]:
        if r["addr"] == want_real:
            print(r["weight"]); sys.exit(0)
print("absent")' "$1" "$2"
}

# wait_weight SECONDS PORT REAL WANT: poll the table; prints elapsed ms.
wait_weight() {
	local _lim=$1 _port=$2 _real=$3 _want=$4 _t0 _t
	_t0=$(date +%s%N)
	while :; do
		[ "$(listed_weight "$_port" "$_real")" = "$_want" ] && break
		_t=$(( ($(date +%s%N) - _t0) / 1000000 ))
		[ $_t -gt $((_lim * 1000)) ] && { echo "$_t"; return 1; }
		sleep 0.1
	done
	echo $(( ($(date +%s%N) - _t0) / 1000000 ))
}

main() {
	local ms tally out rc pid i fails

	topo_create --one-director
	add_vip dir1
	for r in real1 real2; do
		start_nginx $r || xd_die "nginx on $r"
		start_echod $r 7 || xd_die "echod on $r"
		start_vsftpd $r || xd_die "vsftpd on $r"
	done
	start_nginx dir1 || xd_die "nginx on dir1"
	prime_neigh
	write_config
	start_director dir1 || xd_die "director did not start"

	# 1. Both reals join once their first check passes.
	if ms=$(wait_weight 5 80 10.0.0.11 1) && ms=$(wait_weight 5 80 10.0.0.12 1); then
		t_ok "checks: both reals join after their first check"
	else
		t_fail "checks: both reals join after their first check" \
			"$(xdctl dir1 list -n | tr '\n' '|')"
	fi
	tally=$(curl_tally 10)
	# rr with one shared position: strictly alternating
	if [ "$(tally_get real1 "$tally")" = 5 ] && [ "$(tally_get real2 "$tally")" = 5 ]; then
		t_ok "checks: traffic balanced over healthy reals ($tally)"
	else
		t_fail "checks: traffic balanced over healthy reals" "$tally"
	fi

	# 2. A server that stops answering leaves within 3 s (+1 s slack).
	bg_stop nginx-real2 TERM
	if ms=$(wait_weight 4 80 10.0.0.12 absent); then
		t_ok "checks: failed real leaves the pool in $ms ms (limit 3000+1000)"
	else
		t_fail "checks: failed real leaves the pool" "still listed after $ms ms"
	fi
	tally=$(curl_tally 6)
	if [ "$(tally_get real1 "$tally")" = 6 ]; then
		t_ok "checks: no request goes to the failed real ($tally)"
	else
		t_fail "checks: no request goes to the failed real" "$tally"
	fi

	# 3. It comes back after it recovers.
	start_nginx real2 || xd_die "nginx on real2 (restart)"
	if ms=$(wait_weight 3 80 10.0.0.12 1); then
		t_ok "checks: recovered real returns in $ms ms"
	else
		t_fail "checks: recovered real returns" "absent after $ms ms"
	fi

	# the echo service checks the same nginx on its own schedule
	wait_weight 3 7 10.0.0.12 1 >/dev/null

	# 4. Quiescent: the failed real stays at weight 0 and its established
	#    connections carry on. The echo service is checked on port 80.
	CONF_QUIESCENT=yes
	write_config
	xdctl dir1 reload >/dev/null || t_fail "checks: reload to quiescent=yes"
	bg_start conns client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n 20 -i 50 -d 7
	pid=$XD_BG_PID
	sleep 1.5
	bg_stop nginx-real2 TERM
	if ms=$(wait_weight 4 7 10.0.0.12 0); then
		t_ok "checks: quiescent real kept at weight 0 ($ms ms)"
	else
		t_fail "checks: quiescent real kept at weight 0" \
			"weight $(listed_weight 7 10.0.0.12) after $ms ms"
	fi
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/conns.log" | tail -n 1)
	if [ $rc = 0 ] && echo "$out" | grep -q ' broken=0 ' &&
		echo "$out" | grep -q ' real2=[1-9]'; then
		t_ok "checks: quiescent real's connections survive ($out)"
	else
		t_fail "checks: quiescent real's connections survive" "rc=$rc $out"
	fi

	# 5. Every real down: the local fallback (dir1's own nginx) answers;
	#    one real back and the fallback is withdrawn.
	bg_stop nginx-real1 TERM
	sleep 4
	tally=$(nsx client curl -s --max-time 2 http://$XD_VIP/)
	if [ "$tally" = dir1 ]; then
		t_ok "checks: local fallback answers when every real is down"
	else
		t_fail "checks: local fallback answers when every real is down" \
			"got '$tally'; $(xdctl dir1 list -n | tr '\n' '|')"
	fi
	start_nginx real1 || xd_die "nginx on real1 (restart)"
	wait_weight 3 80 10.0.0.11 1 >/dev/null
	tally=$(curl_tally 4)
	if [ "$(tally_get real1 "$tally")" = 4 ]; then
		t_ok "checks: fallback withdrawn when a real returns ($tally)"
	else
		t_fail "checks: fallback withdrawn when a real returns" "$tally"
	fi
	start_nginx real2 || xd_die "nginx on real2 (restart 2)"
	wait_weight 3 80 10.0.0.12 1 >/dev/null

	# 6. Reload under traffic: add a service, remove another; no request
	#    to the untouched one fails.
	fails=$XD_RUN/reload-fails
	: >"$fails"
	(
		i=0
		while [ $i -lt 60 ]; do
			nsx client curl -sf --max-time 2 -o /dev/null http://$XD_VIP/ ||
				echo fail >>"$fails"
			i=$((i + 1))
		done
	) &
	pid=$!
	EXTRA_SERVICE='virtual=192.168.10.100:8080
	real=10.0.0.11:80 masq
	real=10.0.0.12:80 masq
	checktype=on
	scheduler=rr'
	write_config
	sleep 0.5
	xdctl dir1 reload >/dev/null || t_fail "checks: reload adding a service"
	sleep 0.5
	# and a broken file: refused, the running table stays
	echo "virtual=192.168.10.100:9" >>"$(director_confdir dir1)/ldirectord.cf"
	echo "	real=10.0.0.11:9 masq bogus" >>"$(director_confdir dir1)/ldirectord.cf"
	out=$(xdctl dir1 reload 2>&1)
	if echo "$out" | grep -q "ldirectord.cf:[0-9]*:"; then
		t_ok "checks: broken reload refused with file:line ($(echo "$out" | head -n 1))"
	else
		t_fail "checks: broken reload refused with file:line" "$out"
	fi
	wait "$pid"
	if [ ! -s "$fails" ]; then
		t_ok "checks: 60 requests during reloads, none failed"
	else
		t_fail "checks: requests during reloads" "$(wc -l <"$fails") failed"
	fi
	if [ "$(nsx client curl -s --max-time 2 http://$XD_VIP:8080/)" != "" ]; then
		t_ok "checks: service added by reload answers"
	else
		t_fail "checks: service added by reload answers"
	fi
	# the broken lines go again
	write_config

	# 7. HTTPS and FTP negotiate checks against Debian's nginx and vsftpd.
	if wait_weight 5 443 10.0.0.11 1 >/dev/null && wait_weight 5 443 10.0.0.12 1 >/dev/null &&
		wait_weight 5 21 10.0.0.11 1 >/dev/null && wait_weight 5 21 10.0.0.12 1 >/dev/null; then
		t_ok "checks: https and ftp negotiate checks pass on nginx and vsftpd"
	else
		t_fail "checks: https and ftp negotiate checks pass" \
			"$(xdctl dir1 status | grep -E ':(443|21) ' | tr '\n' '|')"
	fi
	bg_stop vsftpd-real2 TERM
	if ms=$(wait_weight 4 21 10.0.0.12 absent); then
		t_ok "checks: real whose vsftpd stopped leaves the ftp service in $ms ms"
	else
		t_fail "checks: real whose vsftpd stopped leaves the ftp service"
	fi
	out=$(nsx client curl -sk --max-time 2 https://$XD_VIP/)
	case $out in
	"real1 tls"|"real2 tls") t_ok "checks: https through the VIP answered ($out)" ;;
	*) t_fail "checks: https through the VIP answered" "got '$out'" ;;
	esac

	# 8. Prometheus exposition over HTTP (metrics= in ldirectord.cf).
	out=$(nsx dir1 curl -s --max-time 2 http://127.0.0.1:9101/metrics)
	n=$(echo "$out" | sed -n 's/^xdirector_service_connections_total{proto="tcp",vip="192.168.10.100",port="80"} //p')
	if [ -n "$n" ] && [ "$n" -gt 0 ] && echo "$out" | grep -q '^# TYPE xdirector_packets_total counter'; then
		t_ok "checks: /metrics serves the counters ($n connections to :80)"
	else
		t_fail "checks: /metrics serves the counters" "$(echo "$out" | head -n 3 | tr '\n' '|')"
	fi

	# 9. SIGHUP reloads; autoreload=yes follows the file on its own.
	W1=3
	write_config
	kill -HUP "$(bg_pid xdirectord-dir1)"
	if ms=$(wait_weight 3 80 10.0.0.11 3); then
		t_ok "checks: SIGHUP reload applied the new weight in $ms ms"
	else
		t_fail "checks: SIGHUP reload applied the new weight"
	fi
	CONF_AUTORELOAD=yes
	write_config
	xdctl dir1 reload >/dev/null
	sleep 1.1
	W1=5
	write_config
	if ms=$(wait_weight 5 80 10.0.0.11 5); then
		t_ok "checks: autoreload picked up the edited file in $ms ms"
	else
		t_fail "checks: autoreload picked up the edited file" \
			"weight $(listed_weight 80 10.0.0.11)"
	fi
	# Every successful reload counted once, whatever its trigger: three
	# by the control socket, one by SIGHUP, one by autoreload; the
	# refused one not at all.
	n=$(xdctl dir1 --json status | jq -r '.reloads')
	if [ "$n" = 5 ]; then
		t_ok "checks: status counts the 5 successful reloads"
	else
		t_fail "checks: status counts the 5 successful reloads" "reloads=$n"
	fi
	t_status
}

main
