// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal sign: a detached PKCS#7 signature over an image's fs-verity
 * digest (or over a given digest, for a signer that never sees the image).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal sign --key KEY --cert CERT [options] IMAGE SIG\n"
		"       erofs-seal sign --key KEY --cert CERT --digest ALG:HEX SIG\n"
		"\n"
		"Write SIG, a DER PKCS#7 signature over the fs-verity digest of IMAGE\n"
		"in the form the kernel and `fsverity sign` use.\n"
		"\n"
		"  --key KEY            private key: PEM/DER file or pkcs11: URI\n"
		"  --cert CERT          the key's certificate (PEM or DER)\n"
		"  --hash ALG           sha256 (default) or sha512\n"
		"  --digest ALG:HEX     sign this fs-verity digest (IMAGE optional; if\n"
		"                       given, it must have this digest)\n"
		"  --pass-file FILE     passphrase of an encrypted key, or token PIN\n"
		"  --pass-env VAR       ... from environment variable VAR\n"
		"                       (default: $ESEAL_KEY_PASS, or $ESEAL_PKCS11_PIN\n"
		"                       for a pkcs11: key; a URI's pin-source= wins)\n"
		"  --pkcs11-module SO   PKCS#11 module (default: the URI's module-path=,\n"
		"                       $ESEAL_PKCS11_MODULE or p11-kit's proxy)\n");
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "hash", required_argument, NULL, 'H' },
		{ "digest", required_argument, NULL, 'd' },
		{ "pass-file", required_argument, NULL, 'p' },
		{ "pass-env", required_argument, NULL, 'e' },
		{ "pkcs11-module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct eseal_signer_opts so = { 0 };
	const char *digest_arg = NULL, *pass_file = NULL, *pass_env = NULL;
	const char *image = NULL, *sigpath;
	struct eseal_digest d, img;
	struct eseal_error err = { 0 };
	struct eseal_signer *s = NULL;
	struct output o = { .fd = -1, .dirfd = -1 };
	char *pass = NULL;
	uint8_t *sig = NULL;
	size_t sig_len;
	int c, alg = 0, ret = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			so.key = optarg;
			break;
		case 'c':
			so.cert = optarg;
			break;
		case 'H':
			alg = eseal_hash_from_name(optarg);
			if (alg < 0) {
				error_msg("--hash: '%s' is not sha256 or sha512",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			digest_arg = optarg;
			break;
		case 'p':
			pass_file = optarg;
			break;
		case 'e':
			pass_env = optarg;
			break;
		case 'm':
			so.pkcs11_module = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (!so.key || !so.cert) {
		error_msg("--key and --cert are required");
		return EXIT_USAGE;
	}
	if (argc == 2) {
		image = argv[0];
		sigpath = argv[1];
	} else if (argc == 1 && digest_arg) {
		sigpath = argv[0];
	} else {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (digest_arg) {
		if (eseal_digest_parse(digest_arg, &d, &err))
			return report("sign", &err), EXIT_USAGE;
		if (alg && alg != d.alg) {
			error_msg("--hash %s does not match the --digest",
				  eseal_hash_name(alg));
			return EXIT_USAGE;
		}
	}
	/* SIG must not replace a special file or one of the inputs */
	if (!output_open(&o, sigpath, 0,
			 (const char *[]){ image, so.cert,
					   strncmp(so.key, "pkcs11:", 7) ?
						   so.key : NULL,
					   pass_file },
			 4))
		return 1;
	if (image) {
		if (sign_image_digest(image, digest_arg ? d.alg :
					  alg ? alg : ESEAL_HASH_SHA256,
				 &img, &err))
			goto fail;
		if (digest_arg && memcmp(img.bytes, d.bytes, d.size)) {
			error_msg("%s: its digest is not the --digest given",
				  image);
			goto out;
		}
		d = img;
	}
	if (!pass_file && !pass_env) {
		pass_env = strncmp(so.key, "pkcs11:", 7) ? "ESEAL_KEY_PASS" :
							   "ESEAL_PKCS11_PIN";
		if (!getenv(pass_env))
			pass_env = NULL;
	}
	if (sign_secret_read(pass_file, pass_env, &pass, &err))
		goto fail;
	so.passphrase = pass;
	if (!so.pkcs11_module)
		so.pkcs11_module = getenv("ESEAL_PKCS11_MODULE");
	if (eseal_signer_open(&so, &s, &err) ||
	    eseal_sign_digest(s, &d, &sig, &sig_len, &err))
		goto fail;
	if (!output_write(&o, sig, sig_len) || !output_commit(&o))
		goto out;
	ret = 0;
	goto out;
fail:
	report("sign", &err);
out:
	output_abort(&o);
	sign_secret_free(pass);
	free(sig);
	eseal_signer_free(s);
	return ret;
}
