#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# tests/helpers/bench-floor, the floors of make bench: "write" writes as
# many files of the same sizes and names as a small store holds objects
# (not its Merkle tree files, not .erofs-seal), with data that is not
# zeros; "read" reads every regular file of a tree and nothing a symlink
# points at; both refuse what they cannot do with an error naming it.
# Only counts are checked here, never times (those are make bench's).
. "$TOP/tests/lib.sh"
. "$TOP/tests/store-lib.sh"
F=$BUILD/tests/helpers/bench-floor

# field NAME FILE: NAME=... of the line bench-floor printed into FILE
field() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p"; }
# sizes DIR: "xx/name size" of every object-shaped file below DIR
sizes() {
	(cd "$1" && find . -path ./.erofs-seal -prune -o -type f \
		! -name '*.merkle' -printf '%P %s\n') | sort
}

mkdir -p src/sub/deep outside
for i in 1 2 3 4 5 6 7 8; do rnd src/f$i $((i * 3000 + 17)); done
rnd src/sub/big $((3 << 20))               # more than one 1 MiB piece
rnd src/sub/deep/mid 70000
cp src/f1 src/sub/same                     # one object for two files
echo tiny >src/sub/inline                  # inlined: no object
: >src/empty
rnd outside/elsewhere 5000
ln -s "$WORK/outside/elsewhere" src/link   # neither read nor stored
ln -s "$WORK/outside" src/linkdir

"$ESEAL" mkimage --quiet --basedir=S src img.img || not_ok "make a small store"
obj=$(store_objects S | head -1)
rnd "S/$obj.merkle" 4096                   # a Merkle tree file: no object
n_obj=$(store_objects S | wc -l)
obj_bytes=$(store_objects S | (cd S && xargs stat -c %s) | awk '{ s += $1 } END { print s }')
check "the store holds 10 objects" test "$n_obj" -eq 10

check "write: the store's objects written again" "$F" write S W 2
cp .out w.out
check "write: it counts as many files as the store has objects" \
	test "$(field files w.out)" -eq "$n_obj"
check "write: ... and their bytes" test "$(field bytes w.out)" -eq "$obj_bytes"
sizes S >want
sizes W >got
check "write: the same names and sizes below the same fan-out" cmp want got
check "write: no temporary file is left behind" \
	test "$(find W -type f | wc -l)" -eq "$n_obj"
check "write: the data is the hot buffer's byte, not zeros" \
	test "$(tr -d Z <"W/$obj" | wc -c)" -eq 0 -a -s "W/$obj"
check_fails "write: the same names again are refused" "$F" write S W
cp .out again.out
check "... naming a file" grep -Eq '^bench-floor: W/[0-9a-f]{2}/[0-9a-f]{62}: cannot link' again.out
check_fails "write: into the store itself is refused" "$F" write S S
check_has "... saying so" "S: is the store itself"
check_fails "write: a missing store is refused" "$F" write nothere W3
check_has "... naming it" "nothere: cannot open directory"
mkdir emptystore
check_fails "write: a store without objects is refused" "$F" write emptystore W4
check_has "... naming it" "emptystore: no objects"

n_files=$(find src -type f | wc -l)
n_bytes=$(find src -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
for t in 1 3; do
	check "read: every file on $t threads" "$F" read src $t
	cp .out r.out
	check "read: $t threads count the regular files, no symlink's" \
		test "$(field files r.out)" -eq "$n_files"
	check "read: $t threads read all their bytes" \
		test "$(field bytes r.out)" -eq "$n_bytes"
done
check "read: the line has the seconds" grep -Eq 'seconds=[0-9]+\.[0-9]{3} ' r.out
check_fails "read: a missing tree is refused" "$F" read nothere
check_has "... naming it" "nothere: cannot open directory"
check_fails "read: a bad thread count is refused" "$F" read src 0
check_has "... naming it" "0: not a thread count"

done_testing
