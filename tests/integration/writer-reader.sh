#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# What mkimage writes, info reads: inputs the reader would refuse are
# refused when the image is built, with the line that has them (mtime
# nanoseconds of 10^9 and more, entries deeper than 4096 levels), and the
# deepest tree allowed is written and read back.  The property over many
# trees is in tests/unit/test-image-read.c and tests/fuzz/fuzz-writer.c.
. "$TOP/tests/lib.sh"

if ! "$ESEAL" mkimage --help >/dev/null 2>&1; then
	skip "erofs-seal mkimage is not built yet"
	done_testing
	exit
fi

# refused DESCRIPTION PATTERN DUMP [OPTION]: mkimage refuses DUMP with a
# message matching PATTERN and leaves no image
refused() {
	rm -f out.img
	check_fails "$1" "$ESEAL" mkimage --quiet --from-file $4 "$3" out.img
	if grep -q -- "$2" "$WORK/.out" && [ ! -e out.img ]; then
		ok "... saying '$2', no image left"
	else
		not_ok "... saying '$2', no image left"
		sed 's/^/#   /' "$WORK/.out" | head -5
	fi
}

printf '/ 4096 40755 2 0 0 0 0.1000000000 - - -\n' >ns.dump
refused "mtime nanoseconds of 10^9: refused (strict)" \
	"ns.dump:1: MTIME: nanoseconds out of range: 1000000000" ns.dump --strict
refused "... and in lenient mode, which mkcomposefs accepts" \
	"ns.dump:1: MTIME: nanoseconds out of range" ns.dump
printf '/ 4096 40755 2 0 0 0 0.1999999999 - - -\n' >ns2.dump
refused "... any value above, too" "nanoseconds out of range" ns2.dump \
	--lenient
printf '/ 4096 40755 2 0 0 0 7.999999999 - - -\n' >ok.dump
check "999999999 nanoseconds: fine" \
	"$ESEAL" mkimage --quiet --from-file ok.dump ok.img
check "... and read back" \
	sh -c "'$ESEAL' info dump ok.img | grep -q '^/ .* 7.999999999 '"

# /d/d/.../d, depth directories: one dump line each
deep_dump() {
	awk -v n="$1" 'BEGIN {
		print "/ 4096 40755 3 0 0 0 0.0 - - -"
		p = ""
		for (i = 1; i <= n; i++) {
			p = p "/d"
			print p " 4096 40755 " (i < n ? 3 : 2) " 0 0 0 0.0 - - -"
		}
	}'
}
deep_dump 4096 >deep.dump
check "a dump 4096 directories deep is written" \
	"$ESEAL" mkimage --quiet --from-file deep.dump deep.img
"$ESEAL" info dump deep.img >deep.back 2>deep.err
check "... info dump reads it back" test $? -eq 0
check "... all 4097 entries" test "$(wc -l <deep.back)" -eq 4097
check "... the same dump again" \
	sh -c "'$ESEAL' mkimage --quiet --from-file deep.back - | cmp -s - deep.img"

deep_dump 4097 >deeper.dump
refused "one level deeper is refused when building" \
	"deeper.dump:4098: 'd' is nested deeper than 4096 levels" deeper.dump
refused "... in lenient mode too" "nested deeper than 4096 levels" \
	deeper.dump --lenient

done_testing
