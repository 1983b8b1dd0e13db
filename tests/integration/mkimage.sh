# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal mkimage: independent checks of the image (fsck.erofs, fsverity),
# determinism across thread counts and runs, the object store's invariant
# (every object's content matches its name), and refusal of bad input with
# a clear error, a non-zero exit and no partial output.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"

make_tree src small

# every object in a store is named by the fs-verity digest of its content
store_consistent() {
	local store=$1 f name want
	[ -d "$store" ] || return 0
	if [ -n "$(find "$store" -type f -name '.*' | head -1)" ]; then
		echo "temporary files left in $store:"
		find "$store" -type f -name '.*'
		return 1
	fi
	# .erofs-seal holds the lock and the digest cache, no objects
	find "$store" -path "$store/.erofs-seal" -prune -o -type f -print |
		sort | while read -r f; do
		name=${f#"$store"/}
		want=$(fsverity digest "$f" | cut -d' ' -f1)
		want=${want#sha256:}
		if [ "${name%%/*}${name#*/}" != "$want" ]; then
			echo "$f: content digest $want"
			return 1
		fi
	done
}

check "mkimage with a digest store" "$ESEAL" mkimage --digest-store=store src img
check "fsck.erofs accepts the image" fsck.erofs img
check "object store consistent" store_consistent store
nobj=$(find store -path store/.erofs-seal -prune -o -type f -print | wc -l)
if [ "$nobj" -gt 50 ]; then ok "store holds $nobj objects"; else not_ok "store holds only $nobj objects"; fi
hello=$(fsverity digest src/hello | cut -d' ' -f1)
hello=${hello#sha256:}
if [ ! -e "store/${hello:0:2}/${hello:2}" ]; then
	ok "small files are inlined, not stored"
else
	not_ok "small files are inlined, not stored"
fi

want=$(fsverity digest img | cut -d' ' -f1)
got=$("$ESEAL" mkimage --print-digest --digest-store=store src img2)
if [ "sha256:$got" = "$want" ] && cmp -s img img2; then
	ok "--print-digest prints the image's fs-verity digest"
else
	not_ok "--print-digest prints the image's fs-verity digest ($got vs $want)"
fi
got=$("$ESEAL" mkimage --print-digest-only src)
if [ "sha256:$got" = "$want" ]; then
	ok "--print-digest-only prints the same digest"
else
	not_ok "--print-digest-only prints the same digest ($got vs $want)"
fi

"$ESEAL" mkimage --threads=1 --digest-store=s1 src t1.img
"$ESEAL" mkimage --threads=8 --digest-store=s8 src t8.img
if cmp -s t1.img t8.img && cmp -s img t1.img; then
	ok "--threads=1 and --threads=8 give identical bytes"
else
	not_ok "--threads=1 and --threads=8 give identical bytes"
fi
if diff -r -x .erofs-seal s1 s8 >/dev/null; then ok "stores identical across thread counts"; else not_ok "stores identical across thread counts"; fi

objects() { find store -path store/.erofs-seal -prune -o -type f -printf '%i %T@ %p\n' | sort; }
objects >before
"$ESEAL" mkimage --digest-store=store src again.img
objects >after
if cmp -s img again.img && cmp -s before after; then
	ok "a second run into a full store: same image, no object rewritten"
else
	not_ok "a second run into a full store: same image, no object rewritten"
fi

"$ESEAL" mkimage src - >stdout.img
if cmp -s img stdout.img; then ok "IMAGE '-' writes the same bytes to stdout"; else not_ok "IMAGE '-' writes the same bytes to stdout"; fi

# dump round trip through the dump format
if "$ESEAL" info dump img >img.dump 2>"$WORK/err" &&
	"$ESEAL" mkimage --from-file img.dump img3 2>>"$WORK/err" && cmp -s img img3; then
	ok "image -> dump -> image is byte-identical"
else
	not_ok "image -> dump -> image is byte-identical: $(head -3 "$WORK/err")"
fi

# a dump whose hardlink is listed before the name that owns the inode, in
# a root that also gets composefs' 00..ff whiteouts: reading the image back
# must find the owner again, or the rewritten image moves the inode
printf '%s\n' '/ 4096 40755 2 0 0 0 0.0 - - -' \
	'/b 5 100644 2 0 0 0 0.0 - hello -' \
	'/a 5 @100644 2 0 0 0 0.0 /b - -' \
	'/w 0 20000 1 0 0 0 0.0 - - -' >links.dump
if "$ESEAL" mkimage --from-file links.dump links.img 2>"$WORK/err" &&
	"$ESEAL" info dump links.img >links2.dump 2>>"$WORK/err" &&
	"$ESEAL" mkimage --from-file links2.dump links2.img 2>>"$WORK/err" &&
	cmp -s links.img links2.img; then
	ok "hardlink listed before its owner: image -> dump -> image is byte-identical"
else
	not_ok "hardlink listed before its owner: image -> dump -> image is byte-identical"
	sed 's/^/#   /' "$WORK/err" | head -5
fi

# --use-epoch, --skip-xattrs, --user-xattrs change what is stored
"$ESEAL" mkimage --use-epoch src epoch.img
if "$ESEAL" info dump epoch.img | awk '{ print $8 }' | grep -qv '^0\.0$'; then
	not_ok "--use-epoch zeroes every mtime"
else
	ok "--use-epoch zeroes every mtime"
fi
"$ESEAL" mkimage --skip-xattrs src noxattr.img
if "$ESEAL" info dump noxattr.img | grep -q 'user\.one='; then
	not_ok "--skip-xattrs stores no xattrs"
else
	ok "--skip-xattrs stores no xattrs"
fi

# bad input: clear error, non-zero exit, no partial image, store consistent
bad_input() {
	local desc=$1 pattern=$2
	shift 2
	rm -f out.img
	"$@" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ ! -e out.img ] &&
		[ -z "$(ls -A . | grep '^\.out\.img\.\|^\.erofs-seal\.')" ] &&
		grep -q -- "$pattern" "$WORK/err"; then
		ok "$desc: $(head -1 "$WORK/err")"
	else
		not_ok "$desc (exit $rc)"
		sed 's/^/#   /' "$WORK/err" | head -5
	fi
}
bad_dump() {
	local desc=$1 pattern=$2
	printf "$3" >bad.dump
	bad_input "$desc" "$pattern" "$ESEAL" mkimage --from-file bad.dump out.img
}
bad_dump "dump: '..' in a path" "bad.dump:2" '/ 0 40755 2 0 0 0 0.0 - - -\n/a/../b 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "dump: missing parent" "bad.dump:2" '/ 0 40755 2 0 0 0 0.0 - - -\n/nodir/file 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "dump: bad escape" "bad.dump:2" '/ 0 40755 2 0 0 0 0.0 - - -\n/a\\q 0 100644 1 0 0 0 0.0 - - -\n'
bad_dump "dump: name over 255 bytes" "bad.dump:2" "/ 0 40755 2 0 0 0 0.0 - - -\n/$(printf '%0256d' 0) 0 100644 1 0 0 0 0.0 - - -\n"
bad_dump "dump: xattr name over the EROFS limit" "bad.dump:2" "/ 0 40755 2 0 0 0 0.0 - - -\n/a 0 100644 1 0 0 0 0.0 - - - user.$(printf '%0300d' 0)=x\n"
bad_dump "dump: file instead of a root directory" "root" '/ 0 100644 1 0 0 0 0.0 - - -\n'
bad_input "missing source directory" "nonexistent" "$ESEAL" mkimage nonexistent out.img
bad_input "missing dump file" "nonexistent" "$ESEAL" mkimage --from-file nonexistent.dump out.img
bad_input "output directory missing" "nodir" "$ESEAL" mkimage src nodir/out.img
check_fails "unknown option exits non-zero" "$ESEAL" mkimage --no-such-option src out.img
check "--help" "$ESEAL" mkimage --help

# an unreadable file: as root, run as nobody to make it unreadable
mkdir -p ro/src && echo secret >ro/src/locked && head -c 9000 /dev/urandom >ro/src/big
chmod -R a+rwX ro && chmod 000 ro/src/locked
if is_root; then
	chmod 777 .
	run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	run_as=()
fi
bad_input "unreadable file is named in the error" "locked" \
	"${run_as[@]}" "$ESEAL" mkimage --digest-store=ro/store ro/src out.img
check "store consistent after the failure" store_consistent ro/store

# a file that changes while it is stored: never an object whose content
# does not match its name
head -c $((64 * 1024 * 1024)) /dev/urandom >src/changing
(
	for i in $(seq 40); do
		head -c $((64 * 1024 * 1024)) /dev/urandom >src/changing.new 2>/dev/null
		dd if=src/changing.new of=src/changing bs=1M conv=notrunc status=none 2>/dev/null
	done
) &
writer=$!
for i in 1 2 3; do
	"$ESEAL" mkimage --digest-store=cstore src c.img >/dev/null 2>&1
done
kill $writer 2>/dev/null
wait $writer 2>/dev/null
check "store consistent while a source file changes" store_consistent cstore
rm -f src/changing src/changing.new

done_testing
