#!/bin/sh
# Run guest scripts inside a VM booted on a Debian kernel package, and print
# their results. See tests/qemu/README.md.
#
#   sh tests/qemu/run.sh [options] GUEST_SCRIPT...
#     --kernel PKG     Debian kernel package (default $XD_KERNEL, else
#                      linux-image-amd64: Debian 12's current kernel)
#     --env NAME=VAL   set NAME in the scripts' environment (repeatable)
#     --timeout S      time limit of each script (default 900)
#     --mem MB         guest memory (default 2048)
#     --smp N          guest CPUs (default 2)
#
# A GUEST_SCRIPT is a shell script, relative to the repository root or
# absolute (an executable file runs as it is, anything else with `sh`);
# the guest runs it from the repository root as root,
# one after another in the same VM. The guest sees the host's file system
# (the build, the tools, the libraries) read-only under a tmpfs overlay,
# so writes stay in the guest; /tmp and /run are the guest's own.
# Output: each script's output as it comes, under a "# --- SCRIPT" line;
# a script that exits non-zero without a "not ok" line, or never finishes,
# gets one "not ok - SCRIPT [why]". Exit status 0 only if every script
# exited 0.
set -u
cd "$(dirname "$0")/../.." || exit 1
XD_ROOT=$(pwd)
KPKG=${XD_KERNEL:-linux-image-amd64}
SCRIPT_TIMEOUT=900
MEM=2048
SMP=2
ENVS=""

q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
die() { echo "qemu/run.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) KPKG=$2; shift 2 ;;
	--env)
		case $2 in
		[A-Za-z_]*=*) ENVS="$ENVS
export $(printf %s "${2%%=*}")=$(q "${2#*=}")" ;;
		*) die "--env wants NAME=VALUE, not '$2'" ;;
		esac
		shift 2 ;;
	--timeout) SCRIPT_TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: run.sh [--kernel PKG] [--env N=V] [--timeout S] GUEST_SCRIPT..."
case $SCRIPT_TIMEOUT in ''|*[!0-9]*) die "--timeout wants seconds" ;; esac
for s in "$@"; do
	[ -f "$s" ] || die "$s: no such guest script"
done
[ "$(id -u)" = 0 ] || die "needs root (apt-get download into the cache, 9p export of /)"
for t in qemu-system-x86_64 busybox cpio depmod modprobe; do
	command -v $t >/dev/null 2>&1 || die "$t not found: run make deps"
done
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is not static: install busybox-static"
fi

TREE=$(sh tests/qemu/kernel.sh "$KPKG") || die "no kernel $KPKG"
KVER=$(basename "$(ls -d "$TREE"/lib/modules/*/ | head -n 1)")
KIMG=$TREE/boot/vmlinuz-$KVER

OUT=$(mktemp -d /tmp/xdqemu.XXXXXX) || exit 1
QPID=""
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	if [ -n "${XD_KEEP:-}" ]; then
		echo "# qemu/run.sh: kept $OUT"
	else
		rm -rf "$OUT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the initramfs: busybox, /init, the modules to reach the 9p root.
IRD=$OUT/initramfs
mkdir -p "$IRD/bin" "$IRD/mods"
cp "$BUSYBOX" "$IRD/bin/busybox"
cp tests/qemu/init "$IRD/init"
chmod 755 "$IRD/init"
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$TREE" -S "$KVER" --show-depends "$m" || exit 1
done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$OUT/mods" ||
	die "$KVER: cannot resolve the 9p/virtio modules"
: >"$IRD/mods/order"
while read -r ko; do
	cp "$ko" "$IRD/mods/" && basename "$ko" >>"$IRD/mods/order"
done <"$OUT/mods"
(cd "$IRD" && find . | cpio -o -H newc --quiet) >"$OUT/initramfs.cpio" ||
	die "cpio failed"
rm -rf "$IRD"

# --- the plan the guest reads. Scripts in the repository run in place
# (they may source their neighbours); others are copied into the results
# share, since the guest's /tmp is its own.
cp tests/qemu/guest_init.sh "$OUT/guest_init.sh"
mkdir "$OUT/scripts"
i=0
for s in "$@"; do
	i=$((i + 1))
	case $(realpath "$s") in
	"$XD_ROOT"/*) s=$(realpath "$s") ;;
	*) cp "$s" "$OUT/scripts/$i-$(basename "$s")"
	   s=/run/xdout/scripts/$i-$(basename "$s") ;;
	esac
	set -- "$@" "$s"
done
shift $i
{
	echo "XD_ROOT=$(q "$XD_ROOT")"
	echo "XD_TREE=$(q "$TREE")"
	echo "XD_KVER=$(q "$KVER")"
	echo "XD_SCRIPT_TIMEOUT=$SCRIPT_TIMEOUT"
	echo "export XD_GUEST_KERNEL=$(q "$KVER")"
	printf '%s\n' "$ENVS"
	printf 'set --'
	for s in "$@"; do printf ' %s' "$(q "$s")"; done
	echo
} >"$OUT/plan"

# --- boot. Software emulation (TCG): no KVM on our machines. The whole VM
# is bounded: boot allowance plus every script's limit.
VM_TIMEOUT=$((180 + $# * (SCRIPT_TIMEOUT + 15)))
start=$(date +%s)
echo "# qemu/run.sh: $KPKG ($KVER), $# script(s), limit ${VM_TIMEOUT}s"
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp "$SMP" -m "$MEM" \
	-nodefaults -display none -monitor none -no-reboot \
	-kernel "$KIMG" -initrd "$OUT/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 loglevel=4 net.ifnames=0" \
	-serial "file:$OUT/console.log" -serial stdio \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$OUT,mount_tag=xdout,security_model=none" \
	</dev/null &
QPID=$!
wait "$QPID"
qrc=$?
QPID=""
echo "# qemu/run.sh: VM ran $(($(date +%s) - start)) s (qemu exit $qrc)"

# --- results.
status=0
i=0
for s in "$@"; do
	i=$((i + 1))
	name=$(basename "$s" .sh)
	if [ ! -f "$OUT/$i.rc" ]; then
		why="did not finish"
		[ "$qrc" = 124 ] || [ "$qrc" = 137 ] && why="VM timed out after ${VM_TIMEOUT}s"
		echo "not ok - $name [$why, $KVER]"
		status=1
		continue
	fi
	rc=$(cat "$OUT/$i.rc")
	[ "$rc" = 0 ] && continue
	status=1
	if ! grep -qE '^not ok( |$)' "$OUT/$i.out"; then
		case $rc in
		124|137) why="timed out after ${SCRIPT_TIMEOUT}s" ;;
		*) why="exit status $rc" ;;
		esac
		echo "not ok - $name [$why, $KVER]"
	fi
done
if [ "$status" != 0 ] || [ ! -f "$OUT/finished" ]; then
	echo "# qemu/run.sh: last lines of the guest console:"
	tail -n 30 "$OUT/console.log" | sed 's/^/#   /'
	status=1
fi
exit $status
