# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Shared by the erofs-seal mount tests (after tests/lib.sh): skip unless
# root on a kernel with EROFS and overlayfs, set RUN (layer directory), MNT
# and STORE below $WORK, link $WORK/mount.erofs-seal to the program, unmount whatever the test left on exit, and the
# checks mounted, layers, refused and refused_early.

if ! is_root; then
	skip "mount tests need root"
	done_testing
	exit
fi
if ! grep -qw erofs /proc/filesystems || ! grep -qw overlay /proc/filesystems; then
	modprobe erofs 2>/dev/null
	modprobe overlay 2>/dev/null
fi
if ! grep -qw erofs /proc/filesystems || ! grep -qw overlay /proc/filesystems; then
	skip "kernel has no EROFS or overlayfs"
	done_testing
	exit
fi

RUN=$WORK/run
MNT=$WORK/mnt
STORE=$WORK/objects
# the program under the name mount(8) runs it by: ./mount.erofs-seal
ln -s "$ESEAL" "$WORK/mount.erofs-seal"

# Unmount whatever this test left under $WORK, innermost first, even when
# a check failed half-way: overlays before the layers under $RUN (which
# erofs-seal umount refuses while an overlay stacks on them).
cleanup() {
	local m
	for m in $(awk -v w="$WORK" -v r="$RUN/" \
		'index($5, w) == 1 { print (index($5, r) == 1 ? 1 : 0), $5 }' \
		/proc/self/mountinfo | sort -k1,1 -k2,2r | cut -d" " -f2); do
		"$ESEAL" umount --lazy "$m" 2>/dev/null ||
			"$ESEAL" umount --lazy --rundir "$RUN" "$m" 2>/dev/null ||
			umount -l "$m" 2>/dev/null
	done
}
trap cleanup EXIT

# mounted PATH: is something mounted exactly there?
mounted() {
	awk -v p="$1" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo
}
# layers: how many EROFS layers are mounted under $RUN
layers() {
	awk -v r="$RUN/" 'index($5, r) == 1' /proc/self/mountinfo | wc -l
}
# refused DESC PATTERN CMD...: fails, says PATTERN, leaves nothing mounted
refused() {
	local d=$1 pat=$2 before
	shift 2
	before=$(layers)
	"$@" >"$WORK/.out" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q -- "$pat" "$WORK/.out" &&
		! mounted "$MNT" && [ "$(layers)" = "$before" ]; then
		ok "$d"
	else
		not_ok "$d (exit $rc, want '$pat', nothing mounted)"
		sed 's/^/#   /' "$WORK/.out" | head -10
		cleanup
	fi
}
# refused_early DESC PATTERN CMD...: refused (above) saying PATTERN before
# anything was copied or hashed.  CMD gets a wrong digest pin, which the
# image's digest would fail ("digest mismatch"), and a private directory
# that does not exist, which a private copy would make: neither may happen.
refused_early() {
	local d=$1 pat=$2 priv=$WORK/priv-unmade
	shift 2
	rm -rf "$priv"
	refused "$d" "$pat" "$@" --digest "sha256:$(printf '%064d' 0)" \
		--private-dir "$priv"
	if grep -q "digest mismatch" "$WORK/.out" || [ -e "$priv" ]; then
		not_ok "$d: before the image is copied or hashed"
	else
		ok "$d: before the image is copied or hashed"
	fi
}
