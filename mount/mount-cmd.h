/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Shared by mount/mount.c and mount/mount-fuse.c.
 */
#ifndef ESEAL_CMD_MOUNT_H
#define ESEAL_CMD_MOUNT_H

#include <stdbool.h>

#include "erofs-seal.h"

/* What was mounted and how it was checked; pid: the FUSE server, or 0 */
void mount_print_result(const char *image, const char *target,
			const struct eseal_mount_result *res, long pid,
			bool json, bool quiet);

/*
 * Mount with a verifying FUSE server and serve: in this process with
 * foreground, else in a detached child (this process prints the result
 * and exits 0 once the mount is up).  Returns the exit status.
 */
int mount_fuse(const char *image, const char *target,
	       const struct eseal_mount_opts *o, bool foreground, bool json,
	       bool quiet);

#endif /* ESEAL_CMD_MOUNT_H */
