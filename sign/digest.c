// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal digest: print the fs-verity digest of files, in the format of
 * fsverity-utils' "fsverity digest" ("sha256:<hex> FILE"), so that either
 * tool can check the other.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal digest [--hash-alg=sha256|sha512] FILE...\n"
		"\n"
		"Print the fs-verity digest of each FILE (4096-byte blocks, no\n"
		"salt) as '<alg>:<hex> FILE', like 'fsverity digest'.\n"
		"\n"
		"  --hash-alg=ALG  sha256 (default) or sha512\n"
		"  -h, --help      show this help\n");
}

int cmd_digest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hash-alg", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char hex[2 * ESEAL_DIGEST_MAX + 1];
	int alg = ESEAL_HASH_SHA256;
	int c, i, status = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			alg = eseal_hash_from_name(optarg);
			if (alg < 0) {
				error_msg("unknown hash algorithm '%s' (use sha256 or sha512)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		error_msg("no file given");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		struct eseal_error err = { 0 };
		struct eseal_digest d;
		int fd;

		fd = eseal_input_open(argv[i], 0, &err);
		if (fd < 0) {
			report("digest", &err);
			status = 1;
			continue;
		}
		if (eseal_fsverity_digest_fd(fd, argv[i], alg, &d, &err) < 0) {
			report("digest", &err);
			status = 1;
		} else {
			eseal_digest_hex(&d, hex);
			printf("%s:%s %s\n", eseal_hash_name(alg), hex,
			       argv[i]);
		}
		close(fd);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_msg("write error on standard output");
		status = 1;
	}
	return status;
}
