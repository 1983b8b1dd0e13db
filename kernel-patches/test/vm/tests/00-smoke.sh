# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The VM works at all: fs-verity on the scratch disk, a plain file-backed
# EROFS mount (no signature involved) reads back the tree intact.
. /lib.sh

check "fs-verity enabled on the images and blobs" \
	vmtool enable-verity $FX/img.erofs $FX/img2.erofs $FX/meta.erofs \
	$FX/metaon.erofs $FX/tampered.erofs $FX/chunked.erofs $FX/live.erofs \
	$(find $FX/objects -type f)
check "fs-verity (sha512) enabled on img512.erofs" \
	vmtool enable-verity --sha512 $FX/img512.erofs
want=$(cat $FX/img.digest)
got=$(vmtool measure $FX/img.erofs 2>&1)
if [ "$got" = "$want" ]; then
	ok "kernel fs-verity digest of img.erofs matches fsverity-utils"
else
	not_ok "fs-verity digest: kernel $got, host $want"
fi

d=$(mnt plain)
if vmtool mount-erofs $FX/noverity.erofs $d; then
	check "unsigned file-backed mount reads every file intact" \
		sh -c "cd $d && sha256sum -c -s $FX/tree.sha256"
	umount $d
else
	not_ok "unsigned file-backed mount"
fi
