#!/bin/bash
# Bash completion (packaging/bash-completion/kssh): ksshctl's command tree, kssh's options and
# -o names, and hosts from known_hosts, asked the way bash asks (COMP_WORDS, COMP_CWORD).
. "$(dirname "$0")/lib.sh"

export HOME=$TEST_TMP/home
mkdir -p "$HOME/.ssh"
printf '%s\n' "router1.example ssh-ed25519 AAAA" "[10.0.0.7]:5522,sw2 ssh-ed25519 AAAA" "|1|hashed= ssh-ed25519 AAAA" \
	>"$HOME/.ssh/known_hosts"

# complete "WORD WORD ... PARTIAL": what bash would offer
complete_line() {
	bash -c '. "$1"; read -r -a COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=("");
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); f=$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\).*/\1/");
		$f; printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$TOP/packaging/bash-completion/kssh" "$1"
}
offers() { local got; got=$(complete_line "$1" | tr '\n' ' '); [ "$got" = "$2 " ] || { echo "# '$1': got '$got', wanted '$2 '"; return 1; }; }

check "ksshctl <TAB>: the top of the tree" offers "ksshctl " "-V -s configure crypto lpts rollback show"
check "ksshctl show con<TAB>: configuration" offers "ksshctl show con" "configuration"
check "ksshctl show aaa <TAB>: servers" offers "ksshctl show aaa " "servers"
check "ksshctl show configuration commit <TAB>: list changes" offers "ksshctl show configuration commit " "changes list"
check "ksshctl -s SOCK rollback configuration <TAB>: last to" offers "ksshctl -s /run/x rollback configuration " "last to"
check "ksshctl crypto key generate ecdsa <TAB>: the curves" offers "ksshctl crypto key generate ecdsa " "nistp256 nistp384 nistp521"
check "kssh -o Kex<TAB>: KexAlgorithms=" offers "kssh -o Kex" "KexAlgorithms="
check "kssh -o For<TAB>: ForwardAgent=" offers "kssh -o For" "ForwardAgent="
check "kssh -<TAB> offers -R, -D and -A among its flags" bash -c \
	"$(declare -f complete_line); complete_line 'kssh -' | grep -qx -- -R && complete_line 'kssh -' | grep -qx -- -D &&
	complete_line 'kssh -' | grep -qx -- -A" 
check "kssh r<TAB>: hosts from known_hosts (not hashed ones)" offers "kssh r" "router1.example"
check "kssh admin@s<TAB>: user@ kept, host completed" offers "kssh admin@s" "admin@sw2"
check "ksftp 10.<TAB>: a [address]:port entry offers the address" offers "ksftp 10." "10.0.0.7"

done_testing
