# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Overlayfs over a signed metacopy image with its object store as a
# data-only layer, and IPE's erofs_signature / erofs_digest properties
# (patches "ovl: tell LSMs ...", "ipe: add the erofs_signature property",
# "ipe: add the erofs_digest property").  Runs after 10-erofs-sig.sh,
# which put the signer's certificate into .erofs.
. /lib.sh

OBJ=$FX/objects
meta=$(mnt meta)
if ! vmtool mount-erofs $FX/meta.erofs $meta sig=$FX/meta.sig; then
	not_ok "signed metacopy image mounts"
	exit 0
fi
ok "signed metacopy image mounts"

# ovl NAME OPTIONS...: mount an overlay over the signed image at /mnt/NAME.
ovl() {
	local d
	d=$(mnt "$1")
	shift
	mount -t overlay overlay \
		-o "lowerdir=$meta::$OBJ,metacopy=on,redirect_dir=on,$1" "$d" &&
		echo "$d"
}
blob_of() { awk -v f="$1" '$1 == f { print $2 }' $FX/objects.map; }

if o=$(ovl req ro,verity=require); then
	check "verity=require overlay reads every file intact" \
		sh -c "cd $o && sha256sum -c -s $FX/tree.sha256"
else
	not_ok "verity=require overlay mounts"
fi

# A blob replaced or renamed in the object store: a fresh overlay (no
# cached lower data) must refuse to read the file.
b=$OBJ/$(blob_of hello.txt)
other=$OBJ/$(blob_of dir/sub/numbers.txt)
mv "$b" "$b.orig"
ln "$other" "$b"	# a verity file with the wrong digest
if o2=$(ovl swap ro,verity=require); then
	if out=$(cat $o2/hello.txt 2>&1); then
		not_ok "replaced blob read under verity=require: $out"
	else
		case "$out" in
		*"Input/output error"*) ok "replaced blob: read fails with EIO" ;;
		*) not_ok "replaced blob: want EIO, got: $out" ;;
		esac
	fi
	umount $o2
fi
rm "$b"
cp "$b.orig" "$b"	# same bytes, no fs-verity
if o2=$(ovl noverity ro,verity=require); then
	if out=$(cat $o2/hello.txt 2>&1); then
		not_ok "blob without fs-verity read under verity=require: $out"
	else
		case "$out" in
		*"Input/output error"*) ok "blob without fs-verity: read fails with EIO" ;;
		*) not_ok "blob without fs-verity: want EIO, got: $out" ;;
		esac
	fi
	umount $o2
fi
rm "$b"
if o2=$(ovl renamed ro,verity=require); then
	if out=$(cat $o2/hello.txt 2>&1); then
		not_ok "renamed blob still read: $out"
	else
		ok "renamed (missing) blob: read fails (${out##*: })"
	fi
	umount $o2
fi
mv "$b.orig" "$b"

# IPE: execution allowed only from signed images (and the initramfs).
if ! cat $FX/erofs_sig.p7s >/sys/kernel/security/ipe/new_policy ||
	! echo 1 >/sys/kernel/security/ipe/policies/erofs_sig/active; then
	not_ok "load and activate the erofs_signature IPE policy"
	exit 0
fi
ok "IPE policy 'op=EXECUTE erofs_signature=TRUE action=ALLOW' active"

runs_hello "IPE: binary from the verity=require overlay executes" $o/bin/hello
check "IPE: mmap(PROT_EXEC) of an overlay file allowed" \
	vmtool mmap-exec $o/bin/hello
check "IPE: mprotect(PROT_EXEC) of an overlay file allowed (backing file)" \
	vmtool mprotect-exec $o/bin/hello

img=$(mnt img)
vmtool mount-erofs $FX/img.erofs $img sig=$FX/img.sig
runs_hello "IPE: binary from a signed image executes" $img/bin/hello
check "[mmap-plain-erofs] IPE: mmap(PROT_EXEC) of a file of a signed image allowed" \
	vmtool mmap-exec $img/bin/hello
check "[mmap-plain-erofs] IPE: mprotect(PROT_EXEC) of a file of a signed image allowed" \
	vmtool mprotect-exec $img/bin/hello
uns=$(mnt unsigned)
vmtool mount-erofs $FX/noverity.erofs $uns
check_err EACCES "IPE: binary from an unsigned image denied" \
	vmtool exec $uns/bin/hello
check_err EACCES "[mmap-plain-erofs] IPE: mmap(PROT_EXEC) of a file of an unsigned image denied" \
	vmtool mmap-exec $uns/bin/hello
check_err EACCES "[mmap-plain-erofs] IPE: mprotect(PROT_EXEC) of a file of an unsigned image denied" \
	vmtool mprotect-exec $uns/bin/hello
umount $uns

# overlayfs verity=on checks only the metacopy files that carry a digest:
# only those are signed for IPE.
mon=$(mnt metaon)
if vmtool mount-erofs $FX/metaon.erofs $mon sig=$FX/metaon.sig; then
	von=$(mnt von)
	if mount -t overlay overlay \
		-o "ro,lowerdir=$mon::$OBJ,metacopy=on,redirect_dir=on,verity=on" $von; then
		runs_hello "[verity-on] IPE: metacopy file with a digest executes" $von/bin/hello
		check "[verity-on] a metacopy file without a digest still reads (not checked)" \
			cmp $von/bin/hello-nodigest $von/bin/hello
		check_err EACCES "[verity-on] IPE: metacopy file without a digest denied" \
			vmtool exec $von/bin/hello-nodigest
		umount $von
	else
		not_ok "[verity-on] overlay with verity=on mounts"
	fi
	if mount -t overlay overlay \
		-o "ro,lowerdir=$mon::$OBJ,metacopy=on,redirect_dir=on,verity=require" $von; then
		if out=$(cat $von/bin/hello-nodigest 2>&1 >/dev/null); then
			not_ok "[verity-on] verity=require read a metacopy file without a digest"
		else
			ok "[verity-on] verity=require refuses a metacopy file without a digest (${out##*: })"
		fi
		umount $von
	fi
	umount $mon
else
	not_ok "[verity-on] signed metacopy image (metaon) mounts"
fi

# An overlay stacked on the verity=require overlay: overlayfs reports the
# data check on the overlay that made it, not on the one above, so IPE
# does not trust the files of the upper overlay.  Documented result: denied.
oo=$(mnt ovl-on-ovl)
mkdir -p /tmp/empty	# a read-only overlay needs two lower layers
if mount -t overlay overlay -o "ro,lowerdir=$o:/tmp/empty" $oo; then
	check "[overlay-on-overlay] the stacked overlay reads the files" \
		cmp $oo/bin/hello $o/bin/hello
	check_err EACCES "[overlay-on-overlay] IPE: exec through an overlay on the signed overlay denied (documented)" \
		vmtool exec $oo/bin/hello
	umount $oo
else
	not_ok "[overlay-on-overlay] overlay on the verity=require overlay mounts"
fi

if off=$(ovl off ro,verity=off); then
	check "verity=off overlay still reads (control)" \
		sh -c "cd $off && sha256sum -c -s $FX/tree.sha256"
	check_err EACCES "IPE: verity=off overlay over a signed image: exec denied" \
		vmtool exec $off/bin/hello
	check_err EACCES "IPE: verity=off overlay: mmap(PROT_EXEC) denied" \
		vmtool mmap-exec $off/bin/hello
	check_err EACCES "IPE: verity=off overlay: mprotect(PROT_EXEC) denied" \
		vmtool mprotect-exec $off/bin/hello
	umount $off
else
	not_ok "verity=off overlay mounts"
fi

mkdir -p /scratch/upper /scratch/work
if up=$(ovl up "verity=require,upperdir=/scratch/upper,workdir=/scratch/work"); then
	runs_hello "IPE: writable overlay, before copy-up: exec allowed" $up/bin/hello
	chmod 0700 $up/bin/hello	# metadata copy-up to the upper layer
	check_err EACCES "IPE: file copied up (metadata) to the upper layer: exec denied" \
		vmtool exec $up/bin/hello
	cp $up/bin/hello $up/bin/hello2
	check_err EACCES "IPE: file copied (data) into the upper layer: exec denied" \
		vmtool exec $up/bin/hello2
	umount $up
else
	not_ok "writable overlay mounts"
fi
mkdir -p /scratch/upper2 /scratch/work2
if up=$(ovl up2 "verity=require,upperdir=/scratch/upper2,workdir=/scratch/work2"); then
	runs_hello "[copyup-data] IPE: before the copy-up, exec allowed" $up/bin/hello
	: >>$up/bin/hello	# open for writing: full (data) copy-up
	if [ "$(stat -c %b /scratch/upper2/bin/hello 2>/dev/null)" -gt 0 ] 2>/dev/null; then
		ok "[copyup-data] the executable's data was copied up"
	else
		not_ok "[copyup-data] no data copy-up happened"
	fi
	check_err EACCES "[copyup-data] IPE: after the data copy-up, exec denied" \
		vmtool exec $up/bin/hello
	umount $up
else
	not_ok "[copyup-data] writable overlay mounts"
fi

# erofs_digest: exactly one image.
if ! cat $FX/erofs_pin.p7s >/sys/kernel/security/ipe/new_policy ||
	! echo 1 >/sys/kernel/security/ipe/policies/erofs_pin/active; then
	not_ok "load and activate the erofs_digest IPE policy"
	exit 0
fi
ok "IPE policy 'op=EXECUTE erofs_digest=<img.erofs> action=ALLOW' active"
runs_hello "IPE erofs_digest: the pinned image executes" $img/bin/hello
img2=$(mnt img2)
vmtool mount-erofs $FX/img2.erofs $img2 sig=$FX/img2.sig
check_err EACCES "IPE erofs_digest: another signed image denied" \
	vmtool exec $img2/bin/hello
check_err EACCES "IPE erofs_digest: the signed overlay (other image) denied" \
	vmtool exec $o/bin/hello
umount $img2 $img $o

# An image pinned by erofs_digest, mounted unsigned with an extra device:
# the device's data is outside the pinned digest, so the pin must not
# apply.  blob-evil.dev holds another program where the image's bin/hello
# is.
if ! cat $FX/erofs_pin_chunked.p7s >/sys/kernel/security/ipe/new_policy ||
	! echo 1 >/sys/kernel/security/ipe/policies/erofs_pin_chunked/active; then
	not_ok "load and activate the erofs_digest policy for chunked.erofs"
	exit 0
fi
ev=$(mnt evil)
if vmtool mount-erofs $FX/chunked.erofs $ev device=$FX/blob-evil.dev; then
	out=$(vmtool exec $ev/bin/hello 2>&1)
	case "$out" in
	*"EACCES"*) ok "[digest-extra-device] IPE erofs_digest: the pinned image with another extra device is not pinned (exec denied)" ;;
	*) not_ok "[digest-extra-device] IPE erofs_digest trusted data from an extra device: $out" ;;
	esac
	umount $ev
else
	not_ok "[digest-extra-device] chunked.erofs mounts with blob-evil.dev"
fi
if vmtool mount-erofs $FX/chunked.erofs $ev device=$FX/blob.dev; then
	check_err EACCES "[digest-extra-device] IPE erofs_digest: not even with its own extra device" \
		vmtool exec $ev/bin/hello
	umount $ev
fi
