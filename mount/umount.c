// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * erofs-seal umount: take down an overlay made by "erofs-seal mount" and
 * the EROFS layer under it, or a FUSE mount of "erofs-seal mount --fuse".
 */
#include "cli.h"

int cmd_umount(int argc, char **argv)
{
	struct eseal_error err = { 0 };
	char layer[ESEAL_PATH_MAX];
	const char *rundir = NULL;
	unsigned int flags = 0;
	bool verbose = false;
	const struct cli_opt opts[] = {
		{ .name = "lazy", .short_name = 'l', .kind = CLI_FLAG,
		  .ptr = &flags, .flag = ESEAL_UMOUNT_LAZY,
		  .help = "detach even if busy (MNT_DETACH)" },
		{ .name = "rundir", .kind = CLI_STRING, .ptr = &rundir,
		  .arg = "DIR",
		  .help = "where EROFS layers are mounted\n"
			  "(default " ESEAL_MOUNT_RUNDIR ")" },
		{ .name = "verbose", .short_name = 'v', .kind = CLI_BOOL,
		  .ptr = &verbose, .help = "say what was unmounted" },
		{ 0 },
	};
	int i, ret;

	i = cli_parse(argc, argv, opts);
	if (argc - i != 1)
		usage_error("expected MOUNTPOINT");
	ret = eseal_umount(argv[i], rundir, flags, layer, sizeof(layer), &err);
	if (ret)
		return fail(ret, &err);
	if (verbose && layer[0])
		printf("%s: unmounted (EROFS layer %s)\n", argv[i], layer);
	else if (verbose)
		printf("%s: unmounted (FUSE)\n", argv[i]);
	return finish_stdout(0);
}
