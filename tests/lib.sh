# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Helpers for the shell integration tests: each test script prints TAP.
# Environment from tests/run: ESEAL (the binary), BUILD, TOP, COMPAT_DIR,
# and a private WORK directory removed afterwards.

_n=0
_failed=0

ok() {
	_n=$((_n + 1))
	echo "ok $_n - $*"
}

not_ok() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $*"
}

skip() {
	_n=$((_n + 1))
	echo "ok $_n # SKIP $*"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	_d=$1
	shift
	if "$@" >"$WORK/.out" 2>&1; then
		ok "$_d"
	else
		not_ok "$_d"
		sed 's/^/#   /' "$WORK/.out" | head -20
	fi
}

# check_fails DESCRIPTION COMMAND...: ok when the command fails (not crash)
check_fails() {
	_d=$1
	shift
	"$@" >"$WORK/.out" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ] && [ $_rc -lt 128 ]; then
		ok "$_d"
	else
		not_ok "$_d (exit $_rc)"
		sed 's/^/#   /' "$WORK/.out" | head -20
	fi
}

# check_has DESCRIPTION STRING [FILE]: ok when FILE (the output of the
# last check/check_fails when not given) contains STRING
check_has() {
	if grep -qF -- "$2" "${3:-$WORK/.out}"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/#   /' "${3:-$WORK/.out}" | head -5
	fi
}

# store_list DIR: the object store DIR's entries, sorted, without its
# .erofs-seal (the digest cache of directory sources: not an object)
store_list() {
	(cd "$1" && find . -path ./.erofs-seal -prune -o -print | sort)
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# as_user COMMAND...: run as an unprivileged user (nobody when root, so
# that file permissions apply; the work directory is opened up for it)
as_user() {
	if is_root; then
		chmod 755 "$WORK"
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

done_testing() {
	echo "1..$_n"
	[ $_failed -eq 0 ]
}
