# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# EROFS image signatures (patch "erofs: verify image signatures of
# file-backed mounts"): what mounts, what is refused and with which errno.
. /lib.sh

if [ ! -e /proc/sys/fs/erofs/require_signatures ]; then
	not_ok "kernel has CONFIG_EROFS_FS_IMAGE_SIG (/proc/sys/fs/erofs)"
	exit 0
fi

d=$(mnt sig)
# mount_refused WANT DESC SRC ARG...: the mount fails with WANT and leaves
# nothing mounted behind.
mount_refused() {
	local want=$1 desc=$2 src=$3
	shift 3
	if ! check_err "$want" "$desc" vmtool mount-erofs "$src" $d "$@"; then
		umount $d 2>/dev/null
	fi
}

# Before any certificate is in .erofs: even a garbage blob gives ENOKEY,
# i.e. the PKCS#7 parser is never reached.
mount_refused ENOKEY "empty .erofs keyring: valid signature refused" \
	$FX/img.erofs sig=$FX/img.sig
mount_refused ENOKEY "empty .erofs keyring: garbage blob gets ENOKEY, not EBADMSG" \
	$FX/img.erofs sig=$FX/garbage.sig

check "certificate added to the .erofs keyring" \
	vmtool add-key .erofs $FX/signer.der

if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig; then
	ok "correctly signed image mounts"
	opts=$(super_opts $d)
	case ",$opts," in
	*,signed,*) ok "mountinfo shows 'signed' ($opts)" ;;
	*) not_ok "mountinfo lacks 'signed': $opts" ;;
	esac
	check "files of the signed image read back intact" \
		sh -c "cd $d && sha256sum -c -s $FX/tree.sha256"
	check_err EINVAL "reconfigure with a signature refused" \
		vmtool reconfigure $d sig=$FX/img.sig
	check_err EINVAL "reconfigure with digest= refused" \
		vmtool reconfigure $d digest=$(cat $FX/img.digest)
	umount $d
else
	not_ok "correctly signed image mounts"
fi

if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig \
	digest=$(cat $FX/img.digest); then
	ok "signed image with the matching digest= mounts"
	umount $d
else
	not_ok "signed image with the matching digest= mounts"
fi
if vmtool mount-erofs $FX/img.erofs $d digest=$(cat $FX/img.digest); then
	case ",$(super_opts $d)," in
	*,signed,*) not_ok "digest= alone must not mark the mount signed" ;;
	*) ok "digest= alone pins the image and is not 'signed'" ;;
	esac
	umount $d
else
	not_ok "digest= alone mounts the matching image"
fi
if vmtool mount-erofs $FX/noverity.erofs $d; then
	case ",$(super_opts $d)," in
	*,signed,*) not_ok "unsigned mount shows 'signed'" ;;
	*) ok "unsigned mount is not 'signed'" ;;
	esac
	umount $d
else
	not_ok "unsigned mount still works"
fi

mount_refused "EKEYREJECTED|EBADMSG" "image bytes changed after signing" \
	$FX/tampered.erofs sig=$FX/img.sig
mount_refused ENOKEY "signature by an unknown key" \
	$FX/img.erofs sig=$FX/unknown.sig
mount_refused "EKEYREJECTED|EBADMSG" "corrupted signature" \
	$FX/img.erofs sig=$FX/corrupt.sig
mount_refused EBADMSG "garbage signature blob" \
	$FX/img.erofs sig=$FX/garbage.sig
mount_refused EKEYREJECTED "signature of a different image" \
	$FX/img.erofs sig=$FX/img2.sig
mount_refused ENODATA "image file without fs-verity" \
	$FX/noverity.erofs sig=$FX/img.sig
mount_refused ENODATA "digest= on an image file without fs-verity" \
	$FX/noverity.erofs digest=$(cat $FX/img.digest)
mount_refused EBADMSG "digest= mismatch" \
	$FX/img.erofs sig=$FX/img.sig digest=$(cat $FX/img2.digest)
mount_refused EINVAL "malformed digest= value" \
	$FX/img.erofs digest=sha256:1234

loop=$(losetup -f)
if losetup "$loop" $FX/img.erofs; then
	if vmtool mount-erofs "$loop" $d ro; then
		ok "unsigned mount of a block device (control)"
		umount $d
	else
		not_ok "unsigned mount of a block device (control)"
	fi
	mount_refused EINVAL "signed mount of a block device" \
		"$loop" ro sig=$FX/img.sig
	mount_refused EINVAL "digest= on a block device" \
		"$loop" ro digest=$(cat $FX/img.digest)
	losetup -d "$loop"
else
	not_ok "set up a loop device"
fi

# Data on an extra device is not covered by the image digest.
if vmtool mount-erofs $FX/chunked.erofs $d device=$FX/blob.dev; then
	want=$(awk '$2 == "./dir/sub/numbers.txt" { print $1 }' $FX/tree.sha256)
	got=$(sha256sum <$d/numbers.txt)
	if [ "${got%% *}" = "$want" ]; then
		ok "image with an extra data device mounts unsigned (control)"
	else
		not_ok "extra data device: numbers.txt reads back wrong"
	fi
	umount $d
else
	not_ok "image with an extra data device mounts unsigned (control)"
fi
mount_refused EINVAL "signed image with an extra data device" \
	$FX/chunked.erofs sig=$FX/chunked.sig device=$FX/blob.dev

echo 1 >/proc/sys/fs/erofs/require_signatures
mount_refused EPERM "require_signatures=1: unsigned image refused" \
	$FX/img.erofs
mount_refused EPERM "require_signatures=1: digest= without signature refused" \
	$FX/img.erofs digest=$(cat $FX/img.digest)
if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig; then
	ok "require_signatures=1: signed image mounts"
	umount $d
else
	not_ok "require_signatures=1: signed image mounts"
fi
echo 0 >/proc/sys/fs/erofs/require_signatures

# Mount latency: the signature check is one fs-verity digest lookup and one
# PKCS#7 verification per mount.
# Each mount logs a line; keep the serial console out of the measurement.
runs=200
read -r printk </proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/printk
u=$(vmtool bench-mount $runs $FX/img.erofs 2>&1)
s=$(vmtool bench-mount $runs $FX/img.erofs sig=$FX/img.sig 2>&1)
echo "${printk%%[!0-9]*}" >/proc/sys/kernel/printk
case "$u$s" in
*[!0-9]*|"")
	not_ok "mount latency measured: $u / $s"
	;;
*)
	ok "mount latency measured over $runs mounts each"
	echo "# mount latency (TCG VM, mean of $runs): unsigned $((u / 1000)) us, signed $((s / 1000)) us, ratio $(echo "scale=2; $s / $u" | bc)"
	;;
esac
