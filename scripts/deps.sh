#!/bin/sh
# Install every Debian package the build, the tests, the demo and the
# benchmarks need. Idempotent and quiet when everything is already there.
set -e
PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
linux-libc-dev gcc-multilib libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
libcurl4-openssl-dev libev-dev libjansson-dev libcmocka-dev libssl-dev
libmicrohttpd-dev netbase openssl iproute2 iputils-ping ethtool nftables nginx-light vsftpd curl
procps psmisc kmod python3 jq
qemu-system-x86 busybox-static cpio"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
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
