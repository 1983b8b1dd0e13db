# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal mount --fuse: a signed image served through FUSE with every
# read checked, as nobody (through fusermount3) and as root.  The tree
# reads back as the source (content, type, mode, owner, mtime, symlinks,
# hardlinks, xattrs); programs run from it; parallel readers agree; the
# Merkle trees left next to the objects are `fsverity digest
# --out-merkle-tree`'s; a changed byte fails its block with EIO (logged,
# naming the object) while the others read; a truncated or swapped object
# fails; a bad tree file is made again; a tampered image, a wrong
# certificate or pin are refused with nothing mounted; umount and SIGTERM
# end the server cleanly.  Then the same with the ASan+UBSan build; then
# `store fsck` and `store gc` over the trees the servers left (counted,
# not problems; a tree goes with its object, kept ones stay in use).
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"

H=$BUILD/tests/helpers
if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null ||
	! grep -qw fuse /proc/filesystems; then
	skip "no FUSE here (/dev/fuse, fusermount3 and the fuse file system are needed)"
	done_testing
	exit
fi
# Debian's udev makes /dev/fuse 0666, which fusermount3 needs (it opens it
# as the user); a machine without udev leaves it 0600: open it up, as udev
# would, for the duration of the test.
fuse_mode=
if is_root && [ "$(stat -c %a /dev/fuse)" != 666 ]; then
	fuse_mode=$(stat -c %a /dev/fuse)
	chmod 0666 /dev/fuse
	echo "# /dev/fuse was $fuse_mode: made 0666 (udev's mode) for the test"
fi

# the user's corner of $WORK: nobody when root
U=$WORK/u
mkdir -p "$U"
if is_root; then
	chown 65534:65534 "$U"
fi
MNT=$U/mnt
STORE=$U/objects
SERVERS=()

mounted() {
	awk -v p="$1" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo
}
fuse_mounts() {
	awk -v w="$WORK/" 'index($5, w) == 1 && $0 ~ / - fuse\./ { print $5 }' \
		/proc/self/mountinfo
}
cleanup() {
	local m p
	for m in $(fuse_mounts); do
		umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
	done
	# servers this test started that still run (not a reused pid)
	for p in "${SERVERS[@]}"; do
		alive "$p" && grep -qa erofs-seal "/proc/$p/cmdline" 2>/dev/null &&
			kill "$p" 2>/dev/null
	done
	[ -n "$fuse_mode" ] && chmod "$fuse_mode" /dev/fuse
}
trap cleanup EXIT

# alive PID: running (a detached server that exited may stay a zombie
# until whoever inherited it reaps it)
alive() {
	[ -r "/proc/$1/stat" ] &&
		[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# wait_mounted PATH PID: until PATH is mounted, or the server gave up
wait_mounted() {
	local i
	for i in $(seq 200); do
		mounted "$1" && return 0
		alive "$2" || return 1
		sleep 0.05
	done
	return 1
}
# logged DESC TEXT: the server's log ($log) has TEXT (it logs before it
# answers the request that failed)
logged() {
	check_has "$1" "$2" "$log"
}
# sanitizers_quiet LOG: no ASan/UBSan/LSan report in a server's log
sanitizers_quiet() {
	! grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$1"
}

# start DESC LOG MOUNT-ARGS...: the server in the foreground (so that its
# exit status and sanitizer reports are seen), in the background
start() {
	local d=$1 log=$2
	shift 2
	as_user "$E" mount --foreground "$@" >"$log.out" 2>>"$log" &
	SPID=$!
	SERVERS+=("$SPID")
	if wait_mounted "$MNT" "$SPID"; then
		ok "$d"
	else
		not_ok "$d"
		sed 's/^/#   /' "$log" "$log.out" | head -10
	fi
}
# stop DESC LOG: unmount as the user; the server exits 0, sanitizers quiet
stop() {
	local d=$1 log=$2 rc
	as_user "$E" umount "$MNT" >"$WORK/.out" 2>&1
	rc=$?
	wait "$SPID"
	local src=$?
	if [ $rc -eq 0 ] && [ $src -eq 0 ] && ! mounted "$MNT" &&
		sanitizers_quiet "$log"; then
		ok "$d"
	else
		not_ok "$d (umount $rc, server $src)"
		sed 's/^/#   /' "$WORK/.out" "$log" | head -20
	fi
}

object_of() { # FILE: the object path of a source file, in the store
	local h
	h=$("$ESEAL" digest "$1" | cut -d' ' -f1)
	h=${h#sha256:}
	echo "$STORE/${h:0:2}/${h:2}"
}

# ---- fixtures: a tree, its image and store made by the user, signed --------

as_user bash -c ". '$TOP/tests/make-tree.sh' && make_tree '$U/src' small" ||
	not_ok "make the source tree"
as_user bash -c "
	set -e
	cd '$U/src'
	mkdir bin
	cp /usr/bin/true bin/true
	printf '#!/bin/sh\necho script ran\n' >bin/script && chmod 755 bin/script
	head -c 20000 /dev/urandom >swap-a
	head -c 20000 /dev/urandom >swap-b
	head -c 3000000 /dev/urandom >three-mb
" || not_ok "add programs and same-size files"
check "mkimage as the user" as_user "$ESEAL" mkimage --basedir="$STORE" \
	"$U/src" "$U/img"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 3650 -subj "/CN=fuse test signer/" -keyout "$WORK/signer.key" \
	-out "$U/signer.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 3650 -subj "/CN=fuse test other/" -keyout "$WORK/other.key" \
	-out "$U/other.pem" 2>/dev/null
check "sign the image" "$ESEAL" sign --key "$WORK/signer.key" \
	--cert "$U/signer.pem" "$U/img" "$U/img.sig"
digest=$("$ESEAL" digest "$U/img" | cut -d' ' -f1)
cp "$U/img" "$U/tampered"
printf 'X' | dd of="$U/tampered" bs=1 seek=1100 conv=notrunc status=none
chmod 644 "$U"/*.pem "$U"/img* "$U/tampered"
as_user mkdir -p "$MNT"

TRUST=(--basedir "$STORE" --signature "$U/img.sig" --cert "$U/signer.pem")

suite() {
	E=$1
	local t=$2 log=$WORK/server-$2.log obj three hex i

	# -- mount, compare, run, read in parallel, unmount --
	start "$t: nobody mounts the signed image through FUSE" "$log" \
		"${TRUST[@]}" "$U/img" "$MNT"
	if awk -v p="$MNT" '$5 == p && / - fuse.erofs-seal / && $6 ~ /^ro,/ &&
		/nodev/ && /default_permissions/ { f = 1 } END { exit !f }' \
		/proc/self/mountinfo; then
		ok "$t: mountinfo: fuse.erofs-seal, ro, nodev, default_permissions"
	else
		not_ok "$t: mountinfo: fuse.erofs-seal, ro, nodev, default_permissions"
		grep " $MNT " /proc/self/mountinfo | sed 's/^/#   /'
	fi
	grep -q "signature verified, signed by .*fuse test signer" "$log.out" &&
		grep -q "served by a FUSE server that checks every read" "$log.out"
	check "$t: says how the image was checked" test $? -eq 0
	if as_user "$H/treecmp" "$U/src" "$MNT" >"$WORK/cmp" 2>&1; then
		ok "$t: the mount matches the source: $(tail -1 "$WORK/cmp")"
	else
		not_ok "$t: the mount matches the source"
		head -20 "$WORK/cmp" | sed 's/^/#   /'
	fi
	check "$t: a program runs from the mount" as_user "$MNT/bin/true"
	check "$t: a script runs from the mount" \
		as_user sh -c "'$MNT/bin/script' | grep -q 'script ran'"
	check "$t: large reads" as_user sh -c \
		"dd if='$MNT/three-mb' bs=4M status=none | cmp - '$U/src/three-mb'"
	(cd "$U/src" && find . -type f -perm -004 -print0 | sort -z |
		xargs -0 sha256sum) >"$WORK/sums"
	for i in 1 2 3 4 5 6; do
		as_user sh -c "cd '$MNT' && find . -type f -perm -004 -print0 |
			sort -z | xargs -0 sha256sum >'$U/sums.$i' 2>&1" &
	done
	wait $(jobs -p | grep -vx "$SPID")
	for i in 1 2 3 4 5 6; do
		cmp -s "$WORK/sums" "$U/sums.$i" || break
	done
	check "$t: six parallel readers read every file right" test "$i" = 6 -a \
		-s "$WORK/sums"
	# the trees the server left next to the objects are fsverity-utils'
	local n=0 bad=0
	for obj in $(object_of "$U/src/three-mb") $(object_of "$U/src/mib-plus-one") \
		$(object_of "$U/src/size-8192") $(object_of "$U/src/bin/true"); do
		n=$((n + 1))
		fsverity digest --out-merkle-tree="$WORK/tree" "$obj" >/dev/null
		cmp -s "$WORK/tree" "$obj.merkle" || bad=$((bad + 1))
	done
	check "$t: $n Merkle trees next to their objects, as fsverity digest --out-merkle-tree writes them" \
		test $bad -eq 0
	grep -q "Merkle tree made, saved next to it" "$log" ||
		[ "$t" != normal ]
	check "$t: the server says it made them" test $? -eq 0
	stop "$t: nobody unmounts; the server exits cleanly" "$log"

	# -- a changed byte, a truncated, a swapped object, a bad tree --
	obj=$(object_of "$U/src/mib-plus-one")
	cp "$obj" "$WORK/saved"
	printf 'X' | dd of="$obj" bs=1 seek=$((5 * 4096 + 100)) conv=notrunc status=none
	start "$t: mounted over a store with a changed object" "$log" \
		"${TRUST[@]}" "$U/img" "$MNT"
	check "$t: the blocks before the changed one read" as_user sh -c \
		"dd if='$MNT/mib-plus-one' bs=4096 count=5 status=none |
			cmp - '$WORK/saved' -n 20480"
	as_user dd if="$MNT/mib-plus-one" of=/dev/null bs=4096 skip=5 count=1 \
		status=none 2>"$WORK/.err"
	if [ $? -ne 0 ] && grep -q "Input/output error" "$WORK/.err"; then
		ok "$t: the changed block fails with EIO"
	else
		not_ok "$t: the changed block fails with EIO"
	fi
	check "$t: the blocks after it read" as_user sh -c \
		"dd if='$MNT/mib-plus-one' bs=4096 skip=6 status=none |
			cmp - '$U/src/mib-plus-one' -i 0:24576"
	check_fails "$t: reading the whole file fails" \
		as_user cat "$MNT/mib-plus-one"
	logged "$t: the log names the object and the block" \
		"object $obj: data block 5 (bytes 20480-24575) does not match the fs-verity digest in the image (/mib-plus-one in the image)"
	cp "$WORK/saved" "$obj"
	# truncated: the size differs from the image's
	obj=$(object_of "$U/src/size-65536")
	cp "$obj" "$WORK/saved"
	truncate -s 40000 "$obj"
	check_fails "$t: a truncated object fails" as_user cat "$MNT/size-65536"
	logged "$t: ... saying so" \
		"object $obj: 40000 bytes, the image says 65536 (/size-65536 in the image)"
	cp "$WORK/saved" "$obj"
	# truncated while open: caught on read, not only at open
	obj=$(object_of "$U/src/hard-a")
	cp "$obj" "$WORK/saved"
	check_fails "$t: an object truncated while open fails on read" \
		as_user sh -c "exec 3<'$MNT/hard-a' && truncate -s 4096 '$obj' &&
			dd of=/dev/null bs=4096 skip=1 count=1 status=none <&3"
	cp "$WORK/saved" "$obj"
	check "$t: ... and reads once restored" as_user cmp "$MNT/hard-a" \
		"$U/src/hard-a"
	# swapped: another object's bytes, with and without a tree
	obj=$(object_of "$U/src/swap-a")
	cp "$obj" "$WORK/saved"
	cp "$(object_of "$U/src/swap-b")" "$obj"
	rm -f "$obj.merkle"
	check_fails "$t: a swapped object fails (no tree yet)" \
		as_user cat "$MNT/swap-a"
	logged "$t: ... saying so" \
		"object $obj: does not match the fs-verity digest in the image"
	# what that open handed the kernel's cache went with it: restored,
	# with its tree there, the next open reads through the cache
	cp "$WORK/saved" "$obj"
	as_user fsverity digest --out-merkle-tree="$obj.merkle" "$obj" >/dev/null
	check "$t: restored, it reads in the same mount (nothing of the swap cached)" \
		as_user cmp "$MNT/swap-a" "$U/src/swap-a"
	cp "$(object_of "$U/src/swap-b")" "$obj"
	rm -f "$obj.merkle"
	# symlinks in the store are not followed, even to the right bytes
	local link
	link=$(object_of "$U/src/size-8192")
	mv "$link" "$U/outside"
	ln -s "$U/outside" "$link"
	check_fails "$t: an object that is a symlink (to the right bytes) fails" \
		as_user cat "$MNT/size-8192"
	logged "$t: ... naming it as a symlink" \
		"object: $link is a symbolic link, not a regular file"
	rm "$link"
	mv "$U/outside" "$link"
	link=$(dirname "$(object_of "$U/src/three-mb")")
	mv "$link" "$U/outside"
	ln -s "$U/outside" "$link"
	check_fails "$t: an object under a symlinked fan-out directory fails" \
		as_user cat "$MNT/three-mb"
	logged "$t: ... naming the directory" \
		"object: $link is a symbolic link, not a directory"
	rm "$link"
	mv "$U/outside" "$link"
	stop "$t: unmounted" "$log"
	cp "$WORK/saved" "$obj"
	start "$t: mounted again" "$log" "${TRUST[@]}" "$U/img" "$MNT"
	check "$t: the restored object reads (its tree is made)" as_user \
		cmp "$MNT/swap-a" "$U/src/swap-a"
	stop "$t: unmounted" "$log"
	cp "$(object_of "$U/src/swap-b")" "$obj"
	start "$t: mounted over a swapped object that has a tree" "$log" \
		"${TRUST[@]}" "$U/img" "$MNT"
	check_fails "$t: the swapped object fails" as_user cat "$MNT/swap-a"
	cp "$WORK/saved" "$obj"
	# a changed tree block: the tree is made again, the file reads
	three=$(object_of "$U/src/three-mb")
	printf 'X' | dd of="$three.merkle" bs=1 seek=$((2 * 4096 + 7)) \
		conv=notrunc status=none
	check "$t: a changed Merkle tree is made again and the file reads" \
		as_user cmp "$MNT/three-mb" "$U/src/three-mb"
	fsverity digest --out-merkle-tree="$WORK/tree" "$three" >/dev/null
	grep -q "does not match its parent; making the tree again" "$log" &&
		cmp -s "$WORK/tree" "$three.merkle"
	check "$t: ... logged, and the tree file is right again" test $? -eq 0
	stop "$t: unmounted" "$log"

	# -- refusals: nothing mounted --
	refused() {
		local d=$1 pat=$2
		shift 2
		as_user "$E" mount --foreground "$@" >"$WORK/.out" 2>&1
		local rc=$?
		if [ $rc -eq 1 ] && grep -q -- "$pat" "$WORK/.out" &&
			! mounted "$MNT" && sanitizers_quiet "$WORK/.out"; then
			ok "$t: $d"
		else
			not_ok "$t: $d (exit $rc, want '$pat')"
			sed 's/^/#   /' "$WORK/.out" | head -10
		fi
	}
	refused "a tampered image is refused" "^erofs-seal mount: signature" \
		"${TRUST[@]}" "$U/tampered" "$MNT"
	refused "a wrong certificate is refused" "^erofs-seal mount: certificate" \
		--basedir "$STORE" --signature "$U/img.sig" --cert "$U/other.pem" \
		"$U/img" "$MNT"
	refused "a wrong digest pin is refused" "digest mismatch" \
		--basedir "$STORE" --digest "sha256:$(printf '%064d' 0)" \
		"$U/img" "$MNT"
	refused "an upper directory is refused" "read-only" \
		--basedir "$STORE" --upperdir "$U" --workdir "$U" "$U/img" "$MNT"
	refused "a missing store is refused" "object store" \
		--basedir "$U/none" "$U/img" "$MNT"

	# -- detached, then SIGTERM --
	as_user "$E" mount --json "${TRUST[@]}" --digest "$digest" "$U/img" \
		"$MNT" >"$WORK/json" 2>"$WORK/.err"
	local pid
	pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$WORK/json")
	if mounted "$MNT" && [ -n "$pid" ] && grep -q '"mode":"fuse"' "$WORK/json" &&
		grep -q '"digest_pinned":true' "$WORK/json"; then
		ok "$t: detached by default; --json gives the server's pid"
	else
		not_ok "$t: detached by default; --json gives the server's pid"
		sed 's/^/#   /' "$WORK/json" "$WORK/.err"
	fi
	SERVERS+=("$pid")
	check "$t: it serves" as_user cmp "$MNT/hello" "$U/src/hello"
	[ -n "$pid" ] && kill -TERM "$pid"
	for i in $(seq 400); do
		alive "$pid" || break
		sleep 0.05
	done
	if ! alive "$pid" && ! mounted "$MNT" &&
		sanitizers_quiet "$WORK/.err"; then
		ok "$t: SIGTERM unmounts and ends the server"
	else
		not_ok "$t: SIGTERM unmounts and ends the server"
	fi
}

suite "$ESEAL" normal
if [ -x "$ESEAL_ASAN" ]; then
	suite "$ESEAL_ASAN" asan
else
	skip "no ASan build ($ESEAL_ASAN)"
fi

# ---- the store's lifecycle over the trees the servers left -------------------
# fsck counts them and finds nothing wrong; gc removes the tree of an object
# no kept image needs with it, and keeps the kept objects' trees.
E=$ESEAL
ntrees=$(find "$STORE" -name '*.merkle' | wc -l)
"$ESEAL" store fsck "$STORE" >"$WORK/fsck" 2>&1
check "store fsck over the trees FUSE mounts made: clean" test $? -eq 0
check_has "... counting them ($ntrees), not as problems" \
	", $ntrees Merkle tree files: 0 problems" "$WORK/fsck"
as_user mkdir "$U/src2"
as_user sh -c "head -c 300000 /dev/urandom >'$U/src2/own'"
check "an image only of a new file, as the user" as_user "$ESEAL" mkimage \
	--basedir="$STORE" "$U/src2" "$U/img2"
start "mount it" "$WORK/server-img2.log" --basedir "$STORE" "$U/img2" "$MNT"
check "... read it" as_user cmp "$MNT/own" "$U/src2/own"
stop "... unmount" "$WORK/server-img2.log"
own=$(object_of "$U/src2/own")
check "... its tree is next to its object" test -f "$own.merkle"
check "store gc keeping the first image" "$ESEAL" store gc --keep="$U/img" \
	"$STORE"
check_has "... removes the new object's tree" \
	"removed 1 Merkle tree file"
check "... with its object" test ! -e "$own" -a ! -e "$own.merkle"
check "... and keeps the trees of the kept objects" \
	test "$(find "$STORE" -name '*.merkle' | wc -l)" -eq "$ntrees"
start "the kept image mounts" "$WORK/server-img1.log" "${TRUST[@]}" \
	"$U/img" "$MNT"
check "... and reads, its trees taken as they are" as_user cmp \
	"$MNT/three-mb" "$U/src/three-mb"
check "... none made again" sh -c "! grep -q 'Merkle tree made' '$WORK/server-img1.log'"
stop "... unmount" "$WORK/server-img1.log"

# ---- as root ------------------------------------------------------------------

if ! is_root; then
	skip "root with --fuse needs root"
	done_testing
	exit
fi
E=$ESEAL
# nobody's server cannot write into root's store: trees stay in memory
R=$WORK/root
mkdir -p "$R/mnt"
make_tree "$R/src" small
check "mkimage as root" "$ESEAL" mkimage --basedir="$R/objects" \
	"$R/src" "$R/img"
chmod 755 "$R" && chmod 644 "$R/img"
MNT=$U/mnt
as_user "$E" mount --foreground --basedir "$R/objects" "$R/img" "$MNT" \
	>/dev/null 2>"$WORK/ro.log" &
SPID=$!
SERVERS+=("$SPID")
if wait_mounted "$MNT" "$SPID" &&
	as_user cmp "$MNT/mib-plus-one" "$R/src/mib-plus-one" &&
	! ls "$R"/objects/*/*.merkle >/dev/null 2>&1 &&
	grep -q "kept in memory (the store does not take it)" "$WORK/ro.log"; then
	ok "a store nobody can write: its trees are kept in memory"
else
	not_ok "a store nobody can write: its trees are kept in memory"
	sed 's/^/#   /' "$WORK/ro.log"
fi
as_user "$E" umount "$MNT"
wait "$SPID"

MNT=$R/mnt
"$E" mount --foreground --fuse --basedir "$R/objects" "$R/img" "$MNT" \
	>/dev/null 2>"$WORK/root.log" &
SPID=$!
SERVERS+=("$SPID")
if wait_mounted "$MNT" "$SPID"; then
	ok "root mounts with --fuse"
else
	not_ok "root mounts with --fuse"
	sed 's/^/#   /' "$WORK/root.log"
fi
if "$H/treecmp" "$R/src" "$MNT" >"$WORK/cmp" 2>&1; then
	ok "the mount matches the source (devices, fifos, trusted.* xattrs): $(tail -1 "$WORK/cmp")"
else
	not_ok "the mount matches the source"
	head -20 "$WORK/cmp" | sed 's/^/#   /'
fi
check "allow_other: nobody reads root's mount" as_user cmp "$MNT/hello" "$R/src/hello"
as_user getfattr -d -m - "$MNT/hello" >"$WORK/.x" 2>&1
if getfattr -n trusted.secret "$MNT/hello" >/dev/null 2>&1 &&
	! grep -q trusted "$WORK/.x"; then
	ok "trusted.* xattrs are root's only"
else
	not_ok "trusted.* xattrs are root's only"
fi
check_fails "nodev: a device node cannot be opened" head -c1 "$MNT/chardev"
check_fails "nobody cannot unmount root's mount" as_user "$E" umount "$MNT"
check "still mounted" mounted "$MNT"
check "root unmounts it" "$E" umount "$MNT"
wait "$SPID"
check "the server exited cleanly" test $? -eq 0

# the demo image, signed, with --fuse
mkdir -p "$R/demo-mnt"
"$E" mkimage --basedir="$R/demo-objects" "$TOP/examples/demo" \
	"$R/demo.img" >/dev/null
"$E" sign --key "$WORK/signer.key" --cert "$U/signer.pem" "$R/demo.img" \
	"$R/demo.sig"
MNT=$R/demo-mnt
check "root: --fuse over the signed demo image" "$E" mount --fuse \
	--basedir "$R/demo-objects" --signature "$R/demo.sig" \
	--cert "$U/signer.pem" --require-signature "$R/demo.img" "$MNT"
check "its program runs" sh -c "'$MNT/bin/hello' | grep -q 'hello from a sealed image'"
check "umount" "$E" umount "$MNT"
check "nothing left mounted" test -z "$(fuse_mounts)"

done_testing
