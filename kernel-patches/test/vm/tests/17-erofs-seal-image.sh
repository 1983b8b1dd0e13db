# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# An image made by "erofs-seal mkimage --digest-store" and signed by
# "erofs-seal sign" (composefs format, small files inlined): the kernel
# accepts the signature and an overlay with verity=require reads the tree.
. /lib.sh

if [ ! -f $FX/cfs.erofs ]; then
	skip "erofs-seal image: erofs-seal was not built"
	exit 0
fi
check "fs-verity enabled on the erofs-seal image and its objects" \
	vmtool enable-verity $FX/cfs.erofs $(find $FX/cfs-objects -type f)
d=$(mnt cfs)
if vmtool mount-erofs $FX/cfs.erofs $d sig=$FX/cfs.sig \
	digest=$(cat $FX/cfs.digest); then
	case ",$(super_opts $d)," in
	*,signed,*) ok "erofs-seal mkimage + sign: kernel verifies the signature" ;;
	*) not_ok "erofs-seal image mounted but not 'signed'" ;;
	esac
	o=$(mnt cfs-ovl)
	if mount -t overlay overlay -o "ro,lowerdir=$d::$FX/cfs-objects,metacopy=on,redirect_dir=on,verity=require" $o; then
		check "erofs-seal image: verity=require overlay reads every file intact" \
			sh -c "cd $o && sha256sum -c -s $FX/tree.sha256"
		umount $o
	else
		not_ok "erofs-seal image: verity=require overlay mounts"
	fi
	umount $d
else
	not_ok "erofs-seal mkimage + sign: signed mount"
fi
mount_bad=$(mnt cfs-bad)
check_err EKEYREJECTED "erofs-seal image with another image's signature refused" \
	vmtool mount-erofs $FX/cfs.erofs $mount_bad sig=$FX/img.sig || umount $mount_bad
