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

# Trust: .erofs only takes signing certificates that a builtin (or
# secondary) trusted key vouches for.  Root's own certificate stays out,
# and so does the CA itself; root cannot lift the restriction, nor put its
# certificate into the secondary keyring instead.
refused_keys="EKEYREJECTED|ENOKEY|EPERM|EACCES"
check_err "$refused_keys" "[root-cert-untrusted] .erofs refuses a certificate no trusted key vouches for" \
	vmtool add-key .erofs $FX/other.der
check_err "$refused_keys" "[root-cert-untrusted] .erofs refuses the compiled-in CA itself (not a signing certificate)" \
	vmtool add-key .erofs $FX/ca.der
check_err "$refused_keys" "[root-cert-untrusted] the secondary keyring refuses it too" \
	vmtool add-key .secondary_trusted_keys $FX/other.der
check_err "EEXIST|EACCES" "[root-cert-untrusted] root cannot replace the .erofs restriction" \
	vmtool restrict .erofs

check "[ca-chained-cert] a signing certificate issued by the compiled-in test CA enters .erofs" \
	vmtool add-key .erofs $FX/signer.der

# is_signed DESC DIR: the mount at DIR shows "signed"
is_signed() {
	local opts
	opts=$(super_opts $2)
	case ",$opts," in
	*,signed,*) ok "$1 ($opts)" ;;
	*) not_ok "$1: no 'signed' in $opts" ;;
	esac
}

if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig; then
	ok "[ca-chained-cert] image signed by the CA-issued certificate mounts"
	is_signed "[ca-chained-cert] mountinfo shows 'signed'" $d
	check "files of the signed image read back intact" \
		sh -c "cd $d && sha256sum -c -s $FX/tree.sha256"
	check_err EINVAL "reconfigure with a signature refused" \
		vmtool reconfigure $d sig=$FX/img.sig
	check_err EINVAL "reconfigure with digest= refused" \
		vmtool reconfigure $d digest=$(cat $FX/img.digest)
	check "reconfigure with 'signed' (as mountinfo shows it) accepted" \
		vmtool reconfigure $d signed
	umount $d
else
	not_ok "[ca-chained-cert] image signed by the CA-issued certificate mounts"
fi
mount_refused ENOKEY "[root-cert-untrusted] a signature by root's own key does not mount signed" \
	$FX/img.erofs sig=$FX/unknown.sig
# Domain separation: the signed message is the one of fs-verity builtin
# signatures, so what keeps uses apart is which keys verify it.  Images
# are checked against .erofs only; a key the kernel trusts for something
# else (here the builtin CA that signs IPE policies) does not sign images,
# and root cannot move it into .erofs (refused above).
mount_refused ENOKEY "[domain-separation] a signature by the builtin CA's key (trusted for IPE policies) does not mount" \
	$FX/img.erofs sig=$FX/img-ca.sig

# Other algorithms the kernel verifies
check "[ecdsa] an ECDSA P-256 signing certificate issued by the CA enters .erofs" \
	vmtool add-key .erofs $FX/signer-ec.der
if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img-ec.sig; then
	is_signed "[ecdsa] image with an ECDSA signature mounts signed" $d
	umount $d
else
	not_ok "[ecdsa] image with an ECDSA signature mounts signed"
fi
if vmtool mount-erofs $FX/img512.erofs $d sig=$FX/img512.sig \
	digest=$(cat $FX/img512.digest); then
	is_signed "[sha512] sha512 fs-verity image, signature and digest= pin mount signed" $d
	check "[sha512] files read back intact" \
		sh -c "cd $d && sha256sum -c -s $FX/tree.sha256"
	umount $d
else
	not_ok "[sha512] sha512 fs-verity image, signature and digest= pin mount signed"
fi
mount_refused EKEYREJECTED "[sha512] the sha256 signature does not sign the sha512 digest" \
	$FX/img512.erofs sig=$FX/img.sig

if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig \
	digest=$(cat $FX/img.digest); then
	ok "signed image with the matching digest= mounts"
	umount $d
else
	not_ok "signed image with the matching digest= mounts"
fi
mount_refused EPERM "'signed' without a signature refused" $FX/img.erofs signed
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
	check_err EINVAL "reconfigure of an unsigned mount with 'signed' refused" \
		vmtool reconfigure $d signed
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
mount_refused EMEDIUMTYPE "digest= mismatch (distinct from a malformed signature)" \
	$FX/img.erofs sig=$FX/img.sig digest=$(cat $FX/img2.digest)
mount_refused EMEDIUMTYPE "digest= mismatch without a signature" \
	$FX/img.erofs digest=$(cat $FX/img2.digest)
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
	mount_refused EINVAL "'signed' on a block device" "$loop" ro signed

	# The mount path is looked up more than once on its way to a
	# superblock.  With the block device already mounted, a path that
	# turns from the image file into the device between the lookups
	# would reuse that superblock, unchecked.  Race exactly that: the
	# signature must be refused whichever way the lookups go.
	ref=$(mnt bdevref)
	if vmtool mount-erofs "$loop" $ref ro; then
		race_links $FX/img.erofs "$loop"
		out=$(vmtool race-mount /tmp/race/src $ref 400 ro sig=$FX/img.sig 2>&1)
		rc=$?
		echo "# [bdev-reuse] $out"
		case "$rc:$out" in
		0:*" 0 path swaps"* | 0:*" 0 refused"*)
			not_ok "[bdev-reuse] the path did not change during the mounts: $out" ;;
		0:*) ok "[bdev-reuse] a signed mount racing a path swap never reuses the mounted block device" ;;
		*) not_ok "[bdev-reuse] a signed mount reused the mounted block device's superblock: $out" ;;
		esac
		umount $ref
	else
		not_ok "[bdev-reuse] mount the block device"
	fi
	losetup -d "$loop"
else
	not_ok "set up a loop device"
fi

# Data on an extra device is not covered by the image digest: such a
# mount can be neither signed nor pinned (20-overlay-ipe.sh shows that IPE
# does not see its digest either).
if vmtool mount-erofs $FX/chunked.erofs $d device=$FX/blob.dev; then
	if [ "$(cat $d/hello.txt)" = "data on an extra device" ]; then
		ok "image with an extra data device mounts unsigned (control)"
	else
		not_ok "extra data device: hello.txt reads back wrong"
	fi
	umount $d
else
	not_ok "image with an extra data device mounts unsigned (control)"
fi
mount_refused EINVAL "signed image with an extra data device" \
	$FX/chunked.erofs sig=$FX/chunked.sig device=$FX/blob.dev
mount_refused EINVAL "[digest-extra-device] digest= pin with an extra data device refused" \
	$FX/chunked.erofs digest=$(cat $FX/chunked.digest) device=$FX/blob-evil.dev

# Bytes of the image file changed on disk under a signed mount: once they
# are no longer cached, fs-verity fails the reads.
d2=$(mnt live)
if vmtool mount-erofs $FX/live.erofs $d2 sig=$FX/img.sig; then
	check "[backing-tamper-eio] signed mount reads intact before the change" \
		sh -c "cd $d2 && sha256sum -c -s $FX/tree.sha256"
	size=$(stat -c %s $FX/live.erofs)
	if phys=$(vmtool phys-offset $FX/live.erofs $((size / 2))) &&
		vmtool poke /dev/vda "$phys"; then
		echo 3 >/proc/sys/vm/drop_caches
		errs=$(cd $d2 && find . -type f | while read -r f; do cat "$f"; done 2>&1 >/dev/null)
		case "$errs" in
		*"Input/output error"*) ok "[backing-tamper-eio] reads of the changed bytes fail with EIO" ;;
		*) not_ok "[backing-tamper-eio] changed image bytes read without EIO: $errs" ;;
		esac
	else
		not_ok "[backing-tamper-eio] change a byte of the image file on disk"
	fi
	umount $d2
else
	not_ok "[backing-tamper-eio] signed mount of live.erofs"
fi

# Mount latency: the signature check is one fs-verity digest lookup and one
# PKCS#7 verification per mount.
# Each mount logs a line; keep the serial console out of the measurement.
runs=200
read -r printk </proc/sys/kernel/printk
echo 1 >/proc/sys/kernel/printk
u=$(vmtool bench-mount $runs $FX/img.erofs 2>&1)
p=$(vmtool bench-mount $runs $FX/img.erofs digest=$(cat $FX/img.digest) 2>&1)
s=$(vmtool bench-mount $runs $FX/img.erofs sig=$FX/img.sig 2>&1)
echo "${printk%%[!0-9]*}" >/proc/sys/kernel/printk
case "$u$p$s" in
*[!0-9]*|"")
	not_ok "mount latency measured: $u / $p / $s"
	;;
*)
	ok "mount latency measured over $runs mounts each"
	echo "# mount latency (TCG VM, mean of $runs): unsigned $((u / 1000)) us, digest= pinned $((p / 1000)) us, signed $((s / 1000)) us; signed/unsigned ratio $(echo "scale=2; $s / $u" | bc)"
	;;
esac
