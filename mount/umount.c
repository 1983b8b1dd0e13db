// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal umount: take down an overlay made by "erofs-seal mount" and
 * the EROFS layer under it.
 */
#include <getopt.h>

#include "builtin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: erofs-seal umount [OPTIONS] MOUNTPOINT\n"
		"Unmount an erofs-seal overlay and its EROFS layer (or a layer\n"
		"under the run directory that a plain umount left behind;\n"
		"not one an overlay still stacks on), or a FUSE mount of\n"
		"erofs-seal mount --fuse.\n\n"
		"  -l, --lazy         detach even if busy (MNT_DETACH)\n"
		"  --rundir DIR       where EROFS layers are mounted\n"
		"                     (default " ESEAL_MOUNT_RUNDIR ")\n"
		"  -v, --verbose      say what was unmounted\n");
}

int cmd_umount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ "rundir", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eseal_error err = { 0 };
	char layer[ESEAL_PATH_MAX];
	const char *rundir = NULL;
	unsigned int flags = 0;
	bool verbose = false;
	int c;

	while ((c = getopt_long(argc, argv, "lvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			flags |= ESEAL_UMOUNT_LAZY;
			break;
		case 'R':
			rundir = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (eseal_umount(argv[optind], rundir, flags, layer, &err))
		return report("umount", &err);
	if (verbose && layer[0])
		printf("%s: unmounted (EROFS layer %s)\n", argv[optind], layer);
	else if (verbose)
		printf("%s: unmounted (FUSE)\n", argv[optind]);
	return 0;
}
