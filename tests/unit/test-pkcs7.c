// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * PKCS#7 signatures: the formatted digest, sign/verify round trips with
 * RSA and ECDSA, and the refusals the kernel makes (tampering, unknown
 * signers, RSA-PSS and EdDSA keys, SMIMECapabilities, truncation,
 * garbage), plus CA chains with expiry; and that the checks made
 * without a digest (eseal_verify_signers) refuse nothing verify accepts.
 */
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "pkcs7.h"
#include "test.h"

static EVP_PKEY *gen(const char *alg, const char *param)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *k = NULL;

	if (!c || EVP_PKEY_keygen_init(c) != 1)
		goto out;
	if (!strcmp(alg, "EC"))
		EVP_PKEY_CTX_set_group_name(c, param);
	else if (param)
		EVP_PKEY_CTX_set_rsa_keygen_bits(c, atoi(param));
	EVP_PKEY_keygen(c, &k);
out:
	EVP_PKEY_CTX_free(c);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *v)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, v);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, issued by (icert, ikey) or self-signed. */
static X509 *mkcert(EVP_PKEY *key, const char *cn, long serial, long from,
		    long to, bool ca, X509 *icert, EVP_PKEY *ikey)
{
	X509 *x = X509_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
				   MBSTRING_ASC, (const unsigned char *)cn, -1,
				   -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(icert ? icert : x));
	add_ext(x, icert ? icert : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, icert ? icert : x, NID_key_usage,
		ca ? "critical,keyCertSign" : "critical,digitalSignature");
	add_ext(x, icert ? icert : x, NID_subject_key_identifier, "hash");
	X509_sign(x, ikey ? ikey : key,
		  EVP_PKEY_get_base_id(ikey ? ikey : key) == EVP_PKEY_ED25519 ?
			  NULL :
			  EVP_sha256());
	return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k,
		      const char *pass)
{
	FILE *f = fopen(path, "w");

	if (x)
		PEM_write_X509(f, x);
	if (k)
		PEM_write_PKCS8PrivateKey(f, k, pass ? EVP_aes_256_cbc() : NULL,
					  NULL, 0, NULL, (void *)pass);
	fclose(f);
}

static struct eseal_digest digest(int alg, uint8_t seed)
{
	struct eseal_digest d = { .alg = alg,
				  .size = alg == ESEAL_HASH_SHA256 ? 32 : 64 };

	for (int i = 0; i < d.size; i++)
		d.bytes[i] = (uint8_t)(seed + i * 7);
	return d;
}

static int sign_with(const char *key, const char *cert, const char *pass,
		     const struct eseal_digest *d, uint8_t **sig,
		     size_t *len, struct eseal_error *err)
{
	struct eseal_signer_opts o = { .size = sizeof(o), .key = key,
				       .cert = cert, .passphrase = pass };
	struct eseal_signer *s = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = eseal_signer_open(&o, &s, err);
	if (!ret)
		ret = eseal_sign_digest(s, d, sig, len, err);
	eseal_signer_free(s);
	return ret;
}

/*
 * What eseal_verify_signers() said in the last verify_with(), and how often
 * it refused a signature that eseal_verify_digest() accepted (never, or
 * mount would refuse good images before hashing them).
 */
static int last_pre, pre_wrong;

static int verify_with(const char *cert, const char *ca,
		       const struct eseal_digest *d, const uint8_t *sig,
		       size_t len, struct eseal_error *err)
{
	struct eseal_error e2 = { 0 };
	struct eseal_trust *t;
	int ret;

	memset(err, 0, sizeof(*err));
	last_pre = 1;
	ret = eseal_trust_new(&t, err);
	if (!ret && cert)
		ret = eseal_trust_add_certs(t, cert, err);
	if (!ret && ca)
		ret = eseal_trust_add_ca(t, ca, err);
	if (!ret) {
		ret = eseal_verify_digest(t, d, sig, len, NULL, err);
		last_pre = eseal_verify_signers(t, sig, len, &e2);
		if (last_pre && !ret) {
			printf("# eseal_verify_signers refused a good signature: %s\n",
			       e2.msg);
			pre_wrong++;
		}
	}
	eseal_trust_free(t);
	return ret;
}

static void test_formatted(void)
{
	struct eseal_digest d = digest(ESEAL_HASH_SHA256, 1), bad = d;
	uint8_t buf[ESEAL_FORMATTED_DIGEST_MAX];
	size_t n = eseal_formatted_digest(&d, buf);

	CHECK(n == 44, "sha256 formatted digest is 44 bytes (%zu)", n);
	CHECK(!memcmp(buf, "FSVerity\x01\x00\x20\x00", 12),
	      "header is FSVerity, le16 1, le16 32");
	CHECK(!memcmp(buf + 12, d.bytes, 32), "digest follows the header");
	d = digest(ESEAL_HASH_SHA512, 1);
	n = eseal_formatted_digest(&d, buf);
	CHECK(n == 76 && !memcmp(buf + 8, "\x02\x00\x40\x00", 4),
	      "sha512: alg 2, size 64");
	bad.alg = 3;
	CHECK(eseal_formatted_digest(&bad, buf) == 0, "unknown alg refused");
	bad = digest(ESEAL_HASH_SHA256, 1);
	bad.size = 64;
	CHECK(eseal_formatted_digest(&bad, buf) == 0, "wrong size refused");
}

static void roundtrip(const char *what, const char *alg, const char *param,
		      int halg)
{
	struct eseal_error err = { 0 };
	struct eseal_digest d = digest(halg, 3), d2 = digest(halg, 4);
	EVP_PKEY *k = gen(alg, param);
	X509 *x = mkcert(k, what, 7, 0, 3600, false, NULL, NULL);
	uint8_t *sig = NULL;
	size_t len;
	int ret;

	write_pem("rt.key", NULL, k, NULL);
	write_pem("rt.pem", x, NULL, NULL);
	ret = sign_with("rt.key", "rt.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == 0, "%s: sign (%s)", what, err.msg);
	ret = verify_with("rt.pem", NULL, &d, sig, len, &err);
	CHECK(ret == 0, "%s: verify (%s)", what, err.msg);
	CHECK(eseal_signature_hash_alg(sig, len) == halg,
	      "%s: the signature names its hash", what);
	CHECK(eseal_signature_hash_alg(sig, len / 2) == 0,
	      "%s: no hash from a truncated signature", what);
	ret = verify_with("rt.pem", NULL, &d2, sig, len, &err);
	CHECK(ret == -EKEYREJECTED, "%s: other digest is a bad signature (%d %s)",
	      what, ret, err.msg);
	CHECK(last_pre == 0,
	      "%s: without a digest the signature may still verify", what);
	sig[len - 5] ^= 0x10;
	ret = verify_with("rt.pem", NULL, &d, sig, len, &err);
	CHECK(eseal_verify_class(ret) == ESEAL_VERIFY_BAD,
	      "%s: tampered signature is bad (%d %s)", what, ret, err.msg);
	free(sig);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_refusals(void)
{
	struct eseal_error err = { 0 };
	struct eseal_digest d = digest(ESEAL_HASH_SHA256, 9);
	EVP_PKEY *k = gen("RSA", "2048"), *k2 = gen("RSA", "2048");
	EVP_PKEY *pss = gen("RSA-PSS", "2048"), *ed = gen("ED25519", NULL);
	X509 *x = mkcert(k, "signer", 1, 0, 3600, false, NULL, NULL);
	X509 *x2 = mkcert(k2, "other", 2, 0, 3600, false, NULL, NULL);
	X509 *xp = mkcert(pss, "pss", 3, 0, 3600, false, NULL, NULL);
	X509 *xe = mkcert(ed, "ed", 4, 0, 3600, false, NULL, NULL);
	uint8_t *sig = NULL, rnd[512];
	size_t len, i;
	int ret, bad = 0;
	PKCS7 *p7;
	BIO *bio;
	uint8_t fd[ESEAL_FORMATTED_DIGEST_MAX];
	unsigned char *der = NULL;

	write_pem("k.key", NULL, k, NULL);
	write_pem("k.pem", x, NULL, NULL);
	write_pem("k2.pem", x2, NULL, NULL);
	write_pem("pss.key", NULL, pss, NULL);
	write_pem("pss.pem", xp, NULL, NULL);
	write_pem("ed.key", NULL, ed, NULL);
	write_pem("ed.pem", xe, NULL, NULL);
	write_pem("enc.key", NULL, k, "s3cret");

	ret = sign_with("pss.key", "pss.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == -ENOPKG && strstr(err.msg, "RSA-PSS") &&
		      strstr(err.msg, "kernel"),
	      "RSA-PSS key refused at signing: %s", err.msg);
	ret = sign_with("ed.key", "ed.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == -ENOPKG && strstr(err.msg, "Ed25519"),
	      "Ed25519 key refused at signing: %s", err.msg);
	ret = sign_with("k.key", "k2.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == -EINVAL && strstr(err.msg, "does not match"),
	      "key/certificate mismatch refused: %s", err.msg);
	ret = sign_with("enc.key", "k.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == -EACCES && strstr(err.msg, "encrypted"),
	      "encrypted key without passphrase: %s", err.msg);
	ret = sign_with("enc.key", "k.pem", "wrong", &d, &sig, &len, &err);
	CHECK(ret == -EACCES, "encrypted key, wrong passphrase: %s", err.msg);
	ret = sign_with("enc.key", "k.pem", "s3cret", &d, &sig, &len, &err);
	CHECK(ret == 0, "encrypted key, right passphrase (%s)", err.msg);

	ret = verify_with("k2.pem", NULL, &d, sig, len, &err);
	CHECK(ret == -ENOKEY, "wrong certificate: untrusted (%s)", err.msg);
	CHECK(last_pre == -ENOKEY,
	      "wrong certificate: untrusted without a digest too");
	ret = verify_with("ed.pem", NULL, &d, sig, len, &err);
	CHECK(ret == -ENOPKG, "Ed25519 certificate not trusted (%s)", err.msg);
	for (i = 0; i < len; i++) {
		ret = verify_with("k.pem", NULL, &d, sig, i, &err);
		if (eseal_verify_class(ret) != ESEAL_VERIFY_BAD)
			bad++;
	}
	CHECK(bad == 0, "all %zu truncations are bad signatures", len);
	for (i = 0, bad = 0; i < 200; i++) {
		RAND_bytes(rnd, sizeof(rnd));
		if (i & 1)
			rnd[0] = 0x30;
		ret = verify_with("k.pem", NULL, &d, rnd, 1 + i * 2, &err);
		if (eseal_verify_class(ret) != ESEAL_VERIFY_BAD ||
		    eseal_verify_class(last_pre) != ESEAL_VERIFY_BAD)
			bad++;
	}
	CHECK(bad == 0, "random DER is a bad signature, with or without a digest");
	for (i = 0, bad = 0; i < len * 8; i += 3) {
		sig[i / 8] ^= 1 << (i % 8);
		ret = verify_with("k.pem", NULL, &d, sig, len, &err);
		sig[i / 8] ^= 1 << (i % 8);
		if (!ret) {
			printf("# bit %zu of %zu flipped still verifies\n", i, len * 8);
			bad++;
		}
	}
	CHECK(bad == 0, "no single bit flip of the signature verifies");
	free(sig);

	/* What `openssl smime -sign` makes: attributes with SMIMECapabilities */
	eseal_formatted_digest(&d, fd);
	for (int caps = 0; caps < 2; caps++) {
		bio = BIO_new_mem_buf(fd, 44);
		p7 = PKCS7_sign(x, k, NULL, bio,
				PKCS7_BINARY | PKCS7_DETACHED | PKCS7_NOCERTS |
					(caps ? 0 : PKCS7_NOSMIMECAP));
		len = i2d_PKCS7(p7, &der);
		ret = verify_with("k.pem", NULL, &d, der, len, &err);
		if (caps)
			CHECK(ret == -EKEYREJECTED &&
				      strstr(err.msg, "SMIMECapabilities"),
			      "authenticated attributes with SMIMECapabilities refused: %s",
			      err.msg);
		else
			CHECK(ret == 0,
			      "authenticated attributes without SMIMECapabilities accepted, as by the kernel (%s)",
			      err.msg);
		OPENSSL_free(der);
		der = NULL;
		PKCS7_free(p7);
		BIO_free(bio);
	}
	/* Content attached instead of detached */
	bio = BIO_new_mem_buf(fd, 44);
	p7 = PKCS7_sign(x, k, NULL, bio, PKCS7_BINARY | PKCS7_NOATTR);
	len = i2d_PKCS7(p7, &der);
	ret = verify_with("k.pem", NULL, &d, der, len, &err);
	CHECK(ret == -EBADMSG && strstr(err.msg, "detached"),
	      "attached content refused: %s", err.msg);
	/* Carries a certificate, but not a pinned one */
	ret = verify_with("k2.pem", NULL, &d, der, len, &err);
	CHECK(ret == -EBADMSG, "attached content refused before trust");
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(bio);

	X509_free(x);
	X509_free(x2);
	X509_free(xp);
	X509_free(xe);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(pss);
	EVP_PKEY_free(ed);
}

static void test_ca(void)
{
	struct eseal_error err = { 0 };
	struct eseal_digest d = digest(ESEAL_HASH_SHA256, 5);
	EVP_PKEY *cak = gen("EC", "P-384"), *k = gen("EC", "P-256");
	X509 *ca = mkcert(cak, "ca", 1, -100, 36000, true, NULL, NULL);
	X509 *leaf = mkcert(k, "leaf", 2, -100, 3600, false, ca, cak);
	X509 *old = mkcert(k, "leaf", 3, -7200, -3600, false, ca, cak);
	X509 *other = mkcert(cak, "ca2", 9, -100, 36000, true, NULL, NULL);
	uint8_t *sig = NULL, *sig2 = NULL;
	size_t len, len2;
	int ret;

	write_pem("ca.pem", ca, NULL, NULL);
	write_pem("ca2.pem", other, NULL, NULL);
	write_pem("leaf.pem", leaf, NULL, NULL);
	write_pem("old.pem", old, NULL, NULL);
	write_pem("leaf.key", NULL, k, NULL);
	ret = sign_with("leaf.key", "leaf.pem", NULL, &d, &sig, &len, &err);
	CHECK(ret == 0, "ECDSA P-256 leaf signs (%s)", err.msg);
	ret = sign_with("leaf.key", "old.pem", NULL, &d, &sig2, &len2, &err);
	CHECK(ret == 0, "signing with an expired certificate works (%s)",
	      err.msg);
	ret = verify_with("leaf.pem", "ca.pem", &d, sig, len, &err);
	CHECK(ret == 0, "leaf chains to the CA (%s)", err.msg);
	ret = verify_with("old.pem", "ca.pem", &d, sig2, len2, &err);
	CHECK(ret == -EKEYEXPIRED, "expired leaf under a CA: untrusted (%s)",
	      err.msg);
	CHECK(last_pre == -EKEYEXPIRED,
	      "expired leaf under a CA: untrusted without a digest too");
	ret = verify_with("old.pem", NULL, &d, sig2, len2, &err);
	CHECK(ret == 0,
	      "expired but pinned: accepted, as the kernel ignores dates (%s)",
	      err.msg);
	ret = verify_with("leaf.pem", "ca2.pem", &d, sig, len, &err);
	CHECK(ret == -ENOKEY, "wrong CA: untrusted (%s)", err.msg);
	ret = verify_with(NULL, "ca.pem", &d, sig, len, &err);
	CHECK(ret == -ENOKEY, "CA alone, signer certificate unknown (%s)",
	      err.msg);
	free(sig);
	free(sig2);
	X509_free(ca);
	X509_free(leaf);
	X509_free(old);
	X509_free(other);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
}

static void test_keyring(void)
{
	struct eseal_error err = { 0 };
	int32_t id;
	int ret;

	ret = eseal_keyring_find(".erofs-seal-test-no-such-keyring", &id,
				 &err);
	CHECK(ret == -ENOENT && strstr(err.msg, "does not exist"),
	      "missing keyring: %s", err.msg);
	ret = eseal_keyring_find("12x", &id, &err);
	CHECK(ret == -EINVAL, "bad serial refused: %s", err.msg);
}

int main(void)
{
	test_formatted();
	roundtrip("RSA-2048 sha256", "RSA", "2048", ESEAL_HASH_SHA256);
	roundtrip("RSA-2048 sha512", "RSA", "2048", ESEAL_HASH_SHA512);
	roundtrip("ECDSA P-256 sha256", "EC", "P-256", ESEAL_HASH_SHA256);
	roundtrip("ECDSA P-384 sha512", "EC", "P-384", ESEAL_HASH_SHA512);
	test_refusals();
	test_ca();
	test_keyring();
	CHECK(pre_wrong == 0,
	      "eseal_verify_signers never refuses what eseal_verify_digest accepts");
	return test_done();
}
