#!/bin/sh
# Guest script (tests/qemu/run.sh): one director, both datapaths, on
# Debian 12's 6.1 kernel. --datapath auto keeps the HTTP service on the
# BPF datapath and puts the FTP one on IPVS (ip_vs_ftp follows its data
# connections); list -n and status say which runs what and why.
# Where the BPF datapath does not load on this kernel (6.1's verifier,
# issue 11), auto runs both services on IPVS instead, and the test checks
# that: status names the reason, both services answer.
#
#   client .10 ---- VIP 192.168.10.100 [dir1: :80 on XDP/TC, :21 on IPVS]
#                        |
#                 real1 .11, real2 .12: nginx :80, vsftpd :21

. "${XD_ROOT:-.}/tests/netns/lib.sh"

# auto with no BPF datapath: everything on IPVS, the reason shown.
no_bpf_case() {
	local out tally body

	out=$(xdctl dir1 --json list | jq -r '.services[] | "\(.port) \(.datapath)"' | sort -n | tr '\n' ' ')
	if [ "$out" = "21 ipvs 80 ipvs " ] &&
	   xdctl dir1 status | grep -q '^  every service on IPVS: BPF datapath unavailable: '; then
		t_ok "ipvs auto: BPF cannot load, every service on IPVS, status says why"
	else
		t_fail "ipvs auto: BPF cannot load, every service on IPVS" \
			"$out; $(xdctl dir1 status | head -12 | tr '\n' '|')"
	fi
	tally=$(curl_tally 10)
	body=$(nsx client curl -s --max-time 10 --disable-epsv ftp://$XD_VIP/probe.txt)
	if [ "$tally" = "real1=5 real2=5 fail=0" ] && case $body in "ftp-ok real"[12]) true ;; *) false ;; esac; then
		t_ok "ipvs auto: HTTP and FTP answer through IPVS ($tally, $body)"
	else
		t_fail "ipvs auto: HTTP and FTP answer through IPVS" "$tally; ftp '$body'"
	fi
	stop_director dir1
}

main() {
	local out tally body why

	topo_create --one-director
	add_vip dir1
	for r in real1 real2; do
		start_nginx $r || xd_die "nginx on $r"
		start_vsftpd $r || xd_die "vsftpd on $r"
	done
	prime_neigh
	director_config dir1 <<EOF
checktype=on
virtual=192.168.10.100:80
	real=10.0.0.11:80 masq
	real=10.0.0.12:80 masq
	scheduler=rr
virtual=192.168.10.100:21
	real=10.0.0.11:21 masq
	real=10.0.0.12:21 masq
	service=ftp
	scheduler=rr
EOF
	start_director dir1 || xd_die "director did not start"

	why=$(xdctl dir1 --json status | jq -r '.bpf_unavailable // empty')
	if [ -n "$why" ]; then
		echo "# the BPF datapath does not load on $(uname -r): $why"
		no_bpf_case
		return
	fi
	out=$(xdctl dir1 --json list | jq -r '.services[] | "\(.port) \(.datapath)"' | sort -n | tr '\n' ' ')
	if [ "$out" = "21 ipvs 80 bpf " ]; then
		t_ok "ipvs mixed: HTTP on the BPF datapath, FTP on IPVS"
	else
		t_fail "ipvs mixed: HTTP on BPF, FTP on IPVS" \
			"$out; $(xdctl dir1 status | sed -n '/^services:/,/^real/p' | tr '\n' '|')"
	fi
	if xdctl dir1 list -n | grep -q '^TCP  192.168.10.100:21 rr \[ipvs: FTP'; then
		t_ok "ipvs mixed: list -n gives the reason"
	else
		t_fail "ipvs mixed: list -n gives the reason" "$(xdctl dir1 list -n | tr '\n' '|')"
	fi

	tally=$(curl_tally 10)
	pkts=$(xdctl dir1 --json status | jq '.reasons.fwd_new.pkts')
	if [ "$tally" = "real1=5 real2=5 fail=0" ] && [ "${pkts:-0}" -ge 10 ]; then
		t_ok "ipvs mixed: HTTP balanced by the BPF datapath ($tally, fwd_new=$pkts)"
	else
		t_fail "ipvs mixed: HTTP through BPF" "$tally fwd_new=$pkts"
	fi
	body=$(nsx client curl -s --max-time 10 --disable-epsv ftp://$XD_VIP/probe.txt)
	case $body in
	"ftp-ok real"[12]) t_ok "ipvs mixed: FTP passive transfer through IPVS ($body)" ;;
	*) t_fail "ipvs mixed: FTP passive transfer through IPVS" "got '$body'" ;;
	esac
	[ "$XD_FAILED" = 0 ] || director_log dir1 40
	stop_director dir1
	t_status
}

command -v jq >/dev/null || { echo "not ok - ipvs mixed: jq missing"; exit 1; }
main "$@"
