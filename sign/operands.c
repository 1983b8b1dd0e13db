// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * What sign and verify share (and oci, which signs and verifies too):
 * their operands ("IMAGE SIG", or "SIG" with --digest), the digest of
 * IMAGE they work on, opening a signing key, what to trust, verify's exit
 * codes.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void image_sig_operands(int argc, char **argv, const char *digest_arg,
			int alg, const char **image, const char **sig,
			struct eseal_digest *d)
{
	struct eseal_error err = { 0 };
	int ret;

	*image = NULL;
	if (argc == 2)
		*image = argv[0];
	else if (argc != 1 || !digest_arg)
		usage_error("expected IMAGE and SIG, or --digest and SIG");
	*sig = argv[argc - 1];
	if (!digest_arg)
		return;
	ret = eseal_digest_parse(digest_arg, d, &err);
	if (ret)
		usage_error("%s", error_text(ret, &err));
	if (alg && alg != d->alg)
		usage_error("--hash %s does not match the --digest",
			    eseal_hash_name(alg));
}

int image_digest(const char *image, const struct eseal_digest *pin, int alg,
		 struct eseal_digest *out, struct eseal_error *err)
{
	if (pin)
		alg = pin->alg;
	return file_digest(image, alg ? alg : ESEAL_HASH_SHA256, out, err);
}

struct eseal_signer *signer_open(struct eseal_signer_opts *so,
				 const char *pass_file, const char *pass_env)
{
	bool pkcs11 = !strncmp(so->key, "pkcs11:", 7);
	struct eseal_error err = { 0 };
	struct eseal_signer *s = NULL;
	char *pass = NULL;
	int ret;

	if (!pass_file && !pass_env) {
		pass_env = pkcs11 ? "ESEAL_PKCS11_PIN" : "ESEAL_KEY_PASS";
		if (!getenv(pass_env))
			pass_env = NULL;
	}
	if (read_secret(pass_file, pass_env, &pass))
		return NULL;
	so->passphrase = pass;
	if (!so->pkcs11_module)
		so->pkcs11_module = getenv("ESEAL_PKCS11_MODULE");
	ret = eseal_signer_open(so, &s, &err);
	so->passphrase = NULL;
	free_secret(pass);
	if (ret) {
		fail(ret, &err);
		return NULL;
	}
	return s;
}

struct eseal_trust *trust_load(const struct cli_list *certs,
			       const struct cli_list *cas,
			       struct eseal_error *err, int *ret)
{
	struct eseal_trust *t;
	size_t i;

	*ret = eseal_trust_new(&t, err);
	for (i = 0; !*ret && i < certs->n; i++)
		*ret = eseal_trust_add_certs(t, certs->v[i], err);
	for (i = 0; !*ret && i < cas->n; i++)
		*ret = eseal_trust_add_ca(t, cas->v[i], err);
	if (!*ret)
		return t;
	eseal_trust_free(t);
	return NULL;
}

int verify_exit(enum eseal_verify_class cls)
{
	static const int codes[] = {
		[ESEAL_VERIFY_OK] = 0,
		[ESEAL_VERIFY_BAD] = EXIT_BAD_SIGNATURE,
		[ESEAL_VERIFY_UNTRUSTED] = EXIT_UNTRUSTED,
		[ESEAL_VERIFY_ERROR] = EXIT_NO_INPUT,
	};

	return codes[cls];
}

const char *verify_result_name(enum eseal_verify_class cls)
{
	static const char *const names[] = {
		[ESEAL_VERIFY_OK] = "ok",
		[ESEAL_VERIFY_BAD] = "bad-signature",
		[ESEAL_VERIFY_UNTRUSTED] = "untrusted",
		[ESEAL_VERIFY_ERROR] = "error",
	};

	return names[cls];
}
