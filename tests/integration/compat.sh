# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The composefs 1.0.8 corpus through the command line: "erofs-seal mkimage
# --from-file" must write the image whose sha256 the corpus gives (to a file
# and to a pipe), print the fs-verity digest its README lists, and refuse
# every should-fail-* input with a message and no output file.  Parsing is
# lenient by default, as mkcomposefs' is: the same command line works; the
# inputs only lenient parsing takes are refused with --strict and with
# CFS_PARSE_STRICT in the environment, naming the rule they break.
. "$TOP/tests/lib.sh"

if [ -z "${COMPAT_DIR:-}" ] || [ ! -d "$COMPAT_DIR" ]; then
	skip "compat corpus not found (set COMPAT_DIR)"
	done_testing
	exit
fi

cat_asset() {	# cat_asset FILE: the dump, decompressed
	case $1 in
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

for f in "$COMPAT_DIR"/*.dump "$COMPAT_DIR"/*.dump.gz; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	case $name in
	should-fail-*)
		rm -f out.img
		cat_asset "$f" >in.dump
		check_fails "$name refused" \
			"$ESEAL" mkimage -q --from-file in.dump out.img
		if grep -q "in.dump" "$WORK/.out" && [ ! -e out.img ]; then
			ok "$name: error names the input, no image left"
		else
			not_ok "$name: error names the input, no image left"
			sed 's/^/#   /' "$WORK/.out"
		fi
		continue
		;;
	no-newline.dump | longlink.dump | honggfuzz-longlink-unterminated.dump)
		cat_asset "$f" >in.dump
		rm -f out.img
		check_fails "$name: refused with --strict" \
			"$ESEAL" mkimage -q --from-file --strict in.dump out.img
		check_has "$name: the error names the strict rule broken" \
			"(strict parsing rule: "
		check_fails "$name: refused with CFS_PARSE_STRICT set" \
			env CFS_PARSE_STRICT= "$ESEAL" mkimage -q --from-file \
			in.dump out.img
		check "$name: no image left" test ! -e out.img
		check "$name: --lenient overrides CFS_PARSE_STRICT" \
			env CFS_PARSE_STRICT=1 "$ESEAL" mkimage -q --from-file \
			--lenient --print-digest-only in.dump
		;;
	esac
	opts=""
	if [ -f "$f.version" ]; then
		v=$(cat "$f.version")
		opts="$opts --min-version=$v --max-version=$v"
	fi
	want=$(cat "$f.sha256")
	cat_asset "$f" >in.dump
	# shellcheck disable=SC2086
	check "$name: mkimage" "$ESEAL" mkimage -q --from-file $opts in.dump out.img
	got=$(sha256sum <out.img | cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		ok "$name: image sha256 matches"
	else
		not_ok "$name: image sha256 $got, want $want"
	fi
	# shellcheck disable=SC2086
	got=$("$ESEAL" mkimage -q --from-file $opts - - <in.dump | sha256sum |
		cut -d' ' -f1)
	if [ "$got" = "$want" ]; then
		ok "$name: same image through stdin and a pipe"
	else
		not_ok "$name: through a pipe: sha256 $got"
	fi
	verity=$(grep "^| $name " "$COMPAT_DIR/../README.md" 2>/dev/null |
		grep -o '[0-9a-f]\{64\}' | head -1)
	if [ -n "$verity" ]; then
		# shellcheck disable=SC2086
		got=$("$ESEAL" mkimage -q --from-file $opts --print-digest-only \
			in.dump 2>&1)
		case $got in
		*"$verity"*) ok "$name: fs-verity digest as the README lists" ;;
		*) not_ok "$name: fs-verity digest '$got', want $verity" ;;
		esac
	fi
done
rm -f in.dump out.img
done_testing
