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
	const uint8_t *buf; /* or the image in memory (FUSE), checked here */
	size_t buf_len;
	bool require_sig;
	bool layer_dir, layer_mounted;
};

/*
 * The options, the mount point and the object stores (resolved into
 * s->basedirs), as far as they can be checked without the kernel
 */
int eseal_mount_check_opts(struct mstate *s, struct eseal_error *err);
/* Close and free what the checks resolved and opened (not s itself) */
void eseal_mount_state_release(struct mstate *s);
/*
 * The checks of a public entry point ('what' in messages): opts and res
 * given, of sizes this library knows; *o gets a copy of opts, *full a
 * blank result of this library's size.  0 or -EINVAL.
 */
int eseal_mount_args_in(const char *what, const struct eseal_mount_opts *opts,
			struct eseal_mount_opts *o,
			const struct eseal_mount_result *res,
			struct eseal_mount_result *full,
			struct eseal_error *err);
/* The ESEAL_MISSING_* bits of a checked (and mounted) image */
unsigned int eseal_mount_missing(const struct mstate *s);
/* mkdir -p dir; it must be ours and (mode & deny) == 0 */
int eseal_mount_make_dir(const char *what, const char *dir, mode_t deny,
			 struct eseal_error *err);
/*
 * Choose the mode, refuse what needs no digest (the signature's form and
 * signer), then find the digest (copying and hashing the image when it
 * has no fs-verity; hashing s->buf when set) and check pin and signature
 * against it.
 */
int eseal_mount_verify(struct mstate *s, struct eseal_error *err);
/* Refuse paths the overlay's option string cannot carry, when it is used */
int eseal_mount_overlay_check(struct mstate *s, struct eseal_error *err);
/* Mount the overlay on s->target */
int eseal_mount_overlay(struct mstate *s, struct eseal_error *err);

#endif /* ESEAL_MOUNT_H */
