#!/bin/sh
# The Debian package in a clean Debian 12 root, run by a real systemd:
# install (runtime dependencies from apt), start, reload, watchdog, stop,
# an upgrade under live traffic, removal and purge.
#
# The root is a copy of a debootstrap-made Debian 12 cached outside build/
# (tests/pkg/lib.sh; making it takes about 8 minutes once, a copy seconds).
# systemd-nspawn boots it as director dir1 of the seed topology: the
# container's network namespace is dir1's, so its xdirectord serves the
# client through the XDP datapath as on a real machine.
#
#   client 192.168.10.10 --- swext --- dir1 [nspawn: systemd, xdirectord]
#                                        |
#                                      swint --- real1, real2 (xd-echod :9000)
#
# The container's /sys/fs/bpf is a directory of the host's bpffs, so pins
# outlive the daemon as on a real machine, and the test removes them.
cd "$(dirname "$0")/../.." || exit 1
. tests/netns/lib.sh
. tests/pkg/lib.sh

VIP_PORT=9000
ROOT=/var/tmp/xd$$-pkg-root
PINS=/sys/fs/bpf/xd$$-pkg
NSPAWN_PID=

for c in debootstrap systemd-nspawn dpkg-deb; do
	command -v $c >/dev/null || { t_fail deb_service "no $c (make deps)"; exit 1; }
done
[ -x "$XD_BUILD/tools/testing/xd-conns" ] ||
	{ t_fail deb_service "no $XD_BUILD/tools/testing/xd-conns: run make"; exit 1; }

cleanup() {
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID" 2>/dev/null
		i=0
		while kill -0 "$NSPAWN_PID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
	fi
	topo_destroy
	rm -rf "$PINS" "$ROOT"
}
topo_cleanup_stale
topo_create --one-director
trap cleanup EXIT

# --- the packages: this tree's, and the same repacked as a newer version
# so that installing it is an upgrade (maintainer scripts, restart) ---
# XD_DEB=FILE tests a package built already (by make deb) instead.
if [ -n "${XD_DEB:-}" ]; then
	DEB1=$XD_DEB
else
	xd_log "building the package (make deb)"
	sh scripts/deb.sh "$XD_RUN/deb" >"$XD_RUN/deb.log" 2>&1 ||
		{ t_fail "package builds, lintian has no errors" "$(tail -5 "$XD_RUN/deb.log")"; exit 1; }
	t_ok "package builds, lintian has no errors"
	DEB1=$(ls "$XD_RUN"/deb/xdirector_*_amd64.deb)
fi
V1=$(dpkg-deb -f "$DEB1" Version)
V2=$V1+upgradetest
dpkg-deb -R "$DEB1" "$XD_RUN/deb2"
sed -i "s/^Version: .*/Version: $V2/" "$XD_RUN/deb2/DEBIAN/control"
dpkg-deb -b "$XD_RUN/deb2" "$XD_RUN/xdirector_${V2}_amd64.deb" >/dev/null

# --- install into a clean root ---
pkg_clone_root "$ROOT" || { t_fail "clean Debian 12 root" "see $XD_PKG_CACHE"; exit 1; }
# Not in /tmp: the booted container mounts a tmpfs there.
mkdir -p "$ROOT/var/cache/xdtest"
cp "$DEB1" "$ROOT/var/cache/xdtest/v1.deb"
cp "$XD_RUN/xdirector_${V2}_amd64.deb" "$ROOT/var/cache/xdtest/v2.deb"
in_root() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive "$@"; }
if in_root sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends /var/cache/xdtest/v1.deb' \
	>"$XD_RUN/install.log" 2>&1; then
	t_ok "install in a clean root pulls its runtime dependencies from apt"
else
	t_fail "install in a clean root pulls its runtime dependencies from apt" \
		"$(tail -3 "$XD_RUN/install.log" | tr '\n' '|')"
	exit 1
fi
missing=""
for f in /usr/sbin/xdirectord /usr/sbin/xdirectorctl \
	/usr/share/man/man8/xdirectord.8.gz /usr/share/man/man8/xdirectorctl.8.gz \
	/usr/share/man/man5/xdirector.5.gz /lib/systemd/system/xdirectord.service \
	/etc/systemd/system/multi-user.target.wants/xdirectord.service \
	/usr/share/doc/xdirector/examples/ldirectord.cf \
	/usr/share/doc/xdirector/examples/ha.cf \
	/usr/share/doc/xdirector/examples/haresources \
	/usr/share/doc/xdirector/examples/authkeys; do
	[ -e "$ROOT$f" ] || [ -L "$ROOT$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && t_ok "binaries, man pages, enabled unit, four examples installed" ||
	t_fail "binaries, man pages, enabled unit, four examples installed" "missing:$missing"
extra=$(in_root dpkg-query -W -f='${Status} ${Package}\n' clang llvm gcc \
	libcmocka0 nginx-light vsftpd libbpf-dev 2>/dev/null | grep "ok installed")
[ -z "$extra" ] && t_ok "no build or test package pulled in" ||
	t_fail "no build or test package pulled in" "$extra"

# A single director: dir1 holds the VIPs itself (no ha.cf). cleanstop=no,
# so restarts and upgrades leave the datapath serving. The first checks are
# spread over checkinterval: the second real's is about 6 s after start.
mkdir -p "$ROOT/etc/xdirector"
cat >"$ROOT/etc/xdirector/ldirectord.cf" <<EOF
checktimeout=2
checkinterval=10
cleanstop=no
virtual=$XD_VIP:$VIP_PORT
	real=10.0.0.11:$VIP_PORT masq 1
	real=10.0.0.12:$VIP_PORT masq 1
	scheduler=rr
	protocol=tcp
	checktype=connect
EOF
# A short watchdog, and the restart after it, for the test's sake.
mkdir -p "$ROOT/etc/systemd/system/xdirectord.service.d"
printf '[Service]\nWatchdogSec=3\nRestartSec=1\n' \
	>"$ROOT/etc/systemd/system/xdirectord.service.d/test.conf"
echo "xd$$pkg" >"$ROOT/etc/hostname"

xdpmode_offloads
start_echod real1 $VIP_PORT || exit 1
start_echod real2 $VIP_PORT || exit 1
add_vip dir1
prime_neigh

# --- boot ---
mkdir -p "$PINS"
systemd-nspawn -q -D "$ROOT" -b --register=no --keep-unit -M "xd$$pkg" \
	--network-namespace-path="/run/netns/$(xd_ns dir1)" \
	--bind="$PINS:/sys/fs/bpf" --capability=all \
	--system-call-filter='bpf perf_event_open' \
	>"$XD_RUN/nspawn.log" 2>&1 </dev/null &
NSPAWN_PID=$!

# The container's PID 1 (its systemd), as a host PID.
leader() {
	for p in $(pgrep -P "$NSPAWN_PID"); do
		[ "$(awk '/^NSpid:/ { print $NF }' /proc/$p/status 2>/dev/null)" = 1 ] || continue
		echo "$p"; return 0
	done
	return 1
}
wait_for 300 leader || { t_fail "container boots" "$(tail -5 "$XD_RUN/nspawn.log")"; exit 1; }
LEADER=$(leader)
ct() { nsenter -t "$LEADER" -m -u -i -p -n -- "$@"; }
ct_show() { ct systemctl show -P "$1" xdirectord; }
booted() { ct systemctl is-system-running 2>/dev/null | grep -qE 'running|degraded'; }
wait_for 600 booted || { t_fail "container boots" "$(ct systemctl is-system-running)"; exit 1; }

weight() {	# weight REAL: its weight in `xdirectorctl list -n`
	ct xdirectorctl list -n 2>/dev/null |
		awk -v r="$1:$VIP_PORT" '$1 == "->" && $2 == r { print $4 }'
}
active() { [ "$(ct_show ActiveState)" = active ]; }

# Enabled by the package, started at boot once ldirectord.cf exists.
if active; then
	t_ok "service enabled and started at boot"
else
	t_fail "service enabled and started at boot" "$(ct systemctl status xdirectord | tail -5 | tr '\n' '|')"
	exit 1
fi

# `systemctl restart` returns on READY=1: the datapath is attached and
# both reals have their first verdict (here up), although the second
# real's first check comes seconds after the start.
ct systemctl restart xdirectord
w1=$(weight 10.0.0.11); w2=$(weight 10.0.0.12)
[ "$w1" = 1 ] && [ "$w2" = 1 ] &&
	t_ok "READY only once every real has a verdict (weights $w1 $w2)" ||
	t_fail "READY only once every real has a verdict" "weights '$w1' '$w2' right after start"
status=$(ct_show StatusText)
case $status in
"1 virtual services, 2 of 2 real servers up") t_ok "STATUS= in systemctl status: $status" ;;
*) t_fail "STATUS= in systemctl status" "'$status'" ;;
esac
[ "$(ct_show WatchdogUSec)" = 3s ] && [ "$(ct_show Type)" = notify ] &&
	t_ok "Type=notify, WatchdogSec from the unit" ||
	t_fail "Type=notify, WatchdogSec from the unit" "$(ct_show Type) $(ct_show WatchdogUSec)"
out=$(nsx client "$XD_BUILD/tools/testing/xd-conns" -c "$XD_VIP:$VIP_PORT" -n 4 -d 1 2>&1 | tail -1)
case $out in
*"established=4 broken=0"*) t_ok "serves the VIP through the container's datapath" ;;
*) t_fail "serves the VIP through the container's datapath" "$out" ;;
esac

# --- reload ---
sed -i "s/real=10.0.0.12:$VIP_PORT masq 1/real=10.0.0.12:$VIP_PORT masq 3/" \
	"$ROOT/etc/xdirector/ldirectord.cf"
pid=$(ct_show MainPID)
if ct systemctl reload xdirectord && [ "$(weight 10.0.0.12)" = 3 ] &&
   [ "$(ct_show MainPID)" = "$pid" ]; then
	t_ok "systemctl reload applies the new configuration in place"
else
	t_fail "systemctl reload applies the new configuration in place" "weight $(weight 10.0.0.12)"
fi
cp "$ROOT/etc/xdirector/ldirectord.cf" "$XD_RUN/good.cf"
echo "	bogus_keyword=1" >>"$ROOT/etc/xdirector/ldirectord.cf"
if ct systemctl reload xdirectord 2>/dev/null; then
	t_fail "a bad configuration fails the reload" "reload succeeded"
elif active && [ "$(weight 10.0.0.12)" = 3 ]; then
	t_ok "a bad configuration fails the reload, the running one stays"
else
	t_fail "a bad configuration fails the reload, the running one stays" "$(ct_show ActiveState)"
fi
cp "$XD_RUN/good.cf" "$ROOT/etc/xdirector/ldirectord.cf"

# --- the journal: our priorities, not our own time stamps ---
errline=$(ct journalctl -q -u xdirectord -p err -o cat | grep "ldirectord.cf:10:")
stamped=$(ct journalctl -q -u xdirectord -o cat | grep -cE '^[0-9-]{10} [0-9:.]+ xdirectord\[')
if [ -n "$errline" ] && [ "$stamped" = 0 ]; then
	t_ok "journal: error at priority err with file:line, no second time stamp"
else
	t_fail "journal: error at priority err with file:line, no second time stamp" \
		"err: '$errline', stamped lines: $stamped"
fi

# --- watchdog: a main loop that stops turning (SIGSTOP) stops feeding it;
# systemd aborts the daemon and starts a new one ---
n0=$(ct_show NRestarts)
pid=$(ct_show MainPID)
ct kill -STOP "$pid"
restarted() { [ "$(ct_show NRestarts)" -gt "$n0" ] && active && [ "$(ct_show MainPID)" != "$pid" ]; }
if wait_for 300 restarted; then
	t_ok "watchdog: a stuck loop is aborted and restarted"
else
	t_fail "watchdog: a stuck loop is aborted and restarted" "NRestarts $(ct_show NRestarts) state $(ct_show ActiveState)"
fi
ct journalctl -q -u xdirectord -o cat | grep -q "Watchdog timeout" &&
	t_ok "watchdog: systemd logged the timeout" ||
	t_fail "watchdog: systemd logged the timeout"

# --- stop: cleanstop=no leaves the datapath (XDP or TC, whichever the
# daemon chose for veth) and its pins ---
attached() { nsx dir1 bpftool net show dev eth0 | grep -qE '(xdp|tc)_(ext|both)'; }
ct systemctl stop xdirectord
if [ "$(ct_show ActiveState)" = inactive ] && [ -d "$PINS/xdirector" ] &&
   attached; then
	t_ok "stop: inactive, datapath left attached (cleanstop=no)"
else
	t_fail "stop: inactive, datapath left attached (cleanstop=no)" "$(ct_show ActiveState)"
fi
ct systemctl start xdirectord
active || t_fail "start after stop" "$(ct_show ActiveState)"

# --- upgrade under live traffic: 20 echo connections stay up while the
# package is upgraded and its postinst restarts the daemon ---
pid=$(ct_show MainPID)
nsx client "$XD_BUILD/tools/testing/xd-conns" -c "$XD_VIP:$VIP_PORT" -n 20 \
	-i 50 -d 20 >"$XD_RUN/conns.log" 2>&1 &
conns=$!
established() { grep -q "established=20" "$XD_RUN/conns.log" || \
	[ "$(nsx client ss -Htn state established "dport = :$VIP_PORT" | wc -l)" -ge 20 ]; }
wait_for 100 established
ct apt-get install -y -qq /var/cache/xdtest/v2.deb >"$XD_RUN/upgrade.log" 2>&1
up_rc=$?
v=$(ct dpkg-query -W -f='${Version}' xdirector)
newpid=$(ct_show MainPID)
wait "$conns"
conns_rc=$?
summary=$(tail -1 "$XD_RUN/conns.log")
if [ $up_rc = 0 ] && [ "$v" = "$V2" ] && [ "$newpid" != "$pid" ] && active &&
   [ $conns_rc = 0 ]; then
	t_ok "upgrade $V1 -> $V2 restarts the daemon, connections kept: $summary"
else
	t_fail "upgrade keeps established connections" \
		"rc $up_rc version $v pid $pid->$newpid conns rc $conns_rc: $summary"
fi

# --- removal and purge ---
ct apt-get remove -y -qq xdirector >"$XD_RUN/remove.log" 2>&1
in_container() {	# a process named $1 in the container
	ct pgrep -x "$1" >/dev/null
}
if [ ! -e "$ROOT/usr/sbin/xdirectord" ] && ! in_container xdirectord &&
   [ "$(ct_show ActiveState)" = inactive ]; then
	t_ok "remove: daemon stopped, binaries gone"
else
	t_fail "remove: daemon stopped, binaries gone" "$(tail -2 "$XD_RUN/remove.log")"
fi
ct apt-get purge -y -qq xdirector >"$XD_RUN/purge.log" 2>&1
if ! ct dpkg-query -W xdirector >/dev/null 2>&1 &&
   [ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/xdirectord.service" ]; then
	t_ok "purge: no trace in dpkg, unit disabled"
else
	t_fail "purge: no trace in dpkg, unit disabled" "$(tail -2 "$XD_RUN/purge.log")"
fi
t_status
