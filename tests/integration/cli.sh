#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The command layer (cli/): the command table, --help and --version for
# every command, one spelling per option with the old ones kept, and usage
# errors that name the command and exit 2.
. "$TOP/tests/lib.sh"

# expect CODE DESCRIPTION PATTERN COMMAND...: exit CODE, output has PATTERN
expect() {
	_c=$1 _d=$2 _p=$3
	shift 3
	"$@" >"$WORK/.out" 2>&1
	_rc=$?
	if [ $_rc -eq "$_c" ] && grep -q -- "$_p" "$WORK/.out"; then
		ok "$_d"
	else
		not_ok "$_d (exit $_rc, want $_c and '$_p')"
		sed 's/^/#   /' "$WORK/.out" | head -10
	fi
}

cmds=$("$ESEAL" --help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
check "erofs-seal --help lists the commands" test -n "$cmds"
for c in $cmds; do
	expect 0 "$c --help: usage on stdout" "^Usage: erofs-seal $c" "$ESEAL" "$c" --help
	expect 0 "$c -h" "^Options:" "$ESEAL" "$c" -h
	expect 0 "help $c is $c --help" "^Usage: erofs-seal $c" "$ESEAL" help "$c"
	expect 0 "$c --version" "^erofs-seal [0-9]" "$ESEAL" "$c" --version
	expect 2 "$c --no-such-option: usage error naming the command" \
		"^erofs-seal $c: unknown option '--no-such-option'" \
		"$ESEAL" "$c" --no-such-option
done
expect 0 "erofs-seal --version" "^erofs-seal [0-9]" "$ESEAL" --version
expect 0 "erofs-seal version" "^erofs-seal [0-9]" "$ESEAL" version
expect 2 "an unknown command" "'bogus' is not a command" "$ESEAL" bogus
expect 2 "no command" "^Usage: erofs-seal" "$ESEAL"
expect 2 "a missing value" "option '--basedir' needs a value" "$ESEAL" mkimage --basedir
expect 2 "a value for a flag" "option '--quiet' takes no value" "$ESEAL" mkimage --quiet=1 a b
expect 2 "a bad number" "'0' is not a number from 1 to 1024" \
	"$ESEAL" mkimage --threads=0 a b
expect 2 "missing operands" "expected SOURCE and IMAGE" "$ESEAL" mkimage src
if "$ESEAL" --help >/dev/full 2>/dev/null; then
	not_ok "a failed write of --help is an error"
else
	ok "a failed write of --help is an error"
fi

# one spelling per option, the old one kept
mkdir -p src/d
head -c 5000 /dev/urandom >src/d/f
"$ESEAL" mkimage -q --basedir=s1 src a.img
"$ESEAL" mkimage -q --digest-store=s2 src b.img
check "mkimage --basedir stores objects" test -n "$(find s1 -type f)"
check "... as --digest-store does (same image)" cmp a.img b.img
check "info missing-objects --basedir: none missing" \
	test -z "$("$ESEAL" info missing-objects --basedir=s1 a.img)"
check "digest --hash and --hash-alg agree" test \
	"$("$ESEAL" digest --hash=sha512 a.img)" = "$("$ESEAL" digest --hash-alg sha512 a.img)"
check "digest --hash=sha512" grep -q '^sha512:' <("$ESEAL" digest --hash sha512 a.img)
expect 2 "--hash-alg: a bad value names the spelling given" \
	"--hash-alg: 'md5' is not sha256 or sha512" "$ESEAL" digest --hash-alg=md5 a.img
check "options after operands" "$ESEAL" digest a.img --hash=sha256
check "-- ends the options" "$ESEAL" digest -- a.img
for c in sign verify digest; do
	check "$c --help names --hash and --hash-alg" \
		sh -c "'$ESEAL' $c --help | grep -q -- '--hash=ALG, --hash-alg=ALG'"
done
check "mount --help: --privatedir, --private-dir kept" \
	sh -c "'$ESEAL' mount --help | grep -q -- '--privatedir=DIR, --private-dir=DIR'"

# verify's JSON (the one JSON writer): strings escaped, wherever --json stands
keys=$TOP/keys/make-keys
if "$keys" --cn 'q"uote' k >/dev/null 2>&1; then
	"$ESEAL" sign --key k/signing.key --cert k/signing.pem a.img a.sig
	"$ESEAL" verify --cert k/signing.pem a.img a.sig --json >v.json
	check "verify --json after the operands" grep -q '"valid":true' v.json
	# OpenSSL writes the quote as \" in the subject: both get escaped
	check "JSON escapes the signer's backslash and quote" \
		grep -qF '"signer":"CN=q\\\"uote"' v.json
	if command -v python3 >/dev/null; then
		check "verify --json is valid JSON" python3 -c \
			'import json,sys; assert "\"" in json.load(open(sys.argv[1]))["signer"]' v.json
	else
		skip "python3 not installed: JSON not parsed"
	fi
	"$ESEAL" verify --json --cert missing.pem a.img a.sig >e.json 2>/dev/null
	check "a trust error is JSON too, --json first" grep -q '"result":"error"' e.json
else
	skip "keys/make-keys failed: no JSON checks"
fi
done_testing
