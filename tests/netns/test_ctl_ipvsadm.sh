#!/bin/sh
# xdirectorctl's ipvsadm habits against a running director: the service
# filter (list -n -t VIP:PORT), --sort, --save in ipvsadm -S syntax, and
# zero (ipvsadm -Z): list --stats counts from the zero, metrics do not.
#
#   client 192.168.10.10 --- dir1 (one director, VIP 192.168.10.100)
#                              |
#                   real1 10.0.0.11, real2 10.0.0.12: xd-echod :9000, :9001
#
# The configuration lists the services and reals out of order, so that
# --sort has something to do.
. "$(dirname "$0")/lib.sh"

topo_cleanup_stale
topo_create --one-director
xdpmode_offloads
for r in real1 real2; do
	start_echod $r 9000 || exit 1
	start_echod $r 9001 || exit 1
done
add_vip dir1
prime_neigh
director_config dir1 <<EOF2
checktimeout=2
checkinterval=5
virtual=$XD_VIP:9001
	real=10.0.0.12:9001 masq 2
	real=10.0.0.11:9001 masq 1
	scheduler=wrr
	checktype=on
virtual=$XD_VIP:9000
	real=10.0.0.12:9000 masq 1
	real=10.0.0.11:9000 masq 1
	scheduler=rr
	checktype=on
EOF2
start_director dir1 || { t_fail "director starts"; exit 1; }

# --sort: services by address and port, reals by address and port.
order=$(xdctl dir1 list -n --sort | awk '$1 == "TCP" || $1 == "->" { print $2 }' |
	grep -v RemoteAddress | tr '\n' ' ')
want="$XD_VIP:9000 10.0.0.11:9000 10.0.0.12:9000 $XD_VIP:9001 10.0.0.11:9001 10.0.0.12:9001 "
[ "$order" = "$want" ] && t_ok "list -n --sort: numeric order" ||
	t_fail "list -n --sort: numeric order" "got '$order'"

# The service filter, as ipvsadm -L -n -t VIP:PORT.
out=$(xdctl dir1 list -n -t "$XD_VIP:9001")
svcs=$(echo "$out" | grep -c '^TCP')
echo "$out" | grep -q "^TCP  $XD_VIP:9001 wrr" && [ "$svcs" = 1 ] &&
	[ "$(echo "$out" | grep -c -- '->  *10')" = 2 ] &&
	t_ok "list -n -t VIP:PORT shows that service alone" ||
	t_fail "list -n -t VIP:PORT shows that service alone" "$out"
out=$(xdctl dir1 list -n -u "$XD_VIP:9001" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "xdirectorctl: UDP $XD_VIP:9001: no such service" ] &&
	t_ok "list -u for a TCP-only service: exit 1, named" ||
	t_fail "list -u for a TCP-only service: exit 1, named" "rc $rc: $out"

# --save: what ipvsadm -S -n prints for the same table.
out=$(xdctl dir1 list --save --sort)
want="-A -t $XD_VIP:9000 -s rr
-a -t $XD_VIP:9000 -r 10.0.0.11:9000 -m -w 1
-a -t $XD_VIP:9000 -r 10.0.0.12:9000 -m -w 1
-A -t $XD_VIP:9001 -s wrr
-a -t $XD_VIP:9001 -r 10.0.0.11:9001 -m -w 1
-a -t $XD_VIP:9001 -r 10.0.0.12:9001 -m -w 2"
[ "$out" = "$want" ] && t_ok "list --save: ipvsadm -S syntax" ||
	t_fail "list --save: ipvsadm -S syntax" "$(echo "$out" | tr '\n' '|')"

# zero: 6 connections, zero, 4 more: list counts 4, metrics 10.
conns_of() {	# connections of VIP:9000 in list --stats --exact
	xdctl dir1 list --stats --exact -t "$XD_VIP:9000" |
		awk -v s="$XD_VIP:9000" '$1 == "TCP" && $2 == s { print $3 }'
}
metric_conns() {
	xdctl dir1 metrics | grep "^xdirector_service_connections_total{" |
		grep "9000" | awk '{ print $2 }'
}
conns() {
	nsx client "$XD_BUILD/tools/testing/xd-conns" -c "$XD_VIP:9000" \
		-n "$1" -d 1 >/dev/null 2>&1
}
conns 6
before=$(conns_of)
xdctl dir1 zero >/dev/null
after_zero=$(conns_of)
conns 4
after=$(conns_of)
m=$(metric_conns)
if [ "$before" = 6 ] && [ "$after_zero" = 0 ] && [ "$after" = 4 ] && [ "$m" = 10 ]; then
	t_ok "zero: list counts from the zero (6, 0, 4), metrics stay monotonic (10)"
else
	t_fail "zero: list counts from the zero, metrics stay monotonic" \
		"list $before, $after_zero, $after; metrics $m"
fi
xdctl dir1 -Z >/dev/null && [ "$(conns_of)" = 0 ] &&
	t_ok "-Z is zero" || t_fail "-Z is zero" "$(conns_of)"

stop_director dir1
topo_destroy
t_status
