#!/bin/sh
# make demo: the seed topology in network namespaces, two directors running
# xdirectord, requests balanced between two nginx real servers, then dir1
# fails (cut off its switches), dir2 takes the VIPs over by heartbeat, the
# outage is measured and the requests are served through dir2.
#
#                      external LAN 192.168.10.0/24
#   +--------+                 VIP 192.168.10.100
#   | client |eth0 .10 ----+--------------------------+
#   +--------+             |                          |
#                      eth0 .2                    eth0 .3
#                     +------+                    +------+
#                     | dir1 |                    | dir2 |
#                     +------+                    +------+
#                   eth1 10.0.0.2              eth1 10.0.0.3
#                          |   internal VIP 10.0.0.1 (gateway of reals)
#                          +------------+-------------+
#                      internal LAN 10.0.0.0/24
#                          |                          |
#                      eth0 .11                   eth0 .12
#                     +-------+                  +-------+
#                     | real1 |                  | real2 |
#                     +-------+                  +-------+
#
# Everything lives in namespaces created here and is removed on exit, also
# on Ctrl-C. Takes about 20 seconds.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ha_lib.sh"

section() {
	echo
	echo "==== $* ===="
}

requests() {
	local i=1 body
	while [ $i -le "$1" ]; do
		body=$(nsx client curl -s --max-time 3 http://$XD_VIP/ 2>&1)
		printf '  request %2d -> %s\n' $i "${body:-<no answer>}"
		i=$((i + 1))
	done
}

vip_owner() {
	local mac d
	mac=$(nsx client ip neigh show $XD_VIP dev eth0 | awk '{ print $3 }')
	for d in dir1 dir2; do
		if nsx $d ip link show eth0 | grep -q "link/ether $mac "; then
			echo "  client's ARP entry for $XD_VIP: $mac = $d eth0"
			return
		fi
	done
	echo "  client's ARP entry for $XD_VIP: ${mac:-none}"
}

for f in xdirectord xdirectorctl; do
	[ -x "$XD_BUILD/$f" ] || xd_die "$XD_BUILD/$f is missing: run make first"
done
topo_cleanup_stale

section "Building the topology (namespaces prefixed $XD_PREFIX)"
sed -n '6,22s/^#//p' "$0"
topo_create
xdpmode_offloads
enable_gro_on_switch_ports
start_nginx real1 || xd_die "nginx on real1"
start_nginx real2 || xd_die "nginx on real2"
echo "  nginx running on real1 (10.0.0.11) and real2 (10.0.0.12)"
# Both directors: ldirectord.cf, and heartbeat's ha.cf / haresources /
# authkeys (dir1 preferred, keepalive 100ms, deadtime 500ms).
ha_write_config on
echo "  ha.cf, haresources, authkeys: dir1 owns 192.168.10.100 and 10.0.0.1"
prime_neigh

section "Starting xdirectord on dir1 and dir2"
for d in dir1 dir2; do
	start_director $d || xd_die "xdirectord on $d did not start"
	echo "  $d: xdirectord pid $(bg_pid xdirectord-$d), log $XD_RUN/xdirectord-$d.log"
done

section "xdirectorctl list -n (dir1)"
xdctl dir1 list -n

section "12 requests from the client to http://$XD_VIP/ (through dir1)"
vip_owner
requests 12

section "Failover: dir1 dies (both of its switch ports drop everything)"
ha_wait_role dir1 active 30 && ha_wait_role dir2 standby 30 ||
	echo "  (roles not settled: dir1=$(ha_role dir1) dir2=$(ha_role dir2))"
echo "  before: dir1 $(ha_role dir1), dir2 $(ha_role dir2)"
echo "  xd-probe: a new request to the VIP every 10 ms for 3 s"
probe_start probe-demo 3
cut_box dir1
probe_wait probe-demo
r=$(probe_result probe-demo)
echo "  after:  dir2 $(ha_role dir2) (dir1 is cut off)"
echo "  measured outage: $(kv outage_ms "$r") ms (deadtime 500 ms + detection)"
echo "  probe: $r"
xdctl dir2 status | sed -n '/^ha:/,$p' | sed 's/^/  /'

section "12 requests after the handover (through dir2)"
vip_owner
requests 12

section "xdirectorctl list -n (dir2)"
xdctl dir2 list -n

section "dir1 comes back: auto_failback on returns the VIPs to it"
uncut_box dir1
sleep 1
echo "  dir1 $(ha_role dir1), dir2 $(ha_role dir2)"
requests 4

section "Cleaning up"
stop_director dir1
stop_director dir2
topo_destroy
echo "  done"
