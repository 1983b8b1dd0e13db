# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal mount with signatures on the host kernel (as root; no fs-verity,
# no EROFS signature support, so the signature is checked in userspace on a
# private copy): a signed image mounts; a tampered image, a wrong key, a
# wrong pin are refused naming the step, with nothing left mounted; keys
# can also come from a kernel keyring (checked by keyctl_pkey_verify).
. "$TOP/tests/lib.sh"
. "$TOP/tests/mount-lib.sh"

mounts_ok() { # DESC CMD...: mounts, reads the tree back, unmounts
	local d=$1
	shift
	if "$@" >"$WORK/.out" 2>&1 && [ "$(cat "$MNT/hello" 2>/dev/null)" = hello ]; then
		ok "$d"
	else
		not_ok "$d"
		sed 's/^/#   /' "$WORK/.out" | head -10
	fi
	cp "$WORK/.out" "$WORK/mount.out"
	if mounted "$MNT"; then
		"$ESEAL" umount --rundir "$RUN" "$MNT" 2>/dev/null ||
			"$ESEAL" umount "$MNT"
	fi
}

mkdir -p "$MNT" "$STORE" "$RUN" tree
echo hello >tree/hello
mkfs.erofs --quiet -T0 img.erofs tree >/dev/null
digest=$("$ESEAL" digest img.erofs | awk '{ print $1 }')
cp img.erofs tampered.erofs
printf 'X' | dd of=tampered.erofs bs=1 seek=1100 conv=notrunc 2>/dev/null

# keys: "signer" (RSA) signs, "other" (ECDSA P-256) is not trusted
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mount test signer/" \
	-keyout signer.key -out signer.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 3650 -subj "/CN=mount test other/" \
	-keyout other.key -out other.pem 2>/dev/null
openssl x509 -in signer.pem -outform der -out signer.der
openssl x509 -in other.pem -outform der -out other.der
# fsverity-utils as the independent signer
fsverity sign --key=signer.key --cert=signer.pem img.erofs img.sig >/dev/null
fsverity sign --key=other.key --cert=other.pem img.erofs other.sig >/dev/null
check "fixtures: two signatures made by fsverity sign" test -s img.sig -a -s other.sig

M=("$ESEAL" mount --rundir "$RUN" --basedir "$STORE" --insecure-no-data-verity)

mounts_ok "a signed image mounts (--signature --cert)" \
	"${M[@]}" --signature img.sig --cert signer.pem img.erofs "$MNT"
grep -q "signature verified, signed by .*mount test signer" mount.out
check "the output names the verified signer" test $? -eq 0
grep -q "the kernel did not check the signature" mount.out
check "and says the kernel did not check it" test $? -eq 0
mounts_ok "a signed image mounts with --require-signature and a right pin" \
	"${M[@]}" --signature img.sig --cert signer.der --require-signature \
	--digest "$digest" img.erofs "$MNT"
mounts_ok "an ECDSA signature mounts with its certificate" \
	"${M[@]}" --signature other.sig --cert other.pem img.erofs "$MNT"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sha512 signer/" \
	-keyout s512.key -out s512.pem 2>/dev/null
fsverity sign --hash-alg=sha512 --key=s512.key --cert=s512.pem img.erofs \
	s512.sig >/dev/null
mounts_ok "a signature over the sha512 fs-verity digest mounts" \
	"${M[@]}" --signature s512.sig --cert s512.pem img.erofs "$MNT"
mounts_ok "--json reports the verified signature" \
	sh -c '"$@" >json.out' sh "${M[@]}" --json --signature img.sig \
	--cert signer.pem img.erofs "$MNT"
grep -q '"signature_verified":true' json.out && grep -q '"mode":"copy"' json.out
check "--json: signature_verified, mode copy" test $? -eq 0

refused "a tampered image is refused (signature)" "signature" \
	"${M[@]}" --signature img.sig --cert signer.pem tampered.erofs "$MNT"
refused "a signature by an untrusted key is refused (certificate)" "certificate" \
	"${M[@]}" --signature other.sig --cert signer.pem img.erofs "$MNT"
refused "a wrong digest pin is refused even with a good signature" \
	"digest mismatch" "${M[@]}" --signature img.sig --cert signer.pem \
	--digest "sha256:$(printf '%064d' 1)" img.erofs "$MNT"
refused "a signature with nothing to check it against is refused" \
	"certificate" "${M[@]}" --signature img.sig img.erofs "$MNT"
refused "a missing certificate file is refused" "certificate" \
	"${M[@]}" --signature img.sig --cert nope.pem img.erofs "$MNT"
refused "garbage as a signature is refused" "signature" \
	"${M[@]}" --signature tree/hello --cert signer.pem img.erofs "$MNT"
refused "--require-signature refuses an unsigned mount" "signature" \
	"${M[@]}" --require-signature --digest "$digest" img.erofs "$MNT"

# Signatures that no digest could make valid are refused before the image
# is copied or hashed (with the wrong pin refused_early adds, hashing would
# end in "digest mismatch").
refused_early "early: garbage as a signature" "signature: not a DER PKCS#7" \
	"${M[@]}" --signature tree/hello --cert signer.pem img.erofs "$MNT"
refused_early "early: a signature by an untrusted key" \
	"certificate: no trusted certificate" \
	"${M[@]}" --signature other.sig --cert signer.pem img.erofs "$MNT"
refused_early "early: a signature with nothing to check it against" \
	"certificate: nothing to check" \
	"${M[@]}" --signature img.sig img.erofs "$MNT"
refused_early "early: a missing certificate file" "certificate" \
	"${M[@]}" --signature img.sig --cert nope.pem img.erofs "$MNT"
refused_early "early: an unknown keyring" "keyring eseal-no-such-ring" \
	"${M[@]}" --signature img.sig --keyring eseal-no-such-ring \
	img.erofs "$MNT"

# the signature paths under ASan+UBSan
if [ -x "${ESEAL_ASAN:-}" ]; then
	A=("$ESEAL_ASAN" mount --rundir "$RUN" --basedir "$STORE" --insecure-no-data-verity)
	mounts_ok "ASan: a signed image mounts" \
		"${A[@]}" --signature img.sig --cert signer.pem img.erofs "$MNT"
	refused "ASan: a tampered image is refused" "signature" \
		"${A[@]}" --signature img.sig --cert signer.pem tampered.erofs "$MNT"
	refused "ASan: an untrusted signer is refused" "certificate" \
		"${A[@]}" --signature other.sig --cert signer.pem img.erofs "$MNT"
	refused_early "ASan: garbage as a signature, early" "signature" \
		"${A[@]}" --signature tree/hello --cert signer.pem img.erofs "$MNT"
else
	skip "no ASan build at \$ESEAL_ASAN"
fi

# erofs-seal sign (the project's signer) makes signatures mount accepts
if "$ESEAL" sign --help >/dev/null 2>&1; then
	check "erofs-seal sign" "$ESEAL" sign --key signer.key --cert signer.pem \
		img.erofs own.sig
	mounts_ok "an erofs-seal sign signature mounts" \
		"${M[@]}" --signature own.sig --cert signer.pem img.erofs "$MNT"
else
	skip "erofs-seal sign is not built"
fi

# An image from erofs-seal mkimage: metacopy stubs over a real object
# store, signed by erofs-seal sign, mounted and compared with its source.
if "$ESEAL" mkimage --help >/dev/null 2>&1 &&
	"$ESEAL" sign --help >/dev/null 2>&1; then
	mkdir -p src/dir
	head -c 100000 /dev/urandom >src/big
	seq 1 30000 >src/dir/numbers
	echo small >src/small
	ln -s dir/numbers src/link
	check "mkimage --digest-store" "$ESEAL" mkimage -q \
		--digest-store="$WORK/store2" src app.img
	check "sign the mkimage image" "$ESEAL" sign --key signer.key \
		--cert signer.pem app.img app.sig
	refused "mkimage image: refused without fs-verity on the store" \
		"data verity" "$ESEAL" mount --rundir "$RUN" \
		--basedir "$WORK/store2" --signature app.sig --cert signer.pem \
		app.img "$MNT"
	if "$ESEAL" mount --rundir "$RUN" --basedir "$WORK/store2" \
		--insecure-no-data-verity --require-signature \
		--signature app.sig --cert signer.pem app.img "$MNT" \
		>"$WORK/.out" 2>&1; then
		ok "mkimage image: signed image mounts over its store"
		if diff -r src "$MNT" >"$WORK/diff" 2>&1; then
			ok "mkimage image: every file reads back from the store"
		else
			not_ok "mkimage image: every file reads back from the store"
			sed 's/^/#   /' "$WORK/diff" | head
		fi
		check "mkimage image: umount" "$ESEAL" umount --rundir "$RUN" "$MNT"
	else
		not_ok "mkimage image: signed image mounts over its store"
		sed 's/^/#   /' "$WORK/.out" | head
	fi
	refused "mkimage image: a missing store is refused" "object store" \
		"$ESEAL" mount --rundir "$RUN" --basedir "$WORK/nostore" \
		--insecure-no-data-verity --signature app.sig --cert signer.pem \
		app.img "$MNT"
else
	skip "erofs-seal mkimage or sign is not built"
fi

# mount.erofs-seal with signature options
mounts_ok "mount.erofs-seal -o signature=,cert=,require-signature" \
	./mount.erofs-seal img.erofs "$MNT" \
	-o "basedir=$STORE,signature=$WORK/img.sig,cert=$WORK/signer.pem,require-signature,insecure-no-data-verity"
refused "mount.erofs-seal refuses a tampered image" "signature" \
	./mount.erofs-seal tampered.erofs "$MNT" \
	-o "basedir=$STORE,signature=$WORK/img.sig,cert=$WORK/signer.pem,insecure-no-data-verity"

# keys in a kernel keyring, checked with keyctl_pkey_verify; in a session
# keyring of its own so that nothing outlives the test
if command -v keyctl >/dev/null &&
	keyctl session - sh -c 'r=$(keyctl newring eseal-probe @s) &&
		keyctl padd asymmetric "" "$r" <signer.der' >/dev/null 2>&1; then
	in_session() {
		keyctl session - sh -c 'r=$(keyctl newring eseal-test @s) &&
			keyctl padd asymmetric "" "$r" <signer.der >/dev/null &&
			"$@"' sh "$@"
	}
	mounts_ok "--keyring: a signature by a key in the keyring mounts" \
		in_session "${M[@]}" --signature img.sig --keyring eseal-test \
		img.erofs "$MNT"
	refused "--keyring: a signature by another key is refused" "keyring" \
		in_session "${M[@]}" --signature other.sig --keyring eseal-test \
		img.erofs "$MNT"
	refused "--keyring: a tampered image is refused" "signature" \
		in_session "${M[@]}" --signature img.sig --keyring eseal-test \
		tampered.erofs "$MNT"
	refused "--keyring: an unknown keyring is refused" "keyring" \
		"${M[@]}" --signature img.sig --keyring eseal-no-such-ring \
		img.erofs "$MNT"
	refused_early "--keyring: garbage as a signature, early" \
		"signature: not a DER PKCS#7" in_session "${M[@]}" \
		--signature tree/hello --keyring eseal-test img.erofs "$MNT"
	refused_early "--keyring: a keyring without keys, early" \
		"holds no key" keyctl session - sh -c \
		'keyctl newring eseal-empty @s >/dev/null && "$@"' sh \
		"${M[@]}" --signature img.sig --keyring eseal-empty img.erofs "$MNT"
	if [ -x "${ESEAL_ASAN:-}" ]; then
		mounts_ok "ASan: --keyring" in_session "$ESEAL_ASAN" mount \
			--rundir "$RUN" --basedir "$STORE" --insecure-no-data-verity \
			--signature img.sig --keyring eseal-test img.erofs "$MNT"
		refused "ASan: --keyring refuses another signer" "keyring" \
			in_session "$ESEAL_ASAN" mount --rundir "$RUN" \
			--basedir "$STORE" --insecure-no-data-verity \
			--signature other.sig --keyring eseal-test img.erofs "$MNT"
	fi
else
	skip "no asymmetric keys in kernel keyrings here"
fi

done_testing
