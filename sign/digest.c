// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal digest: print the fs-verity digest of files, in the format of
 * fsverity-utils' "fsverity digest" ("sha256:<hex> FILE"), so that either
 * tool can check the other.
 */
#include "cli.h"

int cmd_digest(int argc, char **argv)
{
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int alg = ESEAL_HASH_SHA256;
	const struct cli_opt opts[] = {
		{ .name = "hash", .alias = "hash-alg", .kind = CLI_HASH,
		  .ptr = &alg, .arg = "ALG",
		  .help = "sha256 (default) or sha512" },
		{ 0 },
	};
	int i, ret, status = 0;

	i = cli_parse(argc, argv, opts);
	if (i >= argc)
		usage_error("no file given");
	for (; i < argc; i++) {
		struct eseal_error err = { 0 };
		struct eseal_digest d;

		ret = file_digest(argv[i], alg, &d, &err);
		if (ret < 0) {
			status = fail(ret, &err);
			continue;
		}
		eseal_digest_hex(&d, hex);
		printf("%s:%s %s\n", eseal_hash_name(alg), hex, argv[i]);
	}
	return finish_stdout(status);
}
