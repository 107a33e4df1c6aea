#!/bin/sh
# Install every Debian package the build, the tests, the demo and the
# benchmarks need. Idempotent and quiet when everything is already there.
#
# Some test packages ship a service (nginx, vsftpd). Our tests start their
# own copies inside network namespaces; on the host those services must
# neither run nor start at the next boot. Every run of this script leaves
# them disabled and masked (systemd) with stop links only (sysvinit rc), and
# fails if one is still enabled or listening.
set -e
PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
linux-libc-dev gcc-multilib libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
libcurl4-openssl-dev libev-dev libjansson-dev libcmocka-dev libssl-dev
libmicrohttpd-dev libsystemd-dev netbase openssl iproute2 iputils-ping ethtool
nftables nginx-light vsftpd curl procps psmisc kmod python3 jq
dpkg-dev debhelper fakeroot lintian debootstrap systemd-container bash-completion
libclang-rt-14-dev qemu-system-x86 busybox-static cpio"
# Packages installed only for the tests whose service must stay off.
TEST_SERVICES="nginx vsftpd"

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# disable_service NAME: off now, off at boot, off after the package's next
# upgrade (a masked unit and a disabled rc entry are left alone by the
# maintainer scripts).
disable_service() {
	unit=$1.service
	[ -e "/lib/systemd/system/$unit" ] || [ -e "/etc/init.d/$1" ] || return 0
	if [ -d /run/systemd/system ]; then
		systemctl disable --now --quiet "$unit" 2>/dev/null || true
		systemctl mask --quiet "$unit"
	else
		deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true
		deb-systemd-helper mask "$unit" >/dev/null 2>&1 || true
		rm -f /etc/systemd/system/*.wants/"$unit"
		[ -L "/etc/systemd/system/$unit" ] ||
			ln -sf /dev/null "/etc/systemd/system/$unit"
	fi
	if [ -x "/etc/init.d/$1" ]; then
		# Stop a copy an earlier run (or a package script) started.
		"/etc/init.d/$1" stop >/dev/null 2>&1 || true
		update-rc.d "$1" disable >/dev/null 2>&1 || true
	fi
}

# verify_service NAME: nothing left that would start it or that serves.
verify_service() {
	bad=""
	ls /etc/systemd/system/*.wants/"$1.service" >/dev/null 2>&1 &&
		bad="enabled in $(ls /etc/systemd/system/*.wants/"$1.service")"
	ls /etc/rc[2-5].d/S??"$1" >/dev/null 2>&1 &&
		bad="$bad start link $(ls /etc/rc[2-5].d/S??"$1" | head -1)"
	if [ "$(readlink "/etc/systemd/system/$1.service" 2>/dev/null)" != /dev/null ] &&
	   [ -e "/lib/systemd/system/$1.service" ]; then
		bad="$bad not masked"
	fi
	# A process of it in the root network namespace (the tests' copies
	# run in their own namespaces and do not count).
	for pid in $(pgrep -x "$1" 2>/dev/null); do
		[ "$(readlink /proc/$pid/ns/net)" = "$(readlink /proc/self/ns/net)" ] &&
			bad="$bad running as pid $pid in the root network namespace"
	done
	if [ -n "$bad" ]; then
		echo "deps: $1:$bad" >&2
		return 1
	fi
}

quiet_services() {
	rc=0
	for s in $TEST_SERVICES; do
		installed "$s" || installed "$s-light" || installed "$s-core" ||
			continue
		[ "$(id -u)" = 0 ] && disable_service "$s"
		verify_service "$s" || rc=1
	done
	return $rc
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	quiet_services
	exit
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# policy-rc.d keeps package scripts from starting services (nginx) in the
# root namespace; tests start their own copies inside namespaces.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.xd && chmod +x /usr/sbin/policy-rc.d.xd
trap 'rm -f /usr/sbin/policy-rc.d.xd' EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
	cp /usr/sbin/policy-rc.d.xd /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.xd' EXIT
fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null
quiet_services
