/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Taking down a FUSE mount of eseal_fuse_mount() (lib/mount/fuse-umount.c),
 * for eseal_umount().
 */
#ifndef ESEAL_FUSE_UMOUNT_H
#define ESEAL_FUSE_UMOUNT_H

#include "internal.h"

/* mountinfo's file system type of our FUSE mounts */
#define ESEAL_FUSE_SUBTYPE "erofs-seal"
#define ESEAL_FUSE_FSTYPE "fuse." ESEAL_FUSE_SUBTYPE

/*
 * Unmount target (resolved, a mount of type ESEAL_FUSE_FSTYPE): as root
 * with umount2(), else with fusermount3 -u, which lets only the user who
 * mounted it.  ESEAL_UMOUNT_LAZY detaches a busy mount.  The server sees
 * the mount go and exits.
 */
int eseal_fuse_umount(const char *target, unsigned int flags,
		      struct eseal_error *err);

#endif /* ESEAL_FUSE_UMOUNT_H */
