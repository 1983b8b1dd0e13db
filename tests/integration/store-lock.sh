#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The store's lock protocol (docs/object-store.md): writers share
# STORE/.erofs-seal/lock, gc takes it exclusively.  The orderings are made
# with flock(1), FIFOs and a full pipe (and a poll of /proc/locks), never
# with timed sleeps: gc --no-wait
# fails while a writer holds the lock (mkimage holds it until its image is
# written, and while a tar layer streams in), a writer (a directory's or a
# tar layer's) waits for a gc, and gc run in a loop while mkimage
# publishes images into a kept directory (and garbage keeps coming back)
# never leaves a kept image without an object.
. "$TOP/tests/lib.sh"
. "$TOP/tests/store-lib.sh"

if ! command -v flock >/dev/null; then
	skip "flock(1) (util-linux) not installed"
	done_testing
	exit
fi

missing() { "$ESEAL" info missing-objects --basedir=S "$@"; }

mkdir -p pool keep
for i in $(seq 1 30); do rnd pool/p$i $((2000 + i)); done
check "mkimage into a new store" "$ESEAL" mkimage --quiet --basedir=S pool pool.img
L=S/.erofs-seal/lock
check "... made its lock file" test -f $L
check "... readable by every writer (0644), in a 0755 directory" \
	test "$(stat -c %a $L) $(stat -c %a S/.erofs-seal)" = "644 755"

# ---- a writer holds the lock (flock -s, as the protocol says) -----------
check_fails "gc --no-wait while a writer holds the lock: refused" \
	flock -s $L "$ESEAL" store gc --no-wait --keep-dir=keep S
check_has "... saying the store is locked" "S is locked by a writer or a gc"
check "... and it removed nothing" test -z "$(missing pool.img)"
flock -s $L "$ESEAL" store fsck --no-wait --repair S >"$WORK/.out" 2>&1
check "fsck --repair --no-wait while a writer holds it: exit 4" test $? -eq 4
check "fsck (a check) runs beside a writer" flock -s $L "$ESEAL" store fsck --no-wait S
check "gc --dry-run runs beside a writer" \
	flock -s $L "$ESEAL" store gc --dry-run --no-wait --keep-dir=keep S
check "mkimage runs beside another writer" \
	flock -s $L "$ESEAL" mkimage --quiet --basedir=S pool pool2.img

# ---- mkimage holds it until its image is written -----------------------
# The image goes to a pipe nobody reads: once its first byte came, mkimage
# is writing the image (its objects are stored) and blocks on the full
# pipe until we read on: 60 symlinks of 4000 bytes make an image far larger
# than a pipe holds (64 KiB).
mkdir many
target=$(printf 'x%.0s' $(seq 4000))
for i in $(seq 1 60); do ln -s "$target$i" many/l$i; done
rnd many/big 9000
"$ESEAL" mkimage --quiet --basedir=S many - | {
	dd bs=1 count=1 of=/dev/null status=none
	"$ESEAL" store gc --no-wait --all S >gc.out 2>&1
	echo $? >gc.rc
	cat >/dev/null
}
check "gc --no-wait while mkimage writes its image: refused" test "$(cat gc.rc)" = 1
check_has "... the store is locked" "is locked" gc.out
check "... the object it stored is there" \
	test -f "S/$("$ESEAL" digest many/big | cut -c8-9)/$("$ESEAL" digest many/big | cut -c10-71)"
check "once mkimage is done, gc --no-wait runs" \
	"$ESEAL" store gc --no-wait --keep=pool.img S

# ---- a writer waits for a gc --------------------------------------------
# While "gc" (flock -x) holds the lock, mkimage starts and every object is
# removed; released, mkimage must store again what it needs: it cannot
# have looked anything up before.
mkfifo held release
# waits_for_gc DESC SOURCE IMAGE: mkimage SOURCE started while "gc" holds
# the lock and removes every object
waits_for_gc() {
	local holder mk
	flock -o -x $L sh -c 'echo >held; read x <release' &
	holder=$!
	read -r _ <held
	"$ESEAL" mkimage --quiet --basedir=S "$2" "$3" &
	mk=$!
	find S -regex 'S/[0-9a-f][0-9a-f]/[0-9a-f]*' -delete
	echo >release
	wait $holder
	wait $mk
	check "$1 started while a gc held the lock: succeeded" test $? -eq 0
	check "... and its image misses no object" test -z "$(missing "$3")"
}
mkdir w && cp pool/p1 pool/p2 w/
waits_for_gc "mkimage" w keep/w.img

# ---- the OCI input path follows the same protocol ----------------------
# A tar layer read from a FIFO: while its stream is open mkimage is taking
# objects in, and must hold the lock (seen in /proc/locks, then by gc).
mkdir -p layer/d
for i in 1 2 3; do rnd layer/d/t$i $((5000 + i)); done
tar --format=posix -cf layer.tar -C layer .
mkfifo tarpipe
"$ESEAL" mkimage --quiet --basedir=S tar:- keep/tar.img <tarpipe &
mk=$!
exec 3>tarpipe
head -c 4096 layer.tar >&3
lock_ino=$(stat -c %i $L)
for i in $(seq 1 400); do
	grep -q "FLOCK *ADVISORY *READ *$mk [0-9a-f:]*:$lock_ino " /proc/locks && break
	sleep 0.05
done
check "mkimage tar:- holds the writers' lock while the layer streams in" \
	grep -q "FLOCK *ADVISORY *READ *$mk [0-9a-f:]*:$lock_ino " /proc/locks
check_fails "... gc --no-wait meanwhile: refused" \
	"$ESEAL" store gc --no-wait --keep-dir=keep S
tail -c +4097 layer.tar >&3
exec 3>&-
wait $mk
check "... the layer's image is published" test $? -eq 0
check "... and misses no object" test -z "$(missing keep/tar.img)"
check "... its objects are the layer's" test -f \
	"S/$("$ESEAL" digest layer/d/t1 | cut -c8-9)/$("$ESEAL" digest layer/d/t1 | cut -c10-71)"

# and an OCI ingest started while a gc holds the lock waits for it
waits_for_gc "mkimage tar:" tar:layer.tar keep/tar2.img
rm keep/tar.img keep/tar2.img

# ---- gc in a loop while images are published into a kept directory ------
# Each build needs a pool object that is garbage until its image is
# published; a third loop keeps putting the pool's objects back, so that
# gc keeps finding garbage to remove while builds look objects up.
"$ESEAL" mkimage --quiet --basedir=S pool pool.img
(
	n=0
	while [ ! -e stop ]; do
		"$ESEAL" store gc --keep-dir=keep S >gc.last 2>&1 ||
			{ echo "gc failed: $(cat gc.last)" >>loop.errors; break; }
		grep -q 'removed [1-9]' gc.last && n=$((n + 1))
	done
	echo $n >gc.removing
) &
gcloop=$!
(
	while [ ! -e stop ]; do
		"$ESEAL" mkimage --quiet --basedir=S pool pool.img 2>>loop.errors ||
			{ echo "pool mkimage failed" >>loop.errors; break; }
	done
) &
poolloop=$!
built=0
for i in $(seq 1 30); do
	mkdir r$i
	cp pool/p$i r$i/
	rnd r$i/own 3000
	"$ESEAL" mkimage --quiet --basedir=S r$i keep/r$i.img 2>>loop.errors &&
		built=$((built + 1))
done
touch stop
wait $gcloop $poolloop
check "30 images built while gc ran in a loop" test $built -eq 30
check "... no gc or build failed" test ! -s loop.errors
[ -s loop.errors ] && sed 's/^/#   /' loop.errors | head -5
echo "# gc runs that removed garbage meanwhile: $(cat gc.removing)"
bad=0
for f in keep/r*.img; do
	[ -z "$(missing "$f")" ] || { echo "# $f misses: $(missing "$f")"; bad=$((bad + 1)); }
done
check "... and no kept image misses an object" test $bad -eq 0
check "a last gc keeps every kept image whole" "$ESEAL" store gc --keep-dir=keep S
check "... still" test -z "$(missing keep/*.img)"
done_testing
