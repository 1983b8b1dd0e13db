// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal sign: a detached PKCS#7 signature over an image's fs-verity
 * digest (or over a given digest, for a signer that never sees the image).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The digest to sign: IMAGE's, which must match --digest when both are given */
static int digest_to_sign(const char *image, const char *digest_arg, int alg,
			  struct eseal_digest *d)
{
	struct eseal_error err = { 0 };
	struct eseal_digest img;
	int ret;

	if (!image)
		return 0;
	ret = image_digest(image, digest_arg ? d : NULL, alg, &img, &err);
	if (ret)
		return fail(ret, &err);
	if (digest_arg && memcmp(img.bytes, d->bytes, d->size)) {
		error_msg("%s: its digest is not the --digest given", image);
		return 1;
	}
	*d = img;
	return 0;
}

int cmd_sign(int argc, char **argv)
{
	struct eseal_signer_opts so = ESEAL_SIGNER_OPTS_INIT;
	const char *digest_arg = NULL, *pass_file = NULL, *pass_env = NULL;
	const char *image, *sigpath;
	struct eseal_error err = { 0 };
	struct eseal_signer *s = NULL;
	struct output o = OUTPUT_INIT;
	struct eseal_digest d;
	uint8_t *sig = NULL;
	size_t sig_len;
	int alg = 0, ret = 1, r;
	const struct cli_opt opts[] = {
		{ .name = "key", .kind = CLI_STRING, .ptr = &so.key,
		  .arg = "KEY", .help = "private key: PEM/DER file or pkcs11: URI" },
		{ .name = "cert", .kind = CLI_STRING, .ptr = &so.cert,
		  .arg = "CERT", .help = "the key's certificate (PEM or DER)" },
		{ .name = "hash", .alias = "hash-alg", .kind = CLI_HASH,
		  .ptr = &alg, .arg = "ALG",
		  .help = "sha256 (default) or sha512" },
		{ .name = "digest", .kind = CLI_STRING, .ptr = &digest_arg,
		  .arg = "ALG:HEX",
		  .help = "sign this fs-verity digest (IMAGE optional; if\n"
			  "given, it must have this digest)" },
		{ .name = "pass-file", .kind = CLI_STRING, .ptr = &pass_file,
		  .arg = "FILE",
		  .help = "passphrase of an encrypted key, or token PIN" },
		{ .name = "pass-env", .kind = CLI_STRING, .ptr = &pass_env,
		  .arg = "VAR",
		  .help = "... from environment variable VAR\n"
			  "(default: $ESEAL_KEY_PASS, or $ESEAL_PKCS11_PIN\n"
			  "for a pkcs11: key; a URI's pin-source= wins)" },
		{ .name = "pkcs11-module", .kind = CLI_STRING,
		  .ptr = &so.pkcs11_module, .arg = "SO",
		  .help = "PKCS#11 module (default: the URI's module-path=,\n"
			  "$ESEAL_PKCS11_MODULE or p11-kit's proxy)" },
		{ 0 },
	};

	r = cli_parse(argc, argv, opts);
	if (!so.key || !so.cert)
		usage_error("--key and --cert are required");
	image_sig_operands(argc - r, argv + r, digest_arg, alg, &image,
			   &sigpath, &d);
	/* SIG must not replace a special file or one of the inputs */
	if (!output_open(&o, sigpath, 0,
			 (const char *[]){ image, so.cert,
					   !strncmp(so.key, "pkcs11:", 7) ? NULL : so.key,
					   pass_file },
			 4))
		return 1;
	if (digest_to_sign(image, digest_arg, alg, &d))
		goto out;
	s = signer_open(&so, pass_file, pass_env);
	if (!s)
		goto out;
	r = eseal_sign_digest(s, &d, &sig, &sig_len, &err);
	if (r) {
		fail(r, &err);
		goto out;
	}
	if (output_write(&o, sig, sig_len) && output_commit(&o))
		ret = 0;
out:
	output_abort(&o);
	free(sig);
	eseal_signer_free(s);
	return ret;
}
