#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# mkimage --digest-store: the object store checked with fsverity-utils as an
# independent oracle, identical results for any thread count, existing
# objects left alone, errors naming the path.
. "$TOP/tests/lib.sh"

if ! "$ESEAL" mkimage --help >/dev/null 2>&1; then
	skip "erofs-seal mkimage is not built yet"
	done_testing
	exit
fi

# put FILE SIZE SEED
put() {
	head -c "$2" /dev/zero | tr '\0' "$(printf "\\$(printf %03o $((65 + $3)))")" >"$1"
}

mkdir -p src/sub/deeper src/empty
put src/zero 0 1
put src/one 1 2
put src/i64 64 3
put src/i65 65 4
put src/block 4096 5
head -c 300000 /dev/urandom >src/sub/random
cp src/sub/random src/sub/random-copy
head -c 3000000 /dev/urandom >src/sub/deeper/big
ln src/sub/deeper/big src/hard
ln -s sub/random src/link
setfattr -n user.note -v hello src/one 2>/dev/null || true
d=src/deep
for i in $(seq 1 40); do d=$d/level-$i; done
mkdir -p "$d" && head -c 5000 /dev/urandom >"$d/leaf"

check "mkimage, 1 thread" "$ESEAL" mkimage --quiet --threads=1 \
	--digest-store=s1 src a.img
check "mkimage, 4 threads" "$ESEAL" mkimage --quiet --threads=4 \
	--digest-store=s2 src b.img
check "images identical for 1 and 4 threads" cmp a.img b.img
(cd s1 && find . | sort) >s1.list
(cd s2 && find . | sort) >s2.list
check "stores identical for 1 and 4 threads" cmp s1.list s2.list

# every object: fsverity digest == its name, mode 0644, nothing else there
bad=0
n=0
for f in s1/*/*; do
	n=$((n + 1))
	rel=${f#s1/}
	want="sha256:${rel%%/*}${rel#*/}"
	if command -v fsverity >/dev/null; then
		got=$(fsverity digest "$f" | cut -d' ' -f1)
	else
		got=$("$ESEAL" digest "$f" | cut -d' ' -f1)
	fi
	[ "$got" = "$want" ] || { bad=$((bad + 1)); echo "# bad object $f: $got"; }
	[ "$(stat -c %a "$f")" = 644 ] || { bad=$((bad + 1)); echo "# mode of $f"; }
done
check "every object's content matches its name ($n objects)" test $bad -eq 0
# i65, block, random (+copy), big (+hard), leaf: 5 distinct
check "5 distinct objects: inlined, empty and duplicate files add none" \
	test "$n" -eq 5
check "no temporary or stray files in the store (but its lock and digest cache)" \
	test -z "$(find s1 -mindepth 1 ! -regex 's1/[0-9a-f][0-9a-f]\(/[0-9a-f]*\)?' \
		! -path s1/.erofs-seal ! -path s1/.erofs-seal/lock \
		! -path s1/.erofs-seal/digest-cache)"
check "inline-sized file is not stored" \
	test ! -e "s1/$("$ESEAL" digest src/i64 | cut -c8-9)"/"$("$ESEAL" digest src/i64 | cut -c10-71)"
check "65-byte file is stored" \
	test -e "s1/$("$ESEAL" digest src/i65 | cut -c8-9)/$("$ESEAL" digest src/i65 | cut -c10-71)"

# the digest printed is the image's fs-verity digest
"$ESEAL" mkimage --print-digest-only src >digest.out 2>&1
img=$("$ESEAL" digest a.img | cut -d' ' -f1)
check "--print-digest-only prints the image's digest" \
	grep -q "${img#sha256:}" digest.out

# a second run rewrites nothing
stat -c '%n %i %Y %y' s1/*/* >before
check "second run into the same store" "$ESEAL" mkimage --quiet \
	--digest-store=s1 src c.img
stat -c '%n %i %Y %y' s1/*/* >after
check "existing objects untouched (inode, mtime)" cmp before after
check "same image again" cmp a.img c.img

# errors name the path and leave the store consistent
mkdir -p s3 out && chmod 777 s3 out && chmod -R a+rX src
chmod 000 src/sub/random
as_user "$ESEAL" mkimage --quiet --digest-store=s3 src out/d.img >err 2>&1
rc=$?
check "unreadable file: fails" test $rc -ne 0 -a $rc -lt 128
check "unreadable file: error names it" grep -q "src/sub/random" err
chmod 644 src/sub/random
check_fails "missing source" "$ESEAL" mkimage --quiet --digest-store=s4 \
	nonexistent e.img
grep -q nonexistent .out && ok "missing source: error names it" ||
	not_ok "missing source: error names it"
check "no temporary files left by failures" \
	test -z "$(find . -name '.tmp-*')"

done_testing
