# shellcheck shell=sh
# Network-namespace topology library for the end-to-end tests, the demo
# and the benchmarks. Source it; it is POSIX sh (dash) compatible.
#
#                      external LAN 192.168.10.0/24 (bridge br0 in "swext")
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
#                      internal LAN 10.0.0.0/24 (bridge br0 in "swint")
#                          |                          |
#                      eth0 .11                   eth0 .12
#                     +-------+                  +-------+
#                     | real1 |                  | real2 |
#                     +-------+                  +-------+
#
# Every box (hosts and the two switches) is a network namespace named
# $XD_PREFIX<box>; nothing is configured in the root namespace. The
# switch-side veth port of a host is named after the host (e.g. "dir1" in
# swext and in swint). Every process the library starts is recorded by PID
# in $XD_RUN/pids and killed by topo_destroy, which the EXIT/INT/TERM traps
# run.
#
# Test helpers: t_ok NAME, t_fail NAME [REASON], t_check NAME CMD..., t_status.

# --- locations ---------------------------------------------------------

# The repository root: the first directory above the script (or else above
# the working directory) that has the Makefile and tests/netns/lib.sh.
_xd_find_root() {
	(cd "$1" 2>/dev/null || exit 1
	while [ ! -f tests/netns/lib.sh ] || [ ! -f Makefile ]; do
		[ "$PWD" = / ] && exit 1
		cd ..
	done
	pwd)
}
if [ -z "${XD_ROOT:-}" ]; then
	XD_ROOT=$(_xd_find_root "$(dirname "$0")" || _xd_find_root "$PWD") ||
		{ echo "lib.sh: cannot find the repository root" >&2; exit 1; }
fi
XD_BUILD=${XD_BUILD:-$XD_ROOT/build}
XD_PREFIX=${XD_PREFIX:-xd$$-}
XD_NETNS_DIR=$XD_ROOT/tests/netns
XD_RUN=${XD_RUN:-}
XD_VIP=192.168.10.100
XD_VIP_INT=10.0.0.1
XD_TOPO_UP=0
export XD_ROOT XD_BUILD XD_PREFIX

xd_log() { echo "# $*"; }
xd_die() { echo "# FATAL: $*" >&2; exit 1; }

# --- running things inside a box ---------------------------------------

xd_ns() { echo "${XD_PREFIX}$1"; }

# nsx BOX CMD...: run CMD in BOX's network namespace.
# XD_NSENTER=1 enters only the network namespace (nsenter --net): about
# five times cheaper than ip netns exec, which matters in emulated VMs
# (tests/qemu), but /sys then still shows the caller's devices; nothing
# here reads /sys/class/net through nsx.
nsx() {
	local _b=$1; shift
	if [ "${XD_NSENTER:-0}" = 1 ]; then
		nsenter --net="/run/netns/${XD_PREFIX}$_b" -- "$@"
	else
		ip netns exec "${XD_PREFIX}$_b" "$@"
	fi
}

# nsx_bpf BOX CMD...: like nsx, but the root namespace's bpffs stays visible
# at /sys/fs/bpf. "ip netns exec" remounts /sys for the namespace, hiding
# bpffs, and a fresh bpffs mount would lose pins when the daemon restarts.
# Each step execs the next, so CMD keeps the PID the caller started.
_XD_BPF_SH='m=$(mktemp -d "$XD_RUN/mnt/bpf.XXXXXX") &&
	mount --bind /sys/fs/bpf "$m" &&
	umount -l /sys && mount -t sysfs "$1" /sys &&
	mount --move "$m" /sys/fs/bpf && rmdir "$m" || exit 125
	shift; exec "$@"'

nsx_bpf() {
	local _b=$1; shift
	mkdir -p "$XD_RUN/mnt"
	nsenter --net="/run/netns/${XD_PREFIX}$_b" -- \
		unshare --mount --propagation slave \
		sh -c "$_XD_BPF_SH" sh "${XD_PREFIX}$_b" "$@"
}

# bg_start NAME BOX CMD...: start CMD in BOX in the background, output in
# $XD_RUN/NAME.log, PID recorded for topo_destroy. Sets XD_BG_PID.
bg_start() {
	local _name=$1 _box=$2; shift 2
	mkdir -p "$XD_RUN/mnt"
	(exec nsenter --net="/run/netns/${XD_PREFIX}$_box" -- \
		unshare --mount --propagation slave \
		sh -c "$_XD_BPF_SH" sh "${XD_PREFIX}$_box" "$@") \
		>"$XD_RUN/$_name.log" 2>&1 </dev/null &
	XD_BG_PID=$!
	echo "$_name $_box $XD_BG_PID" >>"$XD_RUN/pids"
}

# bg_pid NAME: PID of the latest process started as NAME.
bg_pid() {
	awk -v n="$1" '$1 == n { p = $3 } END { if (p) print p }' \
		"$XD_RUN/pids" 2>/dev/null
}

# pid_alive PID: running and not a zombie.
pid_alive() {
	local _st
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# pid_in_box PID BOX: PID still lives in BOX's netns (guards PID reuse).
pid_in_box() {
	local _ino
	_ino=$(stat -L -c %i "/run/netns/${XD_PREFIX}$2" 2>/dev/null) || return 1
	[ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" = "net:[$_ino]" ]
}

# bg_stop NAME [SIGNAL]: signal the process, wait up to 5 s for it to go
# (then SIGKILL), forget it.
bg_stop() {
	local _pid _box _sig _i
	_pid=$(bg_pid "$1")
	[ -n "$_pid" ] || return 0
	_box=$(awk -v n="$1" '$1 == n { b = $2 } END { print b }' "$XD_RUN/pids")
	_sig=${2:-TERM}
	if pid_alive "$_pid" && pid_in_box "$_pid" "$_box"; then
		kill -s "$_sig" "$_pid" 2>/dev/null
		_i=0
		while pid_alive "$_pid" && [ $_i -lt 50 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		pid_alive "$_pid" && kill -s KILL "$_pid" 2>/dev/null
	fi
	wait "$_pid" 2>/dev/null
	awk -v n="$1" '$1 != n' "$XD_RUN/pids" >"$XD_RUN/pids.new"
	mv "$XD_RUN/pids.new" "$XD_RUN/pids"
	return 0
}

# wait_for TRIES CMD...: retry CMD every 0.1 s, at most TRIES times.
wait_for() {
	local _tries=$1; shift
	while [ "$_tries" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _tries=$((_tries - 1))
	done
	return 1
}

# --- topology ----------------------------------------------------------

# _topo_link SWITCH BOX IFNAME [ADDR/LEN]
_topo_link() {
	ip -n "${XD_PREFIX}$1" link add "$2" type veth \
		peer name "$3" netns "${XD_PREFIX}$2" || return 1
	ip -n "${XD_PREFIX}$1" link set "$2" master br0 up || return 1
	ip -n "${XD_PREFIX}$2" link set "$3" up || return 1
	[ -z "${4:-}" ] || ip -n "${XD_PREFIX}$2" addr add "$4" dev "$3"
}

_topo_box() {
	ip netns add "${XD_PREFIX}$1" || return 1
	echo "$1" >>"$XD_RUN/boxes"
	ip -n "${XD_PREFIX}$1" link set lo up
	# No IPv6: keeps router solicitations and MLD out of the datapath.
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# topo_create [--one-director]: build the seed topology (see top).
topo_create() {
	local sw h d r _n
	[ "$(id -u)" = 0 ] || xd_die "need root to create namespaces"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf ||
		xd_die "cannot mount bpffs"
	XD_DIRECTORS="dir1 dir2"
	[ "${1:-}" = --one-director ] && XD_DIRECTORS="dir1"
	if [ -z "$XD_RUN" ]; then
		XD_RUN=$(mktemp -d "/tmp/${XD_PREFIX}run.XXXXXX") ||
			xd_die "mktemp"
		XD_RUN_OWNED=1
	fi
	mkdir -p "$XD_RUN"
	export XD_RUN
	: >"$XD_RUN/pids"
	: >"$XD_RUN/boxes"
	XD_TOPO_UP=1
	trap 'topo_destroy' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	for sw in swext swint; do
		_topo_box $sw || xd_die "create namespace $sw"
		ip -n "${XD_PREFIX}$sw" link add br0 type bridge stp_state 0 \
			forward_delay 0 mcast_snooping 0 || xd_die "$sw: bridge"
		ip -n "${XD_PREFIX}$sw" link set br0 up
	done
	for h in client $XD_DIRECTORS real1 real2; do
		_topo_box $h || xd_die "create namespace $h"
	done
	_topo_link swext client eth0 192.168.10.10/24 || xd_die "link client"
	_n=2
	for d in $XD_DIRECTORS; do
		_topo_link swext $d eth0 192.168.10.$_n/24 || xd_die "link $d"
		_topo_link swint $d eth1 10.0.0.$_n/24 || xd_die "link $d"
		# bpf_fib_lookup() needs forwarding on; rp_filter would drop
		# replies arriving on the "wrong" side after a failover.
		nsx $d sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.eth0.rp_filter=0 \
			net.ipv4.conf.eth1.rp_filter=0 >/dev/null
		_n=$((_n + 1))
	done
	_n=11
	for r in real1 real2; do
		_topo_link swint $r eth0 10.0.0.$_n/24 || xd_die "link $r"
		ip -n "${XD_PREFIX}$r" route add default via $XD_VIP_INT
		_n=$((_n + 1))
	done
}

# topo_destroy: stop everything the library started, remove namespaces,
# pinned bpffs state and (unless XD_KEEP=1) the run directory.
topo_destroy() {
	local _name _b _p _d
	[ "$XD_TOPO_UP" = 1 ] || return 0
	XD_TOPO_UP=0
	if [ -s "$XD_RUN/pids" ]; then
		for _name in $(awk '{ print $1 }' "$XD_RUN/pids" | sort -u); do
			bg_stop "$_name"
		done
	fi
	for _b in $(cat "$XD_RUN/boxes" 2>/dev/null); do
		# Anything still inside our namespaces was started by this run.
		for _p in $(ip netns pids "${XD_PREFIX}$_b" 2>/dev/null); do
			kill -s KILL "$_p" 2>/dev/null
		done
	done
	for _b in $(cat "$XD_RUN/boxes" 2>/dev/null); do
		ip netns del "${XD_PREFIX}$_b" 2>/dev/null
	done
	for _d in dir1 dir2; do
		rm -rf "/sys/fs/bpf/${XD_PREFIX}$_d"
	done
	: >"$XD_RUN/boxes"
	if [ "${XD_KEEP:-0}" != 1 ] && [ "${XD_RUN_OWNED:-0}" = 1 ]; then
		rm -rf "$XD_RUN"
		XD_RUN=
	fi
	return 0
}

# topo_cleanup_stale: remove namespaces and pins left by runs whose shell
# died without cleaning up (prefix xd<PID>- with that PID gone).
topo_cleanup_stale() {
	local _ns _p _f
	for _ns in $(ip netns list | awk '{ print $1 }' | grep -E '^xd[0-9]+-'); do
		_p=${_ns#xd}; _p=${_p%%-*}
		[ "$_p" = $$ ] && continue
		[ -d "/proc/$_p" ] && continue
		ip netns del "$_ns" 2>/dev/null
	done
	for _f in /sys/fs/bpf/xd[0-9]*-dir*; do
		[ -e "$_f" ] || continue
		_p=${_f#/sys/fs/bpf/xd}; _p=${_p%%-*}
		[ -d "/proc/$_p" ] || rm -rf "$_f"
	done
}

# add_vip DIR / del_vip DIR: the external VIP on eth0, the reals' gateway
# on eth1.
add_vip() {
	nsx "$1" ip addr add $XD_VIP/24 dev eth0 &&
		nsx "$1" ip addr add $XD_VIP_INT/24 dev eth1
}

del_vip() {
	nsx "$1" ip addr del $XD_VIP/24 dev eth0 2>/dev/null
	nsx "$1" ip addr del $XD_VIP_INT/24 dev eth1 2>/dev/null
	return 0
}

# garp BOX IFNAME ADDR: send a gratuitous ARP (request and reply) so the
# LAN's neighbour caches move ADDR to BOX's MAC. Plain python3, so no
# extra package is needed. The timeout only bounds a hang: one that
# kills python3 before it sends (5 s did not always cover its start in a
# namespace on a loaded machine) leaves the caches where they were.
garp() {
	nsx "$1" timeout 30 python3 - "$2" "$3" <<'EOF'
import socket, struct, sys
ifname, ip = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0x0806))
mac = s.getsockname()[4][:6]
bcast = b"\xff" * 6
for op in (1, 2):
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op,
                      mac, ip, bcast if op == 2 else b"\0" * 6, ip)
    s.send(bcast + mac + b"\x08\x06" + arp)
EOF
}

# prime_neigh: teach the directors their neighbours and the client the
# directors'. XDP-forwarded packets never do, and the forward_drop rule
# would drop the kernel's own fallback path.
prime_neigh() {
	local _d
	for _d in $XD_DIRECTORS; do
		nsx $_d ping -c1 -W1 192.168.10.10 >/dev/null 2>&1
		nsx $_d ping -c1 -W1 10.0.0.11 >/dev/null 2>&1
		nsx $_d ping -c1 -W1 10.0.0.12 >/dev/null 2>&1
	done
	nsx client ping -c1 -W1 192.168.10.2 >/dev/null 2>&1
	[ "$XD_DIRECTORS" = dir1 ] ||
		nsx client ping -c1 -W1 192.168.10.3 >/dev/null 2>&1
	nsx client ping -c1 -W1 $XD_VIP >/dev/null 2>&1
	return 0
}

# xdpmode_offloads: native XDP on veth cannot complete CHECKSUM_PARTIAL
# packets (as on a real wire), so the endpoints must send full checksums.
xdpmode_offloads() {
	local _h
	for _h in client real1 real2; do
		nsx $_h ethtool -K eth0 tx off >/dev/null 2>&1 ||
			xd_log "$_h: ethtool -K eth0 tx off failed"
	done
}

# enable_gro_on_switch_ports: XDP_REDIRECT/XDP_TX into a veth needs NAPI on
# the peer; GRO on the switch-side peers of the directors' ports gives it.
enable_gro_on_switch_ports() {
	local _d
	for _d in $XD_DIRECTORS; do
		nsx swext ethtool -K $_d gro on >/dev/null 2>&1 ||
			xd_log "swext: $_d: gro on failed"
		nsx swint ethtool -K $_d gro on >/dev/null 2>&1 ||
			xd_log "swint: $_d: gro on failed"
	done
}

# forward_drop DIR: drop and count everything the kernel would forward.
forward_drop() {
	nsx "$1" nft add table inet xdtest &&
		nsx "$1" nft 'add chain inet xdtest forward { type filter hook forward priority 0; policy drop; }' &&
		nsx "$1" nft add rule inet xdtest forward counter drop
}

forward_undrop() {
	nsx "$1" nft delete table inet xdtest 2>/dev/null
	return 0
}

# forward_count DIR: packets the kernel tried to forward since forward_drop.
forward_count() {
	nsx "$1" nft list chain inet xdtest forward 2>/dev/null |
		awk '/counter packets/ { for (i = 1; i < NF; i++)
			if ($i == "packets") print $(i + 1); exit }'
}

# --- services on the real servers --------------------------------------

# start_nginx REAL: Debian's nginx in REAL's namespace, own config, pid and
# logs under $XD_RUN/REAL-nginx. "/" answers "REAL\n", /big is 64 MiB.
start_nginx() {
	local _d
	_d=$XD_RUN/$1-nginx
	mkdir -p "$_d/www" "$_d/tmp"
	truncate -s 64M "$_d/www/big"
	[ -f "$_d/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes \
		-keyout "$_d/key.pem" -out "$_d/cert.pem" -days 2 \
		-subj "/CN=$1" >/dev/null 2>&1 || { xd_log "$1: no TLS cert"; return 1; }
	sed -e "s|@NAME@|$1|g" -e "s|@DIR@|$_d|g" \
		"$XD_NETNS_DIR/nginx.conf.in" >"$_d/nginx.conf"
	bg_start "nginx-$1" "$1" nginx -e "$_d/error.log" -p "$_d" -c "$_d/nginx.conf"
	wait_for 50 nsx "$1" curl -sf --max-time 1 http://127.0.0.1/ ||
		{ xd_log "$1: nginx did not start:"; cat "$_d/error.log" \
			"$XD_RUN/nginx-$1.log" 2>/dev/null; return 1; }
}

# start_vsftpd REAL: Debian's vsftpd, anonymous read-only FTP serving
# probe.txt ("ftp-ok REAL"), for the ftp negotiate check. Active-mode data
# connections come from port 20, as Debian's default vsftpd.conf has it
# (IPVS's ip_vs_ftp expects them there).
start_vsftpd() {
	local _d
	_d=$XD_RUN/$1-ftp
	mkdir -p "$_d/root" /var/run/vsftpd/empty
	echo "ftp-ok $1" >"$_d/root/probe.txt"
	chmod 755 "$_d/root"
	cat >"$_d/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
background=NO
anonymous_enable=YES
anon_root=$_d/root
local_enable=NO
write_enable=NO
no_anon_password=YES
pasv_enable=YES
pasv_min_port=30000
pasv_max_port=30100
connect_from_port_20=YES
secure_chroot_dir=/var/run/vsftpd/empty
run_as_launching_user=YES
seccomp_sandbox=NO
xferlog_enable=NO
EOF
	bg_start "vsftpd-$1" "$1" vsftpd "$_d/vsftpd.conf"
	wait_for 50 _listening "$1" -t 21 ||
		{ xd_log "$1: vsftpd did not start"; cat "$XD_RUN/vsftpd-$1.log"; return 1; }
}

_listening() {
	[ -n "$(nsx "$1" ss -Hln "$2" "sport = :$3")" ]
}

# start_echod REAL PORT [-u]: xd-echod greeting "hello from REAL".
start_echod() {
	local _r=$1 _port=$2; shift 2
	bg_start "echod-$_r-$_port" "$_r" "$XD_BUILD/tools/testing/xd-echod" \
		-p "$_port" -n "$_r" "$@"
	wait_for 50 _listening "$_r" -t "$_port" ||
		{ xd_log "$_r: xd-echod did not start"; return 1; }
}

# curl_tally N [URL]: N requests from the client (default: the VIP's "/"),
# one connection each; prints "real1=A real2=B fail=C".
curl_tally() {
	local _n=$1 _url=${2:-http://$XD_VIP/} _i=0 _r1=0 _r2=0 _f=0 _body
	while [ $_i -lt "$_n" ]; do
		_body=$(nsx client curl -s --max-time 3 "$_url" 2>/dev/null)
		case $_body in
		real1) _r1=$((_r1 + 1)) ;;
		real2) _r2=$((_r2 + 1)) ;;
		*) _f=$((_f + 1)) ;;
		esac
		_i=$((_i + 1))
	done
	echo "real1=$_r1 real2=$_r2 fail=$_f"
}

# tally_get KEY "real1=A real2=B fail=C": the number for KEY.
tally_get() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# --- the director daemon -----------------------------------------------

# director_config DIR: write DIR's ldirectord.cf from stdin. Other files
# (ha.cf, ...) can be put in "$(director_confdir DIR)" by the caller.
director_confdir() { echo "$XD_RUN/$1-conf"; }

director_config() {
	mkdir -p "$XD_RUN/$1-conf"
	cat >"$XD_RUN/$1-conf/ldirectord.cf"
}

director_bpffs() { echo "/sys/fs/bpf/${XD_PREFIX}$1"; }

# xdctl DIR ARGS...: xdirectorctl against DIR's daemon.
xdctl() {
	local _d=$1; shift
	nsx_bpf "$_d" timeout 10 "$XD_BUILD/xdirectorctl" \
		--rundir "$XD_RUN/$_d" "$@"
}

# start_director DIR [ARGS...]: xdirectord in DIR's namespace; returns when
# its control socket answers (at most 10 s).
start_director() {
	local _dir=$1 _pid _i; shift
	[ -x "$XD_BUILD/xdirectord" ] || { xd_log "no $XD_BUILD/xdirectord"; return 1; }
	mkdir -p "$XD_RUN/$_dir"
	echo "=== start $(date +%T) $*" >>"$XD_RUN/$_dir.all.log"
	bg_start "xdirectord-$_dir" "$_dir" "$XD_BUILD/xdirectord" \
		-c "$XD_RUN/$_dir-conf" -N "$_dir" -f --rundir "$XD_RUN/$_dir" \
		--bpffs "$(director_bpffs "$_dir")" "$@"
	_pid=$XD_BG_PID
	_i=0
	# XD_START_TRIES: tenths of a second to wait (slow VMs need more).
	while [ $_i -lt "${XD_START_TRIES:-100}" ]; do
		if xdctl "$_dir" list -n >/dev/null 2>&1; then
			return 0
		fi
		pid_alive "$_pid" || break
		sleep 0.1; _i=$((_i + 1))
	done
	xd_log "$_dir: xdirectord did not come up; log:"
	sed 's/^/#   /' "$XD_RUN/xdirectord-$_dir.log" | tail -n 30
	return 1
}

# stop_director DIR [SIGNAL]: default TERM; KILL simulates a crash.
stop_director() {
	bg_stop "xdirectord-$1" "${2:-TERM}"
	cat "$XD_RUN/xdirectord-$1.log" >>"$XD_RUN/$1.all.log" 2>/dev/null
}

# director_log DIR: print the daemon's log (for failure reports).
director_log() {
	sed 's/^/#   /' "$XD_RUN/$1.all.log" "$XD_RUN/xdirectord-$1.log" \
		2>/dev/null | tail -n "${2:-40}"
}

# --- test results ------------------------------------------------------

XD_PASSED=0
XD_FAILED=0

t_ok() {
	echo "ok - $1"
	XD_PASSED=$((XD_PASSED + 1))
}

# t_fail NAME [REASON]
t_fail() {
	if [ -n "${2:-}" ]; then
		echo "not ok - $1 [$2]"
	else
		echo "not ok - $1"
	fi
	XD_FAILED=$((XD_FAILED + 1))
}

# t_check NAME CMD...: ok when CMD succeeds.
t_check() {
	local _tn=$1; shift
	if "$@"; then t_ok "$_tn"; else t_fail "$_tn" "failed: $*"; fi
}

# t_status: exit status for the test script.
t_status() {
	[ "$XD_FAILED" = 0 ] && [ "$XD_PASSED" -gt 0 ]
}
