# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The series' kselftests (tools/testing/selftests/filesystems/erofs), built
# statically from the patched tree.  They make their own fixtures on the
# scratch disk (fs-verity) with mkfs.erofs and openssl from the initramfs,
# and issue their signing certificate from the test CA compiled into the
# kernel.  Their TAP lines become ours.
. /lib.sh

for t in /bin/*_test; do
	[ -x "$t" ] || continue
	# require_signatures is one-way: 99-require-signatures.sh runs it
	EROFS_SIG_WORKDIR=/scratch EROFS_SIG_CA_CERT=$FX/ca.pem \
		EROFS_SIG_CA_KEY=$FX/ca.key "$t" -T require_signatures \
		>/tmp/selftest.out 2>&1
	rc=$?
	sed -n -e 's/^ok [0-9]* \(.*\)$/ok - kselftest [selftest-fixtures] \1/p' \
		-e 's/^not ok [0-9]* \(.*\)$/not ok - kselftest [selftest-fixtures] \1/p' \
		-e 's/^# \(Totals:.*\)$/# '"${t##*/}"' \1/p' /tmp/selftest.out
	# A skip means the test could not make its fixtures.
	if grep -q '^ok .*# SKIP' /tmp/selftest.out; then
		not_ok "${t##*/}: cases skipped, the test did not make its fixtures"
		sed 's/^/#   /' /tmp/selftest.out | grep SKIP | head -n 5
	fi
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/selftest.out; then
		not_ok "${t##*/} exited $rc"
		sed 's/^/#   /' /tmp/selftest.out | tail -n 20
	fi
done
