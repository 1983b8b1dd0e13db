// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal: dispatch "erofs-seal <command> [args]" to cmd_<command>().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("erofs-seal %s\n", eseal_version());
	return 0;
}

static const struct command commands[] = {
	/* build side (mkimage/) */
	{ "mkimage", cmd_mkimage, "build an image and object store from a tree" },
	{ "info", cmd_info, "inspect images (ls, dump, objects, ...)" },
	/* trust side (sign/) */
	{ "digest", cmd_digest, "print fs-verity digests of files" },
	{ "sign", cmd_sign, "sign an image's fs-verity digest (PKCS#7)" },
	{ "verify", cmd_verify, "verify an image's signature" },
	{ "keyring", cmd_keyring, "add, list, restrict kernel keyring certificates" },
	/* mounting (mount/) */
	{ "mount", cmd_mount, "mount a signed image as a verified overlay" },
	{ "umount", cmd_umount, "unmount an overlay made by mount" },
	{ "version", cmd_version, "print the version" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: erofs-seal <command> [options] [args]\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'erofs-seal <command> --help' shows a command's options.\n");
}

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	size_t i;

	/* mount(8) runs /sbin/mount.erofs-seal, a link to this program */
	base = base ? base + 1 : argv[0];
	if (base && !strcmp(base, "mount.erofs-seal"))
		return cmd_mount_helper(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			progname = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "erofs-seal: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
