#!/bin/sh
# Guest script (tests/qemu/run.sh): IPVS direct routing (gate) and IP-in-IP
# (ipip) real servers, on Debian 12's 6.1 kernel.
#
#   +--------+        VIP 192.168.10.100
#   | client |eth0 .10 ------+
#   +--------+               |
#                        eth0 .2
#                       +------+  IPVS: gate rewrites the MAC only; ipip
#                       | dir1 |  wraps the packet in IPv4 to the real
#                       +------+
#                    eth1 10.0.0.2 (gateway 10.0.0.1 of the reals)
#                            |
#                +-----------+-----------+
#            eth0 .11                eth0 .12
#           +-------+               +-------+   VIP on lo (gate) or tunl0
#           | real1 |               | real2 |   (ipip), no ARP for it;
#           +-------+               +-------+   nginx :80
#
# The reals answer the client from the VIP directly; their route back
# still passes dir1 (the only way to the client's LAN), as plain routing
# of a packet whose source is one of dir1's own addresses (accept_local).

. "${XD_ROOT:-.}/tests/netns/lib.sh"

FWD=gate

write_config() {
	director_config dir1 <<EOF
datapath=ipvs
virtual=192.168.10.100:80
	real=10.0.0.11:80 $FWD
	real=10.0.0.12:80 $FWD
	checktype=on
	scheduler=rr
EOF
}

# A real server for gate and ipip: the VIP as a local address it never
# answers ARP for, and the IPIP device up to decapsulate.
real_setup() {
	nsx "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		>/dev/null || return 1
	nsx "$1" ip addr add $XD_VIP/32 dev lo || return 1
	modprobe ipip || return 1
	nsx "$1" ip link set tunl0 up || return 1
	nsx "$1" sysctl -qw net.ipv4.conf.tunl0.rp_filter=0 >/dev/null
}

# kernel_fwd REAL_HEX: the forwarding method in the kernel's table.
kernel_fwd() {
	nsx dir1 cat /proc/net/ip_vs | awk -v r="$1" \
		'$1 == "->" && index($2, r ":") == 1 { print $3; exit }'
}

main() {
	local tally rx

	topo_create --one-director
	add_vip dir1
	nsx dir1 sysctl -qw net.ipv4.conf.all.accept_local=1 \
		net.ipv4.conf.eth1.accept_local=1 >/dev/null
	for r in real1 real2; do
		real_setup $r || xd_die "$r: gate/ipip set-up"
		start_nginx $r || xd_die "nginx on $r"
	done
	prime_neigh
	write_config
	start_director dir1 || xd_die "director did not start"

	tally=$(curl_tally 10)
	if [ "$tally" = "real1=5 real2=5 fail=0" ] &&
	   [ "$(kernel_fwd 0A00000B)" = Route ]; then
		t_ok "ipvs: gate (direct routing) over two reals ($tally)"
	else
		t_fail "ipvs: gate over two reals" "$tally; $(nsx dir1 cat /proc/net/ip_vs | tr '\n' '|')"
	fi

	# a reload changes the method in place (the kernel edits the real)
	FWD=ipip
	write_config
	xdctl dir1 reload >/dev/null || t_fail "ipvs: reload to ipip"
	tally=$(curl_tally 10)
	if [ "$tally" = "real1=5 real2=5 fail=0" ] &&
	   [ "$(kernel_fwd 0A00000B)" = Tunnel ] &&
	   [ "$(kernel_fwd 0A00000C)" = Tunnel ]; then
		t_ok "ipvs: ipip (tunnel) over two reals after a reload ($tally)"
	else
		t_fail "ipvs: ipip over two reals" "$tally; $(nsx dir1 cat /proc/net/ip_vs | tr '\n' '|')"
	fi
	rx=$(nsx real1 ip -s link show tunl0 | awk '/RX:/ { getline; print $2; exit }')
	if [ "${rx:-0}" -gt 0 ]; then
		t_ok "ipvs: ipip packets arrive decapsulated on the real's tunl0"
	else
		t_fail "ipvs: ipip packets arrive on tunl0" "rx=$rx"
	fi
	[ "$XD_FAILED" = 0 ] || director_log dir1 40
	stop_director dir1
	t_status
}

main "$@"
