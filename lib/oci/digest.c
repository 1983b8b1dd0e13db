// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * OCI content digests: parsing "<alg>:<hex>" and hashing bytes to check
 * them (OpenSSL EVP; sha256 and sha512, the image spec's registered
 * algorithms).
 */
#include <openssl/evp.h>
#include <stdlib.h>

#include "oci.h"

int oci_digest_parse(const char *s, size_t len, struct oci_digest *d)
{
	size_t hexlen, i;
	const char *hex;

	memset(d, 0, sizeof(*d));
	if (len > 7 && !memcmp(s, "sha256:", 7)) {
		d->alg = ESEAL_HASH_SHA256;
		d->len = 32;
		hex = s + 7;
	} else if (len > 7 && !memcmp(s, "sha512:", 7)) {
		d->alg = ESEAL_HASH_SHA512;
		d->len = 64;
		hex = s + 7;
	} else {
		return -EINVAL;
	}
	hexlen = len - 7;
	if (hexlen != 2u * d->len)
		return -EINVAL;
	/* lowercase only: one spelling per digest */
	for (i = 0; i < hexlen; i++)
		if (eseal_hexval(hex[i]) < 0 || (hex[i] >= 'A' && hex[i] <= 'F'))
			return -EINVAL;
	if (eseal_hex_decode(hex, d->len, d->bytes))
		return -EINVAL;
	memcpy(d->str, s, len);
	d->str[len] = '\0';
	return 0;
}

struct oci_hash {
	EVP_MD_CTX *ctx;
	int alg;
};

struct oci_hash *oci_hash_new(int alg)
{
	struct oci_hash *h = calloc(1, sizeof(*h));
	const EVP_MD *md = alg == ESEAL_HASH_SHA512 ? EVP_sha512() :
			   alg == ESEAL_HASH_SHA256 ? EVP_sha256() : NULL;

	if (!h || !md)
		goto fail;
	h->alg = alg;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
		goto fail;
	return h;
fail:
	oci_hash_free(h);
	return NULL;
}

void oci_hash_update(struct oci_hash *h, const void *buf, size_t len)
{
	/* cannot fail for a digest context that was set up */
	EVP_DigestUpdate(h->ctx, buf, len);
}

bool oci_hash_check(struct oci_hash *h, const struct oci_digest *d,
		    char got[OCI_DIGEST_STR_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int k;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1)
		n = 0;
	k = snprintf(got, OCI_DIGEST_STR_MAX, "%s:",
		     h->alg == ESEAL_HASH_SHA512 ? "sha512" : "sha256");
	eseal_hex_encode(md, MIN(n, 64u), got + k);
	return n && n == d->len && h->alg == d->alg &&
	       !memcmp(md, d->bytes, n);
}

void oci_hash_free(struct oci_hash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
