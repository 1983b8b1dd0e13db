/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The state of one eseal_mount() call, shared by lib/mount*.c.
 */
#ifndef ESEAL_MOUNT_H
#define ESEAL_MOUNT_H

#include <limits.h>
#include <sys/types.h>

#include "mount-sys.h"

struct mstate {
	const struct eseal_mount_opts *o;
	struct eseal_mount_result *res;
	struct eseal_mount_features feat;
	const char *image; /* as given, for messages */
	char target[PATH_MAX]; /* mount point, resolved */
	char layer[PATH_MAX]; /* where the EROFS layer is mounted */
	char **basedirs; /* resolved object stores */
	size_t n_basedirs;
	const char *rundir, *privdir;
	char run[PATH_MAX]; /* the run directory, resolved */
	const char *upperdir, *workdir; /* resolved, or NULL */
	char upper[PATH_MAX], work[PATH_MAX];
	struct eseal_trust *trust; /* from --cert/--ca, or NULL */
	int fd; /* the file EROFS will read */
	bool require_sig;
	bool layer_dir, layer_mounted;
};

/* mkdir -p dir; it must be ours and (mode & deny) == 0 */
int eseal_mount_make_dir(const char *what, const char *dir, mode_t deny,
			 struct eseal_error *err);
/*
 * Choose the mode, refuse what needs no digest (the signature's form and
 * signer), then find the digest (copying and hashing the image when it
 * has no fs-verity) and check pin and signature against it.
 */
int eseal_mount_verify(struct mstate *s, struct eseal_error *err);
/* Refuse paths the overlay's option string cannot carry, when it is used */
int eseal_mount_overlay_check(struct mstate *s, struct eseal_error *err);
/* Mount the overlay on s->target */
int eseal_mount_overlay(struct mstate *s, struct eseal_error *err);

#endif /* ESEAL_MOUNT_H */
