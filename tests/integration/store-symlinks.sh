#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The object store never writes or finds anything outside itself: symlinks
# planted in it are not followed (mkimage --digest-store, info
# missing-objects), and payloads that would leave it ("..", absolute, empty
# components) are refused by the dump parser and the image reader.
. "$TOP/tests/lib.sh"

if ! "$ESEAL" mkimage --help >/dev/null 2>&1; then
	skip "erofs-seal mkimage is not built yet"
	done_testing
	exit
fi

mkdir -p src elsewhere
head -c 5000 /dev/urandom >src/big
echo small >src/small
dig=$("$ESEAL" digest src/big | cut -d' ' -f1)
dig=${dig#sha256:}
sub=${dig:0:2}
obj=$sub/${dig:2}

# ---- mkimage --digest-store ----------------------------------------------
mkdir S1
ln -s "$WORK/elsewhere" "S1/$sub"
check_fails "a fan-out directory that is a symlink out of the store: refused" \
	"$ESEAL" mkimage --quiet --digest-store=S1 src a.img
check_has "... the error names it as a symlink" "S1/$sub is a symbolic link"
check "... nothing was written where it points" test -z "$(ls -A elsewhere)"
check "... and no image was left" test ! -e a.img

mkdir -p S2/real
ln -s real "S2/$sub"
check_fails "a fan-out symlink inside the store is refused too" \
	"$ESEAL" mkimage --quiet --digest-store=S2 src a.img
check "... nothing written through it" test -z "$(ls -A S2/real)"

mkdir S3
mkfifo "S3/$sub"
check_fails "a fan-out entry that is a FIFO: refused" \
	timeout 20 "$ESEAL" mkimage --quiet --digest-store=S3 src a.img
check_has "... named, as a FIFO" "S3/$sub is a FIFO, not a directory"

mkdir -p "S4/$sub"
echo decoy >decoy
ln -s "$WORK/decoy" "S4/$obj"
check_fails "an object that is a symlink: refused, not taken as stored" \
	"$ESEAL" mkimage --quiet --digest-store=S4 src a.img
check_has "... named as a symlink" "S4/$obj is a symbolic link, not a regular file"
check "... the file it points to is untouched" grep -qx decoy decoy

ln -s S5.real S5
mkdir S5.real
check "a store that is itself a symlink (named by the user) is used" \
	"$ESEAL" mkimage --quiet --digest-store=S5 src a.img
check "... the object is in the directory it names" test -f "S5.real/$obj"

# ---- info missing-objects -------------------------------------------------
check "info missing-objects: all present prints nothing" \
	test -z "$("$ESEAL" info missing-objects --basedir=S5 a.img)"
mkdir M1
check "info missing-objects: an empty store lists the object" \
	test "$("$ESEAL" info missing-objects --basedir=M1 a.img)" = "$obj"
mkdir M2 M2.out
cp -r "S5.real/$sub" M2.out/
ln -s "$WORK/M2.out/$sub" "M2/$sub"
check_fails "info missing-objects: a symlinked fan-out is an error, not 'present'" \
	"$ESEAL" info missing-objects --basedir=M2 a.img
check_has "... naming it" "M2/$sub is a symbolic link"
mkdir -p "M3/$sub"
ln -s "$WORK/S5.real/$obj" "M3/$obj"
check_fails "info missing-objects: a symlinked object is an error" \
	"$ESEAL" info missing-objects --basedir=M3 a.img
check_has "... naming it" "M3/$obj is a symbolic link"

# ---- payloads that leave the store ---------------------------------------
root='/ 4096 40755 2 0 0 0 0.0 - - -'
dg=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
n=0
for p in ../../../../etc/passwd /ab/cd ab//cd ab/./cd ab/cd/ ab/.. . ..; do
	n=$((n + 1))
	printf '%s\n/x 100 100644 1 0 0 0 0.0 %s - %s\n' "$root" "$p" "$dg" \
		>bad$n.dump
	for mode in --strict ""; do
		rm -f bad.img
		# shellcheck disable=SC2086
		check_fails "payload '$p' is refused by mkimage ${mode:-(lenient)}" \
			"$ESEAL" mkimage --quiet --from-file $mode bad$n.dump bad.img
		if grep -q "bad$n.dump:2: PAYLOAD" "$WORK/.out" &&
		   [ ! -e bad.img ]; then
			ok "... naming the line, no image left"
		else
			not_ok "... naming the line, no image left"
			sed 's/^/#   /' "$WORK/.out" | head -5
		fi
	done
done
printf '%s\n/x 100 100644 1 0 0 0 0.0 ab/cd/e.file - %s\n' "$root" "$dg" \
	>good.dump
check "a payload of several plain components is fine" \
	"$ESEAL" mkimage --quiet --from-file good.dump good.img

# an image whose redirect leaves the store: our own image, patched
printf '%s\n/x 100 100644 1 0 0 0 0.0 aa/passwd - %s\n' "$root" "$dg" \
	>ok.dump
"$ESEAL" mkimage --quiet --from-file ok.dump ok.img
sed 's|/aa/passwd|/../passwd|' ok.img >evil.img
if cmp -s ok.img evil.img; then
	not_ok "patched the redirect in the image"
else
	ok "patched the redirect in the image"
fi
check_fails "info dump refuses an image whose redirect has '..'" \
	"$ESEAL" info dump evil.img
check_has "... saying why" "invalid overlay redirect '/../passwd'"
check_fails "info missing-objects refuses it too" \
	"$ESEAL" info missing-objects --basedir=M1 evil.img
sed 's|/aa/passwd|//a/passwd|' ok.img >evil2.img
check_fails "... and one with an empty component" \
	"$ESEAL" info ls evil2.img

done_testing
