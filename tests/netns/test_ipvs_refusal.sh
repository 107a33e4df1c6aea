#!/bin/sh
# Datapath selection on a director where a service cannot run: the daemon
# refuses to start with the service's file:line and the reason, and leaves
# nothing behind. (The services themselves run on IPVS in the qemu tests,
# tests/qemu/ipvs/.)
#
#   one namespace, dir1 (the seed topology's, nothing else is used)

. "$(dirname "$0")/lib.sh"

# run_daemon ARGS...: xdirectord in dir1 with dir1's config; its output.
run_daemon() {
	nsx_bpf dir1 timeout 20 "$XD_BUILD/xdirectord" -c "$(director_confdir dir1)" \
		-N dir1 -f --rundir "$XD_RUN/dir1" --bpffs "$(director_bpffs dir1)" \
		"$@" 2>&1
}

main() {
	local out rc

	topo_create --one-director
	director_config dir1 <<'EOF'
checktype=on
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq

virtual=192.168.10.100:443
	real=10.0.0.11:443 gate
EOF
	out=$(run_daemon --datapath xdp)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "ldirectord.cf:5: virtual 192.168.10.100:443: gate real server (line 6); the BPF datapath cannot run it yet, and IPVS is not in use with --datapath xdp"; then
		t_ok "ipvs refusal: --datapath xdp refuses a gate service with file:line"
	else
		t_fail "ipvs refusal: --datapath xdp refuses a gate service" \
			"rc=$rc $(echo "$out" | tr '\n' '|')"
	fi
	if [ -z "$(ls "$(director_bpffs dir1)" 2>/dev/null)" ] &&
	   [ -z "$(nsx dir1 ip link show dev eth0 | grep -E 'xdp|prog')" ]; then
		t_ok "ipvs refusal: nothing left attached or pinned"
	else
		t_fail "ipvs refusal: nothing left attached or pinned" \
			"$(ls "$(director_bpffs dir1)" 2>&1 | tr '\n' ' ')"
	fi

	# datapath= in ldirectord.cf is read like --datapath, with file:line
	# for a bad value
	director_config dir1 <<'EOF'
datapath=ipsv
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq
EOF
	out=$(run_daemon)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "ldirectord.cf:1: datapath: expected auto, xdp, xdp-generic, tc or ipvs, not 'ipsv'"; then
		t_ok "ipvs refusal: a bad datapath= is refused with file:line"
	else
		t_fail "ipvs refusal: a bad datapath= is refused" "rc=$rc $(echo "$out" | tr '\n' '|')"
	fi

	# a kernel without IPVS (this one, unless it has the module)
	if modprobe -n -q ip_vs 2>/dev/null || [ -d /sys/module/ip_vs ]; then
		echo "# this kernel has ip_vs: the no-IPVS case runs in tests/qemu only"
		return
	fi
	director_config dir1 <<'EOF'
datapath=ipvs
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq
EOF
	out=$(run_daemon)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "IPVS: this kernel has no ip_vs module"; then
		t_ok "ipvs refusal: datapath=ipvs on a kernel without IPVS says so"
	else
		t_fail "ipvs refusal: datapath=ipvs without IPVS" "rc=$rc $(echo "$out" | tr '\n' '|')"
	fi
}

main "$@"
t_status
