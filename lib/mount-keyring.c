// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Check an image signature against the keys of a kernel keyring from
 * userspace, for kernels that cannot check EROFS signatures themselves:
 * the PKCS#7 signer infos are taken apart here, and the kernel's own
 * asymmetric key code does the public key operation (keyctl_pkey_verify),
 * so the certificates never need to be readable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "mount-sys.h"

/* What signer si's signature covers, hashed: *hlen bytes in h. */
static int signed_hash(PKCS7_SIGNER_INFO *si, const EVP_MD *md,
		       const uint8_t *data, size_t len, unsigned char *h,
		       unsigned int *hlen, struct eseal_error *err)
{
	ASN1_OCTET_STRING *mdattr;
	unsigned char *abuf = NULL;
	ASN1_TYPE *t;
	int alen;

	if (!EVP_Digest(data, len, h, hlen, md, NULL))
		return eseal_errorf(err, ENOMEM, "signature: hashing failed");
	if (sk_X509_ATTRIBUTE_num(si->auth_attr) <= 0)
		return 0;
	t = PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest);
	mdattr = t && t->type == V_ASN1_OCTET_STRING ? t->value.octet_string :
						       NULL;
	if (!mdattr || (unsigned int)mdattr->length != *hlen ||
	    memcmp(mdattr->data, h, *hlen))
		return eseal_errorf(
			err, EKEYREJECTED,
			"signature: its messageDigest does not match the image digest");
	/* the signature then covers the attributes' DER, as a SET OF */
	alen = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &abuf,
			     ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
	if (alen <= 0 || !EVP_Digest(abuf, (size_t)alen, h, hlen, md, NULL)) {
		OPENSSL_free(abuf);
		return eseal_errorf(err, ENOMEM,
				    "signature: cannot encode its attributes");
	}
	OPENSSL_free(abuf);
	return 0;
}

/* keyctl_pkey_verify's "enc=... hash=..." for a signer, or NULL */
static const char *pkey_params(PKCS7_SIGNER_INFO *si, const EVP_MD *md,
			       char *buf, size_t size)
{
	int nid = OBJ_obj2nid(si->digest_enc_alg->algorithm), pk;
	const char *enc;

	if (!OBJ_find_sigid_algs(nid, NULL, &pk))
		pk = nid;
	switch (pk) {
	case NID_rsaEncryption:
		enc = "pkcs1";
		break;
	case NID_X9_62_id_ecPublicKey:
		enc = "x962";
		break;
	default:
		return NULL;
	}
	snprintf(buf, size, "enc=%s hash=%s", enc, EVP_MD_get0_name(md));
	/* the kernel's hash names are lower case: "sha256", "sha3-256" */
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf;
}

int eseal_mount_verify_keyring(const char *keyring,
			       const struct eseal_digest *d, const void *sig,
			       size_t sig_len, char *signer, size_t signer_size,
			       struct eseal_error *err)
{
	uint8_t fd[ESEAL_FORMATTED_DIGEST_MAX];
	unsigned char h[EVP_MAX_MD_SIZE];
	const unsigned char *p = sig;
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	struct eseal_key_info *keys = NULL;
	PKCS7 *p7 = NULL;
	PKCS7_SIGNER_INFO *si;
	const EVP_MD *md;
	char params[64];
	unsigned int hlen;
	size_t fdlen, nkeys = 0, k;
	int32_t ring;
	int i, r, tried = 0;

	r = eseal_keyring_find(keyring, &ring, err);
	if (r)
		return eseal_error_prefix(err, "keyring %s", keyring);
	r = eseal_keyring_list(ring, &keys, &nkeys, err);
	if (r)
		return eseal_error_prefix(err, "keyring %s", keyring);
	fdlen = eseal_formatted_digest(d, fd);
	p7 = d2i_PKCS7(NULL, &p, (long)sig_len);
	if (!p7 || !PKCS7_type_is_signed(p7) || !fdlen) {
		r = eseal_errorf(err, EBADMSG,
				 "signature: not a DER PKCS#7 SignedData");
		goto out;
	}
	sis = PKCS7_get_signer_info(p7);
	r = -ENOKEY;
	for (i = 0; i < sk_PKCS7_SIGNER_INFO_num(sis) && r; i++) {
		si = sk_PKCS7_SIGNER_INFO_value(sis, i);
		md = EVP_get_digestbyobj(si->digest_alg->algorithm);
		if (!md || !si->enc_digest ||
		    !pkey_params(si, md, params, sizeof(params)))
			continue;
		if (signed_hash(si, md, fd, fdlen, h, &hlen, err))
			continue;
		for (k = 0; k < nkeys && r; k++) {
			if (strcmp(keys[k].type, "asymmetric"))
				continue;
			tried++;
			if (keyctl_pkey_verify(
				    keys[k].serial, params, h, hlen,
				    si->enc_digest->data,
				    (size_t)si->enc_digest->length) == 0) {
				r = 0;
				snprintf(signer, signer_size, "%s",
					 keys[k].description);
			}
		}
	}
	if (r)
		r = eseal_errorf(
			err, ENOKEY,
			tried ? "signature: no key in keyring %s verifies it (an unknown signer, or a modified image)" :
				"signature: keyring %s holds no key that could check it",
			keyring);
out:
	PKCS7_free(p7);
	free(keys);
	return r;
}
