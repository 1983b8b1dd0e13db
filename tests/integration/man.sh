#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Man pages (built from docs/erofs-seal*.md into $BUILD/man): each is clean
# under "man --warnings", every command in the command table has one, its
# NAME line is the table's summary, and it names every option --help does.
. "$TOP/tests/lib.sh"

cmds=$("$ESEAL" --help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 }')
check "erofs-seal --help lists the commands" test -n "$cmds"

for c in "" $cmds; do
	page=erofs-seal${c:+-$c}
	src=$TOP/docs/$page.md
	if [ -f "$BUILD/man/$page.1" ] && [ -f "$src" ]; then
		ok "$page(1) is built from docs/$page.md"
	else
		not_ok "$page(1) is built from docs/$page.md"
		continue
	fi
	[ -n "$c" ] || continue
	summary=$("$ESEAL" --help | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print }')
	if grep -qxF "$page - $summary" "$src"; then
		ok "$page(1): NAME is the command table's summary"
	else
		not_ok "$page(1): NAME is not '$page - $summary'"
	fi
	missing=
	for o in $("$ESEAL" "$c" --help | grep -o -- '--[a-z0-9-]*' | sort -u); do
		grep -q -- "\`$o[\`=]" "$src" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		ok "$page(1) names every option of $c --help"
	else
		not_ok "$page(1) lacks:$missing"
	fi
done

if ! command -v man >/dev/null; then
	skip "man (Debian package man-db) not installed: pages not checked"
else
	for f in "$BUILD"/man/*.1; do
		if man --warnings -l "$f" >/dev/null 2>"$WORK/warn" && [ ! -s "$WORK/warn" ]; then
			ok "man --warnings -l $(basename "$f"): clean"
		else
			not_ok "man --warnings -l $(basename "$f")"
			sed 's/^/#   /' "$WORK/warn" | head -10
		fi
	done
	check "erofs-seal-mount(1) renders its options" \
		sh -c "MANWIDTH=80 man -l '$BUILD/man/erofs-seal-mount.1' 2>/dev/null | grep -q -- '--require-signature'"
fi
done_testing
