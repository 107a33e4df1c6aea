#!/bin/sh
# make demo: the seed topology in network namespaces, two directors running
# xdirectord, requests balanced between two nginx real servers, then the
# VIPs handed from dir1 to dir2 and the requests served through dir2.
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
add_vip dir1
echo "  VIPs 192.168.10.100 and 10.0.0.1 on dir1"
for d in dir1 dir2; do
	director_config $d <<'EOF'
checktimeout=3
checkinterval=1
quiescent=no
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq 1
	real=10.0.0.12:80 masq 1
	scheduler=rr
	protocol=tcp
	checktype=on
EOF
done
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

section "Handover: VIPs move from dir1 to dir2"
# Automatic failover by the daemons comes later; done by hand here.
echo "  dir1: ip addr del $XD_VIP/24 dev eth0; ip addr del $XD_VIP_INT/24 dev eth1"
del_vip dir1
echo "  dir2: ip addr add $XD_VIP/24 dev eth0; ip addr add $XD_VIP_INT/24 dev eth1"
add_vip dir2
echo "  dir2: gratuitous ARP for $XD_VIP on eth0 and $XD_VIP_INT on eth1"
garp dir2 eth0 $XD_VIP || echo "  (gratuitous ARP failed)"
garp dir2 eth1 $XD_VIP_INT || echo "  (gratuitous ARP failed)"
sleep 0.5

section "12 requests after the handover (through dir2)"
vip_owner
requests 12

section "xdirectorctl list -n (dir2)"
xdctl dir2 list -n

section "Cleaning up"
stop_director dir1
stop_director dir2
topo_destroy
echo "  done"
