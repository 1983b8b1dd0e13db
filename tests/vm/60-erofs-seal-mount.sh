# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal mount in the kernel-patches VM (busybox sh, /lib.sh helpers):
# the kernel path (EROFS checks the signature, the layer is "signed"), the
# fs-verity userspace path (--userspace-verify), the private-copy path
# (--no-fsverity), the same refusals on each, umount refusing a layer
# under a live overlay, and a replaced object that fails reads with EIO
# under verity=require.
#
# For kernel-patches/test/run: copy this file to vm/tests/ and put a static
# erofs-seal at /bin/erofs-seal in the initramfs, e.g.
#   gcc -static -o "$ir/bin/erofs-seal" "$TOP"/build/{cli,mkimage,sign,mount}/*.o \
#       "$TOP/build/liberofs-seal.a" -lcrypto -lxxhash -lkeyutils -lpthread
# Needs the fixtures of mkfixtures with fs-verity enabled by 00-smoke.sh
# (img, tampered, meta, objects) and signer.der in .erofs (10-erofs-sig.sh;
# added again here).
. /lib.sh

E=/bin/erofs-seal
if [ ! -x $E ]; then
	skip "erofs-seal mount: no /bin/erofs-seal in the initramfs"
	exit 0
fi
vmtool add-key .erofs $FX/signer.der >/dev/null 2>&1
mkdir -p /run /scratch/priv
chmod 700 /scratch/priv
m=$(mnt eseal)
digest=$(cat $FX/meta.digest)
M="$E mount --basedir $FX/objects --private-dir /scratch/priv"

# mounted_ok DESC JSON-WORDS... -- CMD...: mounts, the JSON has each word,
# every file reads back intact, umount removes both mounts.
mounted_ok() {
	local desc=$1 w words= bad=
	shift
	while [ "$1" != -- ]; do
		words="$words $1"
		shift
	done
	shift
	if ! "$@" --json $FX/meta.erofs $m >/tmp/j 2>/tmp/e; then
		not_ok "$desc: $(cat /tmp/e)"
		return
	fi
	for w in $words; do
		grep -q "$w" /tmp/j || bad="$bad $w"
	done
	[ -z "$bad" ] || not_ok "$desc: JSON lacks$bad: $(cat /tmp/j)"
	check "$desc: files read back intact" \
		sh -c "cd $m && sha256sum -c -s $FX/tree.sha256"
	layer=$(sed -n 's/.*"layer":"\([^"]*\)".*/\1/p' /tmp/j)
	if $E umount $layer >/tmp/o 2>&1 || ! grep -q "overlay on $m" /tmp/o; then
		not_ok "$desc: umount of the layer under the overlay is refused: $(cat /tmp/o)"
	fi
	check "$desc: umount" $E umount $m
	if grep -q " $m \| $layer " /proc/self/mountinfo; then
		not_ok "$desc: umount left a mount behind"
	elif [ -z "$bad" ]; then
		ok "$desc"
	fi
}

# refused DESC WORD CMD...: fails saying WORD, nothing mounted
refused() {
	local desc=$1 word=$2
	shift 2
	if "$@" $m >/tmp/o 2>&1; then
		not_ok "$desc (mounted)"
		$E umount $m
	elif ! grep -q "$word" /tmp/o; then
		not_ok "$desc: want '$word': $(cat /tmp/o)"
	elif grep -q " $m " /proc/self/mountinfo ||
		[ -n "$(ls /run/erofs-seal 2>/dev/null)" ]; then
		not_ok "$desc: left a mount behind"
	else
		ok "$desc"
	fi
}

# 1. the kernel checks the signature
mounted_ok "kernel path" '"mode":"kernel"' '"kernel_signed":true' \
	'"data_verity":true' '"signature_verified":true' -- \
	$M --signature $FX/meta.sig --require-signature --digest $digest
refused "kernel path: tampered image" signature \
	$M --signature $FX/img.sig $FX/tampered.erofs
refused "kernel path: unknown signer" signature \
	$M --signature $FX/unknown.sig $FX/meta.erofs
refused "kernel path: wrong digest pin" "digest mismatch" \
	$M --signature $FX/meta.sig --digest $(cat $FX/img.digest) $FX/meta.erofs

# 2. fs-verity digest checked in userspace
mounted_ok "fs-verity path" '"mode":"fs-verity"' '"kernel_signed":false' \
	'"data_verity":true' -- \
	$M --userspace-verify --signature $FX/meta.sig --cert $FX/signer.der
refused "fs-verity path: tampered image" signature \
	$M --userspace-verify --signature $FX/img.sig --cert $FX/signer.der \
	$FX/tampered.erofs
refused "fs-verity path: untrusted signer" certificate \
	$M --userspace-verify --signature $FX/unknown.sig \
	--cert $FX/signer.der $FX/meta.erofs
refused "fs-verity path: wrong digest pin" "digest mismatch" \
	$M --userspace-verify --digest $(cat $FX/img.digest) $FX/meta.erofs

# 3. a private copy checked in userspace
mounted_ok "copy path" '"mode":"copy"' -- \
	$M --no-fsverity --signature $FX/meta.sig --cert $FX/signer.der
refused "copy path: tampered image" signature \
	$M --no-fsverity --signature $FX/img.sig --cert $FX/signer.der \
	$FX/tampered.erofs

# 4. objects: a replaced blob fails reads with EIO under verity=require.
# A second store of hard links (same inodes, fs-verity kept) in which one
# object is replaced by other bytes with fs-verity of their own.
s2=/scratch/store2
rm -rf $s2
mkdir -p $s2
(cd $FX/objects && find . -type d) | while read -r d; do mkdir -p "$s2/$d"; done
(cd $FX/objects && find . -type f) | while read -r f; do ln "$FX/objects/$f" "$s2/$f"; done
obj=$(grep '^hello.txt ' $FX/objects.map | cut -d' ' -f2)
rm -f "$s2/$obj"
echo 'not the signed bytes' >"$s2/$obj"
vmtool enable-verity "$s2/$obj"
if $E mount --basedir $s2 --signature $FX/meta.sig $FX/meta.erofs $m \
	>/tmp/o 2>&1; then
	if cat $m/hello.txt >/dev/null 2>/tmp/e; then
		not_ok "replaced object read without error"
	elif grep -qi "input/output error" /tmp/e; then
		ok "replaced object fails reads with EIO"
	else
		not_ok "replaced object: want EIO, got $(cat /tmp/e)"
	fi
	check "other objects still read" \
		sh -c "cmp $m/dir/sub/numbers.txt $FX/objects/$(grep '^dir/sub/numbers.txt ' $FX/objects.map | cut -d' ' -f2)"
	$E umount $m
else
	not_ok "mount over the store with a replaced object: $(cat /tmp/o)"
fi
rm -rf $s2
