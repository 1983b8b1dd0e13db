// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Signing keys and certificates: PEM or DER files (encrypted keys with a
 * passphrase the caller supplies, never from argv), and private keys on
 * PKCS#11 tokens through OpenSSL's pkcs11 engine (libp11), addressed by
 * RFC 7512 URIs.  Every key is checked against what the kernel's PKCS#7
 * code can verify before anything is signed with it.
 */
/* The ENGINE API is deprecated in OpenSSL 3 but is how libp11 works. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "pkcs7.h"

#define KEY_FILE_MAX (1u << 20)
#define CERT_FILE_MAX (16u << 20)

static bool is_pem(const void *buf, size_t len)
{
	return memmem(buf, len, "-----BEGIN ", 11) != NULL;
}

int eseal_certs_from_mem(const void *buf, size_t len, const char *name,
			 STACK_OF(X509) **out, struct eseal_error *err)
{
	const unsigned char *p = buf;
	STACK_OF(X509) *sk;
	X509 *x = NULL;
	BIO *bio;
	int ret = 0;

	if (len > INT32_MAX)
		return eseal_errorf(err, EFBIG, "%s: too large", name);
	sk = sk_X509_new_null();
	if (!sk)
		return eseal_errorf(err, ENOMEM, "out of memory");
	ERR_clear_error();
	if (is_pem(buf, len)) {
		bio = BIO_new_mem_buf(buf, (int)len);
		while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
			if (!sk_X509_push(sk, x)) {
				X509_free(x);
				break;
			}
		}
		BIO_free(bio);
		/* The loop ends at the end of the data: not an error. */
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    PEM_R_NO_START_LINE)
			ERR_clear_error();
		if (ERR_peek_error() || sk_X509_num(sk) == 0)
			ret = eseal_errorf(err, EINVAL,
					   "%s: no valid PEM certificate",
					   name);
	} else {
		x = d2i_X509(NULL, &p, (long)len);
		if (!x)
			ret = eseal_errorf(err, EINVAL,
					   "%s: not a DER or PEM certificate",
					   name);
		else if (p != (const unsigned char *)buf + len)
			ret = eseal_errorf(err, EINVAL,
					   "%s: trailing data after the DER certificate",
					   name);
		if (x && !sk_X509_push(sk, x)) {
			X509_free(x);
			ret = eseal_errorf(err, ENOMEM, "out of memory");
		}
	}
	if (ret) {
		eseal_openssl_error(err);
		sk_X509_pop_free(sk, X509_free);
		return ret;
	}
	*out = sk;
	return 0;
}

int eseal_certs_from_file(const char *path, STACK_OF(X509) **out,
			  struct eseal_error *err)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = eseal_input_read(path, 0, CERT_FILE_MAX, &buf, &len, err);
	if (ret)
		return ret;
	ret = eseal_certs_from_mem(buf, len, path, out, err);
	free(buf);
	return ret;
}

static const char *const rejected_why =
	"the kernel's PKCS#7 code accepts only RSA PKCS#1 v1.5 (rsaEncryption) and ECDSA P-192/P-256/P-384/P-521 keys";

int eseal_key_check_kernel(EVP_PKEY *pkey, const char *what, char *name,
			   struct eseal_error *err)
{
	char group[64];
	const char *curve = NULL;

	if (!pkey)
		return eseal_errorf(err, EINVAL, "%s: no public key", what);
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (name)
			snprintf(name, 32, "RSA-%d", EVP_PKEY_get_bits(pkey));
		return 0;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group),
					     NULL))
			return eseal_errorf(err, ENOPKG,
					    "%s: EC key with an unnamed curve; %s",
					    what, rejected_why);
		if (!strcmp(group, "prime192v1") || !strcmp(group, "P-192"))
			curve = "P192";
		else if (!strcmp(group, "prime256v1") ||
			 !strcmp(group, "P-256"))
			curve = "P256";
		else if (!strcmp(group, "secp384r1") ||
			 !strcmp(group, "P-384"))
			curve = "P384";
		else if (!strcmp(group, "secp521r1") ||
			 !strcmp(group, "P-521"))
			curve = "P521";
		if (!curve)
			return eseal_errorf(err, ENOPKG,
					    "%s: EC curve %s is rejected by the kernel; %s",
					    what, group, rejected_why);
		if (name)
			snprintf(name, 32, "ECDSA-%s", curve);
		return 0;
	case EVP_PKEY_RSA_PSS:
		return eseal_errorf(err, ENOPKG,
				    "%s: an RSA-PSS key is rejected by the kernel; %s",
				    what, rejected_why);
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return eseal_errorf(err, ENOPKG,
				    "%s: an EdDSA (%s) key is rejected by the kernel; %s",
				    what,
				    EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 ?
					    "Ed25519" :
					    "Ed448",
				    rejected_why);
	}
	return eseal_errorf(err, ENOPKG, "%s: a %s key is rejected by the kernel; %s",
			    what,
			    EVP_PKEY_get0_type_name(pkey) ?
				    EVP_PKEY_get0_type_name(pkey) :
				    "non-RSA, non-EC",
			    rejected_why);
}

/* ---- key files -------------------------------------------------------- */

struct pass {
	const char *pass;
	bool asked;
};

static int pass_cb(char *buf, size_t size, size_t *len,
		   const OSSL_PARAM params[], void *arg)
{
	struct pass *p = arg;
	size_t n;

	(void)params;
	p->asked = true;
	if (!p->pass)
		return 0;
	n = strlen(p->pass);
	if (n > size)
		return 0;
	memcpy(buf, p->pass, n);
	*len = n;
	return 1;
}

static int load_key_file(const char *path, const char *passphrase,
			 EVP_PKEY **out, struct eseal_error *err)
{
	struct pass pw = { .pass = passphrase };
	OSSL_DECODER_CTX *dctx;
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;
	uint8_t *buf;
	size_t len, left;
	int ret;

	ret = eseal_input_read(path, 0, KEY_FILE_MAX, &buf, &len, err);
	if (ret)
		return ret;
	ERR_clear_error();
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL,
					     EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx || !OSSL_DECODER_CTX_set_passphrase_cb(dctx, pass_cb, &pw)) {
		ret = eseal_errorf(err, ENOMEM, "%s: cannot set up a decoder",
				   path);
		goto out;
	}
	p = buf;
	left = len;
	if (!OSSL_DECODER_from_data(dctx, &p, &left) || !pkey) {
		if (pw.asked && !passphrase)
			ret = eseal_errorf(err, EACCES,
					   "%s: the key is encrypted; give its passphrase (from a file or an environment variable)",
					   path);
		else if (pw.asked)
			ret = eseal_errorf(err, EACCES,
					   "%s: cannot decrypt the key (wrong passphrase?)",
					   path);
		else
			ret = eseal_errorf(err, EINVAL,
					   "%s: not a PEM or DER private key",
					   path);
		eseal_openssl_error(err);
		goto out;
	}
	*out = pkey;
	pkey = NULL;
out:
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return ret;
}

/* ---- PKCS#11 ---------------------------------------------------------- */

/* Percent-decode n bytes of s into a new string. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && eseal_hexval(s[i + 1]) >= 0 &&
		    eseal_hexval(s[i + 2]) >= 0) {
			*o++ = (char)(eseal_hexval(s[i + 1]) << 4 | eseal_hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

struct p11_uri {
	char *uri;		/* "pkcs11:" and the attributes libp11 gets */
	char *pin_value;
	char *pin_source;
	char *module_path;
};

static void p11_uri_free(struct p11_uri *u)
{
	if (u->pin_value)
		OPENSSL_cleanse(u->pin_value, strlen(u->pin_value));
	free(u->uri);
	free(u->pin_value);
	free(u->pin_source);
	free(u->module_path);
}

/*
 * Take pin-value, pin-source and module-path out of an RFC 7512 URI
 * (path attributes split by ';', query ones by '&' after '?') and give
 * the rest to libp11 as path attributes.
 */
static int p11_uri_parse(const char *s, struct p11_uri *u,
			 struct eseal_error *err)
{
	const char *p = s + strlen("pkcs11:"), *end;
	char **slot;
	size_t n, used = 7;

	memset(u, 0, sizeof(*u));
	u->uri = malloc(strlen(s) + 1);
	if (!u->uri)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memcpy(u->uri, "pkcs11:", 7);
	while (*p) {
		end = p + strcspn(p, ";?&");
		n = end - p;
		slot = NULL;
		if (n > 10 && !strncmp(p, "pin-value=", 10))
			slot = &u->pin_value;
		else if (n > 11 && !strncmp(p, "pin-source=", 11))
			slot = &u->pin_source;
		else if (n > 12 && !strncmp(p, "module-path=", 12))
			slot = &u->module_path;
		if (slot) {
			const char *v = strchr(p, '=') + 1;

			free(*slot);
			*slot = pct_decode(v, end - v);
			if (!*slot) {
				p11_uri_free(u);
				return eseal_errorf(err, ENOMEM,
						    "out of memory");
			}
		} else if (n) {
			if (used > 7)
				u->uri[used++] = ';';
			memcpy(u->uri + used, p, n);
			used += n;
		}
		p = *end ? end + 1 : end;
	}
	u->uri[used] = 0;
	return 0;
}

static int read_pin_source(const char *src, char **pin,
			   struct eseal_error *err)
{
	const char *path = src;
	uint8_t *buf;
	size_t len;
	int ret;

	if (!strncmp(path, "file://", 7))
		path += 7;
	else if (!strncmp(path, "file:", 5))
		path += 5;
	ret = eseal_input_read(path, ESEAL_INPUT_PIPE_OK, 4096, &buf, &len,
			       err);
	if (ret)
		return eseal_error_prefix(err, "PKCS#11 pin-source");
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	*pin = malloc(len + 1);
	if (*pin) {
		memcpy(*pin, buf, len);
		(*pin)[len] = 0;
	}
	OPENSSL_cleanse(buf, len);
	free(buf);
	return *pin ? 0 : eseal_errorf(err, ENOMEM, "out of memory");
}

static int load_key_pkcs11(struct eseal_signer *s,
			   const struct eseal_signer_opts *o,
			   struct eseal_error *err)
{
	const char *module = o->pkcs11_module, *pin = o->passphrase;
	struct p11_uri u;
	char *src_pin = NULL;
	ENGINE *e;
	int ret;

	ret = p11_uri_parse(o->key, &u, err);
	if (ret)
		return ret;
	if (u.module_path)
		module = u.module_path;
	if (u.pin_source) {
		ret = read_pin_source(u.pin_source, &src_pin, err);
		if (ret)
			goto out;
		pin = src_pin;
	}
	if (u.pin_value)
		pin = u.pin_value;
	ERR_clear_error();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		ret = eseal_errorf(err, ENOPKG,
				   "%s: OpenSSL's pkcs11 engine is not available (Debian: libengine-pkcs11-openssl)",
				   u.uri);
		eseal_openssl_error(err);
		goto out;
	}
	if ((module && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) ||
	    (pin && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) ||
	    !ENGINE_init(e)) {
		ENGINE_free(e);
		ret = eseal_errorf(err, EIO,
				   "%s: cannot initialise the PKCS#11 module %s",
				   u.uri, module ? module : "(p11-kit proxy)");
		eseal_openssl_error(err);
		goto out;
	}
	s->engine = e;
	s->pkey = ENGINE_load_private_key(e, u.uri, NULL, NULL);
	if (!s->pkey) {
		/* u.uri, not o->key: never echo a pin-value */
		ret = eseal_errorf(err, ENOENT,
				   "%s: no such private key on the token (or a wrong PIN)",
				   u.uri);
		eseal_openssl_error(err);
	}
out:
	if (src_pin) {
		OPENSSL_cleanse(src_pin, strlen(src_pin));
		free(src_pin);
	}
	p11_uri_free(&u);
	return ret;
}

/* ---- signers ---------------------------------------------------------- */

static int load_signer_cert(struct eseal_signer *s, const char *path,
			    struct eseal_error *err)
{
	STACK_OF(X509) *sk;
	int ret;

	ret = eseal_certs_from_file(path, &sk, err);
	if (ret)
		return ret;
	if (sk_X509_num(sk) != 1) {
		sk_X509_pop_free(sk, X509_free);
		return eseal_errorf(err, EINVAL,
				    "%s: holds %d certificates; give only the signing certificate",
				    path, sk_X509_num(sk));
	}
	s->cert = sk_X509_shift(sk);
	sk_X509_free(sk);
	return 0;
}

int eseal_signer_open(const struct eseal_signer_opts *opts,
		      struct eseal_signer **out, struct eseal_error *err)
{
	struct eseal_signer_opts copy;
	const struct eseal_signer_opts *o = &copy;
	const char *shown;
	struct eseal_signer *s;
	int ret, id;

	if (!opts)
		return eseal_errorf(err, EINVAL,
				    "signing needs a key and a certificate");
	ret = eseal_abi_in(&copy, sizeof(copy), opts, ESEAL_V0_SIGNER_OPTS,
			   "eseal_signer_opts", err);
	if (ret)
		return ret;
	if (!o->key || !o->cert)
		return eseal_errorf(err, EINVAL,
				    "signing needs a key and a certificate");
	shown = o->key;
	s = calloc(1, sizeof(*s));
	if (!s)
		return eseal_errorf(err, ENOMEM, "out of memory");
	ret = load_signer_cert(s, o->cert, err);
	if (ret)
		goto fail;
	ret = eseal_key_check_kernel(X509_get0_pubkey(s->cert), o->cert,
				     s->key_name, err);
	if (ret)
		goto fail;
	/* Messages name a token key vaguely: its URI may carry a PIN. */
	if (!strncmp(o->key, "pkcs11:", 7)) {
		shown = "the PKCS#11 key";
		ret = load_key_pkcs11(s, o, err);
	} else {
		ret = load_key_file(o->key, o->passphrase, &s->pkey, err);
	}
	if (ret)
		goto fail;
	id = EVP_PKEY_get_base_id(s->pkey);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		ret = eseal_key_check_kernel(s->pkey, shown, NULL, err);
		if (!ret)
			ret = eseal_errorf(err, ENOPKG, "%s: unusable key",
					   shown);
		goto fail;
	}
	ERR_clear_error();
	if (X509_check_private_key(s->cert, s->pkey) != 1) {
		ret = eseal_errorf(err, EINVAL,
				   "%s: the key does not match certificate %s",
				   shown, o->cert);
		ERR_clear_error();
		goto fail;
	}
	*out = s;
	return 0;
fail:
	eseal_signer_free(s);
	return ret;
}

void eseal_signer_free(struct eseal_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->pkey);
	X509_free(s->cert);
	if (s->engine) {
		ENGINE_finish(s->engine);
		ENGINE_free(s->engine);
	}
	free(s);
}
