# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Signed OCI images end to end (issue 11) against a real registry: Debian's
# docker-registry on 127.0.0.1 (tests/registry-lib.sh), stopped at the end
# whatever happens.
#
# 1. umoci builds an image from a test tree; the pipeline pushes it
#    (skopeo copy), seals it and pushes the seal; a "device" with an empty
#    store pulls it with the certificate: `erofs-seal verify` accepts
#    IMAGE + IMAGE.sig, `erofs-seal mount` mounts it and the files equal
#    `umoci unpack`'s (with the OCI rules); a second pull fetches no layer.
#    The same over TLS (a test CA) with htpasswd basic auth.
# 2. Refusals, each leaving no IMAGE, no IMAGE.sig, an old IMAGE as it was:
#    an untrusted signer (exit 3), a seal whose subject is another image,
#    a layer blob changed in the registry's storage, a signature over
#    another digest, a signed digest the layers do not give, a tag moved
#    to another manifest after sealing, edited inline annotations.
# 3. Inline seals, sha256 and sha512; artifact seals with sha512.
. "$TOP/tests/lib.sh"
. "$TOP/tests/make-tree.sh"
. "$TOP/tests/registry-lib.sh"
H=$BUILD/tests/helpers
tamper() { python3 "$TOP/tests/oci-tamper.py" "$@"; }

if ! is_root; then
	skip "umoci unpack as root and mounts need root"
	done_testing
	exit
fi
for tool in umoci skopeo docker-registry openssl htpasswd curl python3 jq; do
	if ! command -v $tool >/dev/null; then
		skip "$tool is not installed (scripts/packages.txt)"
		done_testing
		exit
	fi
done

RUN=$WORK/run
MNT=$WORK/mnt
cleanup() {
	awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	stop_registries
}
trap cleanup EXIT

"$TOP/keys/make-keys" keys >/dev/null 2>&1
"$TOP/keys/make-keys" --cn "someone else" other >/dev/null 2>&1
check "fixtures: two signing keys" test -s keys/signing.key -a -s other/signing.key
SEAL=("$ESEAL" oci seal --key keys/signing.key --cert keys/signing.pem)

# ---- the image: two versions made by umoci from a test tree ----------------
L=$PWD/layout
{
	umoci init --layout "$L" && umoci new --image "$L:1" &&
	umoci unpack --image "$L:1" b
} >"$WORK/umoci.log" 2>&1
r=b/rootfs
mkdir -p $r/usr/bin $r/etc $r/run/x $r/srv
make_tree $r/usr/share/tree small
find $r -type s -delete		# Go's tar (umoci) cannot hold sockets
head -c 200000 /dev/urandom >$r/usr/bin/tool
ln $r/usr/bin/tool $r/usr/bin/tool-link
printf '#!/bin/sh\necho sealed\n' >$r/usr/bin/hello
chmod 755 $r/usr/bin/hello
echo v1 >$r/etc/version
umoci repack --image "$L:1" b >>"$WORK/umoci.log" 2>&1
# version 2: one more layer on top of version 1
rm -rf b
umoci tag --image "$L:1" 2 >>"$WORK/umoci.log" 2>&1
umoci unpack --image "$L:2" b >>"$WORK/umoci.log" 2>&1
echo v2 >$r/etc/version
head -c 5000 /dev/urandom >$r/srv/new
umoci repack --image "$L:2" b >>"$WORK/umoci.log" 2>&1
rm -rf b
umoci unpack --image "$L:1" unpacked >>"$WORK/umoci.log" 2>&1
m1=$(tamper manifest-digest "$L" 1)
m2=$(tamper manifest-digest "$L" 2)
if [ -d unpacked/rootfs/usr ] && [ "$m1" != "$m2" ]; then
	ok "umoci made two versions of the image"
else
	not_ok "umoci made two versions of the image"
	sed 's/^/#   /' "$WORK/umoci.log" | tail
fi

if ! start_registry "$WORK/reg"; then
	not_ok "docker-registry starts on 127.0.0.1"
	done_testing
	exit
fi
ok "docker-registry listens on $REG"
NOTLS=(--tls-verify=false)
PULL=("$ESEAL" oci pull "${NOTLS[@]}" --cert keys/signing.pem)

# pulled DESC DIR SOURCE [OPTIONS...]: a pull into DIR (an empty store)
# writes DIR/app.img and DIR/app.img.sig, which `verify` accepts
pulled() {
	local d=$1 dir=$2 src=$3
	shift 3
	mkdir -p "$dir"
	if "${PULL[@]}" --digest-store "$dir/store" "$@" "$src" "$dir/app.img" \
		>"$WORK/.out" 2>&1 &&
		"$ESEAL" verify --cert keys/signing.pem "$dir/app.img" \
			"$dir/app.img.sig" >>"$WORK/.out" 2>&1; then
		ok "$d"
	else
		not_ok "$d"
		sed 's/^/#   /' "$WORK/.out" | head -10
	fi
}

# ---- 1. the pipeline and the device --------------------------------------------
check "pipeline: skopeo copy pushes the image" \
	skopeo copy --quiet --dest-tls-verify=false "oci:$L:1" "docker://$REG/app:1"
check "pipeline: oci seal (artifact, sha256)" \
	"${SEAL[@]}" --digest-store seal-store "oci:$L:1"
check_has "it names the artifact" "with artifact sha256:"
check "pipeline: oci push sends the seal too" \
	"$ESEAL" oci push "${NOTLS[@]}" "oci:$L:1" "docker://$REG/app:1"
check "the registry has the referrers tag sha256-<hex>" \
	skopeo inspect --raw --tls-verify=false "docker://$REG/app:sha256-${m1#sha256:}"
check_has "... an index listing the artifact" "application/vnd.oci.image.index.v1+json"
check "oci verify of the layout" "$ESEAL" oci verify --cert keys/signing.pem "oci:$L:1"

pulled "device: oci pull into an empty store, verify accepts IMAGE + IMAGE.sig" \
	dev "docker://$REG/app:1"
check_has "the pull fetched the one layer" "(1 of 1 layers fetched, 0 read"
"$ESEAL" mkimage --quiet --print-digest-only "oci:$L:1" >want.digest 2>&1
if [ "$("$ESEAL" digest dev/app.img | cut -d' ' -f1)" = "sha256:$(cat want.digest)" ]; then
	ok "the pulled image is the canonical image of the layers"
else
	not_ok "the pulled image is the canonical image of the layers"
fi
if diff <(cd seal-store && find . -path ./.erofs-seal -prune -o -print | sort) \
	<(cd dev/store && find . -path ./.erofs-seal -prune -o -print | sort) >/dev/null; then
	ok "the device's store holds the objects the sealer's has"
else
	not_ok "the device's store holds the objects the sealer's has"
fi
"${PULL[@]}" --digest-store dev/store "docker://$REG/app:1" dev/again.img >"$WORK/.out" 2>&1
check_has "a second pull fetches no layer, reads none again" \
	"(0 of 1 layers fetched, 1 read from their records)"
check "... and gives the same image" cmp dev/app.img dev/again.img
"${PULL[@]}" --digest-store dev/store "docker://$REG/app:2" dev/v2.img >"$WORK/.out" 2>&1
check_fails "version 2 is not sealed: refused" test $? -eq 0
"${SEAL[@]}" "oci:$L:2" >/dev/null 2>&1
"$ESEAL" oci push "${NOTLS[@]}" "oci:$L:2" "docker://$REG/app:2" >/dev/null 2>&1
"${PULL[@]}" --digest-store dev/store "docker://$REG/app:2" dev/v2.img >"$WORK/.out" 2>&1
check_has "once sealed, a pull of version 2 fetches and reads only its new layer" \
	"(1 of 2 layers fetched, 1 read from their records)"
"$ESEAL" mkimage --quiet --print-digest-only "oci:$L:2" >want2.digest 2>&1
if [ "$("$ESEAL" digest dev/v2.img | cut -d' ' -f1)" = "sha256:$(cat want2.digest)" ]; then
	ok "... and gives the canonical image of version 2"
else
	not_ok "... and gives the canonical image of version 2"
fi
# a record that does not match is passed over: the layer is read again
for f in dev/store/.erofs-seal/layers/sha256/*; do
	printf 'x' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
done
"${PULL[@]}" --digest-store dev/store "docker://$REG/app:1" dev/again.img >"$WORK/.out" 2>&1
check_has "damaged layer records are not used" "(0 of 1 layers fetched, 0 read from"
check "... and the image is the same" cmp dev/app.img dev/again.img

# the mount, compared with umoci's tree under the OCI rules
oci_rules_by_hand unpacked/rootfs expect
modprobe erofs 2>/dev/null
modprobe overlay 2>/dev/null
mkdir -p "$MNT" "$RUN"
if ! grep -qw erofs /proc/filesystems || ! grep -qw overlay /proc/filesystems; then
	skip "kernel has no EROFS or overlayfs: the pulled image is not mounted"
elif "$ESEAL" mount --rundir "$RUN" --basedir dev/store --insecure-no-data-verity \
	--signature dev/app.img.sig --cert keys/signing.pem dev/app.img "$MNT" \
	>"$WORK/.out" 2>&1; then
	ok "erofs-seal mount mounts the pulled image with its signature"
	if "$H/treecmp" -x trusted.overlay. expect "$MNT" >"$WORK/cmp"; then
		ok "its files equal umoci unpack's: $(tail -1 "$WORK/cmp")"
	else
		not_ok "its files equal umoci unpack's"
		head -20 "$WORK/cmp" | sed 's/^/#   /'
	fi
	"$ESEAL" umount --rundir "$RUN" "$MNT" >/dev/null 2>&1
else
	not_ok "erofs-seal mount mounts the pulled image with its signature"
	sed 's/^/#   /' "$WORK/.out" | head -10
fi

# ---- 2. refusals ------------------------------------------------------------
# refused DESC CODE PATTERN SOURCE [OPTIONS...]: the pull exits CODE saying
# PATTERN; the old IMAGE stays, no IMAGE.sig, no temporary file
refused() {
	local d=$1 code=$2 pat=$3 src=$4 rc
	shift 4
	rm -rf out && mkdir out && echo old >out/app.img
	"${PULL[@]}" --digest-store out/store --cache out/cache "$@" "$src" out/app.img \
		>"$WORK/.out" 2>&1
	rc=$?
	if [ $rc -eq "$code" ] && grep -q -- "$pat" "$WORK/.out" &&
		[ "$(cat out/app.img)" = old ] && [ ! -e out/app.img.sig ] &&
		[ "$(ls -A out | grep -v '^store$\|^cache$\|^app.img$')" = "" ]; then
		ok "$d: exit $rc, $(tail -1 "$WORK/.out" | cut -c1-220)"
	else
		not_ok "$d (exit $rc, want $code and '$pat', nothing written)"
		sed 's/^/#   /' "$WORK/.out" | head -10
		ls -A out | sed 's/^/#   out: /'
	fi
}

# an untrusted signer
cp -a "$L" lo
"$ESEAL" oci seal --key other/signing.key --cert other/signing.pem "oci:lo:1" >/dev/null 2>&1
"$ESEAL" oci push "${NOTLS[@]}" "oci:lo:1" "docker://$REG/other:1" >/dev/null 2>&1
refused "a seal by an untrusted key" 3 "untrusted signer" "docker://$REG/other:1"
PULL=("$ESEAL" oci pull "${NOTLS[@]}" --cert other/signing.pem --ca keys/ca.pem)
refused "a signer certificate that does not chain to the trusted CA" 3 \
	"untrusted" "docker://$REG/other:1"
PULL=("$ESEAL" oci pull "${NOTLS[@]}" --cert keys/signing.pem)

# a seal whose subject is another image: app:1's referrers re-tagged onto v2
skopeo copy --quiet --tls-verify=false "oci:$L:2" "docker://$REG/app:2"
skopeo copy --quiet --all --src-tls-verify=false --dest-tls-verify=false \
	"docker://$REG/app:sha256-${m1#sha256:}" "docker://$REG/app:sha256-${m2#sha256:}"
refused "a seal re-tagged onto another manifest" 1 \
	"the seal is for manifest $m1" "docker://$REG/app:2"

# a tag moved to another manifest after sealing
cp -a "$L" le
"${SEAL[@]}" "oci:le:1" >/dev/null 2>&1
"$ESEAL" oci push "${NOTLS[@]}" "oci:le:1" "docker://$REG/moved:1" >/dev/null 2>&1
pulled "a sealed tag pulls" moved-ok "docker://$REG/moved:1"
skopeo copy --quiet --tls-verify=false "oci:$L:2" "docker://$REG/moved:1"
refused "a tag moved to another manifest after sealing" 1 "is not sealed" \
	"docker://$REG/moved:1"

# a signature over a different digest
cp -a "$L" ls
"${SEAL[@]}" "oci:ls:1" >/dev/null 2>&1
"$ESEAL" sign --key keys/signing.key --cert keys/signing.pem \
	--digest "sha256:$(printf '%064d' 7)" wrong.sig
tamper merged-sig ls 1 wrong.sig
"$ESEAL" oci push "${NOTLS[@]}" "oci:ls:1" "docker://$REG/wrongsig:1" >/dev/null 2>&1
refused "a signature over a different digest" 1 "EROFS image's signature" \
	"docker://$REG/wrongsig:1"
# a good signature of a digest the layers do not give
cp -a "$L" lc
"${SEAL[@]}" "oci:lc:1" >/dev/null 2>&1
tamper merged-claim lc 1 "$(printf '%064d' 7)" wrong.sig
"$ESEAL" oci push "${NOTLS[@]}" "oci:lc:1" "docker://$REG/wrongclaim:1" >/dev/null 2>&1
refused "a signed digest the layers do not give" 1 \
	"the layers give an EROFS image of digest" "docker://$REG/wrongclaim:1"
check_fails "oci verify of that layout refuses it too" \
	"$ESEAL" oci verify --cert keys/signing.pem "oci:lc:1"

# edited inline annotations
cp -a "$L" li
"${SEAL[@]}" --inline "oci:li:1" >/dev/null 2>&1
tamper inline-edit li 1
skopeo copy --quiet --preserve-digests --dest-tls-verify=false "oci:li:1" \
	"docker://$REG/inline-bad:1"
refused "edited inline annotations" 1 "signature" "docker://$REG/inline-bad:1"

# a layer blob changed in the registry's storage (restored afterwards)
l1=$(jq -r '.layers[-1].digest' "$L/blobs/sha256/${m1#sha256:}" | sed 's/^sha256://')
blob=$WORK/reg/data/docker/registry/v2/blobs/sha256/${l1:0:2}/$l1/data
cp "$blob" blob.save
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[1], "wb").write(b)' "$blob"
refused "a layer blob changed in the registry's storage" 1 "did not match" \
	"docker://$REG/app:1"
cp blob.save "$blob"

# ---- 3. inline seals, sha512 -------------------------------------------------
for alg in sha256 sha512; do
	rm -rf lin && cp -a "$L" lin
	check "oci seal --inline --hash $alg" "${SEAL[@]}" --inline --hash $alg "oci:lin:1"
	check "oci verify of the inline seal ($alg)" \
		"$ESEAL" oci verify --cert keys/signing.pem "oci:lin:1"
	# a plain skopeo copy carries an inline seal
	skopeo copy --quiet --preserve-digests --dest-tls-verify=false "oci:lin:1" \
		"docker://$REG/inline-$alg:1"
	pulled "inline $alg: pull, verify IMAGE + IMAGE.sig" "in-$alg" \
		"docker://$REG/inline-$alg:1"
	"$ESEAL" verify --cert keys/signing.pem "in-$alg/app.img" "in-$alg/app.img.sig" \
		>"$WORK/.out" 2>&1
	check_has "... the image digest is $alg" "over $alg:"
done
check "an artifact seal with sha512 beside the sha256 one" \
	"${SEAL[@]}" --hash sha512 "oci:$L:1"
check "oci push of both" "$ESEAL" oci push "${NOTLS[@]}" "oci:$L:1" "docker://$REG/two:1"
pulled "pull --hash sha512 takes the sha512 seal" a512 "docker://$REG/two:1" --hash sha512
"$ESEAL" verify --cert keys/signing.pem a512/app.img a512/app.img.sig >"$WORK/.out" 2>&1
check_has "... an image with a sha512 digest" "over sha512:"
"$ESEAL" oci verify --json --cert keys/signing.pem "oci:$L:1" >"$WORK/.out" 2>&1
check_has "oci verify --json: valid, two seals" '"valid":true'
check_has "... seals" '"seals":2'

# remote signing: the digests out, the signatures in, checked first
rm -rf lr && cp -a "$L" lr
"$ESEAL" oci seal --print-digests "oci:lr:1" >digests 2>&1
check "seal --print-digests: manifest, config, image" \
	grep -qx "manifest sha256:[0-9a-f]\{64\}" digests
while read -r role d; do
	"$ESEAL" sign --key keys/signing.key --cert keys/signing.pem \
		--digest "$d" "$role.sig" >/dev/null 2>&1
done <digests
cp lr/index.json index.before
check_fails "signatures in the wrong places are refused" \
	"$ESEAL" oci seal --cert keys/signing.pem --manifest-sig manifest.sig \
	--config-sig image.sig --image-sig config.sig "oci:lr:1"
check_has "... naming the one that does not verify" "signature given for the config"
check "... and the layout is as it was" cmp index.before lr/index.json
check "seal with the signatures made elsewhere" \
	"$ESEAL" oci seal --cert keys/signing.pem --manifest-sig manifest.sig \
	--config-sig config.sig --image-sig image.sig "oci:lr:1"
check "... and it verifies" "$ESEAL" oci verify --cert keys/signing.pem "oci:lr:1"

# ---- usage -------------------------------------------------------------------
"$ESEAL" oci pull --digest-store x "docker://$REG/app:1" y.img >"$WORK/.out" 2>&1
check "pull without --cert or --ca is a usage error (exit 2)" test $? -eq 2
"$ESEAL" oci seal --key keys/signing.key --cert keys/signing.pem --creds a:b \
	"oci:$L:1" >"$WORK/.out" 2>&1
check "seal --creds is a usage error (exit 2)" test $? -eq 2

# ---- TLS and basic auth --------------------------------------------------------
if ! start_registry "$WORK/reg-tls" tls; then
	not_ok "docker-registry with TLS and htpasswd starts"
	done_testing
	exit
fi
ok "docker-registry with TLS and htpasswd listens on $REG"
TLS=(--cert-dir "$WORK/reg-tls/certs" --creds "$REG_USER:$REG_PASS")
check "oci push over TLS with credentials" \
	"$ESEAL" oci push "${TLS[@]}" "oci:le:1" "docker://$REG/app:1"
PULL=("$ESEAL" oci pull --cert keys/signing.pem "${TLS[@]}")
pulled "oci pull over TLS with credentials" tls "docker://$REG/app:1"
PULL=("$ESEAL" oci pull --cert keys/signing.pem --cert-dir "$WORK/reg-tls/certs")
refused "without credentials: skopeo's error, the step named, exit 4" 4 \
	"fetching the manifest of docker://$REG/app:1: skopeo inspect: .*unauthorized" \
	"docker://$REG/app:1"
PULL=("$ESEAL" oci pull --cert keys/signing.pem --creds "$REG_USER:$REG_PASS")
refused "a registry certificate from an unknown CA: exit 4" 4 \
	"x509: certificate signed by unknown authority" "docker://$REG/app:1"
stop_registries
done_testing
