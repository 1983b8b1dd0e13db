// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * What sign and verify share: their operands ("IMAGE SIG", or "SIG" with
 * --digest) and the digest of IMAGE they work on.
 */
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
