#!/bin/sh
# xdirectord -t: checks a configuration directory as a start would (ha.cf,
# authkeys, haresources, the ldirectord.cf they name, the datapath's
# limits), prints file:line for what is wrong, exits 0 or 1, and attaches,
# pins and creates nothing. Needs no root and no namespace: nothing runs.
cd "$(dirname "$0")/../.." || exit 1
XD=${BUILD:-build}/xdirectord
T=$(mktemp -d /tmp/xd-cfgtest.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

n=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1 [$2]"; }

# run NAME: xdirectord -t on $T/NAME as node dir1; output in $T/out, status
# in $rc. Its --bpffs and --rundir must never appear.
run() {
	"$XD" -t -c "$T/$1" -N dir1 --bpffs "$T/pins" --rundir "$T/run" \
		>"$T/out" 2>&1
	rc=$?
}

# expect NAME STATUS TEXT: status and a line of the output, and nothing
# created.
expect() {
	if [ "$rc" != "$2" ]; then
		not_ok "$1" "exit status $rc, wanted $2: $(tr '\n' '|' <"$T/out")"
	elif ! grep -qF -- "$3" "$T/out"; then
		not_ok "$1" "no '$3' in: $(tr '\n' '|' <"$T/out")"
	elif [ -e "$T/pins" ] || [ -e "$T/run" ]; then
		not_ok "$1" "created $T/pins or $T/run"
	else
		ok "$1"
	fi
}

# fresh NAME: a copy of the shipped examples (docs/examples) as $T/NAME.
fresh() {
	rm -rf "${T:?}/$1"
	cp -r docs/examples "$T/$1"
	chmod 600 "$T/$1/authkeys"
}

[ -x "$XD" ] || { not_ok config_test "no $XD: run make"; exit 1; }

fresh good
run good
expect "shipped examples pass" 0 "configuration $T/good test is successful"
grep -q "ha.cf, authkeys, haresources: node dir1, ok" "$T/out" &&
grep -q "ldirectord.cf: 1 virtual services, ok" "$T/out" &&
	ok "every file is named as checked" ||
	not_ok "every file is named as checked" "$(tr '\n' '|' <"$T/out")"

# A bad keyword on line 14 of ldirectord.cf.
fresh badkw
sed -i '14a\	nosuchoption=1' "$T/badkw/ldirectord.cf"
run badkw
expect "unknown keyword: file:line" 1 "$T/badkw/ldirectord.cf:15:"
grep -q "test failed" "$T/out" && ok "failure said on the last line" ||
	not_ok "failure said on the last line" "$(tail -1 "$T/out")"

# Every scheduler IPVS has runs in the datapath: each passes, unwarned.
fresh sched
bad=
for s in rr wrr lc wlc sh mh sed nq dh lblc lblcr fo ovf twos; do
	sed "s/scheduler=wrr/scheduler=$s/" docs/examples/ldirectord.cf \
		>"$T/sched/ldirectord.cf"
	run sched
	if [ "$rc" != 0 ] || grep -q "scheduler" "$T/out"; then
		bad="$bad $s: $(tr '\n' '|' <"$T/out")"
	fi
done
[ -z "$bad" ] && ok "every IPVS scheduler accepted" ||
	not_ok "every IPVS scheduler accepted" "$bad"

# One it does not know: refused with the line.
sed 's/scheduler=wrr/scheduler=xyz/' docs/examples/ldirectord.cf \
	>"$T/sched/ldirectord.cf"
run sched
expect "unknown scheduler: file:line" 1 \
	"$T/sched/ldirectord.cf:16: scheduler: unknown scheduler 'xyz'"

# 129 real servers in one service: the datapath holds 128.
fresh many
i=0
while [ $i -lt 127 ]; do
	echo "	real=10.0.1.$((i + 1)):80 masq 1"
	i=$((i + 1))
done >"$T/reals"
sed -i "15r $T/reals" "$T/many/ldirectord.cf"
run many
expect "too many real servers: virtual's line" 1 \
	"$T/many/ldirectord.cf:13: 192.168.10.100:80: 129 real servers; at most 128"

# ha.cf: this node is not in the cluster.
fresh node
"$XD" -t -c "$T/node" -N dir3 --bpffs "$T/pins" --rundir "$T/run" >"$T/out" 2>&1
rc=$?
expect "node not in ha.cf" 1 "$T/node/ha.cf: this node (dir3, see -N)"

# ha.cf: an unknown directive.
fresh hacf
echo "bogus_directive yes" >>"$T/hacf/ha.cf"
run hacf
expect "ha.cf error names file:line" 1 "$T/hacf/ha.cf:12:"

# authkeys readable by others.
fresh keys
chmod 644 "$T/keys/authkeys"
run keys
expect "authkeys mode refused" 1 "$T/keys/authkeys: mode 0644"

# haresources names another file: that one is checked.
fresh other
sed -i 's/ldirectord::ldirectord.cf/ldirectord::web.cf/' "$T/other/haresources"
sed 's/scheduler=wrr/scheduler=nosuch/' "$T/other/ldirectord.cf" >"$T/other/web.cf"
run other
expect "haresources' ldirectord file is the one checked" 1 "$T/other/web.cf:"

# A file given instead of a directory: HA files are not read.
fresh file
echo "garbage" >"$T/file/ha.cf"
"$XD" -t -c "$T/file/ldirectord.cf" --bpffs "$T/pins" --rundir "$T/run" >"$T/out" 2>&1
rc=$?
expect "ldirectord.cf alone" 0 "configuration $T/file/ldirectord.cf test is successful"

# No such directory.
run missing
expect "missing directory" 1 "$T/missing: No such file or directory"
