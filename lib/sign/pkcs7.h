/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Internals shared by the signature files of lib/sign: pkcs7-sign.c (the
 * formatted digest, signing), pkcs7-verify.c (verifying with the
 * kernel's rules), signing-key.c (keys and certificates from files and
 * tokens), keyring.c (certificates into kernel keyrings) and
 * keyring-verify.c (verifying with the keys of a kernel keyring).
 */
#ifndef ESEAL_PKCS7_H
#define ESEAL_PKCS7_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "internal.h"

/* The kernel's struct fsverity_formatted_digest (fs/verity/fsverity_private.h) */
struct eseal_formatted_digest_hdr {
	char magic[8];			/* "FSVerity", no NUL */
	uint8_t digest_algorithm[2];	/* le16 FS_VERITY_HASH_ALG_* */
	uint8_t digest_size[2];		/* le16 */
	/* uint8_t digest[]; */
};
_Static_assert(sizeof(struct eseal_formatted_digest_hdr) == 12,
	       "fsverity_formatted_digest header is 12 bytes");
_Static_assert(ESEAL_FORMATTED_DIGEST_MAX ==
		       sizeof(struct eseal_formatted_digest_hdr) +
			       ESEAL_DIGEST_MAX,
	       "ESEAL_FORMATTED_DIGEST_MAX matches the structure");

/* The object behind the public struct eseal_signer */
struct eseal_signer {
	EVP_PKEY *pkey;
	X509 *cert;
	void *engine;		/* ENGINE * of a PKCS#11 key, or NULL */
	char key_name[32];	/* "RSA-3072", ... */
};

/*
 * Is this key one the kernel's X.509/PKCS#7 code can use?  RSA
 * (rsaEncryption, not RSA-PSS) or ECDSA on NIST P-192/256/384/521.
 * On success, a short name ("RSA-3072", "ECDSA-P256") goes to name
 * (may be NULL, size >= 32).  'what' names the key in the message.
 */
int eseal_key_check_kernel(EVP_PKEY *pkey, const char *what, char *name,
			   struct eseal_error *err);

/*
 * Certificates from a buffer: one DER certificate, or one or more PEM
 * ones.  'name' is used in messages.  *out is a new stack.
 */
int eseal_certs_from_mem(const void *buf, size_t len, const char *name,
			 STACK_OF(X509) **out, struct eseal_error *err);
int eseal_certs_from_file(const char *path, STACK_OF(X509) **out,
			  struct eseal_error *err);

/*
 * Everything eseal_verify_digest() checks that does not depend on the
 * digest: the signature's form, that a signer's certificate is trusted
 * (and, with CAs, chains), but not the signature value.  0 means the
 * signature may still verify; an error means it verifies no digest at
 * all.  For refusing before an image is hashed.
 */
int eseal_verify_signers(const struct eseal_trust *t, const void *sig,
			 size_t sig_len, struct eseal_error *err);

/* Append OpenSSL's first queued error, if any, to err's message. */
void eseal_openssl_error(struct eseal_error *err);

/*
 * Verify a PKCS#7 signature over digest d with the keys of a kernel
 * keyring (keyring-verify.c), for kernels that cannot check EROFS
 * signatures: 0 and the key's description in signer, -ENOKEY when no key
 * verifies it, -EBADMSG for a malformed signature.
 */
int eseal_keyring_verify(const char *keyring, const struct eseal_digest *d,
			 const void *sig, size_t sig_len, char *signer,
			 size_t signer_size, struct eseal_error *err);
/*
 * What eseal_keyring_verify() refuses for any digest: an unknown keyring,
 * a malformed signature, no usable key or signer.
 */
int eseal_keyring_precheck(const char *keyring, const void *sig,
			   size_t sig_len, struct eseal_error *err);

#endif /* ESEAL_PKCS7_H */
