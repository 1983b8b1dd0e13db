# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
#
# erofs-seal info: ls, dump, objects, missing-objects and measure-file on
# images of a small tree (one from our mkimage, one from mkfs.erofs as an
# independent writer), and the error cases.
. "$TOP/tests/lib.sh"

info() { "$ESEAL" info "$@"; }

# ---- a small tree ----------------------------------------------------------
t=$WORK/tree
mkdir -p "$t/dir/sub" "$t/empty-dir"
printf 'hello\n' >"$t/small"
head -c 20000 /dev/zero | tr '\0' a >"$t/big-a"
head -c 30000 /dev/zero | tr '\0' b >"$t/dir/big-b"
cp "$t/big-a" "$t/dir/sub/copy-of-a"
ln "$t/dir/big-b" "$t/hardlink-b"
ln -s small "$t/symlink"
printf 'x\n' >"$t/with space"
chmod 0644 "$t/small" "$t/big-a" "$t/dir/big-b" "$t/dir/sub/copy-of-a" \
	"$t/with space"
chmod 0755 "$t" "$t/dir" "$t/dir/sub" "$t/empty-dir"
setfattr -n user.color -v 'blue=sky' "$t/small" 2>/dev/null

# ---- plain EROFS image from mkfs.erofs --------------------------------------
if command -v mkfs.erofs >/dev/null; then
	mkfs.erofs --quiet -T0 --all-root "$WORK/plain.img" "$t" >/dev/null 2>&1
	info ls "$WORK/plain.img" >"$WORK/ls.out" 2>"$WORK/ls.err"
	check "ls of a mkfs.erofs image succeeds" test -s "$WORK/ls.out"
	cat >"$WORK/ls.exp" <<-EOF
	/big-a
	/dir/	
	/dir/big-b
	/dir/sub/	
	/dir/sub/copy-of-a
	/empty-dir/	
	/hardlink-b
	/small
	/symlink	-> small
	/with space
	EOF
	check "ls lists every entry in order, dirs and symlinks marked" \
		diff -u "$WORK/ls.exp" "$WORK/ls.out"

	info dump "$WORK/plain.img" >"$WORK/dump.out" 2>&1
	check "dump has one line per entry plus the root" \
		test "$(wc -l <"$WORK/dump.out")" -eq 11
	check "dump: inline file with its content and xattr (escaped '=')" \
		grep -qxF '/small 6 100644 1 0 0 0 0.0 - hello\n - user.color=blue\x3dsky' \
		"$WORK/dump.out"
	check "dump: symlink target as payload" \
		grep -qxF '/symlink 5 120777 1 0 0 0 0.0 small - -' "$WORK/dump.out"
	check "dump: space escaped in the path" \
		grep -qF '/with\x20space 2 100644 1 ' "$WORK/dump.out"
	check "dump: the second link is a '@' entry naming the first" \
		grep -qE '^/hardlink-b 30000 @100644 2 0 0 0 0\.0 /dir/big-b ' \
		"$WORK/dump.out"
	head -c 100000 /dev/zero >"$WORK/zeros"
	mkdir -p "$WORK/ctree" && cp "$WORK/zeros" "$WORK/ctree/"
	mkfs.erofs --quiet -zlz4 "$WORK/lz4.img" "$WORK/ctree" >/dev/null 2>&1
	check_fails "a compressed file is refused" info dump "$WORK/lz4.img"
	cp "$WORK/.out" "$WORK/err3"
	check "... saying so" grep -q '/zeros: .*compressed.*not supported' \
		"$WORK/err3"
else
	skip "mkfs.erofs not installed (erofs-utils): plain image checks"
fi

# ---- composefs image from our mkimage ---------------------------------------
if "$ESEAL" mkimage --help 2>&1 | grep -q -- --digest-store; then
	store=$WORK/store
	check "mkimage with an object store" \
		"$ESEAL" mkimage -q --digest-store="$store" "$t" "$WORK/cfs.img"
	info objects "$WORK/cfs.img" >"$WORK/obj.out" 2>&1
	check "objects: two distinct objects (a, b; the copy and link share)" \
		test "$(wc -l <"$WORK/obj.out")" -eq 2
	check "objects are sorted and unique" \
		sh -c "sort -u '$WORK/obj.out' | cmp -s - '$WORK/obj.out'"
	check "objects name files of the store" \
		sh -c "while read -r o; do test -f '$store'/\$o || exit 1; done <'$WORK/obj.out'"
	a_obj=$(info measure-file "$t/big-a" 2>/dev/null)
	check "measure-file prints a 64-digit hex digest" \
		sh -c "echo '$a_obj' | grep -qxE '[0-9a-f]{64}'"
	check "the object of big-a is named by its digest" \
		grep -qxF "${a_obj:0:2}/${a_obj:2}" "$WORK/obj.out"
	info missing-objects --basedir="$store" "$WORK/cfs.img" >"$WORK/miss.out" 2>&1
	check "missing-objects: none with a full store" \
		test ! -s "$WORK/miss.out"
	rm -f "$store/${a_obj:0:2}/${a_obj:2}"
	info --basedir "$store" missing-objects "$WORK/cfs.img" >"$WORK/miss.out" 2>&1
	check "missing-objects: exactly the removed object" \
		test "$(cat "$WORK/miss.out")" = "${a_obj:0:2}/${a_obj:2}"
	info objects "$WORK/cfs.img" "$WORK/cfs.img" >"$WORK/obj2.out" 2>&1
	check "objects of two images are merged" cmp "$WORK/obj.out" "$WORK/obj2.out"
	info ls "$WORK/cfs.img" >"$WORK/cls.out" 2>&1
	check "ls shows the object of a stub file" \
		grep -qxF "/big-a	@ ${a_obj:0:2}/${a_obj:2}" "$WORK/cls.out"
	info dump "$WORK/cfs.img" >"$WORK/cfs.dump" 2>&1
	check "dump of a composefs image shows no overlay xattrs" \
		sh -c "! grep -q 'overlay' '$WORK/cfs.dump'"
	check "dump carries the digest of a stub file" \
		grep -qE "^/big-a 20000 100644 1 .* ${a_obj:0:2}/${a_obj:2} - $a_obj\$" \
		"$WORK/cfs.dump"
	if "$ESEAL" mkimage --help 2>&1 | grep -q -- --from-file; then
		"$ESEAL" mkimage --from-file "$WORK/cfs.dump" "$WORK/again.img" \
			>/dev/null 2>&1
		check "image -> dump -> image is byte-identical" \
			cmp "$WORK/cfs.img" "$WORK/again.img"
	fi
	check_fails "missing-objects with a basedir that does not exist" \
		info missing-objects --basedir="$WORK/nope" "$WORK/cfs.img"
else
	skip "mkimage not built yet: objects/missing-objects checks"
fi

# ---- the composefs test dumps ------------------------------------------------
# For every dump: image -> "info dump" -> image is byte-identical (what
# composefs' own test checks with composefs-info).  Dumps already in the
# canonical form must come back from the image exactly as they are.
canonical=" bigfile.dump bigfile-xattr.dump honggfuzz-bigfile-with-acl.dump
 honggfuzz-long-symlink.dump special.dump config.dump.gz
 config-with-hard-link.dump.gz cs9-x86_64-minimal.dump.gz
 cs9-x86_64-developer.dump.gz "
if [ -d "${COMPAT_DIR:-}" ] && "$ESEAL" mkimage --help 2>&1 | grep -q -- --from-file; then
	for f in "$COMPAT_DIR"/*.dump "$COMPAT_DIR"/*.dump.gz; do
		b=$(basename "$f")
		case $b in should-fail*) continue ;; esac
		v=$(cat "$f.version" 2>/dev/null || echo 0)
		vargs="--min-version=$v --max-version=$v"
		case $f in
		*.gz) gzip -dc "$f" >"$WORK/in.dump" ;;
		*) cp "$f" "$WORK/in.dump" ;;
		esac
		if ! "$ESEAL" mkimage -q --lenient $vargs --from-file \
			"$WORK/in.dump" "$WORK/c1.img" >"$WORK/.out" 2>&1; then
			not_ok "$b: mkimage failed"
			sed 's/^/#   /' "$WORK/.out" | head -5
			continue
		fi
		info dump "$WORK/c1.img" >"$WORK/c1.dump" 2>"$WORK/.out"
		"$ESEAL" mkimage -q $vargs --from-file "$WORK/c1.dump" \
			"$WORK/c2.img" >/dev/null 2>&1
		check "$b: image -> info dump -> image is byte-identical" \
			cmp "$WORK/c1.img" "$WORK/c2.img"
		case $canonical in
		*" $b "*)
			check "$b: info dump gives back the dump itself" \
				cmp "$WORK/in.dump" "$WORK/c1.dump" ;;
		esac
	done
else
	skip "COMPAT_DIR or mkimage --from-file missing: composefs dump round trips"
fi

# ---- measure-file against fsverity-utils -------------------------------------
if command -v fsverity >/dev/null; then
	ours=$(info measure-file "$t/small" "$t/dir/big-b" 2>&1 | tr '\n' ' ')
	theirs=$(for f in "$t/small" "$t/dir/big-b"; do
		fsverity digest --compact "$f"; done | tr '\n' ' ')
	check "measure-file agrees with 'fsverity digest'" test "$ours" = "$theirs"
else
	skip "fsverity not installed: measure-file oracle"
fi

# ---- errors -----------------------------------------------------------------
check_fails "a missing image fails" info ls "$WORK/does-not-exist.img"
cp "$WORK/.out" "$WORK/err1"
check "... naming it" grep -q 'does-not-exist.img' "$WORK/err1"
printf 'this is not an image\n' >"$WORK/text.img"
check_fails "a text file is not an image" info dump "$WORK/text.img"
cp "$WORK/.out" "$WORK/err2"
check "... naming it and the reason" \
	grep -qE 'text.img.*(EROFS|too small)' "$WORK/err2"
head -c 8192 /dev/urandom >"$WORK/random.img"
check_fails "random bytes are not an image" info ls "$WORK/random.img"
if [ -f "$WORK/plain.img" ]; then
	head -c 2000 "$WORK/plain.img" >"$WORK/trunc.img"
	check_fails "a truncated image fails" info dump "$WORK/trunc.img"
fi
: >"$WORK/empty.img"
check_fails "an empty file fails" info ls "$WORK/empty.img"
check_fails "a directory is not an image" info ls "$WORK"
check_fails "missing-objects needs --basedir" info missing-objects "$WORK/text.img"
check_fails "an unknown info command fails" info frobnicate "$WORK/text.img"
check_fails "no image given fails" info ls
check_fails "measure-file of a missing file fails" \
	info measure-file "$WORK/does-not-exist"
check "--help works" info --help

done_testing
