# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# fs.erofs.require_signatures, last of all: it is one-way, so once it is on
# every later mount in this VM would have to be signed.
. /lib.sh

S=/proc/sys/fs/erofs/require_signatures
if [ ! -e $S ]; then
	not_ok "kernel has CONFIG_EROFS_FS_IMAGE_SIG ($S)"
	exit 0
fi
d=$(mnt req)
mount_refused() { # WANT DESC SRC ARG...
	local want=$1 desc=$2 src=$3
	shift 3
	check_err "$want" "$desc" vmtool mount-erofs "$src" $d "$@" || umount $d 2>/dev/null
}

# A block device mounted before the switch, for the race below.
loop=$(losetup -f)
losetup "$loop" $FX/img.erofs
ref=$(mnt reqref)
vmtool mount-erofs "$loop" $ref ro || not_ok "mount the block device before the switch"

echo 1 >$S
if echo 0 2>/dev/null >$S; then
	not_ok "require_signatures=1 cannot be turned off (writing 0 succeeded)"
elif [ "$(cat $S)" = 1 ]; then
	ok "require_signatures=1 cannot be turned off"
else
	not_ok "require_signatures reads $(cat $S) after writing 0 failed"
fi

mount_refused EPERM "require_signatures=1: unsigned image refused" $FX/img.erofs
mount_refused EPERM "require_signatures=1: digest= without signature refused" \
	$FX/img.erofs digest=$(cat $FX/img.digest)
mount_refused EPERM "require_signatures=1: unsigned block device refused" \
	"$loop" ro
if vmtool mount-erofs $FX/img.erofs $d sig=$FX/img.sig; then
	ok "require_signatures=1: signed image mounts"
	umount $d
else
	not_ok "require_signatures=1: signed image mounts"
fi

# The block-device race again, unsigned: the mounted device's superblock
# must not come back for a path that was an image file a moment earlier.
race_links $FX/img.erofs "$loop"
out=$(vmtool race-mount /tmp/race/src $ref 1000 ro 2>&1)
rc=$?
echo "# [bdev-reuse] $out"
case "$rc:$out" in
0:*" 0 path swaps"*) not_ok "[bdev-reuse] the path did not change during the mounts: $out" ;;
0:*": 0 on a new superblock, "*) ok "[bdev-reuse] require_signatures=1: an unsigned mount racing a path swap never reuses the mounted block device" ;;
0:*) not_ok "[bdev-reuse] require_signatures=1 let unsigned mounts through: $out" ;;
*) not_ok "[bdev-reuse] require_signatures=1: an unsigned mount reused the mounted block device's superblock: $out" ;;
esac
umount $ref
losetup -d "$loop"

# The kselftest's require_signatures case, now that the switch is on.
t=/bin/image_sig_test
if [ -x $t ]; then
	EROFS_SIG_WORKDIR=/scratch EROFS_SIG_CA_CERT=$FX/ca.pem \
		EROFS_SIG_CA_KEY=$FX/ca.key EROFS_SIG_TEST_REQUIRE=1 \
		$t -t require_signatures >/tmp/selftest.out 2>&1
	sed -n -e 's/^ok [0-9]* \(.*\)$/ok - kselftest [selftest-fixtures] \1/p' \
		-e 's/^not ok [0-9]* \(.*\)$/not ok - kselftest [selftest-fixtures] \1/p' \
		/tmp/selftest.out
	grep -q '^ok .*# SKIP' /tmp/selftest.out &&
		not_ok "kselftest require_signatures skipped"
fi
