// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * libFuzzer target: eseal_verify_digest() on hostile signatures.
 *
 * Valid signatures rarely arise from random bytes, so the target makes its
 * own at start-up (fresh RSA and EC keys, a CA; nothing secret is stored)
 * and the input says what to do with them:
 *	byte 0 % 3 == 0: the rest is the signature, as is;
 *	           == 1: XOR the rest into base signature byte 1 % n;
 *	           == 2: cut base signature byte 1 % n at byte 2 * 4 and
 *	                 append the rest.
 *	byte 0 & 4: verify against the CA instead of the pinned certificates.
 * Every failure must carry a message and a class; nothing may crash.
 * eseal_verify_signers(), the checks without a digest, must never refuse
 * what eseal_verify_digest() accepts.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "pkcs7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NBASE 6
static struct {
	uint8_t *buf;
	size_t len;
} base[NBASE];
static struct eseal_trust *pinned, *cas;
static struct eseal_digest dg;

static EVP_PKEY *gen(const char *alg, const char *group)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *k = NULL;

	if (!c || EVP_PKEY_keygen_init(c) != 1)
		abort();
	if (group)
		EVP_PKEY_CTX_set_group_name(c, group);
	else
		EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048);
	if (EVP_PKEY_keygen(c, &k) != 1)
		abort();
	EVP_PKEY_CTX_free(c);
	return k;
}

static X509 *mkcert(EVP_PKEY *key, const char *cn, long serial, bool ca,
		    X509 *icert, EVP_PKEY *ikey)
{
	X509 *x = X509_new();
	X509_EXTENSION *e;
	X509V3_CTX ctx;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 365);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
				   MBSTRING_ASC, (const unsigned char *)cn, -1,
				   -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(icert ? icert : x));
	X509V3_set_ctx(&ctx, icert ? icert : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, ikey ? ikey : key, EVP_sha256());
	return x;
}

static void keep(int i, uint8_t *buf, size_t len)
{
	base[i].buf = buf;
	base[i].len = len;
}

static void keep_p7(int i, X509 *x, EVP_PKEY *k, int flags)
{
	uint8_t fd[ESEAL_FORMATTED_DIGEST_MAX];
	unsigned char *der = NULL;
	size_t n = eseal_formatted_digest(&dg, fd);
	BIO *bio = BIO_new_mem_buf(fd, (int)n);
	PKCS7 *p7 = PKCS7_sign(x, k, NULL, bio, PKCS7_BINARY | flags);
	int len = p7 ? i2d_PKCS7(p7, &der) : -1;

	if (len <= 0)
		abort();
	keep(i, der, len);
	PKCS7_free(p7);
	BIO_free(bio);
}

static void add_pem(struct eseal_trust *t, X509 *x, bool ca)
{
	struct eseal_error err;
	char *p = NULL;
	long n;
	BIO *b = BIO_new(BIO_s_mem());
	FILE *f;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	if (ca) {
		f = fopen("fuzz-verify-ca.pem", "w");
		if (!f || fwrite(p, 1, n, f) != (size_t)n)
			abort();
		fclose(f);
		if (eseal_trust_add_ca(t, "fuzz-verify-ca.pem", &err))
			abort();
		unlink("fuzz-verify-ca.pem");
	} else if (eseal_trust_add_certs_mem(t, p, n, "cert", &err)) {
		abort();
	}
	BIO_free(b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct eseal_signer s;
	struct eseal_error err;
	EVP_PKEY *cak = gen("EC", "P-384"), *rk = gen("RSA", NULL);
	EVP_PKEY *ek = gen("EC", "P-256");
	X509 *ca = mkcert(cak, "ca", 1, true, NULL, NULL);
	X509 *rc = mkcert(rk, "rsa", 2, false, ca, cak);
	X509 *ec = mkcert(ek, "ec", 3, false, ca, cak);
	uint8_t *sig;
	size_t len;
	int i;

	(void)argc;
	(void)argv;
	dg.alg = ESEAL_HASH_SHA256;
	dg.size = 32;
	for (i = 0; i < 32; i++)
		dg.bytes[i] = (uint8_t)(i * 13 + 1);
	s.engine = NULL;
	strcpy(s.key_name, "fuzz");
	s.pkey = rk;
	s.cert = rc;
	if (eseal_sign_digest(&s, &dg, &sig, &len, &err))
		abort();
	keep(0, sig, len);
	s.pkey = ek;
	s.cert = ec;
	if (eseal_sign_digest(&s, &dg, &sig, &len, &err))
		abort();
	keep(1, sig, len);
	keep_p7(2, rc, rk, PKCS7_DETACHED | PKCS7_NOCERTS | PKCS7_NOSMIMECAP);
	keep_p7(3, ec, ek, PKCS7_DETACHED | PKCS7_NOCERTS);
	keep_p7(4, rc, rk, PKCS7_DETACHED | PKCS7_NOATTR);
	keep_p7(5, ec, ek, PKCS7_NOATTR | PKCS7_NOCERTS);

	if (eseal_trust_new(&pinned, &err) || eseal_trust_new(&cas, &err))
		abort();
	add_pem(pinned, rc, false);
	add_pem(pinned, ec, false);
	add_pem(cas, ca, true);
	add_pem(cas, rc, false);
	X509_free(ca);
	X509_free(rc);
	X509_free(ec);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ek);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eseal_error err = { 0 };
	struct eseal_sig_info info = ESEAL_SIG_INFO_INIT;
	const struct eseal_trust *t;
	uint8_t *buf = NULL;
	size_t len = 0, i, cut;
	int ret, pre, b;

	if (size < 3)
		return 0;
	t = data[0] & 4 ? cas : pinned;
	b = data[1] % NBASE;
	switch (data[0] % 3) {
	case 0:
		len = size - 1;
		buf = malloc(len);
		memcpy(buf, data + 1, len);
		break;
	case 1:
		len = base[b].len;
		buf = malloc(len);
		memcpy(buf, base[b].buf, len);
		for (i = 2; i < size; i++)
			buf[(i - 2) % len] ^= data[i];
		break;
	case 2:
		cut = MIN((size_t)data[2] * 4, base[b].len);
		len = cut + size - 3;
		buf = malloc(len ? len : 1);
		memcpy(buf, base[b].buf, cut);
		memcpy(buf + cut, data + 3, size - 3);
		break;
	}
	if (!buf)
		return 0;
	ret = eseal_verify_digest(t, &dg, buf, len, &info, &err);
	if (ret && (!err.msg[0] ||
		    (eseal_verify_class(ret) == ESEAL_VERIFY_ERROR &&
		     ret != -ENOMEM)))
		abort();
	if (!ret && (!info.signer[0] || !info.key[0]))
		abort();
	memset(&err, 0, sizeof(err));
	pre = eseal_verify_signers(t, buf, len, &err);
	if (pre && (!ret || !err.msg[0]))
		abort();
	free(buf);
	return 0;
}
