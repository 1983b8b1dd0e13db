# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# TAP helpers for the VM test scripts (busybox sh).  Results go to stdout
# without numbers; kernel-patches/test/run numbers them on the host.
FX=/scratch/fx
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $* # SKIP"; }
diag() { echo "# $*"; }

# check DESC CMD...: the command must succeed.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		echo "$out" | sed 's/^/#   /'
	fi
}

# check_err WANT DESC CMD...: the command must fail, and vmtool's errno
# name (first word of stderr) must be one of WANT (e.g. "EKEYREJECTED|EBADMSG").
check_err() {
	local want=$1 desc=$2 err e
	shift 2
	if err=$("$@" 2>&1 >/dev/null); then
		not_ok "$desc (unexpectedly succeeded)"
		return 1
	fi
	e=${err%%:*}
	case "|$want|" in
	*"|$e|"*) ok "$desc ($e)" ;;
	*)
		not_ok "$desc: want $want, got: $err"
		return 1
		;;
	esac
}

# runs_hello DESC FILE: FILE (the test program of the images) executes.
runs_hello() {
	local out
	out=$(vmtool exec "$2" 2>&1)
	case "$out" in
	"hello from a signed image") ok "$1" ;;
	*) not_ok "$1: $out" ;;
	esac
}

# in_mountinfo DIR WORD: WORD is among DIR's super options.
super_opts() {
	awk -v d="$1" '$5 == d { for (i = 7; $i != "-"; i++); print $(i + 3) }' \
		/proc/self/mountinfo | tail -n 1
}

# Each mount gets its own directory, each test cleans up after itself.
mnt() {
	mkdir -p "/mnt/$1"
	echo "/mnt/$1"
}

# race_links FILE DEV: /tmp/race/src -> FILE and /tmp/race/src.alt -> DEV,
# each through a chain of 20 symlinks, so that resolving the path takes
# long enough for "vmtool race-mount" to swap src and src.alt in between.
race_links() {
	local i
	rm -rf /tmp/race
	mkdir /tmp/race
	ln -s "$1" /tmp/race/f20
	ln -s "$2" /tmp/race/d20
	for i in $(seq 19 -1 0); do
		ln -s f$((i + 1)) /tmp/race/f$i
		ln -s d$((i + 1)) /tmp/race/d$i
	done
	ln -s f0 /tmp/race/src
	ln -s d0 /tmp/race/src.alt
}
