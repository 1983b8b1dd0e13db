// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * PKCS#7 signatures over fs-verity digests: the formatted digest the kernel
 * checks (struct fsverity_formatted_digest) and signing it.  Signing uses
 * OpenSSL's PKCS7 code with the flags of `fsverity sign` (binary,
 * detached, no attributes, no certificates), which makes the DER bytes
 * identical for RSA keys.  Verification is in pkcs7-verify.c.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include "pkcs7.h"

static const EVP_MD *verity_md(int alg)
{
	switch (alg) {
	case ESEAL_HASH_SHA256:
		return EVP_sha256();
	case ESEAL_HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

size_t eseal_formatted_digest(const struct eseal_digest *d,
			      uint8_t buf[ESEAL_FORMATTED_DIGEST_MAX])
{
	struct eseal_formatted_digest_hdr *h = (void *)buf;
	size_t want;

	if (!d)
		return 0;
	if (d->alg == ESEAL_HASH_SHA256)
		want = 32;
	else if (d->alg == ESEAL_HASH_SHA512)
		want = 64;
	else
		return 0;
	if (d->size != want)
		return 0;
	memcpy(h->magic, "FSVerity", 8);
	put_le16(h->digest_algorithm, d->alg);
	put_le16(h->digest_size, d->size);
	memcpy(buf + sizeof(*h), d->bytes, d->size);
	return sizeof(*h) + d->size;
}

void eseal_openssl_error(struct eseal_error *err)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];
	size_t len;

	if (e && err) {
		ERR_error_string_n(e, buf, sizeof(buf));
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len,
			 " (openssl: %s)", buf);
	}
	ERR_clear_error();
}

int eseal_sign_digest(struct eseal_signer *s, const struct eseal_digest *d,
		      uint8_t **sig, size_t *sig_len, struct eseal_error *err)
{
	/*
	 * PKCS7_PARTIAL lets PKCS7_sign_add_signer() choose the digest;
	 * NOATTR keeps out the attributes (SMIMECapabilities among them) the
	 * kernel rejects; NOCERTS leaves the signer to be found by issuer and
	 * serial in the keyring, as fsverity-utils does.
	 */
	const int flags = PKCS7_BINARY | PKCS7_DETACHED | PKCS7_NOATTR |
			  PKCS7_NOCERTS | PKCS7_PARTIAL;
	uint8_t data[ESEAL_FORMATTED_DIGEST_MAX];
	unsigned char *der = NULL;
	PKCS7 *p7 = NULL;
	BIO *bio = NULL;
	size_t n;
	int len, ret;

	if (!s || !sig || !sig_len)
		return eseal_errorf(err, EINVAL, "sign: missing argument");
	n = eseal_formatted_digest(d, data);
	if (!n)
		return eseal_errorf(err, EINVAL,
				    "sign: not a sha256 or sha512 digest");
	ERR_clear_error();
	p7 = PKCS7_sign(NULL, NULL, NULL, NULL, flags);
	if (!p7 || !PKCS7_sign_add_signer(p7, s->cert, s->pkey,
					  verity_md(d->alg), flags)) {
		ret = eseal_errorf(err, EINVAL, "sign: cannot set up the %s signer",
				   s->key_name);
		goto fail;
	}
	bio = BIO_new_mem_buf(data, (int)n);
	if (!bio || PKCS7_final(p7, bio, flags) != 1) {
		ret = eseal_errorf(err, EIO, "sign: signing with the %s key failed",
				   s->key_name);
		goto fail;
	}
	len = i2d_PKCS7(p7, &der);
	if (len <= 0) {
		ret = eseal_errorf(err, ENOMEM, "sign: cannot encode PKCS#7");
		goto fail;
	}
	*sig = malloc(len);
	if (!*sig) {
		ret = eseal_errorf(err, ENOMEM, "sign: out of memory");
		goto fail;
	}
	memcpy(*sig, der, len);
	*sig_len = len;
	OPENSSL_free(der);
	BIO_free(bio);
	PKCS7_free(p7);
	return 0;
fail:
	eseal_openssl_error(err);
	OPENSSL_free(der);
	BIO_free(bio);
	PKCS7_free(p7);
	return ret;
}

int eseal_signature_hash_alg(const void *sig, size_t len)
{
	const unsigned char *p = sig;
	PKCS7_SIGNER_INFO *si;
	PKCS7 *p7;
	int nid = NID_undef;

	if (!sig || !len || len > ESEAL_SIG_MAX)
		return 0;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (p7 && PKCS7_type_is_signed(p7) && p7->d.sign) {
		si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0);
		if (si && si->digest_alg)
			nid = OBJ_obj2nid(si->digest_alg->algorithm);
	}
	PKCS7_free(p7);
	ERR_clear_error();
	return nid == NID_sha256 ? ESEAL_HASH_SHA256 :
	       nid == NID_sha512 ? ESEAL_HASH_SHA512 :
				   0;
}

int eseal_signature_read(const char *path, uint8_t **buf, size_t *len,
			 struct eseal_error *err)
{
	return eseal_input_read(path, 0, ESEAL_SIG_MAX, buf, len, err);
}
