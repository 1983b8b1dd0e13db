# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Shared by the store lifecycle tests (after tests/lib.sh): random files,
# a store's objects, and the invariant every test checks, that each object
# matches its name (fsverity-utils as the independent oracle, when there).

# rnd FILE SIZE: random content
rnd() { head -c "$2" /dev/urandom >"$1"; }

# store_objects STORE: its objects (regular files xx/<hex>), sorted
store_objects() {
	(cd "$1" && find . -path ./.erofs-seal -prune -o -path ./.quarantine -prune \
		-o -type f -regex '\./[0-9a-f][0-9a-f]/[0-9a-f]*' -print) |
		sed 's|^\./||' | sort
}

# objects_match STORE [EXCEPT]: every object's content gives its name, but
# those listed in the file EXCEPT; prints the first that does not
objects_match() {
	local o got
	for o in $(store_objects "$1"); do
		[ -n "${2:-}" ] && grep -qx "$o" "$2" && continue
		if command -v fsverity >/dev/null; then
			got=$(fsverity digest "$1/$o" | cut -d' ' -f1)
		else
			got=$("$ESEAL" digest "$1/$o" | cut -d' ' -f1)
		fi
		[ "$got" = "sha256:${o%%/*}${o#*/}" ] || { echo "$1/$o: $got"; return 1; }
	done
}

# missing_of STORE IMAGE: the objects IMAGE needs that STORE does not hold
# as regular files (a symlink is none)
missing_of() {
	local o
	for o in $("$ESEAL" info objects "$2"); do
		[ -f "$1/$o" ] && [ ! -L "$1/$o" ] || echo "$o"
	done
}
