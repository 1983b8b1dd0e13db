# SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
# Signing with a key that lives on a PKCS#11 token: a SoftHSM2 token is
# made in $WORK, keys are generated inside it (pkcs11-tool), a CA issues
# their certificates, and `erofs-seal sign` uses them by URI through
# OpenSSL's pkcs11 engine.
. "$TOP/tests/lib.sh"

MODULE=
for m in /usr/lib/softhsm/libsofthsm2.so \
	/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -r "$m" ] && MODULE=$m && break
done
ENGINE=$(find /usr/lib -path '*engines-3/pkcs11.so' 2>/dev/null | head -1)
if [ -z "$MODULE" ] || ! command -v softhsm2-util >/dev/null ||
	! command -v pkcs11-tool >/dev/null || [ -z "$ENGINE" ]; then
	skip "SoftHSM2, pkcs11-tool or OpenSSL's pkcs11 engine missing"
	done_testing
	exit
fi

mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$WORK" >softhsm2.conf
export SOFTHSM2_CONF=$WORK/softhsm2.conf
P11="pkcs11-tool --module $MODULE --token-label eseal-ci --login --pin 4321"
check "SoftHSM2 token initialised" softhsm2-util --init-token --free \
	--label eseal-ci --pin 4321 --so-pin 87654321
check "RSA-3072 key generated on the token" $P11 --keypairgen \
	--key-type rsa:3072 --label ci-rsa --id 11
check "EC P-256 key generated on the token" $P11 --keypairgen \
	--key-type EC:prime256v1 --label ci-ec --id 12

# A CA on disk issues certificates for the token keys (CSRs signed on
# the token through the engine).
"$TOP/keys/make-keys" --cn "hsm ca" ca 2>/dev/null
cat >p11.cnf <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $MODULE
init = 0
[req]
distinguished_name = dn
[dn]
CNF
serial=4369
for k in rsa ec; do
	uri="pkcs11:token=eseal-ci;object=ci-$k;type=private;pin-value=4321"
	OPENSSL_CONF=$WORK/p11.cnf openssl req -new -engine pkcs11 \
		-keyform engine -key "$uri" -subj "/CN=token $k" -out $k.csr \
		>csr.log 2>&1 || sed 's/^/# /' csr.log
	openssl x509 -req -in $k.csr -CA ca/ca.pem -CAkey ca/ca.key \
		-set_serial $serial -days 30 -out $k.pem 2>/dev/null
	serial=$((serial + 1))
done
check "certificates issued for the token keys" test -s rsa.pem -a -s ec.pem

head -c 200000 /dev/urandom >img
echo 4321 >pin

check "sign with pkcs11: URI, pin-source= and module-path=" \
	"$ESEAL" sign --cert rsa.pem \
	--key "pkcs11:token=eseal-ci;object=ci-rsa;type=private?pin-source=file:$WORK/pin&module-path=$MODULE" \
	img rsa.sig
check "verify the token's RSA signature" "$ESEAL" verify --cert rsa.pem img rsa.sig
check "verify it through the CA" "$ESEAL" verify --ca ca/ca.pem --cert rsa.pem img rsa.sig
check "PIN from \$ESEAL_PKCS11_PIN, module from --pkcs11-module" \
	env ESEAL_PKCS11_PIN=4321 "$ESEAL" sign --cert rsa.pem \
	--pkcs11-module "$MODULE" \
	--key "pkcs11:token=eseal-ci;object=ci-rsa;type=private" img rsa2.sig
check "RSA on a token signs deterministically: same bytes" cmp rsa.sig rsa2.sig
if command -v fsverity >/dev/null; then
	check "fsverity sign with the same token key gives the same bytes" sh -c \
		"fsverity sign img fsv.sig --cert=rsa.pem --pkcs11-engine='$ENGINE' \
		 --pkcs11-module='$MODULE' \
		 --pkcs11-keyid='pkcs11:token=eseal-ci;object=ci-rsa;type=private;pin-value=4321' \
		 >/dev/null 2>&1 && cmp rsa.sig fsv.sig"
fi
check "ECDSA key on the token (PIN from --pass-env)" \
	env TOKENPIN=4321 ESEAL_PKCS11_MODULE="$MODULE" "$ESEAL" sign \
	--cert ec.pem --pass-env TOKENPIN \
	--key "pkcs11:token=eseal-ci;object=ci-ec;type=private" img ec.sig
check "verify the token's ECDSA signature" "$ESEAL" verify --cert ec.pem img ec.sig
if [ -x "${ESEAL_ASAN:-}" ]; then
	check "asan: sign with the token key, verify" sh -c \
		"ESEAL_PKCS11_PIN=4321 '$ESEAL_ASAN' sign --cert ec.pem \
		 --pkcs11-module '$MODULE' \
		 --key 'pkcs11:token=eseal-ci;object=ci-ec;type=private' img asan.sig &&
		 '$ESEAL_ASAN' verify --cert ec.pem img asan.sig"
else
	skip "no ASan build at \$ESEAL_ASAN"
fi

# Failures: wrong PIN, missing object; the PIN never shows in messages
env ESEAL_PKCS11_PIN=0000 "$ESEAL" sign --cert rsa.pem \
	--pkcs11-module "$MODULE" \
	--key "pkcs11:token=eseal-ci;object=ci-rsa;type=private" img bad.sig \
	>out 2>&1
rc=$?
check "wrong PIN fails cleanly" test $rc -eq 1
check "wrong PIN: no signature written" test ! -e bad.sig
"$ESEAL" sign --cert rsa.pem --pkcs11-module "$MODULE" \
	--key "pkcs11:token=eseal-ci;object=nothere;type=private;pin-value=4321" \
	img bad.sig >out 2>&1
rc=$?
check "missing token object fails cleanly" test $rc -eq 1
check "error names the object" grep -q "object=nothere" out
check "error does not echo the PIN" sh -c "! grep -q 4321 out"
check "token key with another key's certificate refused" sh -c \
	"! env ESEAL_PKCS11_PIN=4321 '$ESEAL' sign --cert ec.pem \
	 --pkcs11-module '$MODULE' \
	 --key 'pkcs11:token=eseal-ci;object=ci-rsa;type=private' img x.sig 2>out2 &&
	 grep -q 'does not match' out2"
done_testing
