# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# tar layers as input (issue 10, tests 2 and 4): a POSIX tar of the odd
# test tree gives the same image as the tree, plain, gzip, zstd, xz and on
# stdin; hostile archives are refused with a message naming the entry,
# leave no image, write nothing outside the store and leave the store
# consistent.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"
mktar() { python3 "$TOP/tests/mktar.py" "$@"; }

make_tree src small
# tar cannot hold sockets: the tree without them is what a layer can carry
find src -type s -delete
# a sparse file large enough to be streamed through a temporary object
truncate -s 3M src/sparse-streamed
printf 'middle' | dd of=src/sparse-streamed bs=1 seek=1500000 conv=notrunc status=none
tar --format=posix --xattrs --xattrs-include='*' --numeric-owner \
	-cf layer.tar -C src . 2>"$WORK/err" || cat "$WORK/err"

check "mkimage of the tree" "$ESEAL" mkimage --basedir=s-dir src dir.img
check "mkimage tar:layer.tar" "$ESEAL" mkimage --basedir=s-tar tar:layer.tar tar.img
if cmp -s dir.img tar.img; then
	ok "tar: gives the image of the tree, byte for byte"
else
	not_ok "tar: gives the image of the tree, byte for byte"
	"$ESEAL" info dump dir.img >dir.dump 2>&1
	"$ESEAL" info dump tar.img >tar.dump 2>&1
	diff dir.dump tar.dump | head -20 | sed 's/^/#   /'
fi
if diff <(store_list s-dir) <(store_list s-tar) >/dev/null; then
	ok "the same objects in both stores"
else
	not_ok "the same objects in both stores"
fi

gzip -c layer.tar >layer.tar.gz
zstd -q -c layer.tar >layer.tar.zst
xz -c layer.tar >layer.tar.xz
for f in layer.tar.gz layer.tar.zst layer.tar.xz; do
	if "$ESEAL" mkimage "tar:$f" c.img 2>"$WORK/err" && cmp -s c.img dir.img; then
		ok "tar:$f gives the same image"
	else
		not_ok "tar:$f gives the same image: $(cat "$WORK/err")"
	fi
done
if "$ESEAL" mkimage --basedir=s-stdin tar:- c.img <layer.tar.gz 2>"$WORK/err" &&
	cmp -s c.img dir.img; then
	ok "tar:- reads a gzip layer from stdin"
else
	not_ok "tar:- reads a gzip layer from stdin: $(cat "$WORK/err")"
fi
if cat layer.tar.zst | "$ESEAL" mkimage --print-digest-only tar:- >d1 2>"$WORK/err" &&
	"$ESEAL" mkimage --print-digest-only src >d2 && cmp -s d1 d2; then
	ok "tar:- from a pipe, --print-digest-only: the tree's digest"
else
	not_ok "tar:- from a pipe, --print-digest-only: $(cat "$WORK/err")"
fi
h1=$("$ESEAL" mkimage --hash=sha512 --print-digest-only tar:layer.tar 2>&1)
h2=$("$ESEAL" mkimage --hash=sha512 --print-digest-only src 2>&1)
if [ "${#h1}" -eq 128 ] && [ "$h1" = "$h2" ]; then
	ok "--hash=sha512: the same sha512 image digest for tar: and the tree"
else
	not_ok "--hash=sha512: '$h1' vs '$h2'"
fi
# GNU format: long names and link targets, sparse entries; no nanoseconds
# or xattrs, so the listing (names, targets, contents) is compared
tar --format=gnu --sparse --numeric-owner -cf gnu.tar -C src . 2>/dev/null
if "$ESEAL" mkimage --basedir=s-gnu tar:gnu.tar gnu.img 2>"$WORK/err" &&
	"$ESEAL" info ls gnu.img >gnu.ls && "$ESEAL" info ls dir.img >dir.ls &&
	cmp -s gnu.ls dir.ls; then
	ok "a GNU tar (long names, sparse files) lists the tree's names and contents"
else
	not_ok "a GNU tar lists the tree's names and contents: $(cat "$WORK/err")"
	diff dir.ls gnu.ls 2>&1 | head | sed 's/^/#   /'
fi
mkfifo fifo-in
check_fails "a FIFO named as tar:FILE is refused, not waited on" \
	timeout 10 "$ESEAL" mkimage tar:fifo-in f.img

# ---- hand-made layers ------------------------------------------------------
# whiteouts of what is not there, or below a file or symlink, do nothing
mktar good.tar d:usr f:usr/a:hello d:etc f:etc/gone:x h:usr/link:usr/a \
	f:etc/.wh.gone f:etc/.wh.never-there f:.wh.absent-dir \
	f:nowhere/.wh.x l:etc/sl:/etc f:etc/sl/.wh.passwd \
	f:usr/a/.wh..wh..opq f:implied/deep/file:data f:dup:first \
	f:dup:second L:lib:libvalue
if "$ESEAL" mkimage tar:good.tar good.img 2>"$WORK/err" &&
	"$ESEAL" info dump good.img >good.dump; then
	ok "a layer with whiteouts, hardlinks and implied directories"
else
	not_ok "a layer with whiteouts, hardlinks and implied directories: $(cat "$WORK/err")"
fi
if grep -q '^/usr/link 5 @100644 2 .* /usr/a ' good.dump &&
	grep -q '^/etc/sl 4 120777 1 .* /etc ' good.dump &&
	grep -q '^/dup 6 100644 1 .* second ' good.dump &&
	grep -q '^/lib .* user.lib=libvalue$' good.dump &&
	! grep -q 'wh\.\|/etc/gone\|nowhere' good.dump &&
	grep -q '^/implied [0-9]* 40755 3 0 0 0 0.0 ' good.dump; then
	ok "whiteouts gone, hardlink shared, implied dir 0755 0:0 mtime 0, the later duplicate, LIBARCHIVE.xattr"
else
	not_ok "whiteouts, hardlinks, implied directories"
	sed 's/^/#   /' good.dump
fi

# ---- an image index (multi-arch), without root -----------------------------
python3 "$TOP/tests/mktar.py" --layout amd d:usr f:usr/arch:amd64
python3 "$TOP/tests/mktar.py" --layout arm d:usr f:usr/arch:arm64
mkdir -p multi/blobs/sha256
cp amd/blobs/sha256/* arm/blobs/sha256/* multi/blobs/sha256/
cp amd/oci-layout multi/
ma=$(jq -c '.manifests[0] | del(.annotations) | .platform = {"os": "linux", "architecture": "amd64"}' amd/index.json)
mr=$(jq -c '.manifests[0] | del(.annotations) | .platform = {"os": "linux", "architecture": "arm64", "variant": "v8"}' arm/index.json)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' \
	"$mr" "$ma" >index.blob
ih=$(sha256sum index.blob | cut -d' ' -f1)
mv index.blob "multi/blobs/sha256/$ih"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}' \
	"$ih" "$(stat -c %s "multi/blobs/sha256/$ih")" >multi/index.json
arch_of() {	# arch_of OPTIONS... : the content of /usr/arch
	"$ESEAL" mkimage "$@" multi.img 2>"$WORK/err" &&
		"$ESEAL" info dump multi.img | sed -n 's|^/usr/arch .* - \([a-z0-9]*\) -$|\1|p'
}
case "$(uname -m)" in
x86_64) host=amd64 ;;
aarch64) host=arm64 ;;
*) host= ;;
esac
if [ -z "$host" ]; then
	skip "an image index picks this machine's platform ($(uname -m) not in the test index)"
elif [ "$(arch_of oci:multi:multi)" = "$host" ]; then
	ok "an image index picks this machine's platform ($host)"
else
	not_ok "an image index picks this machine's platform: $(cat "$WORK/err")"
fi
if [ "$(arch_of --platform=linux/arm64 oci:multi:multi)" = arm64 ] &&
	[ "$(arch_of --platform=linux/arm64/v8 oci:multi)" = arm64 ] &&
	[ "$(arch_of --platform=linux/amd64 "oci:multi:@sha256:$ih")" = amd64 ]; then
	ok "--platform picks from the index (by tag, alone, by index digest)"
else
	not_ok "--platform picks from the index: $(cat "$WORK/err")"
fi
if ! arch_of --platform=linux/s390x oci:multi:multi >/dev/null &&
	grep -q 'no image for platform linux/s390x' "$WORK/err"; then
	ok "a platform the index lacks: $(cat "$WORK/err")"
else
	not_ok "a platform the index lacks: $(cat "$WORK/err")"
fi

# ---- hostile layers --------------------------------------------------------
mkdir store in
"$ESEAL" mkimage --basedir=store tar:layer.tar base.img >/dev/null
(
	cd in
	mktar dotdot.tar f:a/../../escape:x
	mktar abs.tar f:/etc/escape:x
	mktar symparent.tar l:link:/tmp f:link/planted:x
	mktar hardmissing.tar h:h:not/there
	mktar hardescape.tar h:h:../../etc/passwd
	mktar hardabs.tar h:h:/etc/passwd
	mktar harddir.tar d:dir h:h:dir
	mktar longname.tar "f:$(printf '%0256d' 0):x"
	mktar bigxattr.tar x:f:70000
	mktar longlink.tar "l:l:$(printf '%05000d' 0)"
	mktar manyfiles.tar n:e:50
	mktar --bomb bomb.tar.gz $((256 << 20))
	head -c 300000 ../layer.tar >trunc.tar
	head -c 300000 ../layer.tar.gz >trunc.tar.gz
	python3 -c '
b = bytearray(open("../layer.tar.gz", "rb").read())
b[len(b) // 2] ^= 0xff
open("corrupt.tar.gz", "wb").write(b)'
	cp ../layer.tar.gz trailing.tar.gz
	printf 'garbage' >>trailing.tar.gz
	head -c 4000 /dev/urandom >noise.bin
)
listing() { find . \( -path ./store -o -name '.before' -o -name '.after' \) -prune -o -print | sort; }
listing >"$WORK/.before"

# refused NAME EXPECTED-MESSAGE FILE [OPTIONS...]
refused() {
	local name=$1 want=$2 file=$3 rc
	shift 3
	"$ESEAL" mkimage --basedir=store "$@" "tar:in/$file" out.img \
		>"$WORK/.out" 2>&1
	rc=$?
	if [ $rc -ne 1 ] || [ -e out.img ] || ! grep -q -- "$want" "$WORK/.out"; then
		not_ok "$name (exit $rc): $(cat "$WORK/.out")"
	else
		ok "$name: $(cat "$WORK/.out")"
	fi
	rm -f out.img
}

refused "'..' escaping the root" 'escapes the root' dotdot.tar
refused "an absolute path" 'is absolute' abs.tar
refused "a file below a symlink" 'link is a symlink' symparent.tar
refused "a hardlink to a missing file" 'which is not there' hardmissing.tar
refused "a hardlink escaping the root" 'hardlink target escapes' hardescape.tar
refused "a hardlink to an absolute path" 'hardlink target is absolute' hardabs.tar
refused "a hardlink to a directory" 'hardlink to the directory' harddir.tar
refused "a name over 255 bytes" 'longer than 255 bytes' longname.tar
refused "an xattr value over 64 KiB" 'over the EROFS limits' bigxattr.tar
refused "a symlink target over 4095 bytes" 'symlink target must be' longlink.tar
refused "more entries than --max-entries" 'limit of 20 entries' manyfiles.tar \
	--max-entries=20
refused "a truncated tar" 'runcated' trunc.tar
refused "a truncated gzip layer" 'truncated gzip' trunc.tar.gz
refused "a corrupt gzip layer" 'gzip data' corrupt.tar.gz
refused "garbage after the gzip data" 'after the gzip data' trailing.tar.gz
refused "bytes that are no tar" 'not a tar archive' noise.bin
t0=$SECONDS
refused "a gzip bomb past --max-size" 'limit of 67108864 uncompressed' \
	bomb.tar.gz --max-size=64M
echo "# bomb: $(stat -c %s in/bomb.tar.gz) bytes, refused in $((SECONDS - t0)) s"

listing >"$WORK/.after"
if cmp -s "$WORK/.before" "$WORK/.after"; then
	ok "nothing written outside the store, no image"
else
	not_ok "nothing written outside the store, no image"
	diff "$WORK/.before" "$WORK/.after" | head | sed 's/^/#   /'
fi
bad=0
tmps=$(find store -name '.tmp-*' | wc -l)
for f in store/??/*; do
	want=${f#store/}
	got=$("$ESEAL" digest "$f" | sed 's/^sha256:\([0-9a-f]*\) .*/\1/')
	[ "${want%%/*}${want#*/}" = "$got" ] || bad=$((bad + 1))
done
if [ "$tmps" -eq 0 ] && [ "$bad" -eq 0 ]; then
	ok "the store holds no temporary file and every object matches its name"
else
	not_ok "store after refusals: $tmps temporary files, $bad objects not matching"
fi

done_testing
