#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# kill -9 at every point of gc and fsck --repair that changes the store:
# strace injects SIGKILL at the Nth unlinkat / linkat / renameat / mkdirat
# (and at the first reads of the store and the images), so that each point
# is hit exactly, not by timing.  After each kill: every object still
# matches its name, every kept image still has all its objects (fsck
# --repair: but the planted bad ones), no bad content was lost; then a
# complete run leaves exactly what it must.
. "$TOP/tests/lib.sh"
. "$TOP/tests/store-lib.sh"

if ! command -v strace >/dev/null; then
	skip "strace (Debian package) not installed: no kill points"
	done_testing
	exit
fi

# kill_at STORE SYSCALL N CMD...: run CMD with SIGKILL at the Nth SYSCALL;
# 0 when it was killed there, 1 when it finished first
kill_at() {
	local s=$2 n=$3
	shift 3
	# in a subshell, so that the shell's "Killed" goes with its output
	(strace -f -qq -o /dev/null -e trace="$s" \
		-e inject="$s":signal=KILL:when="$n" "$@"; exit $?) >/dev/null 2>&1
	[ $? -eq 137 ]
}

# calls SYSCALL CMD...: how many times CMD makes it
calls() {
	local s=$1
	shift
	strace -f -qq -o "$WORK/calls.log" -e trace="$s" "$@" >/dev/null 2>&1
	grep -c "$s(" "$WORK/calls.log"
}

# ---- gc ------------------------------------------------------------------
mkdir -p src/a src/b keep pool
for i in 1 2 3 4; do rnd src/a/f$i $((1500 * i)); done
cp src/a/f1 src/b/ && rnd src/b/own 2500
for i in $(seq 1 12); do rnd pool/g$i $((1000 + 100 * i)); done
"$ESEAL" mkimage --quiet --basedir=T src/a keep/a.img &&
	"$ESEAL" mkimage --quiet --basedir=T src/b keep/b.img &&
	"$ESEAL" mkimage --quiet --basedir=T pool garbage.img ||
	not_ok "make the images"
g1=$("$ESEAL" info objects garbage.img | head -1)
rnd "T/$g1.merkle" 64
rnd T/.tmp-crash1 64 && touch -d '2 hours ago' T/.tmp-crash1
"$ESEAL" info objects keep/a.img keep/b.img | sort -u >want

n=$(cp -a T C && calls unlinkat "$ESEAL" store gc --keep-dir=keep C)
check "gc removes by unlinkat: 12 objects, a tree, a temporary file" test "$n" -eq 14
bad=0
killed=0
for s in unlinkat:$n getdents64:3 read:3 flock:1; do
	for k in $(seq 1 "${s#*:}"); do
		rm -rf C && cp -a T C
		kill_at C "${s%:*}" "$k" "$ESEAL" store gc --keep-dir=keep C &&
			killed=$((killed + 1))
		m=$(missing_of C keep/a.img; missing_of C keep/b.img)
		if [ -n "$m" ] || ! objects_match C >match.out; then
			echo "# killed at ${s%:*} #$k: missing '$m' $(cat match.out)"
			bad=$((bad + 1))
		fi
		if ! "$ESEAL" store gc --keep-dir=keep C >/dev/null 2>&1 ||
			! store_objects C | cmp -s - want; then
			echo "# killed at ${s%:*} #$k: a second gc did not end as it must"
			bad=$((bad + 1))
		fi
	done
done
check "gc killed at $killed points: every object matches its name, kept images whole" \
	test $bad -eq 0 -a $killed -ge "$n"

# ---- fsck --repair --from ------------------------------------------------
rm -rf T C
"$ESEAL" mkimage --quiet --basedir=T src/a keep/a.img
cp -a T good
mapfile -t objs < <("$ESEAL" info objects keep/a.img)
: >planted
for i in 0 1; do
	chmod u+w "T/${objs[$i]}"
	printf 'X' | dd of="T/${objs[$i]}" bs=1 seek=$((10 + i)) conv=notrunc status=none
	cp "T/${objs[$i]}" bad$i.content
	echo "${objs[$i]}" >>planted
done
rm "T/${objs[2]}" && ln -s /etc/hostname "T/${objs[2]}"
echo "${objs[2]}" >>planted
rnd T/.tmp-crash2 64 && touch -d '2 hours ago' T/.tmp-crash2

# no bad content lost: each at its name or in the quarantine
evidence_kept() {
	local i q
	for i in 0 1; do
		cmp -s "bad$i.content" "$1/${objs[$i]}" && continue
		for q in "$1"/.quarantine/*/"${objs[$i]}"; do
			cmp -s "bad$i.content" "$q" && continue 2
		done
		echo "bad content $i lost"
		return 1
	done
}

killed=0
bad=0
for s in renameat linkat mkdirat; do
	c=$(cp -a T C && calls $s "$ESEAL" store fsck --repair --from=good C)
	rm -rf C
	for k in $(seq 1 "$c"); do
		rm -rf C && cp -a T C
		kill_at C $s "$k" "$ESEAL" store fsck --repair --from=good C &&
			killed=$((killed + 1))
		m=$(missing_of C keep/a.img | grep -vxFf planted)
		if [ -n "$m" ] || ! objects_match C planted >match.out ||
			! evidence_kept C >>match.out; then
			echo "# killed at $s #$k: missing '$m' $(cat match.out)"
			bad=$((bad + 1))
		fi
		"$ESEAL" store fsck --repair --from=good C >/dev/null 2>&1
		if ! "$ESEAL" store fsck C >/dev/null 2>&1 ||
			[ -n "$(missing_of C keep/a.img)" ]; then
			echo "# killed at $s #$k: a second repair did not end clean"
			bad=$((bad + 1))
		fi
	done
done
check "fsck --repair killed at $killed points: good objects kept, bad ones at their name or in the quarantine" \
	test $bad -eq 0 -a $killed -ge 5
done_testing
