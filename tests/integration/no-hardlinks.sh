# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# mkimage --no-hardlinks: mkcomposefs 1.0.8 makes every name of a file a
# file of its own (its upstream issue #444); with --no-hardlinks we write
# that image.  Checked without the reference as an equivalence: the image of
# a tree with --no-hardlinks is byte-identical to the default image of a
# copy of that tree whose hardlinks were broken into separate files (cp -a
# --no-preserve=links keeps everything else).  Where mkcomposefs 1.0.8 is
# at hand ($MKCOMPOSEFS or on PATH), its image of the tree must be the same
# bytes too; otherwise that check is a visible SKIP.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"

make_tree src small
n_links=$(find src -type f -links +1 | wc -l)
check "the tree has hardlinked files ($n_links names)" test "$n_links" -ge 2

check "mkimage --no-hardlinks" \
	"$ESEAL" mkimage -q --no-hardlinks src nohl.img
check "mkimage (hardlinks kept)" "$ESEAL" mkimage -q src hl.img
check "info dump of the --no-hardlinks image" \
	sh -c '"$0" info dump nohl.img >nohl.dump' "$ESEAL"
# has_hardlink DUMP: a line whose mode (the third field) is "@<mode>", as
# composefs-dump(5) writes a hardlink (a grep for " @<digits> " anywhere
# also matched an inline content "@", which the tree's one-byte random
# file has once in 256 runs)
has_hardlink() { awk '$3 ~ /^@[0-7]+$/ { found = 1 } END { exit !found }' "$1"; }
if has_hardlink nohl.dump; then
	not_ok "no hardlinks in the --no-hardlinks image"
else
	ok "no hardlinks in the --no-hardlinks image"
fi
"$ESEAL" info dump hl.img >hl.dump
if has_hardlink hl.dump; then
	ok "the default image keeps hardlinks"
else
	not_ok "the default image keeps hardlinks"
fi

check "copy with the hardlinks broken" cp -a --no-preserve=links src copy
check "... which has none left" \
	test "$(find copy -type f -links +1 | wc -l)" -eq 0
check "mkimage of the copy" "$ESEAL" mkimage -q copy copy.img
if cmp -s nohl.img copy.img; then
	ok "--no-hardlinks image = the image of the tree without hardlinks"
else
	not_ok "--no-hardlinks image = the image of the tree without hardlinks"
	"$ESEAL" info dump copy.img >copy.dump
	diff nohl.dump copy.dump | head -10 | sed 's/^/#   /'
fi
if cmp -s hl.img copy.img; then
	not_ok "... and differs from the default one"
else
	ok "... and differs from the default one"
fi
check "--no-hardlinks --print-digest-only prints the image's digest" \
	sh -c 'test "sha256:$("$0" mkimage --no-hardlinks --print-digest-only src)" = \
		"$(fsverity digest nohl.img | cut -d" " -f1)"' "$ESEAL"

# A tree of which every byte, mode, owner and time is fixed, with files of
# two and three names (inline, external and empty): the digests pinned
# here are what mkcomposefs 1.0.8 printed for it (its --print-digest-only;
# ours --no-hardlinks must be the same) and what we print keeping the
# hardlinks.  Checked without the reference binary, so also in CI.
mk_pinned_tree() {
	local d=$1
	mkdir -p "$d/sub/deep" "$d/priv"
	awk 'BEGIN { for (i = 0; i < 700; i++) printf "line %04d of the shared file\n", i }' >"$d/shared"
	ln "$d/shared" "$d/sub/shared-2"
	ln "$d/shared" "$d/sub/deep/shared-3"
	printf 'small, inline\n' >"$d/small"
	ln "$d/small" "$d/priv/small-2"
	awk 'BEGIN { for (i = 0; i < 300; i++) printf "%d\n", i * i }' >"$d/sub/alone"
	: >"$d/empty"
	ln "$d/empty" "$d/sub/empty-2"
	ln -s ../shared "$d/sub/link"
	chmod 0644 "$d/shared" "$d/small" "$d/empty"
	chmod 0600 "$d/sub/alone"
	chmod 0700 "$d/priv"
	chmod 0755 "$d" "$d/sub" "$d/sub/deep"
	chown -hR 0:0 "$d"
	find "$d" -depth -exec touch -h -d @1700000000 {} +
}
MK108_DIGEST=15261e69b6acdbbb016cdb96e31c94c461e0a6350f8c8dfad9634e324d46ee47
HARDLINKS_DIGEST=cbe2763389ec4e72b81720e7105739eeaee0d70b664d3d66e103b4d5a6b986d1
if is_root; then
	mk_pinned_tree pinned
	check "the pinned tree: --no-hardlinks digest" \
		sh -c '"$0" mkimage --no-hardlinks --print-digest-only pinned >pinned.nohl' "$ESEAL"
	check "... is mkcomposefs 1.0.8's ($MK108_DIGEST)" \
		test "$(cat pinned.nohl)" = "$MK108_DIGEST"
	check "... and keeping the hardlinks, the pinned other one" \
		test "$("$ESEAL" mkimage --print-digest-only pinned)" = "$HARDLINKS_DIGEST"
else
	skip "not root: the pinned tree needs files owned by 0:0"
fi

mk=${MKCOMPOSEFS:-$(command -v mkcomposefs || true)}
if [ -n "$mk" ] && [ -x "$mk" ]; then
	check "mkcomposefs ($mk) builds the tree" "$mk" src ref.img
	if cmp -s nohl.img ref.img; then
		ok "--no-hardlinks image is byte-identical to mkcomposefs'"
	else
		not_ok "--no-hardlinks image is byte-identical to mkcomposefs'"
	fi
	if is_root; then
		check "mkcomposefs prints the pinned digest for the pinned tree" \
			test "$("$mk" --print-digest-only pinned)" = "$MK108_DIGEST"
	fi
	if cmp -s hl.img ref.img; then
		not_ok "... and the default image is not (hardlinks kept)"
	else
		ok "... and the default image is not (hardlinks kept)"
	fi
else
	skip "mkcomposefs 1.0.8 not available (set MKCOMPOSEFS=path): no byte comparison with it"
fi
done_testing
