# shellcheck shell=sh
# Package tests: a clean Debian 12 root made by debootstrap, cached outside
# build/ (it takes minutes to make and `make clean` must not drop it), and
# copied for each test so every test starts from the same clean system.
#
#   XD_PKG_CACHE   where the cached root lives (default
#                  /var/cache/xdirector-tests)
#
# The mirror is the one this machine's apt already uses, read from apt at
# run time; no host name is written in the tree.

XD_PKG_CACHE=${XD_PKG_CACHE:-/var/cache/xdirector-tests}
XD_SUITE=bookworm

# apt_mirror: the repository URI apt uses for $XD_SUITE's main component.
apt_mirror() {
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' \
		2>/dev/null | awk -v s="$XD_SUITE" '$2 == s && $3 == "deb" \
		{ print $1; exit }'
}

# pkg_base_root: print the path of the cached clean root, making it first
# if needed (debootstrap, default variant: what a fresh Debian 12 install
# has, systemd included). A half-made root is never used: the marker file
# is written last.
pkg_base_root() {
	base=$XD_PKG_CACHE/$XD_SUITE-base
	if [ ! -e "$base/.xd-complete" ]; then
		mirror=$(apt_mirror)
		[ -n "$mirror" ] || { echo "pkg: apt has no $XD_SUITE source" >&2; return 1; }
		command -v debootstrap >/dev/null ||
			{ echo "pkg: debootstrap is not installed (make deps)" >&2; return 1; }
		rm -rf "$base"
		mkdir -p "$XD_PKG_CACHE"
		echo "# pkg: debootstrap $XD_SUITE from $mirror into $base" >&2
		debootstrap --include=ca-certificates "$XD_SUITE" "$base" \
			"$mirror" >"$XD_PKG_CACHE/debootstrap.log" 2>&1 ||
			{ echo "pkg: debootstrap failed, see $XD_PKG_CACHE/debootstrap.log" >&2; return 1; }
		# Use apt's own sources (with this machine's mirror) inside.
		echo "xdtest" >"$base/etc/hostname"
		touch "$base/.xd-complete"
	fi
	echo "$base"
}

# pkg_clone_root DEST: a fresh copy of the clean root.
pkg_clone_root() {
	base=$(pkg_base_root) || return 1
	rm -rf "$1"
	cp -a "$base" "$1"
	rm -f "$1/.xd-complete"
}
