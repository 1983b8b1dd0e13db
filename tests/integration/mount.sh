# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal mount / umount / mount.erofs-seal on the host kernel (as root):
# images without fs-verity are checked from a private copy; object stores
# without fs-verity need --insecure-no-data-verity; every refusal names its
# step and leaves nothing mounted; umount removes both mounts.
. "$TOP/tests/lib.sh"
. "$TOP/tests/mount-lib.sh"


mkdir -p "$MNT" "$STORE" "$RUN" tree/sub
echo hello >tree/hello
echo world >tree/sub/world
ln -s hello tree/link

# A composefs-style tree: a metacopy stub whose data lives in the store.
blob="this file's data lives in the object store"
mkdir -p "$STORE/ab"
printf '%s\n' "$blob" >"$STORE/ab/cdef0123"
bdigest=$(fsverity digest --compact "$STORE/ab/cdef0123")
truncate -s "$(stat -c %s "$STORE/ab/cdef0123")" tree/stub
setfattr -n trusted.overlay.redirect -v /ab/cdef0123 tree/stub
setfattr -n trusted.overlay.metacopy -v "0x00240001$bdigest" tree/stub
mkfs.erofs --quiet -T0 img.erofs tree >/dev/null
digest=$("$ESEAL" digest img.erofs | awk '{ print $1 }')

M=("$ESEAL" mount --rundir "$RUN")

# reads DESCRIPTION FILE CONTENT: FILE under the mount point holds CONTENT
reads() {
	if [ "$(cat "$MNT/$2" 2>/dev/null)" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

refused "object store without fs-verity needs --insecure-no-data-verity" \
	"data verity" "${M[@]}" --basedir "$STORE" img.erofs "$MNT"

check "mount with --insecure-no-data-verity" \
	"${M[@]}" --basedir "$STORE" --insecure-no-data-verity \
	img.erofs "$MNT"
if [ "$(cat "$MNT/hello" 2>/dev/null)" = hello ] &&
	[ "$(cat "$MNT/sub/world" 2>/dev/null)" = world ] &&
	[ "$(readlink "$MNT/link")" = hello ]; then
	ok "files of the image read through the overlay"
else
	not_ok "files of the image read through the overlay"
fi
reads "a metacopy stub reads its data from the object store" stub "$blob"
grep -q "warning: data verity is off" "$WORK/.out" &&
	grep -q "warning: the image file has no fs-verity" "$WORK/.out" &&
	grep -q "warning: the image is not verified" "$WORK/.out"
check "the missing guarantees are named" test $? -eq 0
line=$(awk -v p="$MNT" '$5 == p' /proc/self/mountinfo | tail -1)
layer=$(printf '%s\n' "$line" | sed -n 's/.*lowerdir+=\([^,]*\).*/\1/p')
case "$line" in
*" - overlay erofs-seal "*"datadir+=$STORE"*metacopy=on*) ok "mountinfo: the overlay with the store as data layer" ;;
*) not_ok "mountinfo: the overlay with the store as data layer: $line" ;;
esac
case "$layer" in
"$RUN"/*) ok "mountinfo: the EROFS layer lives under the run directory" ;;
*) not_ok "mountinfo: the EROFS layer lives under the run directory: $layer" ;;
esac
awk -v p="$layer" '$5 == p && / - erofs / && $6 ~ /^ro/ { f = 1 } END { exit !f }' \
	/proc/self/mountinfo
check "mountinfo: the layer is a read-only EROFS mount" test $? -eq 0
check_fails "the mount is read-only" touch "$MNT/new"

check "umount (finds the layer under another --rundir by itself)" \
	"$ESEAL" umount "$MNT"
if ! mounted "$MNT" && ! mounted "$layer" && [ ! -e "$layer" ]; then
	ok "umount took down the overlay and the EROFS layer"
else
	not_ok "umount took down the overlay and the EROFS layer"
fi
refused "umount of something not mounted" "not mounted" \
	"$ESEAL" umount --rundir "$RUN" "$MNT"
mkdir -p other
"$TOP/build/tests/helpers/fsmount" tmpfs - "$WORK/other" 2>/dev/null ||
	mount -t tmpfs tmpfs "$WORK/other"
refused "umount of a mount erofs-seal did not make" "not mounted by erofs-seal" \
	"$ESEAL" umount --rundir "$RUN" "$WORK/other"
umount "$WORK/other"

# JSON and the digest pin
I=(--basedir "$STORE" --insecure-no-data-verity)
check "mount --json --digest (right pin)" \
	sh -c '"$@" >json.out' sh "${M[@]}" "${I[@]}" --json \
	--digest "$digest" img.erofs "$MNT"
grep -q "\"digest\":\"$digest\"" json.out &&
	grep -q '"digest_pinned":true' json.out &&
	grep -q '"mode":"copy"' json.out &&
	grep -q '"data_verity":false' json.out
check "--json reports mode, digest and pin" test $? -eq 0
check "umount" "$ESEAL" umount --rundir "$RUN" "$MNT"

wrong=sha256:$(printf '%064d' 0)
refused "a wrong digest pin is refused" "digest mismatch" \
	"${M[@]}" "${I[@]}" --digest "$wrong" img.erofs "$MNT"
cp img.erofs tampered.erofs
printf 'X' | dd of=tampered.erofs bs=1 seek=1200 conv=notrunc 2>/dev/null
refused "a tampered image is refused by its pin" "digest mismatch" \
	"${M[@]}" "${I[@]}" --digest "$digest" tampered.erofs "$MNT"
refused "a missing object store is refused" "object store" \
	"${M[@]}" --basedir "$WORK/nope" --insecure-no-data-verity \
	img.erofs "$MNT"
refused "no object store is refused" "object store" \
	"${M[@]}" --insecure-no-data-verity img.erofs "$MNT"
refused "a file that is no EROFS image is refused" "not an EROFS image" \
	"${M[@]}" "${I[@]}" tree/hello "$MNT"
refused "--require-signature without a signature is refused" "signature" \
	"${M[@]}" "${I[@]}" --require-signature img.erofs "$MNT"
refused "a bad --digest is refused" "digest" \
	"${M[@]}" "${I[@]}" --digest sha256:xyz img.erofs "$MNT"
refused "--upperdir without --workdir is refused" "workdir" \
	"${M[@]}" "${I[@]}" --upperdir "$WORK" img.erofs "$MNT"

# A writable overlay
mkdir -p upper work
check "mount --upperdir --workdir" \
	"${M[@]}" "${I[@]}" --upperdir upper --workdir work img.erofs "$MNT"
echo new >"$MNT/new" 2>/dev/null
if [ "$(cat upper/new 2>/dev/null)" = new ] &&
	[ "$(cat "$MNT/hello")" = hello ]; then
	ok "writes go to the upper directory"
else
	not_ok "writes go to the upper directory"
fi
grep -q "writable" "$WORK/.out"
check "the unsigned upper layer is named" test $? -eq 0
check "umount" "$ESEAL" umount --rundir "$RUN" "$MNT"

check "mount --upperdir --workdir --read-only" \
	"${M[@]}" "${I[@]}" --upperdir upper --workdir work --read-only \
	img.erofs "$MNT"
check_fails "--read-only: no writes even with an upper directory" \
	touch "$MNT/new2"
check "umount" "$ESEAL" umount --rundir "$RUN" "$MNT"

# The legacy overlay option string, as kernels before 6.7 get it
check "mount --legacy-overlay" "${M[@]}" "${I[@]}" --legacy-overlay --json \
	img.erofs "$MNT"
line=$(awk -v p="$MNT" '$5 == p' /proc/self/mountinfo | tail -1)
case "$line" in
*"lowerdir=$RUN/"*"::$STORE"*) ok "legacy: lowerdir=LAYER::STORE in mountinfo" ;;
*) not_ok "legacy: lowerdir=LAYER::STORE in mountinfo: $line" ;;
esac
reads "legacy: a metacopy stub reads its data from the object store" stub "$blob"
check "legacy: umount finds the layer in lowerdir=" \
	"$ESEAL" umount --rundir "$RUN" "$MNT"
if ! mounted "$MNT" && [ "$(layers)" = 0 ]; then
	ok "legacy: umount took down both mounts"
else
	not_ok "legacy: umount took down both mounts"
fi
mkdir -p "$WORK/a,b"
refused "legacy: a path with a comma is refused" "cannot be passed" \
	"${M[@]}" --basedir "$WORK/a,b" --insecure-no-data-verity \
	--legacy-overlay img.erofs "$MNT"

# A plain umount of the overlay leaves the layer; erofs-seal umount of the
# layer's path removes it.
check "mount" "${M[@]}" "${I[@]}" img.erofs "$MNT"
layer=$(awk -v p="$MNT" '$5 == p' /proc/self/mountinfo |
	sed -n 's/.*lowerdir+=\([^,]*\).*/\1/p')
umount "$MNT"
check "umount of a layer left behind by a plain umount" \
	"$ESEAL" umount --rundir "$RUN" "$layer"
if ! mounted "$layer" && [ ! -e "$layer" ] && [ "$(layers)" = 0 ]; then
	ok "the left-behind layer is gone"
else
	not_ok "the left-behind layer is gone"
fi

# A layer under a live overlay is not unmounted on its own: that would
# leave the overlay to a plain umount (the overlay holds the layer anyway).
# layer_of MNT: the EROFS layer of the overlay on MNT
layer_of() {
	awk -v p="$1" '$5 == p' /proc/self/mountinfo | tail -1 |
		sed -n 's/.*lowerdir+\{0,1\}=\([^,:]*\).*/\1/p'
}
# busy_layer DESC CMD...: CMD refuses to unmount $layer, naming the overlay
# on $MNT, and both stay mounted
busy_layer() {
	local d=$1
	shift
	"$@" >"$WORK/.out" 2>&1
	local rc=$?
	if [ $rc -eq 1 ] && grep -q "overlay on $MNT" "$WORK/.out" &&
		mounted "$layer" && mounted "$MNT" &&
		[ "$(cat "$MNT/hello" 2>/dev/null)" = hello ]; then
		ok "$d"
	else
		not_ok "$d (exit $rc, want a refusal naming the overlay on $MNT)"
		sed 's/^/#   /' "$WORK/.out" | head -5
	fi
}
# gone_ok DESC: erofs-seal umount $MNT took down the overlay and left no
# layer, mount or directory behind
gone_ok() {
	if ! mounted "$MNT" && ! mounted "$layer" && [ ! -e "$layer" ] &&
		[ "$(layers)" = 0 ]; then
		ok "$1"
	else
		not_ok "$1"
	fi
}
for api in new legacy; do
	L=()
	[ $api = legacy ] && L=(--legacy-overlay)
	check "$api overlay: mount" "${M[@]}" "${I[@]}" "${L[@]}" img.erofs "$MNT"
	layer=$(layer_of "$MNT")
	busy_layer "$api overlay: umount of its layer is refused, naming the overlay" \
		"$ESEAL" umount --rundir "$RUN" "$layer"
	busy_layer "$api overlay: umount --lazy of its layer is refused too" \
		"$ESEAL" umount --lazy --rundir "$RUN" "$layer"
	check "$api overlay: umount MOUNTPOINT" "$ESEAL" umount "$MNT"
	gone_ok "$api overlay: both mounts and the layer directory are gone"
done

# umount MOUNTPOINT when the layer went already: unmounted by umount(8),
# lazily detached, or its directory removed as well
for how in umount "umount -l" "umount+rmdir"; do
	check "layer gone ($how): mount" "${M[@]}" "${I[@]}" img.erofs "$MNT"
	layer=$(layer_of "$MNT")
	case $how in
	umount) umount "$layer" ;;
	"umount -l") umount -l "$layer" ;;
	umount+rmdir) umount "$layer" && rmdir "$layer" ;;
	esac
	if ! mounted "$layer" && [ "$(cat "$MNT/hello" 2>/dev/null)" = hello ]; then
		ok "layer gone ($how): the overlay still reads without it"
	else
		not_ok "layer gone ($how): the overlay still reads without it"
	fi
	check "layer gone ($how): erofs-seal umount MOUNTPOINT" \
		"$ESEAL" umount --rundir "$RUN" "$MNT"
	gone_ok "layer gone ($how): the overlay and the layer directory are gone"
done

# Cheap refusals first: what the options or a stat decide is refused
# before the image is copied or hashed (a 2 GB sparse image here).
cp img.erofs big.erofs
truncate -s 2G big.erofs
refused_early "--require-signature without a signature, 2 GB image" \
	"signature: required" "${M[@]}" "${I[@]}" --require-signature \
	big.erofs "$MNT"
mkdir -p badrun
chmod 777 badrun
refused_early "a run directory others can write" "run directory" \
	"$ESEAL" mount --rundir "$WORK/badrun" "${I[@]}" img.erofs "$MNT"
refused_early "a missing upper directory" "upper directory" \
	"${M[@]}" "${I[@]}" --upperdir nope --workdir work img.erofs "$MNT"
mkdir -p up/w
refused_early "a work directory inside the upper directory" \
	"must not contain each other" \
	"${M[@]}" "${I[@]}" --upperdir up --workdir up/w img.erofs "$MNT"
mkdir -p other
mount -t tmpfs -o mode=700 tmpfs "$WORK/other"
mkdir -p other/w
refused_early "upper and work directories on two mounts" "not on the mount" \
	"${M[@]}" "${I[@]}" --upperdir up --workdir other/w img.erofs "$MNT"
mkdir -p "$WORK/c,d"
refused_early "legacy: a path with a comma" "cannot be passed" \
	"${M[@]}" --basedir "$WORK/c,d" --insecure-no-data-verity \
	--legacy-overlay img.erofs "$MNT"
refused "a private directory on tmpfs" "on tmpfs" \
	"${M[@]}" "${I[@]}" --digest "$wrong" --private-dir "$WORK/other" \
	img.erofs "$MNT"
if [ -z "$(ls -A other | grep -v '^w$')" ] &&
	! grep -q "digest mismatch" "$WORK/.out"; then
	ok "a private directory on tmpfs: before the image is copied or hashed"
else
	not_ok "a private directory on tmpfs: before the image is copied or hashed"
fi
umount "$WORK/other"

# The ASan+UBSan build over a mount, a refusal and an umount
if [ -x "${ESEAL_ASAN:-}" ]; then
	check "ASan: mount" "$ESEAL_ASAN" mount --rundir "$RUN" "${I[@]}" \
		--digest "$digest" img.erofs "$MNT"
	check "ASan: umount" "$ESEAL_ASAN" umount --rundir "$RUN" "$MNT"
	refused "ASan: a refusal" "digest mismatch" \
		"$ESEAL_ASAN" mount --rundir "$RUN" "${I[@]}" --digest "$wrong" \
		img.erofs "$MNT"
	refused_early "ASan: an early refusal" "upper directory" \
		"$ESEAL_ASAN" mount --rundir "$RUN" "${I[@]}" --upperdir nope \
		--workdir work img.erofs "$MNT"
	check "ASan: mount --legacy-overlay" "$ESEAL_ASAN" mount --rundir "$RUN" \
		"${I[@]}" --legacy-overlay img.erofs "$MNT"
	layer=$(layer_of "$MNT")
	busy_layer "ASan: umount of a layer under an overlay is refused" \
		"$ESEAL_ASAN" umount --rundir "$RUN" "$layer"
	umount "$layer"
	check "ASan: umount MOUNTPOINT whose layer is gone" \
		"$ESEAL_ASAN" umount --rundir "$RUN" "$MNT"
	gone_ok "ASan: the overlay and the layer directory are gone"
else
	skip "no ASan build at \$ESEAL_ASAN"
fi

# mount.erofs-seal, as mount(8) runs it
check "mount.erofs-seal IMAGE DIR -o basedir=...,digest=..." \
	./mount.erofs-seal img.erofs "$MNT" \
	-o "basedir=$STORE,insecure-no-data-verity,digest=$digest,nofail,x-systemd.automount"
reads "mount.erofs-seal mounted the image with its store" stub "$blob"
check "umount" "$ESEAL" umount "$MNT"
refused "mount.erofs-seal refuses unknown options" "unknown option" \
	./mount.erofs-seal img.erofs "$MNT" -o "basedir=$STORE,bogus"
check "mount.erofs-seal -f does nothing" \
	./mount.erofs-seal img.erofs "$MNT" -f -o "basedir=$STORE"
mounted "$MNT"
check_fails "nothing mounted by -f" test $? -eq 0

# The real mount(8) and an fstab line (mount -T FILE reads another fstab).
# mount(8) finds helpers only in /sbin: link one there for the test unless
# an installed one exists, and remove it afterwards.
helper=/sbin/mount.erofs-seal
if [ ! -e "$helper" ] && [ ! -L "$helper" ] && ln -s "$ESEAL" "$helper" 2>/dev/null; then
	trap 'rm -f "$helper"; cleanup' EXIT
	check "mount -t erofs-seal IMAGE DIR -o basedir=...,digest=..." \
		mount -t erofs-seal "$WORK/img.erofs" "$MNT" \
		-o "basedir=$STORE,digest=$digest,insecure-no-data-verity"
	reads "mount(8) mounted the image with its store" stub "$blob"
	check "umount" "$ESEAL" umount "$MNT"
	printf '# erofs-seal test\n%s %s erofs-seal %s 0 0\n' "$WORK/img.erofs" \
		"$MNT" "basedir=$STORE,digest=$digest,insecure-no-data-verity,nofail" \
		>fstab
	check "mount -T fstab MOUNTPOINT (an fstab line)" mount -T "$WORK/fstab" "$MNT"
	reads "the fstab line mounted the image" hello hello
	check "umount" "$ESEAL" umount "$MNT"
	printf '%s %s erofs-seal %s 0 0\n' "$WORK/img.erofs" "$MNT" \
		"basedir=$STORE,digest=$wrong,insecure-no-data-verity" >fstab
	refused "an fstab line with a wrong pin is refused" "digest mismatch" \
		mount -T "$WORK/fstab" "$MNT"
	rm -f "$helper"
else
	skip "$helper exists (installed): not testing mount(8) with it"
fi

done_testing
