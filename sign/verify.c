// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal verify: check an image's signature with the kernel's rules.
 * Exit codes: 0 valid and trusted, 1 bad signature, 2 usage, 3 untrusted
 * signer, 4 cannot read an input.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The outcome, as JSON and/or a message; returns the exit code. */
static int finish(bool json, enum eseal_verify_class cls, const char *image,
		  const char *digest, const struct eseal_sig_info *info,
		  const char *why)
{
	struct json j;

	if (json) {
		json_begin(&j, stdout);
		json_bool(&j, "valid", cls == ESEAL_VERIFY_OK);
		json_str(&j, "result", verify_result_name(cls));
		json_str(&j, "image", image ? image : "");
		json_str(&j, "digest", digest);
		json_str(&j, "signer", info->signer);
		json_str(&j, "issuer", info->issuer);
		json_str(&j, "serial", info->serial);
		json_str(&j, "key", info->key);
		json_str(&j, "hash", info->hash);
		json_uint(&j, "signers", info->n_signers);
		json_bool(&j, "authenticated_attributes", info->authattrs);
		json_str(&j, "error", cls == ESEAL_VERIFY_OK ? "" : why);
		json_end(&j);
	}
	if (cls != ESEAL_VERIFY_OK && !image && !*digest)
		error_msg("%s", why);
	else if (cls != ESEAL_VERIFY_OK)
		error_msg("%s%s%s: %s", image ? image : digest,
			  cls == ESEAL_VERIFY_BAD ? ": bad signature" : "",
			  cls == ESEAL_VERIFY_UNTRUSTED ? ": untrusted signer" :
							  "",
			  why);
	return finish_stdout(verify_exit(cls));
}

int cmd_verify(int argc, char **argv)
{
	struct cli_list certs = { 0 }, cas = { 0 };
	struct eseal_sig_info info = ESEAL_SIG_INFO_INIT;
	struct eseal_error err = { 0 };
	struct eseal_trust *t = NULL;
	struct eseal_digest d, img;
	const char *digest_arg = NULL, *image, *sigpath;
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	char dstr[2 * ESEAL_DIGEST_MAX + 16] = "";
	bool json = false, quiet = false;
	enum eseal_verify_class cls;
	uint8_t *sig = NULL;
	size_t sig_len;
	int alg = 0, ret;
	const struct cli_opt opts[] = {
		{ .name = "cert", .kind = CLI_LIST, .ptr = &certs, .arg = "CERT",
		  .help = "trust this signer certificate (PEM/DER), as a key\n"
			  "in the kernel's keyring: no chain, no dates" },
		{ .name = "ca", .kind = CLI_LIST, .ptr = &cas, .arg = "BUNDLE",
		  .help = "trust signers whose certificate (from --cert, the\n"
			  "bundle or the signature) chains to a CA in BUNDLE\n"
			  "now, with keyUsage digitalSignature" },
		{ .name = "digest", .kind = CLI_STRING, .ptr = &digest_arg,
		  .arg = "ALG:HEX",
		  .help = "the signed fs-verity digest (IMAGE optional; if\n"
			  "given, it must have this digest)" },
		{ .name = "hash", .alias = "hash-alg", .kind = CLI_HASH,
		  .ptr = &alg, .arg = "ALG",
		  .help = "fs-verity hash of IMAGE: sha256 or sha512\n"
			  "(default: the signature's digest algorithm)" },
		{ .name = "json", .kind = CLI_BOOL, .ptr = &json,
		  .help = "print the result as one JSON object" },
		{ .name = "quiet", .short_name = 'q', .kind = CLI_BOOL,
		  .ptr = &quiet, .help = "print nothing on success" },
		{ 0 },
	};

	ret = cli_parse(argc, argv, opts);
	if (!certs.n && !cas.n)
		usage_error("give --cert or --ca: what to trust");
	image_sig_operands(argc - ret, argv + ret, digest_arg, alg, &image,
			   &sigpath, &d);
	t = trust_load(&certs, &cas, &err, &ret);
	if (!t)
		return finish(json, ESEAL_VERIFY_ERROR, NULL, "", &info,
			      error_text(ret, &err));
	ret = eseal_signature_read(sigpath, &sig, &sig_len, &err);
	if (ret) {
		ret = finish(json, ESEAL_VERIFY_ERROR, image,
			     digest_arg ? digest_arg : "", &info,
			     error_text(ret, &err));
		goto out;
	}
	/* fsverity sign uses one algorithm for both: follow the signature */
	if (!alg && !digest_arg)
		alg = eseal_signature_hash_alg(sig, sig_len);
	if (image) {
		ret = image_digest(image, digest_arg ? &d : NULL, alg, &img,
				   &err);
		if (ret) {
			ret = finish(json, ESEAL_VERIFY_ERROR, image, "", &info,
				     error_text(ret, &err));
			goto out;
		}
		if (digest_arg && memcmp(img.bytes, d.bytes, d.size)) {
			ret = finish(json, ESEAL_VERIFY_BAD, image, digest_arg,
				     &info,
				     "the image's digest is not the --digest given");
			goto out;
		}
		d = img;
	}
	eseal_digest_hex(&d, hex);
	snprintf(dstr, sizeof(dstr), "%s:%s", eseal_hash_name(d.alg), hex);
	ret = eseal_verify_digest(t, &d, sig, sig_len, &info, &err);
	cls = eseal_verify_class(ret);
	if (cls == ESEAL_VERIFY_OK && !json && !quiet)
		printf("%s: good signature by %s (%s, %s) over %s\n",
		       image ? image : sigpath, info.signer, info.key,
		       info.hash, dstr);
	ret = finish(json, cls, image, dstr, &info, error_text(ret, &err));
out:
	free(sig);
	eseal_trust_free(t);
	return ret;
}
