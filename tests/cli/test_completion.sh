#!/bin/sh
# bash completion for xdirectorctl (completion/xdirectorctl): commands,
# list's options, sync-role's roles, and -t completing the running table's
# TCP services (from a stub xdirectorctl printing `list --save`).
cd "$(dirname "$0")/../.." || exit 1
[ -r /usr/share/bash-completion/bash_completion ] ||
	{ echo "not ok - completion [bash-completion not installed: make deps]"; exit 1; }
T=$(mktemp -d /tmp/xd-compl.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
cat >"$T/xdirectorctl" <<'STUB'
#!/bin/sh
printf '%s\n' '-A -t 192.168.10.100:80 -s rr' \
	'-a -t 192.168.10.100:80 -r 10.0.0.11:80 -m -w 1' \
	'-A -u 192.168.10.100:53 -s rr' '-A -t 192.168.10.100:443 -s wrr'
STUB
chmod +x "$T/xdirectorctl"

# complete LINE: the completions bash offers at the end of LINE, sorted.
complete_line() {
	PATH="$T:$PATH" bash -c '
		. /usr/share/bash-completion/bash_completion
		. completion/xdirectorctl
		COMP_LINE=$1
		read -ra COMP_WORDS <<<"$COMP_LINE"
		case $COMP_LINE in *" ") COMP_WORDS+=(""); esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_POINT=${#COMP_LINE}
		_xdirectorctl xdirectorctl "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}"
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$1"
}

expect() {	# expect NAME LINE WANT
	got=$(complete_line "$2")
	[ "$got" = "$3" ] && echo "ok - $1" || echo "not ok - $1 [got '$got', want '$3']"
}

expect "commands" "xdirectorctl " \
	"conns list metrics nudge reload standby status sync-role takeover zero "
expect "command prefix" "xdirectorctl s" "standby status sync-role "
expect "list options" "xdirectorctl list --s" "--save --sort --stats "
expect "sync-role roles" "xdirectorctl sync-role " "auto backup master none "
expect "-t offers the table's TCP services" "xdirectorctl list -n -t " \
	"192.168.10.100:443 192.168.10.100:80 "
expect "-u offers its UDP services" "xdirectorctl list -u " "192.168.10.100:53 "
expect "nothing after a command" "xdirectorctl reload " ""
