#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal store fsck: a planted corrupted object, a symlink and a stray
# temporary file (and more: a directory named as an object, a name that is
# no digest, modes others may write, an orphan tree file) are found, by
# path, and quarantined by --repair with the evidence kept; --from restores
# verified copies; exit 0 clean, 1 problems, 4 cannot read; fsverity-utils
# is the independent oracle of every object left.
. "$TOP/tests/lib.sh"
. "$TOP/tests/store-lib.sh"

mkdir -p src keep
for f in 1 2 3 4 5 6 7 8; do rnd src/f$f $((1500 * f)); done
"$ESEAL" mkimage --quiet --basedir=S src keep/a.img || not_ok "make an image"
cp -a S good                       # a store to restore from
check "a fresh store is clean: exit 0" "$ESEAL" store fsck S
check_has "... and it says how much it checked" "checked 8 objects"

mapfile -t objs < <("$ESEAL" info objects keep/a.img)
orphan=$(printf 'f%.0s' $(seq 62))	# a digest no object has
# 1: a corrupted object (one byte changed), its bad content kept aside
bad1=${objs[0]}
chmod u+w "S/$bad1"
printf 'X' | dd of="S/$bad1" bs=1 seek=100 conv=notrunc status=none
cp "S/$bad1" bad1.content
# 2: an object replaced by a symlink to a good-looking file outside
bad2=${objs[1]}
cp "S/$bad2" outside-copy
rm "S/$bad2" && ln -s "$WORK/outside-copy" "S/$bad2"
# 3: an object replaced by a directory
bad3=${objs[2]}
rm "S/$bad3" && mkdir "S/$bad3"
# 4: a stray temporary file, a young one, a name that is no digest
rnd S/.tmp-crash1 300 && touch -d '2 hours ago' S/.tmp-crash1
rnd S/.tmp-young1 300
echo junk >"S/${objs[3]%%/*}/notes.txt"
# 5: an object writable by others; an orphan tree file; a kept one
chmod 0666 "S/${objs[4]}"
rnd "S/${objs[5]%%/*}/$orphan.merkle" 64
rnd "S/${objs[6]}.merkle" 64

"$ESEAL" store fsck S >report 2>&1
rc=$?
check "problems found: exit 1" test $rc -eq 1
check_has "the corrupted object, by path, with its digest" \
	"S/$bad1: content does not match its name (its digest is" report
check_has "the symlink, not followed" \
	"S/$bad2: a symbolic link, not a regular file (not followed)" report
check_has "the directory named as an object" "S/$bad3: a directory, not a regular file" report
check_has "the stray temporary file" "S/.tmp-crash1: a temporary file left behind" report
check "... not the young one" sh -c "! grep -q tmp-young1 report"
check_has "the name that is no digest" "notes.txt: not the name of an object" report
check_has "the mode others may write" "S/${objs[4]}: mode 0666: writable by others" report
check_has "the orphan tree file" "$orphan.merkle: the Merkle tree file of an object that is not in the store" report
check "... not the tree file of an object that is there" \
	sh -c "! grep -q '${objs[6]}.merkle' report"
check_has "the count: seven problems" "7 problems" report
check "a check changes nothing" test -L "S/$bad2" -a -d "S/$bad3" -a -f S/.tmp-crash1

"$ESEAL" store fsck --json S >report.json
if grep -q '"problems":7,' report.json && grep -q '"problem":"content"' report.json &&
	grep -q '"problem":"stray-temporary"' report.json && grep -q '"action":"none"' report.json; then
	ok "fsck --json: the same problems in JSON"
else
	not_ok "fsck --json: the same problems in JSON"
	sed 's/^/#   /' report.json | head -3
fi

check_fails "--from without --repair: a usage error" "$ESEAL" store fsck --from=good S
check_fails "--from the store itself: refused" "$ESEAL" store fsck --repair --from=S S
check "... and nothing was moved" test -L "S/$bad2"

# ---- repair, first without a store to restore from ----------------------
cp -a S S2
"$ESEAL" store fsck --repair S >repair 2>&1
rc=$?
check "fsck --repair: exit 1 (problems were found)" test $rc -eq 1
check_has "... the corrupted object quarantined" "S/$bad1: content does not match" repair
check_has "... moved to the quarantine" "; moved to S/.quarantine/" repair
q=$(ls -d S/.quarantine/*/ | head -1)
check "the corrupted object's content is kept in the quarantine" cmp bad1.content "$q/$bad1"
check "the symlink is in the quarantine (as a symlink)" test -L "$q/$bad2"
check "... the file it pointed to is untouched" cmp outside-copy "good/$bad2"
check "the directory, the stray temporary file, the odd name are there too" \
	test -d "$q/$bad3" -a -f "$q/.tmp-crash1" -a -f "$q/${objs[3]%%/*}/notes.txt"
check "the young temporary file stays" test -f S/.tmp-young1
check "the writable mode is fixed" test "$(stat -c %a "S/${objs[4]}")" = 644
check "the orphan tree file is removed, the other kept" \
	test ! -e "S/${objs[5]%%/*}/$orphan.merkle" -a -f "S/${objs[6]}.merkle"
check "every object left matches its name (fsverity digest)" objects_match S
check "a second fsck is clean: exit 0" "$ESEAL" store fsck S
check "the image misses exactly the three bad objects" \
	test "$("$ESEAL" info missing-objects --basedir=S keep/a.img | sort)" = \
	"$(printf '%s\n' "$bad1" "$bad2" "$bad3" | sort)"

# ---- repair from another store: the objects come back -------------------
"$ESEAL" store fsck --repair --from=good S2 >repair2 2>&1
rc=$?
check "fsck --repair --from: exit 1 (problems were found)" test $rc -eq 1
check_has "... the bad objects restored" "a good copy from good took its place" repair2
check_has "... three of them" "restored 3" repair2
check "the image misses nothing now" \
	test -z "$("$ESEAL" info missing-objects --basedir=S2 keep/a.img)"
check "every object matches its name (fsverity digest)" objects_match S2
q2=$(ls -d S2/.quarantine/*/ | head -1)
check "the bad content is in the quarantine all the same" cmp bad1.content "$q2/$bad1"
check "fsck after the repair: exit 0" "$ESEAL" store fsck S2

# a store to restore from whose copy is bad too: nothing replaces the object
cp -a S2 S3 && cp -a good good-bad
chmod u+w "good-bad/$bad1" "S3/$bad1"
printf 'Y' | dd of="good-bad/$bad1" bs=1 seek=7 conv=notrunc status=none
printf 'Z' | dd of="S3/$bad1" bs=1 seek=9 conv=notrunc status=none
"$ESEAL" store fsck --repair --from=good-bad S3 >repair3 2>&1
check_has "a bad copy in the other store is not restored" "is bad too" repair3
check "... the bad object stays where it was" test -f "S3/$bad1"
check "... and no object of the other's content took its name" sh -c \
	"! cmp -s 'S3/$bad1' 'good-bad/$bad1'"

# ---- cannot read: exit 4 -------------------------------------------------
check_fails_with() {
	local want=$1 d=$2
	shift 2
	"$@" >"$WORK/.out" 2>&1
	local rc=$?
	if [ $rc -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $rc)"; sed 's/^/#   /' "$WORK/.out" | head -5; fi
}
check_fails_with 4 "a store that does not exist: exit 4" "$ESEAL" store fsck nonexistent
mkdir notstore && echo x >notstore/passwd
check_fails_with 4 "a directory that is not a store: exit 4" "$ESEAL" store fsck notstore
check_has "... saying so" "notstore is not an object store"
check_fails_with 2 "an option of another verb: exit 2" "$ESEAL" store fsck --keep=x S
if is_root; then
	cp -a good U
	chmod 0600 "U/${objs[0]}"
	as_user "$ESEAL" store fsck "$WORK/U" >"$WORK/.out" 2>&1
	rc=$?
	if [ $rc -eq 4 ] && grep -q "${objs[0]}: cannot be read" "$WORK/.out"; then
		ok "an object the user may not read: named, exit 4"
	else
		not_ok "an object the user may not read: named, exit 4 (exit $rc)"
		sed 's/^/#   /' "$WORK/.out" | head -5
	fi
else
	skip "unreadable objects need root to set up"
fi
done_testing
