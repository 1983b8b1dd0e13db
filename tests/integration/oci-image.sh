# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# OCI images as input (issue 10, tests 1 and 3).
#
# 1. umoci builds a three-layer image from a test tree: deletions, a
#    directory replaced by a file, mode and owner changes, a deleted first
#    name of a hardlinked file with file capabilities, and a hand-made layer
#    with an opaque marker, a directory whiteout and a hardlink to a file of
#    an earlier layer.  `mkimage oci:` run as nobody must give, byte for
#    byte, the image `mkimage --oci-rules` makes of the tree `umoci unpack`
#    (as root) makes; and the overlay mount of that image must match that
#    tree, file by file, once the OCI rules are applied to it by hand.
# 3. podman saves an image it imported from a test tree as an oci-archive:
#    `mkimage oci-archive:` reads it in place and gives the image of the
#    tree under --oci-rules.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"
mktar() { python3 "$TOP/tests/mktar.py" "$@"; }
H=$BUILD/tests/helpers

if ! is_root; then
	skip "umoci unpack as root, podman and overlay mounts need root"
	done_testing
	exit
fi
for tool in umoci skopeo setcap python3; do
	if ! command -v $tool >/dev/null; then
		skip "$tool is not installed (scripts/packages.txt)"
		done_testing
		exit
	fi
done

# unmount what this test mounted below $WORK, the overlay first
cleanup() {
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount "$m" 2>/dev/null; done
}
trap cleanup EXIT
# refused_image NAME PATTERN: mkimage oci:bad:t fails, says PATTERN, no image
refused_image() {
	if "$ESEAL" mkimage --basedir=bad-store oci:bad:t bad.img 2>"$WORK/err" ||
		[ -e bad.img ] || ! grep -q -- "$2" "$WORK/err"; then
		not_ok "$1: $(cat "$WORK/err")"
	else
		ok "$1: $(cat "$WORK/err")"
	fi
	rm -rf bad bad.img
}

# ---- 1. a three-layer image made with umoci --------------------------------
L=$PWD/layout
{
	umoci init --layout "$L" && umoci new --image "$L:t" &&
	umoci unpack --image "$L:t" b
} >"$WORK/umoci.log" 2>&1 || cat "$WORK/umoci.log"
r=b/rootfs
mkdir -p $r/usr/bin $r/usr/share $r/etc/conf.d $r/var/lib/app $r/run/cache \
	$r/opt/replaced
make_tree $r/usr/share/tree small
find $r -type s -delete		# Go's tar (umoci) cannot hold sockets
head -c 100000 /dev/urandom >$r/usr/bin/tool
ln $r/usr/bin/tool $r/usr/bin/tool-link
setcap cap_net_raw+ep $r/usr/bin/tool
echo a >$r/etc/conf.d/a
echo b >$r/etc/conf.d/b
echo keep >$r/etc/keep
echo 1 >$r/var/lib/app/one
echo 2 >$r/opt/replaced/file
echo cached >$r/run/cache/c
setfattr -n user.note -v hi $r/etc/keep
umoci repack --image "$L:t" b >>"$WORK/umoci.log" 2>&1
rm -rf b
umoci unpack --image "$L:t" b >>"$WORK/umoci.log" 2>&1
rm $r/etc/conf.d/b			# a whiteout
rm -r $r/opt/replaced			# a directory replaced by a file
echo now-a-file >$r/opt/replaced
chmod 0700 $r/var/lib/app		# mode and owner changes
chown 1000:1000 $r/etc/keep
rm $r/usr/bin/tool			# the first name of a hardlinked file
chmod 4755 $r/usr/bin/tool-link
umoci repack --image "$L:t" b >>"$WORK/umoci.log" 2>&1
rm -rf b
# umoci writes no opaque markers: a hand-made third layer has one
mktar layer3.tar d:etc f:etc/.wh..wh..opq f:etc/new:new d:var \
	f:var/.wh.lib h:usr/bin/tool3:usr/bin/tool-link
umoci raw add-layer --image "$L:t" layer3.tar >>"$WORK/umoci.log" 2>&1
chmod -R a+rX "$L"
n=$(jq -r '.manifests[0].digest' "$L/index.json" | sed 's/^sha256://')
if [ "$(jq '.layers | length' "$L/blobs/sha256/$n")" = 3 ]; then
	ok "umoci made a three-layer image"
else
	not_ok "umoci made a three-layer image"
	sed 's/^/#   /' "$WORK/umoci.log" | tail
fi

mkdir u && chmod 777 u
if as_user "$ESEAL" mkimage --basedir=u/store oci:layout:t u/oci.img \
	2>"$WORK/err"; then
	ok "mkimage oci:layout:t as nobody"
else
	not_ok "mkimage oci:layout:t as nobody: $(cat "$WORK/err")"
fi
umoci unpack --image "$L:t" unpacked >>"$WORK/umoci.log" 2>&1
check "mkimage --oci-rules of the tree umoci unpacks" \
	"$ESEAL" mkimage --oci-rules --basedir=store2 unpacked/rootfs tree.img
if cmp -s u/oci.img tree.img; then
	ok "the image of the layers equals the image of the unpacked tree"
else
	not_ok "the image of the layers equals the image of the unpacked tree"
	"$ESEAL" info dump u/oci.img >oci.dump 2>&1
	"$ESEAL" info dump tree.img >tree.dump 2>&1
	diff oci.dump tree.dump | head -20 | sed 's/^/#   /'
fi
if diff <(store_list u/store) <(store_list store2) >/dev/null; then
	ok "both stores hold the same objects"
else
	not_ok "both stores hold the same objects"
fi
"$ESEAL" info dump u/oci.img >oci.dump
if grep -q '^/usr/bin/tool-link 100000 104755 2 .*security.capability=' oci.dump &&
	grep -q '^/usr/bin/tool3 100000 @104755 2 ' oci.dump &&
	grep -q '^/etc/new ' oci.dump && ! grep -q '^/etc/keep\|^/var/lib\|^/run/' oci.dump &&
	grep -q '^/opt/replaced 11 100644 ' oci.dump && ! grep -q 'wh\.\|user\.note' oci.dump; then
	ok "whiteouts, opaque marker, replaced directory, hardlinks, capabilities"
else
	not_ok "whiteouts, opaque marker, replaced directory, hardlinks, capabilities"
	grep -v '^/usr/share/tree' oci.dump | sed 's/^/#   /'
fi
for opt in --hash=sha512 --oci-user-xattrs; do
	a=$("$ESEAL" mkimage $opt --print-digest-only oci:layout:t 2>&1)
	b=$("$ESEAL" mkimage $opt --oci-rules --print-digest-only unpacked/rootfs 2>&1)
	if [ "$a" = "$b" ] && [ ${#a} -ge 64 ]; then
		ok "$opt: layers and unpacked tree agree"
	else
		not_ok "$opt: layers and unpacked tree agree ($a vs $b)"
	fi
done

# the OCI rules by hand on a copy of umoci's tree: what the mount must show
oci_rules_by_hand unpacked/rootfs expect
mkdir meta ovl
if "$H/fsmount" erofs "$PWD/u/oci.img" meta 2>"$WORK/err"; then
	if "$H/fsmount" overlay - ovl "lowerdir+=$PWD/meta" \
		"datadir+=$PWD/u/store" metacopy=on redirect_dir=follow \
		2>"$WORK/err"; then
		if "$H/treecmp" -x trusted.overlay. expect ovl >"$WORK/cmp"; then
			ok "the overlay mount matches umoci's tree: $(tail -1 "$WORK/cmp")"
		else
			not_ok "the overlay mount matches umoci's tree"
			head -20 "$WORK/cmp" | sed 's/^/#   /'
		fi
	else
		not_ok "overlay mount of the image: $(cat "$WORK/err")"
	fi
else
	not_ok "EROFS mount of the image: $(cat "$WORK/err")"
fi
cleanup

# tampering: a layer blob and a diff_id that do not match
cp -a layout bad
l1=$(jq -r '.layers[0].digest' "bad/blobs/sha256/$n" | sed 's/^sha256://')
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[100] ^= 1
open(p, "wb").write(b)' "bad/blobs/sha256/$l1"
refused_image "a layer blob that does not match its digest" \
	"digest is sha256:.*not the sha256:$l1"
cp -a layout bad
c=$(jq -r '.config.digest' "bad/blobs/sha256/$n" | sed 's/^sha256://')
jq -c '.rootfs.diff_ids[1] = .rootfs.diff_ids[0]' "bad/blobs/sha256/$c" >cfg
c2=$(sha256sum cfg | cut -d' ' -f1)
mv cfg "bad/blobs/sha256/$c2"
jq -c --arg d "sha256:$c2" --argjson s "$(stat -c %s "bad/blobs/sha256/$c2")" \
	'.config.digest = $d | .config.size = $s' "bad/blobs/sha256/$n" >man
n2=$(sha256sum man | cut -d' ' -f1)
mv man "bad/blobs/sha256/$n2"
jq -c --arg d "sha256:$n2" --argjson s "$(stat -c %s "bad/blobs/sha256/$n2")" \
	'.manifests[0].digest = $d | .manifests[0].size = $s' bad/index.json >idx
mv idx bad/index.json
refused_image "a layer that does not match its diff_id" \
	"layer 2 of 3.*not the diff_id"
cp -a layout bad
ln -sf /etc/passwd "bad/blobs/sha256/$l1"
refused_image "a blob that is a symlink is not followed" 'symbolic link' 
check_fails "an unknown tag is refused" "$ESEAL" mkimage oci:layout:nosuchtag x.img
check "a manifest named by digest (@sha256:...)" \
	"$ESEAL" mkimage "oci:layout:@sha256:$n" digest.img
check "... gives the same image" cmp digest.img tree.img

# ---- 3. an oci-archive that podman saved -----------------------------------
mkdir -p pt/usr/bin pt/etc pt/run/x
make_tree pt/usr/share/tree small
find pt -type s -delete
head -c 20000 /dev/urandom >pt/usr/bin/prog
ln pt/usr/bin/prog pt/etc/prog-link
setcap cap_chown+ep pt/usr/bin/prog
echo tmp >pt/run/x/file
tar --format=posix --xattrs --xattrs-include='*' --numeric-owner \
	-cf pt.tar -C pt . 2>/dev/null
podman() {
	command podman --storage-driver=vfs --root "$WORK/podman/root" \
		--runroot "$WORK/podman/run" --tmpdir "$WORK/podman/tmp" "$@"
}
mkdir -p podman/tmp
if command -v podman >/dev/null &&
	podman import pt.tar localhost/eseal-test:t >"$WORK/podman.log" 2>&1 &&
	podman save --format oci-archive -o archive.tar localhost/eseal-test:t \
		>>"$WORK/podman.log" 2>&1; then
	ok "podman saved an oci-archive of an image imported from a test tree"
	want=pt
else
	echo "# podman failed here; the archive comes from skopeo copy instead:"
	sed 's/^/#   /' "$WORK/podman.log" | tail -5
	skopeo copy --quiet oci:layout:t oci-archive:archive.tar:localhost/eseal-test:t
	want=unpacked/rootfs
	skip "podman save (skopeo copy oci: oci-archive: used instead)"
fi
check "mkimage --oci-rules of the tree" \
	"$ESEAL" mkimage --oci-rules "$want" want.img
for ref in "" ":localhost/eseal-test:t"; do
	if "$ESEAL" mkimage --basedir=arch-store "oci-archive:archive.tar$ref" \
		arch.img 2>"$WORK/err" && cmp -s arch.img want.img; then
		ok "oci-archive:archive.tar$ref gives the image of the tree"
	else
		not_ok "oci-archive:archive.tar$ref gives the image of the tree: $(cat "$WORK/err")"
	fi
done
skopeo copy --quiet oci-archive:archive.tar oci:from-archive:t
if "$ESEAL" mkimage oci:from-archive:t dir.img 2>"$WORK/err" && cmp -s dir.img arch.img; then
	ok "the same image as oci: after skopeo copy oci-archive: oci:"
else
	not_ok "the same image as oci: after skopeo copy: $(cat "$WORK/err")"
fi

done_testing
