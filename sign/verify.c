// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal verify: check an image's signature with the kernel's rules.
 * Exit codes: 0 valid and trusted, 1 bad signature, 2 usage, 3 untrusted
 * signer, 4 cannot read an input.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal verify (--cert CERT | --ca BUNDLE)... [options] IMAGE SIG\n"
		"       erofs-seal verify (--cert CERT | --ca BUNDLE)... --digest ALG:HEX SIG\n"
		"\n"
		"  --cert CERT        trust this signer certificate (PEM/DER), as a key\n"
		"                     in the kernel's keyring: no chain, no dates\n"
		"  --ca BUNDLE        trust signers whose certificate (from --cert, the\n"
		"                     bundle or the signature) chains to a CA in BUNDLE\n"
		"                     now, with keyUsage digitalSignature\n"
		"  --digest ALG:HEX   the signed fs-verity digest (IMAGE optional; if\n"
		"                     given, it must have this digest)\n"
		"  --hash ALG         fs-verity hash of IMAGE: sha256 or sha512\n"
		"                     (default: the signature's digest algorithm)\n"
		"  --json             print the result as one JSON object\n"
		"  -q, --quiet        print nothing on success\n"
		"\n"
		"Exit: 0 valid, 1 bad signature, 2 usage, 3 untrusted signer,\n"
		"      4 cannot read an input.\n");
}

static void json_str(const char *key, const char *v, bool comma)
{
	const unsigned char *p = (const unsigned char *)v;

	printf("\"%s\":\"", key);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	printf("\"%s", comma ? "," : "");
}

static const char *const result_names[] = {
	[ESEAL_VERIFY_OK] = "ok",
	[ESEAL_VERIFY_BAD] = "bad-signature",
	[ESEAL_VERIFY_UNTRUSTED] = "untrusted",
	[ESEAL_VERIFY_ERROR] = "error",
};

static int finish(bool json, enum eseal_verify_class cls, const char *image,
		  const char *digest, const struct eseal_sig_info *info,
		  const struct eseal_error *err)
{
	static const int codes[] = {
		[ESEAL_VERIFY_OK] = 0,
		[ESEAL_VERIFY_BAD] = EXIT_BAD_SIGNATURE,
		[ESEAL_VERIFY_UNTRUSTED] = EXIT_UNTRUSTED,
		[ESEAL_VERIFY_ERROR] = EXIT_NO_INPUT,
	};

	if (json) {
		printf("{\"valid\":%s,", cls == ESEAL_VERIFY_OK ? "true" :
								  "false");
		json_str("result", result_names[cls], true);
		json_str("image", image ? image : "", true);
		json_str("digest", digest, true);
		json_str("signer", info->signer, true);
		json_str("issuer", info->issuer, true);
		json_str("serial", info->serial, true);
		json_str("key", info->key, true);
		json_str("hash", info->hash, true);
		printf("\"signers\":%u,\"authenticated_attributes\":%s,",
		       info->n_signers, info->authattrs ? "true" : "false");
		json_str("error", cls == ESEAL_VERIFY_OK ? "" : err->msg,
			 false);
		printf("}\n");
	}
	if (cls != ESEAL_VERIFY_OK && !image && !*digest)
		error_msg("%s", err->msg);
	else if (cls != ESEAL_VERIFY_OK)
		error_msg("%s%s%s: %s", image ? image : digest,
			  cls == ESEAL_VERIFY_BAD ? ": bad signature" : "",
			  cls == ESEAL_VERIFY_UNTRUSTED ? ": untrusted signer" :
							  "",
			  err->msg);
	return codes[cls];
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' },
		{ "digest", required_argument, NULL, 'd' },
		{ "hash", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct eseal_sig_info info = { 0 };
	struct eseal_error err = { 0 };
	struct eseal_trust *t = NULL;
	struct eseal_digest d, img;
	const char *digest_arg = NULL, *image = NULL, *sigpath;
	char hex[2 * ESEAL_DIGEST_MAX + 1], dstr[2 * ESEAL_DIGEST_MAX + 16];
	bool json = false, quiet = false, have_trust = false;
	enum eseal_verify_class cls;
	uint8_t *sig = NULL;
	size_t sig_len;
	int c, alg = 0, ret;

	dstr[0] = 0;
	if (eseal_trust_new(&t, &err))
		return report("verify", &err);
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'a':
			ret = c == 'c' ? eseal_trust_add_certs(t, optarg, &err) :
					 eseal_trust_add_ca(t, optarg, &err);
			if (ret) {
				ret = finish(json, ESEAL_VERIFY_ERROR, NULL,
					     "", &info, &err);
				goto out;
			}
			have_trust = true;
			break;
		case 'd':
			digest_arg = optarg;
			break;
		case 'H':
			alg = eseal_hash_from_name(optarg);
			if (alg < 0) {
				error_msg("--hash: '%s' is not sha256 or sha512",
					  optarg);
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	argc -= optind;
	argv += optind;
	ret = EXIT_USAGE;
	if (!have_trust) {
		error_msg("give --cert or --ca: what to trust");
		goto out;
	}
	if (argc == 2) {
		image = argv[0];
		sigpath = argv[1];
	} else if (argc == 1 && digest_arg) {
		sigpath = argv[0];
	} else {
		usage(stderr);
		goto out;
	}
	if (digest_arg) {
		if (eseal_digest_parse(digest_arg, &d, &err)) {
			report("verify", &err);
			goto out;
		}
		if (alg && alg != d.alg) {
			error_msg("--hash does not match the --digest");
			goto out;
		}
	}
	if (eseal_signature_read(sigpath, &sig, &sig_len, &err)) {
		ret = finish(json, ESEAL_VERIFY_ERROR, image, digest_arg ?
			     digest_arg : "", &info, &err);
		goto out;
	}
	/* fsverity sign uses one algorithm for both: follow the signature */
	if (!alg && !digest_arg)
		alg = eseal_signature_hash_alg(sig, sig_len);
	if (image) {
		if (sign_image_digest(image, digest_arg ? d.alg :
						alg ? alg : ESEAL_HASH_SHA256,
				      &img, &err)) {
			ret = finish(json, ESEAL_VERIFY_ERROR, image, "",
				     &info, &err);
			goto out;
		}
		if (digest_arg && memcmp(img.bytes, d.bytes, d.size)) {
			snprintf(err.msg, sizeof(err.msg),
				 "the image's digest is not the --digest given");
			ret = finish(json, ESEAL_VERIFY_BAD, image, digest_arg,
				     &info, &err);
			goto out;
		}
		d = img;
	}
	eseal_digest_hex(&d, hex);
	snprintf(dstr, sizeof(dstr), "%s:%s", eseal_hash_name(d.alg), hex);
	ret = eseal_verify_digest(t, &d, sig, sig_len, &info, &err);
	cls = eseal_verify_class(ret);
	if (ret && !err.msg[0])
		snprintf(err.msg, sizeof(err.msg), "%s", strerror(-ret));
	ret = finish(json, cls, image, dstr, &info, &err);
	if (cls == ESEAL_VERIFY_OK && !json && !quiet)
		printf("%s: good signature by %s (%s, %s) over %s\n",
		       image ? image : sigpath, info.signer, info.key,
		       info.hash, dstr);
out:
	free(sig);
	eseal_trust_free(t);
	return ret;
}
