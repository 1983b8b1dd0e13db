# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The series' kselftests (tools/testing/selftests/filesystems/erofs), built
# statically from the patched tree.  Needs the signer's certificate in
# .erofs, which 10-erofs-sig.sh added.  Their TAP lines become ours.
. /lib.sh

for t in /bin/*_test; do
	[ -x "$t" ] || continue
	EROFS_SIG_FIXTURES=$FX "$t" >/tmp/selftest.out 2>&1
	rc=$?
	sed -n -e 's/^ok [0-9]* \(.*\)$/ok - kselftest \1/p' \
		-e 's/^not ok [0-9]* \(.*\)$/not ok - kselftest \1/p' \
		-e 's/^# \(Totals:.*\)$/# '"${t##*/}"' \1/p' /tmp/selftest.out
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/selftest.out; then
		not_ok "${t##*/} exited $rc"
		sed 's/^/#   /' /tmp/selftest.out | tail -n 20
	fi
done
