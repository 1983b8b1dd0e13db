# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# make install into a DESTDIR, then build a program against the installed
# header, pkg-config file and shared library: the public API must be usable
# (and exported) as installed.
. "$TOP/tests/lib.sh"

dest=$WORK/dest
if make -C "$TOP" -s BUILD="$BUILD" install PREFIX=/opt/eseal DESTDIR="$dest" >"$WORK/log" 2>&1; then
	ok "make install PREFIX=/opt/eseal DESTDIR=..."
else
	not_ok "make install"
	sed 's/^/#   /' "$WORK/log" | tail -5
fi
for f in bin/erofs-seal include/erofs-seal.h lib/liberofs-seal.a \
	lib/liberofs-seal.so lib/pkgconfig/erofs-seal.pc share/man/man1/erofs-seal.1 \
	share/man/man1/erofs-seal-mkimage.1 share/bash-completion/completions/erofs-seal; do
	if [ -e "$dest/opt/eseal/$f" ]; then ok "installed $f"; else not_ok "installed $f"; fi
done
n_pages=$(ls "$TOP"/docs/erofs-seal*.md | wc -l)
n_installed=$(ls "$dest"/opt/eseal/share/man/man1/erofs-seal*.1 2>/dev/null | wc -l)
if [ "$n_pages" -eq "$n_installed" ]; then
	ok "a man page installed for each of the $n_pages docs/erofs-seal*.md"
else
	not_ok "man pages installed: $n_installed of $n_pages"
fi
if grep -qx 'prefix=/opt/eseal' "$dest/opt/eseal/lib/pkgconfig/erofs-seal.pc"; then
	ok "the .pc file names the install prefix"
else
	not_ok "the .pc file names the install prefix"
fi
soname=$(objdump -p "$dest/opt/eseal/lib/liberofs-seal.so" 2>/dev/null | awk '/SONAME/ { print $2 }')
if [ "$soname" = liberofs-seal.so.0 ]; then ok "versioned soname $soname"; else not_ok "versioned soname (got '$soname')"; fi
# the exported symbols are exactly the functions the installed header
# declares ESEAL_API, and each of those has a kernel-doc "Returns:"
hdr=$dest/opt/eseal/include/erofs-seal.h
sed -n 's/^ESEAL_API.*[ *]\(eseal_[a-z0-9_]*\)(.*/\1/p' "$hdr" | sort >api.want
nm -D --defined-only "$dest/opt/eseal/lib/liberofs-seal.so" |
	awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort >api.got
if [ -s api.want ] && cmp -s api.want api.got; then
	ok "the shared library exports exactly the header's $(wc -l <api.want) functions"
else
	not_ok "the shared library exports exactly the header's functions"
	diff api.want api.got | sed 's/^/#   /' | head -10
fi
undoc=$(awk '/^\/\*\*$/ { doc = ""; indoc = 1 }
	indoc { doc = doc $0 "\n" } /\*\/$/ { indoc = 0 }
	/^ESEAL_API/ { match($0, /eseal_[a-z0-9_]*\(/);
		name = substr($0, RSTART, RLENGTH - 1);
		if (index(doc, " * " name "() - ") == 0 || index(doc, " * Returns:") == 0)
			print name;
		doc = "" }' "$hdr")
if [ -z "$undoc" ]; then
	ok "every exported function has a kernel-doc comment with Returns:"
else
	not_ok "every exported function has a kernel-doc comment with Returns: $(echo $undoc)"
fi

cat >prog.c <<'EOC'
#include <erofs-seal.h>
#include <stdio.h>

int main(void)
{
	struct eseal_digest d;
	char hex[2 * ESEAL_DIGEST_MAX + 1];

	if (eseal_fsverity_digest_buf("hello world\n", 12, ESEAL_HASH_SHA256, &d))
		return 1;
	eseal_digest_hex(&d, hex);
	printf("%s %s\n", eseal_version(), hex);
	return 0;
}
EOC
export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/opt/eseal/lib/pkgconfig
if cc -Wall -Werror prog.c -o prog $(pkg-config --cflags --libs erofs-seal) 2>"$WORK/log"; then
	ok "a program builds against the installed header and pkg-config file"
else
	not_ok "a program builds against the installed header and pkg-config file"
	sed 's/^/#   /' "$WORK/log" | tail -5
fi
out=$(LD_LIBRARY_PATH=$dest/opt/eseal/lib ./prog 2>&1)
want=$(printf 'hello world\n' >hw && fsverity digest hw | cut -d' ' -f1)
if [ "${out#* }" = "${want#sha256:}" ]; then
	ok "and runs with the shared library: $out"
else
	not_ok "and runs with the shared library (got '$out', want ${want#sha256:})"
fi
done_testing
