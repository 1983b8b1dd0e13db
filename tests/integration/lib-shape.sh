# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# The shape of the library (docs: README "Layout"): no two files call each
# other in a circle (scripts/lib-graph, from the objects' symbols), no file
# is over 700 lines (but the public header), and names are unique across lib/ so that headers can
# be included by basename and objects share one archive.
. "$TOP/tests/lib.sh"

MAX_LINES=700

# the checker itself finds a circle: two objects that call each other
mkdir -p "$WORK/objs/a" "$WORK/objs/b"
printf 'int b(int);\nint a(int x) { return x ? b(x - 1) : 0; }\n' >"$WORK/a.c"
printf 'int a(int);\nint b(int x) { return x ? a(x - 1) : 1; }\n' >"$WORK/b.c"
if cc -c -o "$WORK/objs/a/a.o" "$WORK/a.c" && cc -c -o "$WORK/objs/b/b.o" "$WORK/b.c"; then
	"$TOP/scripts/lib-graph" "$WORK/objs" >"$WORK/fake" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q '^cycle: a/a -> b/b -> a/a$' "$WORK/fake"; then
		ok "lib-graph finds a circle of two files"
	else
		not_ok "lib-graph finds a circle of two files (exit $rc)"
		sed 's/^/#   /' "$WORK/fake"
	fi
else
	not_ok "compile the two objects of a circle"
fi

if "$TOP/scripts/lib-graph" --folders "$BUILD/lib" >"$WORK/graph" 2>&1; then
	ok "no circle between the library's files: $(tail -n 1 "$WORK/graph")"
else
	not_ok "no circle between the library's files"
fi
sed 's/^/# /' "$WORK/graph"

# the public header is exempt: it is one file by design and most of it is
# the kernel-doc of every exported function
long=$(find "$TOP/lib" -path "$TOP/lib/include" -prune -o -name '*.[ch]' -exec wc -l {} + |
	awk -v max=$MAX_LINES '$2 != "total" && $1 > max { print $2 " (" $1 " lines)" }')
if [ -z "$long" ]; then
	ok "no library file is over $MAX_LINES lines"
else
	not_ok "no library file is over $MAX_LINES lines"
	echo "$long" | sed "s|$TOP/|#   |"
fi

for ext in h c; do
	dups=$(find "$TOP/lib" -name "*.$ext" -printf '%f\n' | sort | uniq -d)
	if [ -z "$dups" ]; then
		ok "every .$ext basename is unique across lib/"
	else
		not_ok "every .$ext basename is unique across lib/: $(echo $dups)"
	fi
done
done_testing
