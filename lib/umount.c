// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_umount(): take down an overlay made by eseal_mount() and the EROFS
 * layer under the run directory that it stacks on.  The layer is found in
 * the overlay's options in /proc/self/mountinfo, so no state is kept.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mount-sys.h"

/* The first lower layer named in an overlay's options, or false */
static bool first_lower(const char *opts, char *buf, size_t size)
{
	char *sep;

	if (eseal_mnt_opt(opts, "lowerdir+", buf, size))
		return true;
	if (!eseal_mnt_opt(opts, "lowerdir", buf, size))
		return false;
	/* legacy "A:B" or "A::B": unescaped ':' ends the first layer */
	for (sep = buf; *sep; sep++) {
		if (*sep == '\\' && sep[1]) {
			memmove(sep, sep + 1, strlen(sep));
			continue;
		}
		if (*sep == ':') {
			*sep = '\0';
			break;
		}
	}
	return true;
}

/* Whether path is a direct child of dir */
static bool in_rundir(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && path[n] == '/' && path[n + 1] &&
	       !strchr(path + n + 1, '/');
}

static int umount_layer(const char *layer, int mflags, char *layer_out,
			struct eseal_error *err)
{
	if (umount2(layer, mflags))
		return eseal_syserrorf(err, errno, "unmount EROFS layer %s",
				       layer);
	if (rmdir(layer))
		return eseal_syserrorf(err, errno, "remove %s", layer);
	if (layer_out)
		snprintf(layer_out, ESEAL_PATH_MAX, "%s", layer);
	return 0;
}

int eseal_umount(const char *mountpoint, const char *rundir, unsigned int flags,
		 char *layer_out, struct eseal_error *err)
{
	char target[PATH_MAX], layer[PATH_MAX], rd[PATH_MAX];
	struct eseal_mnt_table t;
	const struct eseal_mnt *m;
	int mflags = (flags & ESEAL_UMOUNT_LAZY) ? MNT_DETACH : 0;
	int r;

	if (!rundir)
		rundir = ESEAL_MOUNT_RUNDIR;
	if (!realpath(mountpoint, target))
		return eseal_syserrorf(err, errno, "%s", mountpoint);
	if (!realpath(rundir, rd))
		snprintf(rd, sizeof(rd), "%s", rundir);
	r = eseal_mnt_table_read(&t, err);
	if (r)
		return r;
	m = eseal_mnt_find(&t, target);
	if (!m) {
		eseal_mnt_table_free(&t);
		return eseal_errorf(err, EINVAL, "%s: not mounted", target);
	}
	if (!strcmp(m->fstype, "erofs") && in_rundir(target, rd)) {
		/* a layer left behind by a plain umount of its overlay */
		eseal_mnt_table_free(&t);
		return umount_layer(target, mflags, layer_out, err);
	}
	/* ours: the first lower layer is under the run directory, or was
	 * under another --rundir and the overlay's source says so */
	if (strcmp(m->fstype, "overlay") ||
	    !first_lower(m->superopts, layer, sizeof(layer)) ||
	    (!in_rundir(layer, rd) &&
	     strcmp(m->source, ESEAL_OVERLAY_SOURCE))) {
		r = eseal_errorf(
			err, EINVAL,
			"%s: not mounted by erofs-seal mount (a %s mount of %s)",
			target, m->fstype, m->source);
		eseal_mnt_table_free(&t);
		return r;
	}
	m = eseal_mnt_find(&t, layer);
	if (!m || strcmp(m->fstype, "erofs")) {
		r = eseal_errorf(err, EINVAL,
				 "%s: its EROFS layer %s is not mounted",
				 target, layer);
		eseal_mnt_table_free(&t);
		return r;
	}
	eseal_mnt_table_free(&t);

	if (umount2(target, mflags))
		return eseal_syserrorf(
			err, errno, "unmount %s%s", target,
			errno == EBUSY ? " (in use; --lazy detaches it)" : "");
	/* with the overlay gone the layer is idle, unless lazily detached */
	return umount_layer(layer, mflags, layer_out, err);
}
