// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Verifying PKCS#7 signatures over fs-verity digests with the rules of
 * the kernel's verify_pkcs7_signature() (crypto/asymmetric_keys/
 * pkcs7_parser.c, pkcs7_verify.c, pkcs7_trust.c): OpenSSL parses, the
 * checks here decide.  Canonical DER, SignedData version 1, content type
 * data and detached; digests sha2/sha3; rsaEncryption or ecdsa-with-*;
 * authenticated attributes optional but, when present, contentType and
 * messageDigest required and SMIMECapabilities refused; the signer found
 * by raw issuer and serial among the trusted certificates.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "pkcs7.h"

/* Microsoft Authenticode attributes the kernel refuses outside Authenticode */
#define OID_MS_SP_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"
#define OID_MS_STATEMENT_TYPE "1.3.6.1.4.1.311.2.1.11"

struct eseal_trust {
	STACK_OF(X509) *certs;		/* pinned signer certificates */
	STACK_OF(X509) *cas;		/* trust anchors */
};

/* ---- trust ----------------------------------------------------------- */

int eseal_trust_new(struct eseal_trust **out, struct eseal_error *err)
{
	struct eseal_trust *t = calloc(1, sizeof(*t));

	if (t) {
		t->certs = sk_X509_new_null();
		t->cas = sk_X509_new_null();
	}
	if (!t || !t->certs || !t->cas) {
		eseal_trust_free(t);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	*out = t;
	return 0;
}

void eseal_trust_free(struct eseal_trust *t)
{
	if (!t)
		return;
	sk_X509_pop_free(t->certs, X509_free);
	sk_X509_pop_free(t->cas, X509_free);
	free(t);
}

static int take_certs(STACK_OF(X509) *dst, STACK_OF(X509) *src,
		      const char *name, bool check_key,
		      struct eseal_error *err)
{
	X509 *x;
	int i, ret = 0;

	for (i = 0; i < sk_X509_num(src) && !ret; i++) {
		x = sk_X509_value(src, i);
		if (check_key)
			ret = eseal_key_check_kernel(X509_get0_pubkey(x), name,
						     NULL, err);
	}
	while (!ret && (x = sk_X509_shift(src))) {
		if (!sk_X509_push(dst, x)) {
			X509_free(x);
			ret = eseal_errorf(err, ENOMEM, "out of memory");
		}
	}
	sk_X509_pop_free(src, X509_free);
	return ret;
}

int eseal_trust_add_certs_mem(struct eseal_trust *t, const void *buf,
			      size_t len, const char *name,
			      struct eseal_error *err)
{
	STACK_OF(X509) *sk;
	int ret = eseal_certs_from_mem(buf, len, name, &sk, err);

	return ret ? ret : take_certs(t->certs, sk, name, true, err);
}

/* The certificates of a file into dst; a key the kernel rejects or not */
static int add_file(STACK_OF(X509) *dst, const char *path, bool check_key,
		    struct eseal_error *err)
{
	STACK_OF(X509) *sk;
	int ret = eseal_certs_from_file(path, &sk, err);

	return ret ? ret : take_certs(dst, sk, path, check_key, err);
}

int eseal_trust_add_certs(struct eseal_trust *t, const char *path,
			  struct eseal_error *err)
{
	return add_file(t->certs, path, true, err);
}

int eseal_trust_add_ca(struct eseal_trust *t, const char *path,
		       struct eseal_error *err)
{
	return add_file(t->cas, path, false, err);
}

/* ---- verification ----------------------------------------------------- */

/* What the kernel's pkcs7_sig_note_digest_algo() knows, minus SM3 */
static bool kernel_digest(int nid)
{
	switch (nid) {
	case NID_sha224:
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
	case NID_sha3_256:
	case NID_sha3_384:
	case NID_sha3_512:
		return true;
	}
	return false;
}

/* Signature algorithm: EVP_PKEY_RSA, EVP_PKEY_EC, or an error. */
static int kernel_sig_algo(int nid, struct eseal_error *err)
{
	switch (nid) {
	case NID_rsaEncryption:
		return EVP_PKEY_RSA;
	case NID_ecdsa_with_SHA224:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
	case NID_ecdsa_with_SHA3_256:
	case NID_ecdsa_with_SHA3_384:
	case NID_ecdsa_with_SHA3_512:
		return EVP_PKEY_EC;
	case NID_rsassaPss:
		return eseal_errorf(err, ENOPKG,
				    "RSA-PSS signatures are rejected by the kernel (it accepts RSA PKCS#1 v1.5 and ECDSA)");
	case NID_ED25519:
	case NID_ED448:
		return eseal_errorf(err, ENOPKG,
				    "EdDSA signatures are rejected by the kernel (it accepts RSA PKCS#1 v1.5 and ECDSA)");
	}
	return eseal_errorf(err, ENOPKG,
			    "signature algorithm %s is not one the kernel accepts",
			    OBJ_nid2ln(nid) ? OBJ_nid2ln(nid) : "(unknown)");
}

static bool attr_is(X509_ATTRIBUTE *a, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	bool r = o && !OBJ_cmp(X509_ATTRIBUTE_get0_object(a), o);

	ASN1_OBJECT_free(o);
	return r;
}

/*
 * The kernel's pkcs7_sig_note_authenticated_attr() and
 * pkcs7_sig_note_set_of_authattrs() for a message of type data.
 */
static int check_authattrs(STACK_OF(X509_ATTRIBUTE) *aa,
			   struct eseal_error *err)
{
	bool has_type = false, has_digest = false;
	X509_ATTRIBUTE *a;
	ASN1_TYPE *v;
	int i;

	for (i = 0; i < sk_X509_ATTRIBUTE_num(aa); i++) {
		a = sk_X509_ATTRIBUTE_value(aa, i);
		v = X509_ATTRIBUTE_get0_type(a, 0);
		switch (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a))) {
		case NID_pkcs9_contentType:
			if (has_type)
				goto repeated;
			has_type = true;
			if (!v || v->type != V_ASN1_OBJECT ||
			    OBJ_obj2nid(v->value.object) != NID_pkcs7_data)
				return eseal_errorf(err, EBADMSG,
						    "contentType attribute is not data");
			break;
		case NID_pkcs9_messageDigest:
			if (has_digest)
				goto repeated;
			has_digest = true;
			if (!v || v->type != V_ASN1_OCTET_STRING)
				return eseal_errorf(err, EBADMSG,
						    "messageDigest attribute is not an OCTET STRING");
			break;
		case NID_SMIMECapabilities:
			return eseal_errorf(err, EKEYREJECTED,
					    "the signature has an SMIMECapabilities attribute, which the kernel rejects (sign with no attributes)");
		default:
			if (attr_is(a, OID_MS_SP_OPUS_INFO) ||
			    attr_is(a, OID_MS_STATEMENT_TYPE))
				return eseal_errorf(err, EBADMSG,
						    "the signature has an Authenticode attribute, which the kernel rejects");
			break;
		}
	}
	if (!has_type || !has_digest)
		return eseal_errorf(err, EBADMSG,
				    "authenticated attributes lack contentType or messageDigest");
	return 0;
repeated:
	return eseal_errorf(err, EBADMSG, "repeated authenticated attribute");
}

/* The checks that need no key, as the kernel's parser makes them. */
static int check_signer_form(PKCS7_SIGNER_INFO *si, const EVP_MD **md,
			     int *key_type, struct eseal_error *err)
{
	int nid, ret;

	if (ASN1_INTEGER_get(si->version) != 1 || !si->issuer_and_serial)
		return eseal_errorf(err, EBADMSG,
				    "signer info version is not 1 (issuer and serial)");
	nid = OBJ_obj2nid(si->digest_alg->algorithm);
	if (!kernel_digest(nid))
		return eseal_errorf(err, ENOPKG,
				    "digest algorithm %s is not one the kernel accepts (sha2, sha3)",
				    nid != NID_undef ? OBJ_nid2sn(nid) : "(unknown)");
	*md = EVP_get_digestbynid(nid);
	if (!*md)
		return eseal_errorf(err, ENOPKG,
				    "digest %s is not available here",
				    OBJ_nid2sn(nid));
	ret = kernel_sig_algo(OBJ_obj2nid(si->digest_enc_alg->algorithm),
			      err);
	if (ret < 0)
		return ret;
	*key_type = ret;
	if (!si->enc_digest || si->enc_digest->length <= 0)
		return eseal_errorf(err, EBADMSG, "empty signature value");
	if (sk_X509_ATTRIBUTE_num(si->auth_attr) > 0)
		return check_authattrs(si->auth_attr, err);
	return 0;
}

/* Check si's signature over data with pkey. */
static int verify_signer(PKCS7_SIGNER_INFO *si, const EVP_MD *md,
			 EVP_PKEY *pkey, const uint8_t *data, size_t len,
			 struct eseal_error *err)
{
	unsigned char h[EVP_MAX_MD_SIZE], *abuf = NULL;
	unsigned int hlen;
	EVP_PKEY_CTX *ctx = NULL;
	ASN1_OCTET_STRING *md_attr;
	ASN1_TYPE *t;
	int alen, ret = -EKEYREJECTED;

	if (!EVP_Digest(data, len, h, &hlen, md, NULL))
		return eseal_errorf(err, ENOMEM, "hashing failed");
	if (sk_X509_ATTRIBUTE_num(si->auth_attr) > 0) {
		t = PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest);
		md_attr = t ? t->value.octet_string : NULL;
		if (!md_attr || (unsigned int)md_attr->length != hlen ||
		    memcmp(md_attr->data, h, hlen))
			return eseal_errorf(err, EKEYREJECTED,
					    "the signed messageDigest does not match the digest");
		/* The signature covers the attributes' DER as a SET OF */
		alen = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &abuf,
				     ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
		if (alen <= 0 || !EVP_Digest(abuf, alen, h, &hlen, md, NULL)) {
			OPENSSL_free(abuf);
			return eseal_errorf(err, ENOMEM,
					    "cannot encode attributes");
		}
		OPENSSL_free(abuf);
	}
	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) != 1 ||
	    (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1) {
		ret = eseal_errorf(err, ENOMEM, "cannot set up verification");
		goto out;
	}
	if (EVP_PKEY_verify(ctx, si->enc_digest->data,
			    si->enc_digest->length, h, hlen) == 1)
		ret = 0;
	else
		ret = eseal_errorf(err, EKEYREJECTED,
				   "the signature does not match the digest (a different or modified image, or a damaged signature)");
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

/* Does cert chain to one of the CAs, now, for signing? */
static int check_chain(const struct eseal_trust *t, X509 *cert,
		       STACK_OF(X509) *untrusted, struct eseal_error *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int i, e, ret = -ENOMEM;

	if (!store || !ctx)
		goto out;
	for (i = 0; i < sk_X509_num(t->cas); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(t->cas, i)))
			goto out;
	if (!X509_STORE_CTX_init(ctx, store, cert, untrusted))
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		e = X509_STORE_CTX_get_error(ctx);
		ret = eseal_errorf(err,
				   e == X509_V_ERR_CERT_HAS_EXPIRED ||
						   e == X509_V_ERR_CERT_NOT_YET_VALID ?
					   EKEYEXPIRED :
					   ENOKEY,
				   "the signer's certificate does not chain to a trusted CA: %s",
				   X509_verify_cert_error_string(e));
		goto out;
	}
	if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) {
		ret = eseal_errorf(err, ENOKEY,
				   "the signer's certificate does not allow digitalSignature");
		goto out;
	}
	ret = 0;
out:
	if (ret == -ENOMEM)
		eseal_errorf(err, ENOMEM, "out of memory");
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ret;
}

static void name_line(const X509_NAME *n, char *buf, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	buf[0] = 0;
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_read(b, buf, (int)size - 1);
		buf[len > 0 ? len : 0] = 0;
	}
	BIO_free(b);
}

static void fill_info(struct eseal_sig_info *info, PKCS7_SIGNER_INFO *si,
		      X509 *cert)
{
	const ASN1_INTEGER *ser = si->issuer_and_serial->serial;
	BIGNUM *bn;
	char *hex;

	name_line(si->issuer_and_serial->issuer, info->issuer,
		  sizeof(info->issuer));
	bn = ASN1_INTEGER_to_BN(ser, NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(info->serial, sizeof(info->serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
	snprintf(info->hash, sizeof(info->hash), "%s",
		 OBJ_nid2sn(OBJ_obj2nid(si->digest_alg->algorithm)));
	for (hex = info->hash; *hex; hex++)
		*hex = (char)tolower((unsigned char)*hex);
	info->authattrs = sk_X509_ATTRIBUTE_num(si->auth_attr) > 0;
	if (cert) {
		name_line(X509_get_subject_name(cert), info->signer,
			  sizeof(info->signer));
		eseal_key_check_kernel(X509_get0_pubkey(cert), "", info->key,
				       NULL);
	}
}

/*
 * The kernel matches the signer to a key by the raw issuer bytes and the
 * serial (the asymmetric key id), so compare encodings, not meanings.
 */
static X509 *find_cert(STACK_OF(X509) *sk, PKCS7_ISSUER_AND_SERIAL *ias)
{
	const unsigned char *a, *b;
	size_t alen, blen;
	X509 *x;
	int i;

	if (!X509_NAME_get0_der(ias->issuer, &a, &alen))
		return NULL;
	for (i = 0; i < sk_X509_num(sk); i++) {
		x = sk_X509_value(sk, i);
		if (ASN1_INTEGER_cmp(X509_get0_serialNumber(x), ias->serial) ||
		    !X509_NAME_get0_der(X509_get_issuer_name(x), &b, &blen) ||
		    alen != blen || memcmp(a, b, alen))
			continue;
		return x;
	}
	return NULL;
}

static bool listed_digest(PKCS7 *p7, X509_ALGOR *alg)
{
	STACK_OF(X509_ALGOR) *algs = p7->d.sign->md_algs;
	int i;

	for (i = 0; i < sk_X509_ALGOR_num(algs); i++)
		if (!OBJ_cmp(sk_X509_ALGOR_value(algs, i)->algorithm,
			     alg->algorithm))
			return true;
	return false;
}

/*
 * Verify one signer: returns 0 when valid and trusted, -ENOKEY when no
 * certificate for it is known (or not trusted), another error otherwise.
 * data NULL checks all but the signature value (eseal_verify_signers()).
 */
static int check_signer(const struct eseal_trust *t, PKCS7 *p7,
			PKCS7_SIGNER_INFO *si, const uint8_t *data,
			size_t len, STACK_OF(X509) *untrusted,
			X509 **signer, struct eseal_error *err)
{
	PKCS7_ISSUER_AND_SERIAL *ias = si->issuer_and_serial;
	bool ca_mode = sk_X509_num(t->cas) > 0;
	const EVP_MD *md = NULL;
	EVP_PKEY *pkey;
	X509 *cert;
	int type = 0, ret;

	ret = check_signer_form(si, &md, &type, err);
	if (ret)
		return ret;
	if (!listed_digest(p7, si->digest_alg))
		return eseal_errorf(err, EBADMSG,
				    "the signer's digest algorithm is not in digestAlgorithms");
	cert = find_cert(t->certs, ias);
	if (!cert)
		cert = find_cert(p7->d.sign->cert, ias);
	if (!cert && ca_mode)
		cert = find_cert(t->cas, ias);
	*signer = cert;
	if (!cert)
		return eseal_errorf(err, ENOKEY,
				    "no trusted certificate for the signer");
	pkey = X509_get0_pubkey(cert);
	ret = eseal_key_check_kernel(pkey, "the signer's certificate", NULL,
				     err);
	if (ret)
		return ret;
	if (EVP_PKEY_get_base_id(pkey) != type)
		return eseal_errorf(err, EBADMSG,
				    "the signature algorithm does not match the signer's key");
	ret = data ? verify_signer(si, md, pkey, data, len, err) : 0;
	if (ret)
		return ret;
	if (ca_mode)
		return check_chain(t, cert, untrusted, err);
	if (!find_cert(t->certs, ias))
		return eseal_errorf(err, ENOKEY,
				    "the signer's certificate (carried in the signature) is not trusted");
	return 0;
}

static int verify_p7(const struct eseal_trust *t, PKCS7 *p7,
		     const uint8_t *data, size_t len,
		     struct eseal_sig_info *info, struct eseal_error *err)
{
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	STACK_OF(X509) *untrusted = NULL;
	struct eseal_error e1;
	int i, n, ret = -ENOKEY, r;
	long ver;
	X509 *cert;

	if (!PKCS7_type_is_signed(p7) || !p7->d.sign)
		return eseal_errorf(err, EBADMSG,
				    "not a PKCS#7 SignedData structure");
	ver = ASN1_INTEGER_get(p7->d.sign->version);
	/*
	 * Version 3 (CMS) goes with subjectKeyIdentifier signers, which
	 * OpenSSL's PKCS7 parser does not read; the kernel refuses version 3
	 * with issuer-and-serial signers, so only 1 is left.
	 */
	if (ver != 1)
		return eseal_errorf(err, EBADMSG,
				    "SignedData version %ld is not 1", ver);
	if (!p7->d.sign->contents ||
	    OBJ_obj2nid(p7->d.sign->contents->type) != NID_pkcs7_data)
		return eseal_errorf(err, EBADMSG,
				    "the signed content type is not data");
	if (!PKCS7_get_detached(p7))
		return eseal_errorf(err, EBADMSG,
				    "the signature carries its content; a detached signature is needed");
	sis = PKCS7_get_signer_info(p7);
	n = sk_PKCS7_SIGNER_INFO_num(sis);
	if (n <= 0)
		return eseal_errorf(err, EBADMSG, "the signature has no signer");
	if (info)
		info->n_signers = n;

	/* Chain building may use every certificate we were given. */
	untrusted = sk_X509_new_null();
	if (!untrusted)
		return eseal_errorf(err, ENOMEM, "out of memory");
	for (i = 0; i < sk_X509_num(t->certs); i++)
		sk_X509_push(untrusted, sk_X509_value(t->certs, i));
	for (i = 0; i < sk_X509_num(p7->d.sign->cert); i++)
		sk_X509_push(untrusted, sk_X509_value(p7->d.sign->cert, i));

	/*
	 * Like pkcs7_verify() then pkcs7_validate_trust(): every signer we can
	 * check must be valid, and at least one must be trusted.
	 */
	for (i = 0; i < n; i++) {
		PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, i);

		cert = NULL;
		memset(&e1, 0, sizeof(e1));
		r = check_signer(t, p7, si, data, len, untrusted, &cert, &e1);
		if (info && (i == 0 || r == 0)) {
			fill_info(info, si, cert);
			info->n_signers = n;
		}
		if (r == 0) {
			ret = 0;
		} else if (r == -ENOKEY || r == -EKEYEXPIRED) {
			if (ret) {
				ret = r;
				if (err)
					*err = e1;
			}
		} else {
			ret = r;
			if (err)
				*err = e1;
			break;
		}
	}
	sk_X509_free(untrusted);
	if (ret && err && n > 1)
		eseal_error_prefix(err, "signer %d of %d", i < n ? i + 1 : n,
				   n);
	return ret;
}

/* Parse sig and verify it over data (n bytes), or over nothing: see above */
static int verify_sig(const struct eseal_trust *t, const uint8_t *data,
		      size_t n, const void *sig, size_t sig_len,
		      struct eseal_sig_info *info, struct eseal_error *err)
{
	const unsigned char *p = sig;
	unsigned char *der;
	PKCS7 *p7;
	int ret, dlen;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!t || (!sig && sig_len))
		return eseal_errorf(err, EINVAL, "verify: missing argument");
	if (sig_len == 0)
		return eseal_errorf(err, EBADMSG, "the signature is empty");
	if (sig_len > ESEAL_SIG_MAX)
		return eseal_errorf(err, EBADMSG,
				    "the signature is larger than %u bytes",
				    ESEAL_SIG_MAX);
	ERR_clear_error();
	p7 = d2i_PKCS7(NULL, &p, (long)sig_len);
	if (!p7) {
		ret = eseal_errorf(err, EBADMSG,
				   "not a DER PKCS#7 signature");
		eseal_openssl_error(err);
		return ret;
	}
	if (p != (const unsigned char *)sig + sig_len) {
		PKCS7_free(p7);
		return eseal_errorf(err, EBADMSG,
				    "%zu bytes of trailing data after the signature",
				    sig_len - (size_t)(p - (const unsigned char *)sig));
	}
	/*
	 * Only DER: what OpenSSL's BER leniency accepts (a constructed bit on
	 * a primitive, long lengths) the kernel's decoder may not.
	 */
	der = NULL;
	dlen = i2d_PKCS7(p7, &der);
	if (dlen < 0 || (size_t)dlen != sig_len || memcmp(der, sig, sig_len)) {
		OPENSSL_free(der);
		PKCS7_free(p7);
		return eseal_errorf(err, EBADMSG,
				    "the signature is not in canonical DER");
	}
	OPENSSL_free(der);
	ret = verify_p7(t, p7, data, n, info, err);
	PKCS7_free(p7);
	ERR_clear_error();
	return ret;
}

int eseal_verify_digest(const struct eseal_trust *t,
			const struct eseal_digest *d, const void *sig,
			size_t sig_len, struct eseal_sig_info *info,
			struct eseal_error *err)
{
	uint8_t data[ESEAL_FORMATTED_DIGEST_MAX];
	size_t n = eseal_formatted_digest(d, data);
	struct eseal_sig_info full = { 0 };
	int ret;

	if (info) {
		ret = eseal_abi_check(info, sizeof(full), ESEAL_V0_SIG_INFO,
				      "eseal_sig_info", err);
		if (ret)
			return ret;
	}
	if (!n)
		ret = eseal_errorf(err, EINVAL,
				   "verify: not a sha256 or sha512 digest");
	else
		ret = verify_sig(t, data, n, sig, sig_len, info ? &full : NULL,
				 err);
	if (info)
		eseal_abi_out(info, &full, sizeof(full));
	return ret;
}

int eseal_verify_signers(const struct eseal_trust *t, const void *sig,
			 size_t sig_len, struct eseal_error *err)
{
	return verify_sig(t, NULL, 0, sig, sig_len, NULL, err);
}

enum eseal_verify_class eseal_verify_class(int ret)
{
	switch (-ret) {
	case 0:
		return ESEAL_VERIFY_OK;
	case EBADMSG:
	case ENOPKG:
	case EKEYREJECTED:
		return ESEAL_VERIFY_BAD;
	case ENOKEY:
	case EKEYEXPIRED:
		return ESEAL_VERIFY_UNTRUSTED;
	}
	return ESEAL_VERIFY_ERROR;
}
