#!/bin/sh
# Path MTU discovery through the director: a real behind a link of lower
# MTU, and ICMP errors about NAT flows translated by the datapath.
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
#                            |     internal LAN 10.0.0.0/24
#                        eth0 .254
#                       +------+
#                       | rtr  |   eth1: MTU 1400 (its peer keeps 1500,
#                       +------+   so the real's MSS does not hide it)
#                    eth1 10.0.1.1
#                            |     10.0.1.0/24
#                        eth0 .11
#                       +-------+
#                       | real3 |  a TCP sink on :80 that answers with
#                       +-------+  the byte count it received
#
# The client sends 200 kB with DF through VIP:80. rtr cannot forward its
# 1500-byte packets and answers "fragmentation needed, MTU 1400" from
# 10.0.0.254, quoting client -> 10.0.1.11:80. Only if the director
# rewrites it (from the VIP, quoting client -> VIP:80) does the client's
# TCP find the socket and lower its path MTU; otherwise it stalls (MTU
# probing is off). Cases, with --datapath tc and --datapath xdp:
#   the transfer completes (the sink counted every byte)
#   the client's socket IP_MTU is 1400 (1500 before)
#   the datapath counted fwd_icmp_to_client
#   the kernel forwarded nothing (the forward-hook drop counter stays 0)
#
# Then the director's own MTU decisions, in the seed topology with dir1's
# eth1 at MTU 1400 (tc and xdp):
#   a 1450-byte UDP datagram without DF is handed to the kernel, which
#   fragments it (pass_to_fragment counted): real1 answers its length
#   a TCP client sending 200 kB with DF gets "fragmentation needed, MTU
#   1400" from the VIP (tx_frag_needed counted): its IP_MTU drops to
#   1400 and every byte arrives at real1

. "$(dirname "$0")/lib.sh"

SINK='
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80))
s.listen(8)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        n += len(b)
    c.sendall(str(n).encode())
    c.close()
'

# Prints "<IP_MTU before> <IP_MTU after> <count the sink reported>".
CLIENT='
import socket, sys
IP_MTU = 14
s = socket.create_connection((sys.argv[1], 80), timeout=20)
before = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
s.sendall(b"x" * 200000)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(100)
    if not b:
        break
    got += b
print(before, s.getsockopt(socket.IPPROTO_IP, IP_MTU), got.decode())
'

# A UDP service on :53 that answers each datagram with its length.
UDP_SINK='
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
while True:
    b, a = s.recvfrom(65535)
    s.sendto(str(len(b)).encode(), a)
'

# Sends a 1450-byte datagram with DF clear; prints the answer.
UDP_CLIENT='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER: IP_PMTUDISC_DONT
s.settimeout(2)
s.connect((sys.argv[1], 53))
for i in range(10):
    s.send(b"u" * 1450)
    try:
        print(s.recv(100).decode())
        break
    except socket.timeout:
        pass
'

write_config() {
	director_config dir1 <<'EOF'
checkinterval=1
quiescent=no
virtual=192.168.10.100:80
	real=10.0.1.11:80 masq 1
	scheduler=rr
	protocol=tcp
	checktype=on
EOF
}

# The router and the real behind it, on a link of its own.
add_router() {
	_topo_box rtr || return 1
	_topo_box real3 || return 1
	_topo_link swint rtr eth0 10.0.0.254/24 || return 1
	ip -n "$(xd_ns rtr)" link add eth1 type veth peer name eth0 \
		netns "$(xd_ns real3)" || return 1
	ip -n "$(xd_ns rtr)" link set eth1 mtu 1400 up || return 1
	ip -n "$(xd_ns rtr)" addr add 10.0.1.1/24 dev eth1 || return 1
	ip -n "$(xd_ns rtr)" route add default via $XD_VIP_INT || return 1
	nsx rtr sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
	ip -n "$(xd_ns real3)" link set eth0 up || return 1
	ip -n "$(xd_ns real3)" addr add 10.0.1.11/24 dev eth0 || return 1
	ip -n "$(xd_ns real3)" route add default via 10.0.1.1 || return 1
	ip -n "$(xd_ns dir1)" route add 10.0.1.0/24 via 10.0.0.254 || return 1
	nsx client sysctl -qw net.ipv4.tcp_mtu_probing=0 >/dev/null
}

run_mode() {
	local mode=$1 T="pmtu $1" out before after count n fwd

	topo_create --one-director
	if ! add_router; then
		t_fail "$T: set up the router and real3"
		topo_destroy
		return
	fi
	if [ "$mode" = xdp ]; then
		xdpmode_offloads
		nsx real3 ethtool -K eth0 tx off >/dev/null 2>&1
		nsx rtr ethtool -K eth0 tx off >/dev/null 2>&1
		enable_gro_on_switch_ports
	fi
	add_vip dir1
	write_config
	bg_start sink-real3 real3 python3 -c "$SINK"
	wait_for 50 nsx real3 sh -c 'ss -ltn | grep -q ":80 "' ||
		t_fail "$T: the sink listens"
	forward_drop dir1 || t_fail "$T: install forward-drop rule"
	# Neighbours resolved now: the forward-drop rule would stop XDP's
	# fallback to the kernel for an unresolved one.
	nsx dir1 ping -c1 -W1 192.168.10.10 >/dev/null 2>&1
	nsx dir1 ping -c1 -W1 10.0.0.254 >/dev/null 2>&1
	nsx rtr ping -c1 -W1 $XD_VIP_INT >/dev/null 2>&1
	if ! start_director dir1 --datapath "$mode"; then
		t_fail "$T: xdirectord starts" "see log above"
		topo_destroy
		return
	fi

	out=$(nsx client timeout 30 python3 -c "$CLIENT" $XD_VIP 2>&1)
	set -- $out
	before=${1:-}; after=${2:-}; count=${3:-}
	if [ "$count" = 200000 ]; then
		t_ok "$T: 200 kB through a 1400-byte hop arrive whole"
	else
		t_fail "$T: 200 kB through a 1400-byte hop arrive whole" "$out"
	fi
	if [ "$before" = 1500 ] && [ "$after" = 1400 ]; then
		t_ok "$T: the client's IP_MTU drops from 1500 to 1400"
	else
		t_fail "$T: the client's IP_MTU drops from 1500 to 1400" \
			"before=$before after=$after"
	fi
	fwd=$(xdctl dir1 --json status 2>/dev/null |
		jq -r '.reasons.fwd_icmp_to_client.pkts' 2>/dev/null)
	if [ -n "$fwd" ] && [ "$fwd" -ge 1 ] 2>/dev/null; then
		t_ok "$T: the datapath translated the error ($fwd)"
	else
		t_fail "$T: the datapath translated the error" \
			"fwd_icmp_to_client=$fwd"
	fi
	n=$(forward_count dir1)
	if [ "$n" = 0 ]; then
		t_ok "$T: the kernel forwarded nothing"
	else
		t_fail "$T: the kernel forwarded nothing" "$n packets"
	fi

	if [ "$XD_FAILED" != 0 ]; then
		echo "# xdirectord log (dir1, $mode):"
		director_log dir1 40
	fi
	stop_director dir1
	topo_destroy
}

write_config_own() {
	director_config dir1 <<'EOF'
checkinterval=1
quiescent=no
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq 1
	scheduler=rr
	protocol=tcp
	checktype=on
virtual=192.168.10.100:53
	real=10.0.0.11:53 masq 1
	scheduler=rr
	protocol=udp
	checktype=on
EOF
}

# reason_pkts NAME: packets the datapath counted under a reason.
reason_pkts() {
	xdctl dir1 --json status 2>/dev/null |
		jq -r ".reasons.$1.pkts" 2>/dev/null
}

run_director_mtu() {
	local mode=$1 T="director mtu $1" out before after count n

	topo_create --one-director
	nsx dir1 ip link set eth1 mtu 1400
	nsx client sysctl -qw net.ipv4.tcp_mtu_probing=0 >/dev/null
	if [ "$mode" = xdp ]; then
		xdpmode_offloads
		enable_gro_on_switch_ports
	fi
	add_vip dir1
	write_config_own
	bg_start sink-real1 real1 python3 -c "$SINK"
	bg_start udp-real1 real1 python3 -c "$UDP_SINK"
	wait_for 50 nsx real1 sh -c 'ss -ltn | grep -q ":80 "' ||
		t_fail "$T: the sink listens"
	wait_for 50 nsx real1 sh -c 'ss -lun | grep -q ":53 "' ||
		t_fail "$T: the UDP sink listens"
	prime_neigh
	nsx client ping -c1 -W1 $XD_VIP >/dev/null 2>&1
	if ! start_director dir1 --datapath "$mode"; then
		t_fail "$T: xdirectord starts" "see log above"
		topo_destroy
		return
	fi

	# First: once the client has learnt the path MTU of 1400 below,
	# it would fragment the datagram itself (fragments to a VIP are
	# another matter).
	out=$(nsx client timeout 30 python3 -c "$UDP_CLIENT" $XD_VIP 2>&1)
	n=$(reason_pkts pass_to_fragment)
	if [ "$out" = 1450 ] && [ "${n:-0}" -ge 1 ] 2>/dev/null; then
		t_ok "$T: a 1450-byte datagram without DF is fragmented by the kernel and arrives (pass_to_fragment=$n)"
	else
		t_fail "$T: a 1450-byte datagram without DF arrives" \
			"answer=$out pass_to_fragment=$n"
	fi

	out=$(nsx client timeout 30 python3 -c "$CLIENT" $XD_VIP 2>&1)
	set -- $out
	before=${1:-}; after=${2:-}; count=${3:-}
	n=$(reason_pkts tx_frag_needed)
	if [ "$count" = 200000 ] && [ "$before" = 1500 ] &&
		[ "$after" = 1400 ] && [ "${n:-0}" -ge 1 ] 2>/dev/null; then
		t_ok "$T: DF packets too big for eth1 get frag-needed; IP_MTU 1500 -> 1400, 200 kB arrive (tx_frag_needed=$n)"
	else
		t_fail "$T: DF packets too big for eth1 get frag-needed" \
			"before=$before after=$after count=$count tx_frag_needed=$n"
	fi

	if [ "$XD_FAILED" != 0 ]; then
		echo "# datapath reasons (dir1, $mode):"
		xdctl dir1 --json status 2>/dev/null | jq -c '.reasons |
			with_entries(select(.value.pkts > 0))' | sed 's/^/#   /'
		echo "# xdirectord log (dir1, $mode):"
		director_log dir1 40
	fi
	stop_director dir1
	topo_destroy
}

topo_cleanup_stale
for m in ${XD_MODES:-tc xdp}; do
	[ -n "${XD_SKIP_ROUTER:-}" ] || run_mode "$m"
	run_director_mtu "$m"
done
t_status
