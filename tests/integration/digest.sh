#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal digest against fsverity-utils' "fsverity digest" as an oracle.
. "$TOP/tests/lib.sh"

# same_as_fsverity DESCRIPTION [--hash-alg=X] FILE...
same_as_fsverity() {
	_d=$1
	shift
	if ! command -v fsverity >/dev/null; then
		skip "$_d: fsverity (Debian package fsverity) not installed"
		return
	fi
	fsverity digest "$@" >"$WORK/want" 2>&1
	if ! "$ESEAL" digest "$@" >"$WORK/got" 2>"$WORK/err"; then
		not_ok "$_d: erofs-seal digest failed"
		sed 's/^/#   /' "$WORK/err"
		return
	fi
	if cmp -s "$WORK/want" "$WORK/got"; then
		ok "$_d"
	else
		not_ok "$_d"
		diff "$WORK/want" "$WORK/got" | sed 's/^/#   /'
	fi
}

printf 'hello world\n' >hello
printf 'foo bar baz\n' >foo
"$ESEAL" digest hello foo >out
check "known answer hello world" grep -qx \
	'sha256:37061ef2ac4c21bec68489b56138c5780306a4ad7fe6676236ecdf2c9027cd92 hello' out
check "known answer foo bar baz" grep -qx \
	'sha256:91e7d88cb7bc9cf6d8db3b0ecf89af4abf204bef5b3ade5113d5b62ef374e70b foo' out

files=
for n in 0 1 4095 4096 4097 8192 $((1024 * 1024 + 1)); do
	head -c $n /dev/urandom >"f$n"
	files="$files f$n"
done
# three tree levels with sha256 need more than 128 * 128 blocks (64 MiB);
# sparse, with data at both ends and in the middle
truncate -s $((65 * 1024 * 1024 + 123)) sparse
printf 'start' | dd of=sparse conv=notrunc status=none
printf 'middle' | dd of=sparse bs=1 seek=$((40 * 1024 * 1024)) conv=notrunc status=none
printf 'end' | dd of=sparse bs=1 seek=$((65 * 1024 * 1024 + 120)) conv=notrunc status=none
files="$files sparse"

for f in $files; do
	same_as_fsverity "sha256 $f ($(stat -c %s $f) bytes)" $f
	same_as_fsverity "sha512 $f" --hash-alg=sha512 $f
done

for i in 1 2 3 4 5 6 7 8; do
	head -c $((RANDOM * 37 + RANDOM % 4096)) /dev/urandom >"r$i"
done
same_as_fsverity "random files, several per call" r1 r2 r3 r4 r5 r6 r7 r8
same_as_fsverity "random files, sha512" --hash-alg=sha512 r1 r2 r3 r4

# errors
"$ESEAL" digest hello missing foo >out 2>err
rc=$?
check "missing file: exit 1" test $rc -eq 1
check "missing file: others still printed" test "$(wc -l <out)" -eq 2
check "missing file: error names it" grep -q "missing" err
check_fails "directory is an error" "$ESEAL" digest "$WORK"
check_fails "unknown algorithm" "$ESEAL" digest --hash-alg=md5 hello
check_fails "no file" "$ESEAL" digest
touch secret && chmod 000 secret
check_fails "unreadable file" as_user "$ESEAL" digest secret
if [ -x "$ESEAL_ASAN" ]; then
	"$ESEAL_ASAN" digest f4097 sparse >asan.out 2>&1
	"$ESEAL" digest f4097 sparse >plain.out 2>&1
	check "ASan build agrees" cmp asan.out plain.out
else
	skip "ASan build not built"
fi

done_testing
