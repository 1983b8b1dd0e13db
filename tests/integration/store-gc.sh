#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal store gc: three images sharing objects, two kept -> exactly the
# objects they need remain (checked against `info objects`), --dry-run
# changes nothing; Merkle tree files and stale temporary files go with
# garbage, and nothing that is not an object of ours is removed or
# followed; bad arguments are refused before anything is removed.
. "$TOP/tests/lib.sh"
. "$TOP/tests/store-lib.sh"

# a snapshot of everything below a store (names, inodes, sizes)
snapshot() { (cd "$1" && find . -printf '%p %y %i %s\n' | sort); }

mkdir -p src/a src/b src/c keep other
for f in 1 2 3 4 5 6; do rnd src/a/f$f $((1000 * f + 100)); done
cp src/a/f1 src/a/f2 src/b/            # b shares two with a
rnd src/b/own 5000
cp src/a/f3 src/c/                     # c shares one with a
rnd src/c/own 7000
cp src/b/own src/c/b-own               # ... and one with b
echo tiny >src/c/inline                # inlined: no object

"$ESEAL" mkimage --quiet --basedir=S src/a keep/a.img &&
	"$ESEAL" mkimage --quiet --basedir=S src/b keep/b.img &&
	"$ESEAL" mkimage --quiet --basedir=S src/c other/c.img ||
	not_ok "make three images"
"$ESEAL" info objects keep/a.img keep/b.img | sort -u >want
"$ESEAL" info objects other/c.img | sort -u >c.objs
store_objects S >all
check "three images: 8 distinct objects in the store" test "$(wc -l <all)" -eq 8
check "... of which the two kept images need 7" test "$(wc -l <want)" -eq 7

# garbage around the one object only c needs: its tree file, a stale
# temporary file, an orphan tree; and a young temporary file that stays
only_c=$(comm -23 c.objs want)
check "one object only the third image needs" test "$(echo "$only_c" | wc -l)" -eq 1
rnd "S/$only_c.merkle" 128
rnd "S/${only_c%%/*}/0000000000000000000000000000000000000000000000000000000000abcd.merkle" 64
kept1=$(head -1 want)
rnd "S/$kept1.merkle" 64                 # the tree of a kept object stays
rnd S/.tmp-old123 100 && touch -d '2 hours ago' S/.tmp-old123
rnd "S/${kept1%%/*}/.tmp-old456" 100 && touch -d '3 hours ago' "S/${kept1%%/*}/.tmp-old456"
rnd S/.tmp-new789 100
# things that are not ours: a symlinked fan-out directory pointing out of
# the store at something shaped like garbage, a symlink and a FIFO named as
# objects, a file whose name is no digest, a directory named as an object
# (the fan-out takes a name no object here has: the objects' digests are
# random, and a fixed "ab" was one of theirs 3% of the time)
fan=$(for p in ab ba ef fe 12 21 34 43; do [ -e "S/$p" ] || { echo "$p"; break; }; done)
mkdir -p outside/ab
rnd outside/ab/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd 3000
ln -s "$WORK/outside/ab" "S/$fan"
mkdir -p S/cd
ln -s "$WORK/outside/ab/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd" \
	S/cd/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
mkfifo S/cd/1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
mkdir S/cd/2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
echo notes >S/cd/README
mkdir -p S/.erofs-seal/cache && echo keep >S/.erofs-seal/cache/x
mkdir -p S/.quarantine/old && echo evidence >S/.quarantine/old/x

snapshot S >before
check "gc --dry-run" "$ESEAL" store gc --dry-run --keep=keep/a.img \
	--keep-dir=keep S
check_has "... says what would go: the one object" "would remove 1 object"
check_has "... and two tree files" "would remove 2 Merkle tree files"
check_has "... and two stale temporary files" "would remove 2 stale temporary files"
snapshot S >after
check "... and changes nothing in the store" cmp before after

check "gc keeping two of the three images" "$ESEAL" store gc --keep-dir=keep S
check_has "... reports what it kept" "kept 7 objects"
check_has "... and what it removed" "removed 1 object"
check_has "... and names what it left alone" "S/$fan: a symbolic link, not a directory: left alone"
store_objects S >left
check "exactly the objects the kept images need remain" cmp want left
check "the third image's own object is gone, with its tree file" \
	test ! -e "S/$only_c" -a ! -e "S/$only_c.merkle"
check "the orphan tree file is gone" \
	test ! -e "S/${only_c%%/*}/0000000000000000000000000000000000000000000000000000000000abcd.merkle"
check "the kept object's tree file stays" test -f "S/$kept1.merkle"
check "stale temporary files are gone" \
	test ! -e S/.tmp-old123 -a ! -e "S/${kept1%%/*}/.tmp-old456"
check "a young temporary file stays (a writer's, perhaps)" test -f S/.tmp-new789
check "the symlinked fan-out is left alone" test -L "S/$fan"
check "... and nothing behind it was removed" \
	test -f outside/ab/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
check "a symlink named as an object is left alone" \
	test -L S/cd/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
check "... so are a FIFO, a directory and a name that is no digest" \
	test -p S/cd/1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd \
	-a -d S/cd/2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd \
	-a -f S/cd/README
check "the store's metadata and the quarantine are untouched" \
	grep -qx keep S/.erofs-seal/cache/x
check "... both" grep -qx evidence S/.quarantine/old/x
check "the kept images miss nothing" \
	test -z "$("$ESEAL" info missing-objects --basedir=S keep/a.img keep/b.img)"
check "the third one misses its own object" \
	test "$("$ESEAL" info missing-objects --basedir=S other/c.img)" = "$only_c"

# a second run has nothing left to do; --json says so in numbers
check "gc --json" "$ESEAL" store gc --json --keep-dir=keep S
if grep -q '"objects_kept":7,' "$WORK/.out" && grep -q '"objects_removed":0,' "$WORK/.out" &&
	grep -q '"problem":"type"' "$WORK/.out" && grep -q '"images":2,' "$WORK/.out"; then
	ok "... counts, and the entries left alone, in JSON"
else
	not_ok "... counts, and the entries left alone, in JSON"
	sed 's/^/#   /' "$WORK/.out" | head -3
fi

# keep-dir: files that are not images are skipped, symlinks to images
# followed, subdirectories walked
mkdir -p kd/sub kd2
cp keep/a.img kd/sub/
echo 'not an image' >kd/a.img.sig
ln -s "$WORK/keep/b.img" kd/b-link.img
mkfifo kd/fifo
cp -a S S2
check "gc --keep-dir: subdirectories, symlinks to images, other files skipped" \
	timeout 30 "$ESEAL" store gc --keep-dir=kd S2
store_objects S2 >left2
check "... keeps the same objects" cmp want left2

# ---- bad arguments: refused, nothing removed ----------------------------
snapshot S >before
check_fails "no roots: refused" "$ESEAL" store gc S
check_has "... saying how to remove everything" "--all"
check_fails "--all with roots: refused" "$ESEAL" store gc --all --keep=keep/a.img S
check_fails "a kept image that is not an image: refused" \
	"$ESEAL" store gc --keep=kd/a.img.sig S
check_has "... naming it" "kd/a.img.sig: not an EROFS image"
head -c 4096 keep/a.img >broken.img
mkdir -p kd3 && cp keep/a.img kd3/ && cp broken.img kd3/
check_fails "a damaged image in a kept directory: refused" \
	"$ESEAL" store gc --keep-dir=kd3 S
check_has "... naming it" "kd3/broken.img"
check_fails "a kept image that does not exist: refused" \
	"$ESEAL" store gc --keep=nonexistent.img S
check_fails "a kept directory that does not exist: refused" \
	"$ESEAL" store gc --keep-dir=nonexistent S
mkdir notstore && echo x >notstore/passwd && mkdir notstore/ab
check_fails "a directory that is not an object store: refused" \
	"$ESEAL" store gc --all notstore
check_has "... saying what it holds" "notstore is not an object store: it holds 'passwd'"
check "... and nothing in it was touched" test -f notstore/passwd
check_fails "a store that does not exist: refused" \
	"$ESEAL" store gc --all nonexistent
check_fails "an option of another verb: a usage error" \
	"$ESEAL" store gc --repair --all S
snapshot S >after
check "after all the refusals the store is unchanged" cmp before after

check "--all removes every object" "$ESEAL" store gc --all S
check "... none is left" test -z "$(store_objects S)"
check "... and the things that are not ours stay" \
	test -L "S/$fan" -a -f S/cd/README -a -f S/.tmp-new789
done_testing
