#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Error messages that name something from a dump, an image or a scanned
# tree show it escaped exactly as `info ls` does: no raw ESC, newline or
# invalid UTF-8 reaches the terminal.
. "$TOP/tests/lib.sh"

if ! "$ESEAL" mkimage --help >/dev/null 2>&1; then
	skip "erofs-seal mkimage is not built yet"
	done_testing
	exit
fi

# clean DESCRIPTION FILE: one line, no control byte but its newline, and
# no byte outside ASCII (names with such bytes must have been escaped)
clean() {
	if [ "$(wc -l <"$2")" -eq 1 ] &&
	   ! LC_ALL=C grep -q '[^[:print:]]' "$2"; then
		ok "$1"
	else
		not_ok "$1"
		od -c "$2" | head -8 | sed 's/^/#   /'
	fi
}

root='/ 4096 40755 2 0 0 0 0.0 - - -'
dg=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
# the name: ESC [31m, a newline, invalid UTF-8 (ff), valid UTF-8 (e), '\'
name='\x1b[31mred\nline\xff\xc3\xa9\\'
shown='\x1b[31mred\nline\xff\xc3\xa9\\'	# as info ls prints it

# ---- a dump ----------------------------------------------------------------
printf '%s\n/%s 0 100644 1 0 0 0 0.0 - - -\n/%s 0 100644 1 0 0 0 0.0 - - -\n' \
	"$root" "$name" "$name" >dup.dump
"$ESEAL" mkimage --quiet --from-file dup.dump dup.img 2>err1
check "a dump with a duplicate weird name is refused" test $? -eq 1
clean "... the message is one clean line" err1
check_has "... and shows the name as info ls does" "duplicate path /$shown" err1

printf '%s\n/%s 3 100644 1 0 0 0 0.0 - abc -\n' "$root" "$name" >ok.dump
"$ESEAL" mkimage --quiet --from-file ok.dump ok.img
"$ESEAL" info ls ok.img >ls.out
check_has "info ls shows the name in the same form" "/$shown" ls.out

printf '%s\n/%s/x 0 100644 1 0 0 0 0.0 - - -\n' "$root" "$name" >orphan.dump
"$ESEAL" mkimage --quiet --from-file orphan.dump o.img 2>err2
clean "a missing parent: one clean line" err2
check_has "... naming the path" "/$shown/x" err2

printf '%s\n/%s 0 100644 1 0 0 0 0.0 - - - user.\\x1b=1\n' "$root" "$name" \
	>xattr.dump
printf '/y 0 @100644 1 0 0 0 0.0 /nowhere\\x1b\\n - -\n' >>xattr.dump
"$ESEAL" mkimage --quiet --from-file xattr.dump x.img 2>err3
clean "a hardlink to a missing weird target: one clean line" err3
check_has "... naming the target" 'no target /nowhere\x1b\n for hardlink' err3

# ---- an image --------------------------------------------------------------
printf '%s\n/%s 100 100644 1 0 0 0 0.0 aa/passwd - %s\n' "$root" "$name" "$dg" \
	>stub.dump
"$ESEAL" mkimage --quiet --from-file stub.dump stub.img
sed 's|/aa/passwd|/../passwd|' stub.img >evil.img
"$ESEAL" info dump evil.img >/dev/null 2>err4
check "an image with a bad entry is refused" test $? -eq 1
clean "... in one clean line" err4
check_has "... naming the entry as info ls does" "/$shown: invalid overlay redirect" err4

# ---- a directory tree ------------------------------------------------------
mkdir -p src/sub
printf 'data' >"src/sub/$(printf 'f\033[2J\nx\377')"
chmod 000 src/sub/f*
chmod 755 src src/sub
mkdir out && chmod 777 out
as_user "$ESEAL" mkimage --quiet src out/t.img 2>err5
rc=$?
check "an unreadable weird file: mkimage fails" test $rc -ne 0 -a $rc -lt 128
clean "... with one clean line" err5
check_has "... naming it as info ls would" 'src/sub/f\x1b[2J\nx\xff' err5
chmod 644 src/sub/f*

done_testing
