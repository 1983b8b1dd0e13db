# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# A source file with fs-verity on is measured (FS_IOC_MEASURE_VERITY), not
# read.  No kernel here need have fs-verity: the LD_PRELOAD shim
# tests/preload/fake-verity.c makes one file look like it, with the digest
# the test gives, and makes reading that file fail, so a build that
# succeeds did not read it.  A descriptor with a salt (another digest than
# ours) is not used; with a store, a measured file whose object is missing
# is read and stored.
. "$TOP/tests/lib.sh"

SHIM=$BUILD/tests/preload/fake-verity.so
if [ ! -f "$SHIM" ]; then
	skip "fake-verity.so not built"
	done_testing
	exit
fi
mkdir src
head -c 100000 /dev/urandom >src/big
head -c 5000 /dev/urandom >src/other
printf 'small\n' >src/small
digest=$("$ESEAL" digest src/big | cut -c8-71)
want=$("$ESEAL" mkimage --print-digest-only --no-digest-cache src)

# fake [VAR=VALUE...] COMMAND...: run with src/big looking like fs-verity
fake() {
	env LD_PRELOAD="$SHIM" FAKE_VERITY_NAME=big "$@"
}
check "the shim works: reading big fails" \
	sh -c '! env LD_PRELOAD="$1" FAKE_VERITY_NAME=big FAKE_VERITY_NO_READ=1 \
		"$2" digest src/big' sh "$SHIM" "$ESEAL"

fake FAKE_VERITY_DIGEST="$digest" FAKE_VERITY_NO_READ=1 \
	"$ESEAL" mkimage -v --print-digest-only --no-digest-cache src >a.out 2>&1
check_has "measured, not read: the same image digest" "$want" a.out
check_has "... and says so" "measured by fs-verity: 1" a.out

# the digest measured is the one used (a wrong one shows)
zero=0000000000000000000000000000000000000000000000000000000000000000
got=$(fake FAKE_VERITY_DIGEST=$zero FAKE_VERITY_NO_READ=1 \
	"$ESEAL" mkimage --print-digest-only --no-digest-cache src)
if [ -n "$got" ] && [ "$got" != "$want" ]; then
	ok "the kernel's digest is what goes into the image"
else
	not_ok "the kernel's digest is what goes into the image ($got)"
fi

# a salted tree gives another digest: read the file instead
fake FAKE_VERITY_DIGEST=$zero FAKE_VERITY_SALT=1 \
	"$ESEAL" mkimage -v --print-digest-only --no-digest-cache src >b.out 2>&1
check_has "with a salt: read and hashed, the right digest" "$want" b.out
check_has "... nothing measured" "measured by fs-verity: 0" b.out

# with a store: measured, but its object is missing: read and stored
fake FAKE_VERITY_DIGEST="$digest" "$ESEAL" mkimage -v --no-digest-cache \
	--basedir=st src c.img >c.out 2>&1
check "with an empty store: built" test -f c.img
check "... the object stored" test -f "st/${digest:0:2}/${digest:2}"
check_has "... read, not measured" "measured by fs-verity: 0" c.out
fake FAKE_VERITY_DIGEST="$digest" FAKE_VERITY_NO_READ=1 \
	"$ESEAL" mkimage -v --no-digest-cache --basedir=st src d.img >d.out 2>&1
check "with the object there: measured, not read" cmp c.img d.img
check_has "... and says so" "measured by fs-verity: 1" d.out
check "the image is the one without fs-verity" \
	test "$("$ESEAL" digest d.img | cut -c8-71)" = "$want"
done_testing
