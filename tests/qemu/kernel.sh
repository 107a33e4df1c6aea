#!/bin/sh
# Fetch and unpack a Debian kernel package for the qemu harness; print the
# directory of the unpacked tree (it holds boot/vmlinuz-VERSION and
# lib/modules/VERSION with a modules.dep made here).
#
#   sh tests/qemu/kernel.sh [PACKAGE]
#
# PACKAGE is a Debian binary package: the meta package linux-image-amd64
# (the default: Debian 12's current kernel, resolved through its
# dependency) or a versioned one such as linux-image-6.1.0-57-amd64. The
# package is fetched with `apt-get download`, never installed: nothing
# touches /boot or /lib/modules. The tree is cached under
# $XD_KERNEL_CACHE (default /var/cache/xdirector/kernels), outside build/,
# so `make clean` keeps it.
set -eu
PKG=${1:-linux-image-amd64}
CACHE=${XD_KERNEL_CACHE:-/var/cache/xdirector/kernels}

die() { echo "kernel.sh: $*" >&2; exit 1; }

# A meta package (linux-image-amd64) depends on exactly one versioned
# image package; follow it.
image_dep() {
	apt-cache depends "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
case $PKG in
linux-image-[0-9]*) ;;
*)
	dep=$(image_dep "$PKG")
	if [ -z "$dep" ]; then
		# A fresh machine may have no package lists yet.
		apt-get update -qq >&2 || true
		dep=$(image_dep "$PKG")
	fi
	[ -n "$dep" ] || die "$PKG: no linux-image-VERSION dependency in the apt lists"
	PKG=$dep
	;;
esac
VER=${PKG#linux-image-}
TREE=$CACHE/$PKG

mkdir -p "$CACHE"
# One fetcher at a time: parallel runs wait here instead of racing.
exec 9>"$CACHE/.lock"
flock 9

if [ ! -f "$TREE/.complete" ]; then
	work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	echo "# kernel.sh: fetching $PKG" >&2
	# The sandbox user _apt cannot write into a root-owned cache dir.
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$PKG" >&2) ||
		die "$PKG: apt-get download failed"
	deb=$(ls "$work"/*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || die "$PKG: no .deb downloaded"
	mkdir "$work/tree"
	dpkg-deb -x "$deb" "$work/tree" || die "$deb: unpack failed"
	[ -f "$work/tree/boot/vmlinuz-$VER" ] || die "$deb: no boot/vmlinuz-$VER"
	[ -d "$work/tree/lib/modules/$VER" ] || die "$deb: no lib/modules/$VER"
	# The package ships no modules.dep (the postinst makes it): make it
	# against the unpacked tree.
	depmod -b "$work/tree" "$VER" || die "depmod $VER failed"
	rm -rf "$TREE"
	mv "$work/tree" "$TREE"
	touch "$TREE/.complete"
fi
echo "$TREE"
