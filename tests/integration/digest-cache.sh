# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# mkimage's digest cache: an unchanged file is not read again, and the
# cache is never wrong: a file rewritten with its old size and mtime, a
# file changed just before it was read, a damaged cache, one of another
# source root, one not ours or writable by others, an object missing from
# the store: each gives the image a run without the cache gives.  The
# counts come from --verbose ("hashed: N", "from the digest cache: N").
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"

make_tree src small
# files changed less than 2 s before they are read are not kept
sleep 3

# from_cache/hashed VERBOSE-OUTPUT: the counts mkimage -v printed
from_cache() { sed -n 's/.*from the digest cache: \([0-9]*\).*/\1/p' "$1"; }
hashed() { sed -n 's/.*; hashed: \([0-9]*\) .*/\1/p' "$1"; }
# build NAME [OPTIONS]: mkimage -v src NAME.img into the store st, output
# in NAME.out
build() {
	local n=$1
	shift
	"$ESEAL" mkimage -q -v --basedir=st "$@" src "$n.img" >"$n.out" 2>&1
}
# reference NAME: the image without any cache
reference() {
	"$ESEAL" mkimage -q --no-digest-cache src "$1.img"
}

n_big=$(find src -type f -size +64c | wc -l)
check "first build with a store" build a
check "... makes the cache in the store" test -f st/.erofs-seal/digest-cache
check "... of mode 0644" test "$(stat -c %a st/.erofs-seal/digest-cache)" = 644
check_has "... and says it was none and is written" "digest cache: none yet; written" a.out
check "second build" build b
check "... the same image" cmp a.img b.img
if [ "$(from_cache b.out)" -gt 0 ] &&
   [ "$(from_cache b.out)" -eq "$(($(hashed a.out) - $(hashed b.out)))" ]; then
	ok "... every file over the inline size from the cache ($(from_cache b.out) of $n_big names)"
else
	not_ok "... every file over the inline size from the cache"
	sed 's/^/#   /' a.out b.out
fi
check_has "... and the cache is left as it was" "digest cache: used; unchanged" b.out
check "without a cache: the same image" reference ref
check "... as the cache's" cmp ref.img b.img

# a rewrite that keeps size and mtime changes ctime, which no one can set
f=$(find src -type f -size +8k | head -1)
mtime=$(stat -c %y "$f")
printf 'X' | dd of="$f" bs=1 seek=5000 conv=notrunc status=none
touch -d "$mtime" "$f"
check "size and mtime as before" test "$(stat -c %y "$f")" = "$mtime"
check "build after the rewrite" build c
reference ref
check "... gives the image without a cache" cmp ref.img c.img
if cmp -s a.img c.img; then
	not_ok "... which differs from the old one"
else
	ok "... which differs from the old one"
fi
check "... the rewritten file was read (missed the cache)" \
	test "$(from_cache c.out)" -eq $(($(from_cache b.out) - 1))

# a file changed just now is read, and not kept: the next run reads it too
printf 'Y' | dd of="$f" bs=1 seek=5001 conv=notrunc status=none
check "build right after a change" build d
check "build again" build e
check "... the file changed just before it was read is read again" \
	test "$(from_cache e.out)" -eq $(($(from_cache b.out) - 1))
reference ref
check "... the image is right" cmp ref.img e.img
sleep 3

# with the store's fan-out directories unchanged for 2 s, the cache keeps
# their stamps and vouches for their objects without a lookup
check "build with the store unchanged for a while" build f
check "... again: the cache has kept the store's stamps" build f2
check_has "... and is left as it was" "digest cache: used; unchanged" f2.out

# object_of FILE: the object of FILE's content in st.  The store also
# holds the old contents of $f, which no build needs any more: the objects
# below are picked from files of the tree, never from those.
object_of() {
	local hex
	hex=$("$ESEAL" digest "$1" | cut -d' ' -f1)
	hex=${hex#sha256:}
	echo "st/${hex:0:2}/${hex:2}"
}
# the objects of the tree's stored files, one per line
tree_objects() {
	find src -type f -size +64c | while read -r g; do
		object_of "$g"
	done
}

# an object the cache names but the store lacks is stored again: its
# removal changed the stamp (ctime) of its directory
obj=$(tree_objects | head -1)
rm -f "$obj"
sleep 3		# the change is no longer too recent to be stamped
check "build with an object removed from the store" build g
check "... stores it again" test -f "$obj"
check_has "... one new object" "objects: 1 new" g.out
check "... with its content" \
	test "$("$ESEAL" digest "$obj" | cut -c8-71)" = "$(echo "${obj#st/}" | tr -d /)"
check "... the same image" cmp e.img g.img
# an object of another directory replaced by a directory: found
obj2=$(tree_objects | grep -v "^${obj%/*}/" | head -1)
rm -f "$obj2"
mkdir "$obj2"
sleep 3
check_fails "an object replaced by a directory" build g1
check_has "... is named" "${obj2#st/}" g1.out
rmdir "$obj2"

# a gc that removes every object keeps the cache (not an object): the
# next build finds the digests there but not the objects: it reads the
# files again and stores them
check "store gc --all" "$ESEAL" store gc --all st
check "... leaves the cache" test -f st/.erofs-seal/digest-cache
check "... and no object" test -z "$(store_list st | grep '^\./[0-9a-f][0-9a-f]/')"
check "build after the gc" build g2
check "... stores every object again" \
	test "$(store_list st | grep -c '^\./[0-9a-f][0-9a-f]/')" -eq \
	"$(sed -n 's/^objects: \([0-9]*\) new.*/\1/p' g2.out)"
check "... more than none" test "$(sed -n 's/^objects: \([0-9]*\) new.*/\1/p' g2.out)" -gt 0
check "... reading every file the cache knows" \
	test "$(from_cache g2.out)" -eq 0
check "... the same image" cmp e.img g2.img
check "... every object's content is its name" \
	sh -c 'for f in $(find st -path st/.erofs-seal -prune -o -type f -print); do
		test "$("$0" digest "$f" | cut -c8-71)" = "$(echo "${f#st/}" | tr -d /)" || exit 1
	done' "$ESEAL"

# a damaged cache is ignored and made anew
cache=st/.erofs-seal/digest-cache
size=$(stat -c %s "$cache")
printf '\377' | dd of="$cache" bs=1 seek=$((size / 2)) conv=notrunc status=none
check "build with a damaged cache" build h
check_has "... says it is damaged" "digest cache: damaged: ignored, made anew; written" h.out
check "... reads every file" test "$(from_cache h.out)" -eq 0
check "... the same image" cmp e.img h.img
check "the next build uses the new cache" build i
check "... every file over the inline size from it" \
	test "$(from_cache i.out)" -eq "$(from_cache b.out)"
truncate -s $((size - 7)) "$cache"
check "build with a truncated cache" build j
check_has "... says it is damaged" "damaged" j.out
check "... the same image" cmp e.img j.img

# not ours, or writable by others: ignored and replaced
chmod 666 "$cache"
check "build with a cache writable by others" build k
check_has "... ignores it" "not ours or writable by others: ignored, replaced" k.out
check "... and replaces it (mode 0644)" test "$(stat -c %a "$cache")" = 644
check "... the same image" cmp e.img k.img
if is_root; then
	chown 65534 "$cache"
	check "build with a cache owned by someone else" build l
	check_has "... ignores it" "not ours or writable by others" l.out
	check "... and replaces it with one of ours" test "$(stat -c %u "$cache")" = 0
else
	skip "not root: a cache owned by another user"
fi

# another source root: another tree, or a part of the same
check "--digest-cache=FILE, no store" \
	"$ESEAL" mkimage -q -v --digest-cache=dc src m.img
check "... makes FILE" test -f dc
check "... again, from it" \
	sh -c '"$0" mkimage -q -v --print-digest-only --digest-cache=dc src >m2.out 2>&1' "$ESEAL"
check "... every file over the inline size from it" \
	test "$(from_cache m2.out)" -eq "$(from_cache b.out)"
check "... the digest is the image's" \
	test "$(grep -x '[0-9a-f]\{64\}' m2.out)" = "$("$ESEAL" digest m.img | cut -c8-71)"
cp -a src src2
check "the cache with a copy of the tree" \
	sh -c '"$0" mkimage -q -v --print-digest-only --digest-cache=dc src2 >n.out 2>&1' "$ESEAL"
check_has "... is of another source" "of another source: ignored, made anew" n.out
check "... and so with a directory of the tree" \
	sh -c '"$0" mkimage -q -v --print-digest-only --digest-cache=dc src/names >o.out 2>&1' "$ESEAL"
check_has "... is of another source" "of another source" o.out
# another filesystem: the same files (names, sizes, times) copied to a
# tmpfs, whose inode numbers may well be the cached ones
if is_root && mkdir fsmnt && mount -t tmpfs -o size=64m eseal-dc fsmnt 2>/dev/null; then
	trap 'umount fsmnt 2>/dev/null' EXIT
	cp -a src fsmnt/src
	check "the cache with the tree copied to another filesystem" \
		sh -c '"$0" mkimage -q -v --print-digest-only --digest-cache=dc fsmnt/src >fs.out 2>&1' "$ESEAL"
	check_has "... is of another source" "of another source: ignored, made anew" fs.out
	check "... reads every file" test "$(from_cache fs.out)" -eq 0
	check "... the digest of the files there" \
		test "$(grep -x '[0-9a-f]\{64\}' fs.out)" = \
		"$("$ESEAL" mkimage --no-digest-cache --print-digest-only fsmnt/src)"
	umount fsmnt
else
	skip "not root or no tmpfs mount: a cache of another filesystem"
fi
check_fails "--digest-cache and --no-digest-cache conflict" \
	"$ESEAL" mkimage -q --digest-cache=dc --no-digest-cache src p.img
check_fails "--digest-cache=DIR refused" \
	"$ESEAL" mkimage -q --digest-cache=. src p.img
mkfifo fifo
check_fails "--digest-cache=FIFO refused, not waited on" \
	timeout 10 "$ESEAL" mkimage -q --digest-cache=fifo src p.img
check_has "... saying it is not replaced" "refusing to replace it" 
check "... left a FIFO" test -p fifo

# --no-digest-cache: the store gets none
check "--no-digest-cache with a store" \
	"$ESEAL" mkimage -q --no-digest-cache --basedir=st2 src q.img
check "... makes no cache" test ! -e st2/.erofs-seal/digest-cache
check "... the same image" cmp e.img q.img

# a store we may only read (a shared, full one): the build goes on
if is_root; then
	cp -a src pub && chmod -R a+rX pub
	"$ESEAL" mkimage -q --basedir=st pub pub.img
	sleep 3		# old enough to be kept
	cp -a st ro && rm -rf ro/.erofs-seal && chmod -R a+rX,go-w ro
	cp -a st ro2 && rm -f ro2/.erofs-seal/digest-cache &&
		chmod -R a+rX,go-w ro2
	mkdir out && chmod 777 out
	# as another user, some xattrs cannot be read: its own reference
	as_user "$ESEAL" mkimage -q --no-digest-cache pub out/pub.img
	check "read-only store, no .erofs-seal: built as another user" \
		as_user sh -c '"$0" mkimage -q -v --basedir=ro pub out/s.img >out/s.out 2>&1' "$ESEAL"
	check_has "... without a cache" "digest cache: cannot be kept in this store" out/s.out
	check "... the same image" cmp out/pub.img out/s.img
	check "read-only store, no cache file in it: built" \
		as_user sh -c '"$0" mkimage -q -v --basedir=ro2 pub out/t.img >out/t.out 2>&1' "$ESEAL"
	check_has "... the cache not kept" "digest cache: cannot be kept in this store" out/t.out
	check "... the same image" cmp out/pub.img out/t.img
	check "a cache file that cannot be written is an error when asked for" \
		as_user sh -c '! "$0" mkimage -q --digest-cache=ro/dc pub out/u.img 2>out/u.out' "$ESEAL"
	check_has "... naming it" "ro/dc" out/u.out
else
	skip "not root: a read-only store as another user"
fi

# nothing below the store is followed: not even .erofs-seal
mkdir st3 elsewhere
ln -s ../elsewhere st3/.erofs-seal
check_fails "a symlink as the store's .erofs-seal is refused" \
	"$ESEAL" mkimage -q --basedir=st3 src r.img
check_has "... naming it" "st3/.erofs-seal is a symbolic link, not a directory"
check "... nothing written through it" test -z "$(ls -A elsewhere)"
done_testing
