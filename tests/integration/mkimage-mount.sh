# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Build an image of an odd tree, mount it for real (file-backed EROFS, then
# overlayfs with the object store as a data-only lower layer) and compare
# every entry with the source: content, type, mode, owner, mtime, xattrs,
# symlink targets, device numbers and hardlink identity.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"

H=$BUILD/tests/helpers
if ! is_root; then
	skip "mounting needs root"
	done_testing
	exit
fi

mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[$i]}" 2>/dev/null
	done
	mounts=()
}
trap cleanup EXIT

make_tree src full
check "mkimage of the test tree" "$ESEAL" mkimage --digest-store=store src img
check "fsck.erofs accepts the image" fsck.erofs img

mkdir -p meta ovl legacy
if "$H/fsmount" erofs "$PWD/img" meta 2>"$WORK/err"; then
	mounts+=("$PWD/meta")
	ok "file-backed EROFS mount of the image"
else
	not_ok "file-backed EROFS mount of the image: $(cat "$WORK/err")"
fi
if grep -q " $PWD/meta .* - erofs $PWD/img " /proc/self/mountinfo; then
	ok "mountinfo shows the image file as the source (no loop device)"
else
	not_ok "mountinfo shows the image file as the source (no loop device)"
	grep " $PWD/meta " /proc/self/mountinfo | sed 's/^/#   /'
fi

digest=$("$ESEAL" digest src/size-8192 | cut -d' ' -f1)
hex=${digest#sha256:}
redirect=$(getfattr --only-values -n trusted.overlay.redirect meta/size-8192 2>/dev/null)
if [ "$redirect" = "/${hex:0:2}/${hex:2}" ] && [ -f "store/${hex:0:2}/${hex:2}" ]; then
	ok "metacopy stub redirects to its object"
else
	not_ok "metacopy stub redirects to its object (got '$redirect', want /${hex:0:2}/${hex:2})"
fi
metacopy=$(getfattr -e hex -n trusted.overlay.metacopy meta/size-8192 2>/dev/null |
	sed -n 's/^trusted.overlay.metacopy=//p')
# {version 0, length 36, flags 0, FS_VERITY_HASH_ALG_SHA256} + digest
if [ "$metacopy" = "0x00240001$hex" ]; then
	ok "trusted.overlay.metacopy carries the fs-verity digest"
else
	not_ok "trusted.overlay.metacopy carries the fs-verity digest (got $metacopy)"
fi

if "$H/fsmount" overlay - ovl "lowerdir+=$PWD/meta" "datadir+=$PWD/store" \
	metacopy=on redirect_dir=follow 2>"$WORK/err"; then
	mounts+=("$PWD/ovl")
	ok "overlay with the store as data-only layer (lowerdir+/datadir+)"
	if "$H/treecmp" -x trusted.overlay. src ovl >"$WORK/cmp"; then
		ok "overlay matches the source: $(tail -1 "$WORK/cmp")"
	else
		not_ok "overlay matches the source"
		head -40 "$WORK/cmp" | sed 's/^/#   /'
	fi
else
	not_ok "overlay with the store as data-only layer: $(cat "$WORK/err")"
fi

if mount -t overlay overlay \
	-o "ro,lowerdir=$PWD/meta::$PWD/store,metacopy=on,redirect_dir=follow" \
	legacy 2>"$WORK/err"; then
	mounts+=("$PWD/legacy")
	if cmp -s src/mib-plus-one legacy/mib-plus-one &&
		cmp -s src/sparse-big legacy/sparse-big &&
		cmp -s src/hard-a legacy/links/hard-c; then
		ok "legacy lowerdir=META::DATA overlay reads file data"
	else
		not_ok "legacy lowerdir=META::DATA overlay reads file data"
	fi
else
	not_ok "legacy lowerdir=META::DATA overlay: $(cat "$WORK/err")"
fi

cleanup
done_testing
