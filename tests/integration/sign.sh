# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# erofs-seal sign / verify / keyring: byte equality with `fsverity sign`,
# `openssl smime` as an independent verifier, ECDSA, CA chains, the
# refusals (with their exit codes, also under ASan+UBSan) and keyrings.
. "$TOP/tests/lib.sh"

KEYS=$TOP/keys/make-keys

# expect_exit CODE DESCRIPTION COMMAND...: the command exits with CODE
# (and does not crash); its stderr must match $want if set.
expect_exit() {
	_c=$1
	_d=$2
	shift 2
	"$@" >"$WORK/.out" 2>&1
	_rc=$?
	if [ $_rc -eq "$_c" ] && { [ -z "${want:-}" ] ||
		grep -q -- "$want" "$WORK/.out"; }; then
		ok "$_d"
	else
		not_ok "$_d (exit $_rc, want $_c${want:+, message '$want'})"
		sed 's/^/#   /' "$WORK/.out" | head -10
	fi
}

head -c 300000 /dev/urandom >img
"$KEYS" --cn "test signer" rsa 2>/dev/null
check "make-keys: RSA CA and signing certificate" test -s rsa/signing.der
check "make-keys: private keys are 0600" \
	test "$(stat -c %a rsa/signing.key rsa/ca.key | sort -u)" = 600
check "make-keys: kernel extensions (keyUsage, SKID, AKID)" sh -c \
	"openssl x509 -in rsa/signing.pem -noout -text | grep -q 'Digital Signature' &&
	 openssl x509 -in rsa/signing.pem -noout -text | grep -q 'Subject Key Identifier' &&
	 openssl x509 -in rsa/signing.pem -noout -text | grep -q 'Authority Key Identifier'"
"$KEYS" --ec --cn "ec signer" ec 2>/dev/null
check "make-keys --ec: P-256" sh -c \
	"openssl x509 -in ec/signing.pem -noout -text | grep -q 'NIST CURVE: P-256'"

# --- RSA: the same bytes as fsverity sign ---
check "sign (RSA-3072)" "$ESEAL" sign --key rsa/signing.key \
	--cert rsa/signing.pem img img.sig
if fsverity sign img fsv.sig --key=rsa/signing.key --cert=rsa/signing.pem \
	>/dev/null 2>&1; then
	check "byte-equal to fsverity sign (sha256)" cmp img.sig fsv.sig
	"$ESEAL" sign --key rsa/signing.key --cert rsa/signing.pem \
		--hash sha512 img img512.sig
	fsverity sign img fsv512.sig --hash-alg=sha512 \
		--key=rsa/signing.key --cert=rsa/signing.pem >/dev/null
	check "byte-equal to fsverity sign (sha512)" cmp img512.sig fsv512.sig
else
	skip "fsverity sign not available"
	skip "fsverity sign not available"
fi
check "verify --cert" "$ESEAL" verify --cert rsa/signing.pem img img.sig
check "verify --cert with a DER certificate" \
	"$ESEAL" verify --cert rsa/signing.der img img.sig
check "verify --ca" "$ESEAL" verify --ca rsa/ca.pem --cert rsa/signing.pem \
	img img.sig
check "verify --hash sha512" "$ESEAL" verify --hash sha512 \
	--cert rsa/signing.pem img img512.sig
check "verify follows a sha512 signature without --hash" "$ESEAL" verify \
	--cert rsa/signing.pem img img512.sig

# openssl smime as an independent verifier over the formatted digest
fsverity digest --for-builtin-sig --compact img |
	perl -ne 'chomp; print pack("H*", $_)' >img.fd
check "formatted digest is FSVerity, alg 1, size 32 (44 bytes)" \
	test "$(head -c 12 img.fd | od -An -c | tr -d ' \n')" = \
	'FSVerity001\0\0'
check "openssl smime -verify accepts our signature" \
	openssl smime -verify -binary -inform DER -in img.sig -content img.fd \
	-certfile rsa/signing.pem -CAfile rsa/ca.pem -purpose any \
	-out /dev/null

# --digest: a signer that never sees the image
dg=$("$ESEAL" digest img | cut -d' ' -f1)
check "sign --digest without the image" "$ESEAL" sign --key rsa/signing.key \
	--cert rsa/signing.pem --digest "$dg" dg.sig
check "sign --digest gives the same signature" cmp dg.sig img.sig
check "verify --digest without the image" "$ESEAL" verify \
	--cert rsa/signing.pem --digest "$dg" dg.sig
"$ESEAL" verify --json --cert rsa/signing.pem img img.sig >v.json
check "verify --json" grep -q '"valid":true,"result":"ok"' v.json
check "verify --json names the signer" grep -q '"signer":"CN=test signer"' v.json

# --- ECDSA round trip ---
check "sign (ECDSA P-256)" "$ESEAL" sign --key ec/signing.key \
	--cert ec/signing.pem img ec.sig
check "verify ECDSA" "$ESEAL" verify --cert ec/signing.pem img ec.sig
check "verify ECDSA via CA" "$ESEAL" verify --ca ec/ca.pem \
	--cert ec/signing.pem img ec.sig
if fsverity sign img fsvec.sig --key=ec/signing.key --cert=ec/signing.pem \
	>/dev/null 2>&1; then
	check "verify accepts fsverity sign's ECDSA signature" \
		"$ESEAL" verify --cert ec/signing.pem img fsvec.sig
else
	skip "fsverity sign cannot use the EC key"
fi
check "openssl smime -verify accepts ECDSA" \
	openssl smime -verify -binary -inform DER -in ec.sig -content img.fd \
	-certfile ec/signing.pem -CAfile ec/ca.pem -purpose any -out /dev/null

# --- encrypted keys: passphrase from a file or the environment ---
printf 'correct horse\n' >pass
"$KEYS" --ca-dir rsa --pass-file pass enc 2>/dev/null
check "encrypted key, --pass-file" "$ESEAL" sign --key enc/signing.key \
	--cert enc/signing.pem --pass-file pass img enc.sig
check "encrypted key, --pass-env" env MYPASS="correct horse" \
	"$ESEAL" sign --key enc/signing.key --cert enc/signing.pem \
	--pass-env MYPASS img enc2.sig
check "encrypted key, \$ESEAL_KEY_PASS" env ESEAL_KEY_PASS="correct horse" \
	"$ESEAL" sign --key enc/signing.key --cert enc/signing.pem img enc3.sig
check "rotated certificate from the same CA verifies via CA" \
	"$ESEAL" verify --ca rsa/ca.pem --cert enc/signing.pem img enc.sig
want="encrypted" expect_exit 1 "encrypted key without passphrase refused" \
	"$ESEAL" sign --key enc/signing.key --cert enc/signing.pem img x.sig
check "no half-written signature" test ! -e x.sig

# --- refusals at signing time ---
openssl genpkey -quiet -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
	-out pss.key
openssl req -new -x509 -key pss.key -subj /CN=pss -days 1 -out pss.pem \
	2>/dev/null
want="RSA-PSS key is rejected by the kernel" expect_exit 1 \
	"RSA-PSS key refused" "$ESEAL" sign --key pss.key --cert pss.pem \
	img pss.sig
openssl genpkey -quiet -algorithm ED25519 -out ed.key
openssl req -new -x509 -key ed.key -subj /CN=ed -days 1 -out ed.pem 2>/dev/null
want="Ed25519" expect_exit 1 "Ed25519 key refused" "$ESEAL" sign \
	--key ed.key --cert ed.pem img ed.sig
want="does not match" expect_exit 1 "key and certificate mismatch refused" \
	"$ESEAL" sign --key rsa/signing.key --cert ec/signing.pem img m.sig
want="" expect_exit 2 "usage error" "$ESEAL" sign --key rsa/signing.key img

# --- refusals at verification: right exit code and message ---
cp img img.bad
printf '\001' | dd of=img.bad bs=1 seek=4099 conv=notrunc 2>/dev/null
cmp -s img img.bad && printf '\002' | dd of=img.bad bs=1 seek=4099 \
	conv=notrunc 2>/dev/null
sz=$(stat -c %s img.sig)
cp img.sig sig.bad
printf '\377' | dd of=sig.bad bs=1 seek=$((sz - 10)) conv=notrunc 2>/dev/null
# the byte may have been 0xff already (1 run in 256): then write another
cmp -s img.sig sig.bad && printf '\376' | dd of=sig.bad bs=1 \
	seek=$((sz - 10)) conv=notrunc 2>/dev/null
head -c $((sz / 2)) img.sig >sig.trunc
head -c 400 /dev/urandom >sig.random
openssl smime -sign -binary -noattr -in img.fd -signer rsa/signing.pem \
	-inkey rsa/signing.key -outform DER -nocerts -out sig.attrs.ok 2>/dev/null
openssl smime -sign -binary -in img.fd -signer rsa/signing.pem \
	-inkey rsa/signing.key -outform DER -nocerts -out sig.attrs 2>/dev/null
openssl smime -sign -binary -noattr -nodetach -in img.fd \
	-signer rsa/signing.pem -inkey rsa/signing.key -outform DER -nocerts \
	-out sig.attached 2>/dev/null
# an expired certificate from the CA: sign a CSR with an end date in the past
openssl req -new -key ec/signing.key -subj "/CN=old" -out old.csr
openssl x509 -req -in old.csr -CA ec/ca.pem -CAkey ec/ca.key \
	-set_serial 77 -days -1 -out old.pem 2>/dev/null
"$ESEAL" sign --key ec/signing.key --cert old.pem img old.sig 2>/dev/null

refusals() {
	bin=$1
	tag=$2
	want="bad signature" expect_exit 1 "$tag tampered image (one bit)" \
		"$bin" verify --cert rsa/signing.pem img.bad img.sig
	want="bad signature" expect_exit 1 "$tag tampered signature" \
		"$bin" verify --cert rsa/signing.pem img sig.bad
	want="untrusted signer" expect_exit 3 "$tag wrong certificate" \
		"$bin" verify --cert ec/signing.pem img img.sig
	want="untrusted signer" expect_exit 3 "$tag wrong CA" \
		"$bin" verify --ca ec/ca.pem --cert rsa/signing.pem img img.sig
	want="bad signature" expect_exit 1 "$tag truncated DER" \
		"$bin" verify --cert rsa/signing.pem img sig.trunc
	want="bad signature" expect_exit 1 "$tag random DER" \
		"$bin" verify --cert rsa/signing.pem img sig.random
	want="SMIMECapabilities" expect_exit 1 \
		"$tag authenticated attributes (openssl smime default)" \
		"$bin" verify --cert rsa/signing.pem img sig.attrs
	want="detached" expect_exit 1 "$tag attached content" \
		"$bin" verify --cert rsa/signing.pem img sig.attached
	want="cannot read\|No such file" expect_exit 4 "$tag missing image" \
		"$bin" verify --cert rsa/signing.pem nonexistent img.sig
	want="No such file" expect_exit 4 "$tag missing signature" \
		"$bin" verify --cert rsa/signing.pem img nonexistent.sig
	want="not a DER or PEM certificate" expect_exit 4 \
		"$tag garbage certificate" \
		"$bin" verify --cert sig.random img img.sig
	if [ -s old.pem ] && [ -s old.sig ]; then
		want="expired" expect_exit 3 "$tag expired certificate under --ca" \
			"$bin" verify --ca ec/ca.pem --cert old.pem img old.sig
	else
		skip "$tag could not make an expired certificate"
	fi
}
refusals "$ESEAL" ""
check "signed attributes without SMIMECapabilities: accepted like the kernel" \
	"$ESEAL" verify --cert rsa/signing.pem img sig.attrs.ok
"$ESEAL" verify --json --cert ec/signing.pem img img.sig >bad.json
check "--json on failure says untrusted" \
	grep -q '"valid":false,"result":"untrusted"' bad.json
if [ -x "${ESEAL_ASAN:-}" ]; then
	refusals "$ESEAL_ASAN" "asan:"
	check "asan: ECDSA round trip" sh -c \
		"'$ESEAL_ASAN' sign --key ec/signing.key --cert ec/signing.pem img a.sig &&
		 '$ESEAL_ASAN' verify --cert ec/signing.pem img a.sig"
else
	skip "no ASan build at \$ESEAL_ASAN"
fi

# --- keyrings ---
want="does not exist" expect_exit 1 "keyring .erofs missing: clear error" \
	"$ESEAL" keyring list --keyring .erofs-seal-missing
if ! is_root; then
	skip "keyring tests need root"
elif ! command -v keyctl >/dev/null; then
	skip "keyctl missing"
else
	# A fresh session keyring, so that the test keyring is possessed
	keyctl session - sh -c '
		ring=$(keyctl newring eseal-test @s) || exit 1
		"$ESEAL" keyring add --keyring eseal-test rsa/signing.der >add.out || exit 2
		"$ESEAL" keyring add --keyring eseal-test ec/signing.pem >>add.out || exit 3
		"$ESEAL" keyring list --keyring eseal-test >list.out || exit 4
		"$ESEAL" keyring restrict --keyring eseal-test || exit 5
		"$ESEAL" keyring add --keyring "$ring" enc/signing.pem 2>restrict.err && exit 6
		"$ESEAL" keyring list --keyring .erofs 2>erofs.err && exit 7
		exit 0' >keyring.out 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q -i 'permission\|not permitted\|quota' keyring.out; then
		skip "cannot create keyrings here"
	else
		check "keyring add/list/restrict in a session (step $rc)" test $rc -eq 0
		check "keyring add printed two key serials" \
			test "$(wc -l <add.out)" -eq 2
		check "keyring list shows the certificates as asymmetric keys" \
			sh -c 'grep -c "asymmetric test signer" list.out | grep -qx 1 &&
			       grep -q "asymmetric ec signer" list.out'
		check "restricted keyring refuses new keys" \
			grep -q "does not accept keys" restrict.err
		check ".erofs missing: says the kernel lacks it" \
			grep -q "kernel patches" erofs.err
	fi
fi
done_testing
