#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The bash completion (cli/erofs-seal.bash-completion, installed as
# share/bash-completion/completions/erofs-seal), sourced into bash with
# Debian's bash-completion as bash does, and asked for completions.
. "$TOP/tests/lib.sh"

bc=/usr/share/bash-completion/bash_completion
if [ ! -r "$bc" ]; then
	skip "bash-completion (Debian package) not installed"
	done_testing
	exit
fi
. "$bc"
. "$TOP/cli/erofs-seal.bash-completion"
# outside a real completion compopt has nothing to act on
compopt() { :; }

# complete WORD... : COMPREPLY for the last word, sorted, one line
complete_words() {
	COMP_WORDS=("$ESEAL" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_erofs_seal "$ESEAL" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

# want DESCRIPTION "EXPECTED" WORD...: the completions are exactly EXPECTED
want() {
	_d=$1 _w=$2
	shift 2
	_got=$(complete_words "$@")
	if [ "$_got" = "$_w" ]; then
		ok "$_d"
	else
		not_ok "$_d: got '$_got', want '$_w'"
	fi
}

# has DESCRIPTION WORD-EXPECTED WORD...: EXPECTED is among the completions
has() {
	_d=$1 _w=$2
	shift 2
	_got=" $(complete_words "$@")"
	case "$_got" in
	*" $_w "*) ok "$_d" ;;
	*) not_ok "$_d: '$_w' not in '$_got'" ;;
	esac
}

mkdir -p objs/sub keys
touch objfile
touch app.img app.img.sig keys/signing.pem
cmds=$("$ESEAL" --help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
for c in $cmds; do
	has "command $c" "$c" ""
done
want "a command by prefix" "mkimage mount " m
want "top-level options" "--help --version " --
want "mkimage --bas" "--basedir= " mkimage --bas
has "every command's options from its --help (verify --json)" --json verify --
want "--hash= values" "sha256 sha512 " digest --hash=
want "--hash VALUE" "sha256 sha512 " sign --hash ""
want "info verbs" "dump ls measure-file missing-objects objects " info ""
want "info verbs after an option and its value" \
	"dump ls measure-file missing-objects objects " info --basedir objs ""
want "keyring verbs" "add list restrict " keyring ""
want "store verbs" "fsck gc stats " store ""
want "store: STORE completes directories only" "objs " store gc --all o
want "store --keep-dir VALUE: directories" "objs " store gc --keep-dir o
want "store --keep VALUE: files" "objfile objs " store gc --keep obj
has "store options from its --help" --keep-dir= store --""
want "--basedir completes directories only" "objs " mount --basedir o
want "--cert completes files" "keys/signing.pem " verify --cert keys/s
want "IMAGE completes files" "app.img app.img.sig " verify --cert x app
want "mount: MOUNTPOINT completes directories only" "objs " mount app.img o
want "help COMMAND" "sign " help si
done_testing
