#!/bin/sh
# Guest script (tests/qemu/run.sh): xdirectord driving the kernel's IPVS
# (--datapath ipvs) on Debian 12's 6.1 kernel, which has ip_vs, every
# scheduler and ip_vs_ftp as modules. Same topology as the netns tests:
#
#   +--------+        VIP 192.168.10.100
#   | client |eth0 .10 ------+
#   +--------+               |
#                        eth0 .2
#                       +------+   nginx :80 answering "dir1" (the
#                       | dir1 |   fallback=127.0.0.1:80)
#                       +------+
#                    eth1 10.0.0.2, gateway VIP 10.0.0.1
#                            |
#                +-----------+-----------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+
#           | real1 |               | real2 |  nginx :80, xd-echod :7,
#           +-------+               +-------+  vsftpd :21
#
# Checks: interval 1 s, timeout 1 s, failurecount 2.

# run.sh runs a copy of this script from the repository root
. "${XD_ROOT:-.}/tests/netns/lib.sh"

QUIESCENT=no
W1=1

write_config() {
	director_config dir1 <<EOF
checkinterval=1
checktimeout=1
failurecount=2
quiescent=$QUIESCENT
datapath=ipvs

virtual=192.168.10.100:80
	real=10.0.0.11:80 masq $W1
	real=10.0.0.12:80 masq
	fallback=127.0.0.1:80
	service=http
	request="/"
	receive="real[0-9]"
	scheduler=rr
	checktype=negotiate

virtual=192.168.10.100:7
	real=10.0.0.11:7 masq $W1
	real=10.0.0.12:7 masq
	checkport=80
	checktype=connect
	scheduler=wrr

virtual=192.168.10.100:81
	real=10.0.0.11:80 masq
	real=10.0.0.12:80 masq
	checktype=on
	scheduler=rr
	persistent=300

virtual=192.168.10.100:21
	real=10.0.0.11:21 masq
	real=10.0.0.12:21 masq
	service=ftp
	checktype=connect
	scheduler=rr
EOF
}

# listed_weight PORT REAL: the real's weight in `xdirectorctl list`.
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

# kernel_weight PORT REAL_HEX: the weight in the kernel's own table.
kernel_weight() {
	nsx dir1 cat /proc/net/ip_vs | awk -v p="$(printf '%04X' "$1")" -v r="$2" '
		$1 == "TCP" { cur = ($2 ~ (":" p "$")) }
		cur && $1 == "->" && $2 == (r ":" substr($2, length($2) - 3)) { print $4; f = 1; exit }
		END { if (!f) print "absent" }'
}

# kernel_active PORT REAL_HEX: the real's active connections in the kernel.
kernel_active() {
	nsx dir1 cat /proc/net/ip_vs | awk -v p="$(printf '%04X' "$1")" -v r="$2" '
		$1 == "TCP" { cur = ($2 ~ (":" p "$")) }
		cur && $1 == "->" && index($2, r ":") == 1 { print $5; f = 1; exit }
		END { if (!f) print 0 }'
}

wait_weight() {
	local _lim=$1 _port=$2 _real=$3 _want=$4 _i=0
	while [ $_i -lt $((_lim * 10)) ]; do
		[ "$(listed_weight "$_port" "$_real")" = "$_want" ] && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

main() {
	local tally out rc pid body n i

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

	# 1. Both reals join, requests are balanced over them by IPVS.
	if wait_weight 10 80 10.0.0.11 1 && wait_weight 10 80 10.0.0.12 1; then
		t_ok "ipvs: both reals join after their first check"
	else
		t_fail "ipvs: both reals join" "$(xdctl dir1 list -n | tr '\n' '|')"
	fi
	tally=$(curl_tally 20)
	if [ "$tally" = "real1=10 real2=10 fail=0" ]; then
		t_ok "ipvs: rr balances over two reals ($tally)"
	else
		t_fail "ipvs: rr balances over two reals" "$tally"
	fi
	if [ "$(kernel_weight 80 0A00000B)" = 1 ] &&
	   nsx dir1 cat /proc/net/ip_vs | grep -q 'TCP  C0A80A64:0050 rr'; then
		t_ok "ipvs: the kernel's table holds the service and its reals"
	else
		t_fail "ipvs: the kernel's table" "$(nsx dir1 cat /proc/net/ip_vs | tr '\n' '|')"
	fi
	out=$(xdctl dir1 list -n)
	if echo "$out" | grep -q '^TCP  192.168.10.100:80 rr \[ipvs: '; then
		t_ok "ipvs: list -n names the datapath per service"
	else
		t_fail "ipvs: list -n names the datapath" "$(echo "$out" | tr '\n' '|')"
	fi

	# The CLI and metrics read IPVS's counters in their usual layout.
	out=$(xdctl dir1 list -n --stats | awk '$1 == "TCP" && $2 == "192.168.10.100:80" { print $3, $4, $5 }')
	set -- $out
	if [ "${1:-0}" -ge 20 ] && [ "${2:-0}" -gt 0 ] && [ "${3:-0}" -gt 0 ]; then
		t_ok "ipvs: list --stats reads the kernel's counters (conns inpkts outpkts: $out)"
	else
		t_fail "ipvs: list --stats reads the kernel's counters" "$(xdctl dir1 list -n --stats | tr '\n' '|')"
	fi
	out=$(xdctl dir1 metrics | sed -n 's/^xdirector_service_connections_total{proto="tcp",vip="192.168.10.100",port="80",datapath="ipvs"} //p')
	if [ "${out:-0}" -ge 20 ]; then
		t_ok "ipvs: metrics carry the IPVS service's counters ($out connections)"
	else
		t_fail "ipvs: metrics carry the IPVS counters" "$(xdctl dir1 metrics | grep 'port="80"' | head -3 | tr '\n' '|')"
	fi
	out=$(xdctl dir1 --json status | jq -r '"\(.backend) \(.services[] | select(.service == "192.168.10.100:80") | .datapath)"')
	if [ "$out" = "ipvs ipvs" ]; then
		t_ok "ipvs: status --json names the backend and each service's datapath"
	else
		t_fail "ipvs: status --json" "$out"
	fi

	# 2. Persistence: one client stays on one real.
	tally=$(curl_tally 10 http://$XD_VIP:81/)
	case $tally in
	"real1=10 real2=0 fail=0"|"real1=0 real2=10 fail=0")
		t_ok "ipvs: persistent service keeps the client on one real ($tally)" ;;
	*)	t_fail "ipvs: persistent service keeps the client on one real" "$tally" ;;
	esac

	# 3. FTP through the VIP, passive (PASV) and active (PORT): ip_vs_ftp
	#    loaded with port 21 follows the data connections.
	body=$(nsx client curl -s --max-time 10 --disable-epsv ftp://$XD_VIP/probe.txt)
	case $body in
	"ftp-ok real"[12]) t_ok "ipvs: FTP passive transfer through the VIP ($body)" ;;
	*) t_fail "ipvs: FTP passive transfer" "got '$body'; ports=$(cat /sys/module/ip_vs_ftp/parameters/ports 2>&1)" ;;
	esac
	body=$(nsx client curl -s --max-time 10 -P 192.168.10.10 --disable-eprt ftp://$XD_VIP/probe.txt)
	case $body in
	"ftp-ok real"[12]) t_ok "ipvs: FTP active transfer through the VIP ($body)" ;;
	*) t_fail "ipvs: FTP active transfer" "got '$body'" ;;
	esac

	# 4. A weight reload under traffic: edited in place, no connection lost.
	bg_start conns client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n 20 -i 50 -d 12
	pid=$XD_BG_PID
	# the 20 connections, once xd-conns has opened them (at most 10 s)
	i=0
	while [ $i -lt 20 ]; do
		n=$(xdctl dir1 --json conns | jq '[.conns[] | select(.port == 7 and .state == "ESTABLISHED")] | length')
		[ "${n:-0}" -ge 20 ] && break
		sleep 0.5; i=$((i + 1))
	done
	if [ "${n:-0}" -ge 20 ]; then
		t_ok "ipvs: conns lists the kernel's connections ($n established to :7)"
	else
		t_fail "ipvs: conns lists the kernel's connections" "$n; $(xdctl dir1 conns | head -5 | tr '\n' '|')"
	fi
	W1=3
	write_config
	xdctl dir1 reload >/dev/null || t_fail "ipvs: reload with a new weight"
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/conns.log" | tail -n 1)
	if [ $rc = 0 ] && echo "$out" | grep -q ' broken=0 ' &&
	   [ "$(kernel_weight 7 0A00000B)" = 3 ]; then
		t_ok "ipvs: weight reload loses no connection ($out)"
	else
		t_fail "ipvs: weight reload loses no connection" \
			"rc=$rc $out weight=$(kernel_weight 7 0A00000B)"
	fi

	# 5. A real failing its check leaves, and comes back.
	bg_stop nginx-real2 TERM
	if wait_weight 6 80 10.0.0.12 absent; then
		tally=$(curl_tally 6)
		if [ "$tally" = "real1=6 real2=0 fail=0" ]; then
			t_ok "ipvs: a failed real leaves ($tally)"
		else
			t_fail "ipvs: a failed real leaves" "$tally"
		fi
	else
		t_fail "ipvs: a failed real leaves" "$(xdctl dir1 list -n | tr '\n' '|')"
	fi
	start_nginx real2 || xd_die "nginx on real2 (restart)"
	if wait_weight 6 80 10.0.0.12 1 &&
	   [ "$(kernel_weight 80 0A00000C)" = 1 ]; then
		t_ok "ipvs: a recovered real comes back"
	else
		t_fail "ipvs: a recovered real comes back" "$(xdctl dir1 list -n | tr '\n' '|')"
	fi

	# 6. Quiescent: a failed real stays at weight 0; its established
	#    connections carry on.
	QUIESCENT=yes
	write_config
	xdctl dir1 reload >/dev/null || t_fail "ipvs: reload to quiescent=yes"
	# the echo service checks real2's nginx on its own schedule
	wait_weight 10 7 10.0.0.12 1 || xd_log "real2 not back on :7"
	bg_start conns client "$XD_BUILD/tools/testing/xd-conns" \
		-c $XD_VIP:7 -n 20 -i 50 -d 12
	pid=$XD_BG_PID
	i=0
	while [ $i -lt 20 ] && [ "$(kernel_active 7 0A00000C)" -lt 10 ]; do
		sleep 0.5; i=$((i + 1))
	done
	bg_stop nginx-real2 TERM
	wait_weight 6 7 10.0.0.12 0 || true
	weight=$(kernel_weight 7 0A00000C)
	wait "$pid"
	rc=$?
	out=$(grep '^conns=' "$XD_RUN/conns.log" | tail -n 1)
	if [ $rc = 0 ] && [ "$weight" = 0 ] && echo "$out" | grep -q ' broken=0 ' &&
	   echo "$out" | grep -q ' real2=[1-9]'; then
		t_ok "ipvs: quiescent real at weight 0 keeps its connections ($out)"
	else
		t_fail "ipvs: quiescent keeps connections" "rc=$rc weight=$weight $out"
	fi

	# 7. Fallback: every real down, the director's own nginx answers.
	bg_stop nginx-real1 TERM
	i=0
	while [ $i -lt 60 ]; do
		body=$(nsx client curl -s --max-time 2 http://$XD_VIP/)
		[ "$body" = dir1 ] && break
		sleep 0.2; i=$((i + 1))
	done
	if [ "$body" = dir1 ]; then
		t_ok "ipvs: fallback answers when every real is down"
	else
		t_fail "ipvs: fallback answers" "got '$body'; $(xdctl dir1 list -n | tr '\n' '|')"
	fi

	# 8. A clean stop (cleanstop=yes, ldirectord's default) empties the table.
	stop_director dir1
	if [ -z "$(nsx dir1 cat /proc/net/ip_vs | sed -n '4,$p')" ]; then
		t_ok "ipvs: a clean stop removes the services"
	else
		t_fail "ipvs: a clean stop removes the services" \
			"$(nsx dir1 cat /proc/net/ip_vs | tr '\n' '|')"
	fi
	[ "$XD_FAILED" = 0 ] || director_log dir1 60
	t_status
}

main "$@"
