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

#include "pkcs7.h"

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

/* What a keyring check works with: the keyring's keys, the parsed signature */
struct ring_sig {
	struct eseal_key_info *keys;
	size_t nkeys;
	PKCS7 *p7;
};

static void ring_sig_free(struct ring_sig *rs)
{
	PKCS7_free(rs->p7);
	free(rs->keys);
}

/* Whether key k can check a signer: the kernel's asymmetric keys only */
static bool usable_key(const struct eseal_key_info *k)
{
	return !strcmp(k->type, "asymmetric");
}

/* The signer's hash and keyctl_pkey_verify() parameters, or NULL md */
static const EVP_MD *usable_signer(PKCS7_SIGNER_INFO *si, char *params,
				   size_t size)
{
	const EVP_MD *md = EVP_get_digestbyobj(si->digest_alg->algorithm);

	if (!md || !si->enc_digest || !pkey_params(si, md, params, size))
		return NULL;
	return md;
}

static int ring_sig_open(const char *keyring, const void *sig, size_t sig_len,
			 struct ring_sig *rs, struct eseal_error *err)
{
	const unsigned char *p = sig;
	int32_t ring;
	int r;

	memset(rs, 0, sizeof(*rs));
	r = eseal_keyring_find(keyring, &ring, err);
	if (!r)
		r = eseal_keyring_list(ring, &rs->keys, &rs->nkeys, err);
	if (r)
		return eseal_error_prefix(err, "keyring %s", keyring);
	rs->p7 = d2i_PKCS7(NULL, &p, (long)sig_len);
	if (!rs->p7 || !PKCS7_type_is_signed(rs->p7)) {
		ring_sig_free(rs);
		return eseal_errorf(err, EBADMSG,
				    "signature: not a DER PKCS#7 SignedData");
	}
	return 0;
}

static int no_key(const char *keyring, bool tried, struct eseal_error *err)
{
	return eseal_errorf(
		err, ENOKEY,
		tried ? "signature: no key in keyring %s verifies it (an unknown signer, or a modified image)" :
			"signature: keyring %s holds no key that could check it",
		keyring);
}

int eseal_keyring_precheck(const char *keyring, const void *sig,
			   size_t sig_len, struct eseal_error *err)
{
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	struct ring_sig rs;
	bool signer = false, key = false;
	char params[64];
	size_t k;
	int i, r;

	r = ring_sig_open(keyring, sig, sig_len, &rs, err);
	if (r)
		return r;
	sis = PKCS7_get_signer_info(rs.p7);
	for (i = 0; i < sk_PKCS7_SIGNER_INFO_num(sis) && !signer; i++)
		signer = usable_signer(sk_PKCS7_SIGNER_INFO_value(sis, i),
				       params, sizeof(params));
	for (k = 0; k < rs.nkeys && !key; k++)
		key = usable_key(&rs.keys[k]);
	ring_sig_free(&rs);
	return signer && key ? 0 : no_key(keyring, false, err);
}

int eseal_keyring_verify(const char *keyring, const struct eseal_digest *d,
			 const void *sig, size_t sig_len, char *signer,
			 size_t signer_size, struct eseal_error *err)
{
	uint8_t fd[ESEAL_FORMATTED_DIGEST_MAX];
	unsigned char h[EVP_MAX_MD_SIZE];
	STACK_OF(PKCS7_SIGNER_INFO) * sis;
	PKCS7_SIGNER_INFO *si;
	struct ring_sig rs;
	const EVP_MD *md;
	char params[64];
	unsigned int hlen;
	size_t fdlen, k;
	int i, r, tried = 0;

	fdlen = eseal_formatted_digest(d, fd);
	if (!fdlen)
		return eseal_errorf(err, EINVAL,
				    "signature: not a sha256 or sha512 digest");
	r = ring_sig_open(keyring, sig, sig_len, &rs, err);
	if (r)
		return r;
	sis = PKCS7_get_signer_info(rs.p7);
	r = -ENOKEY;
	for (i = 0; i < sk_PKCS7_SIGNER_INFO_num(sis) && r; i++) {
		si = sk_PKCS7_SIGNER_INFO_value(sis, i);
		md = usable_signer(si, params, sizeof(params));
		if (!md || signed_hash(si, md, fd, fdlen, h, &hlen, err))
			continue;
		for (k = 0; k < rs.nkeys && r; k++) {
			if (!usable_key(&rs.keys[k]))
				continue;
			tried++;
			if (keyctl_pkey_verify(
				    rs.keys[k].serial, params, h, hlen,
				    si->enc_digest->data,
				    (size_t)si->enc_digest->length) == 0) {
				r = 0;
				snprintf(signer, signer_size, "%s",
					 rs.keys[k].description);
			}
		}
	}
	if (r)
		r = no_key(keyring, tried, err);
	ring_sig_free(&rs);
	return r;
}
