#!/bin/sh
# PID 1 inside the VM, on the host's root file system (read-only 9p); run
# by the initramfs's /init. Makes the writable places tests need, then runs
# the guest scripts listed in /run/xdout/plan (written by run.sh), each
# under a time limit (executables run as they are, others with sh), from the repository root. Each script's output goes
# to /run/xdout/N.out and to the second serial port (the host prints it as
# it comes); its exit status to /run/xdout/N.rc. Then the VM powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
OUT=/run/xdout
. $OUT/plan

say() { echo "xd-guest: $*" >/dev/console; }
poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

# The root is an overlay (writes stay in the guest); the host's /tmp is
# not ours.
mkdir -p /dev/shm
for d in /tmp /var/tmp /dev/shm; do
	mount -t tmpfs -o mode=1777 tmpfs "$d" || say "tmpfs on $d failed"
done
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t bpf bpf /sys/fs/bpf || say "bpffs mount failed"
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# The guest kernel's modules (the unpacked package, its modules.dep made by
# kernel.sh), where modprobe and the kernel's module autoloading look.
rm -rf /lib/modules
mkdir -p "/lib/modules/$XD_KVER" &&
	mount --bind "$XD_TREE/lib/modules/$XD_KVER" "/lib/modules/$XD_KVER" ||
	say "cannot bind the modules of $XD_KVER"
mkdir -p /run/netns /run/lock
ip link set lo up
hostname xdguest 2>/dev/null
ulimit -n 65536 2>/dev/null

# Test output as it comes, on the second serial port, raw.
LIVE=/dev/ttyS1
stty -F $LIVE raw -echo 2>/dev/null || LIVE=/dev/null

say "kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s"
cd "$XD_ROOT" || { say "no $XD_ROOT"; poweroff_now; }
i=0
for script in "$@"; do
	i=$((i + 1))
	start=$(cut -d. -f1 /proc/uptime)
	echo "# --- $script (guest, $(uname -r))" >$LIVE
	{
		if [ -x "$script" ]; then
			timeout -k 10 "$XD_SCRIPT_TIMEOUT" "$script"
		else
			timeout -k 10 "$XD_SCRIPT_TIMEOUT" sh "$script"
		fi </dev/null 2>&1
		echo $? >"$OUT/$i.rc"
	} | tee "$OUT/$i.out" >$LIVE
	echo "# $script: exit $(cat "$OUT/$i.rc"), $(($(cut -d. -f1 /proc/uptime) - start)) s" >$LIVE
done
echo done >"$OUT/finished"
poweroff_now
