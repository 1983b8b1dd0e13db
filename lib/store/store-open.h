/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Paths inside an object store, as everything that reads or writes a store
 * opens them: resolved below the store's directory fd, never following a
 * symlink (nor "..", nor a /proc magic link) on the way or at the end
 * (eseal_open_below); and the message for an entry that is in the way.
 * eseal_store_lookup() (erofs-seal.h) is built on these.
 */
#ifndef ESEAL_STORE_OPEN_H
#define ESEAL_STORE_OPEN_H

#include <sys/stat.h>

#include "erofs-seal.h"

/*
 * eseal_open_below() path below store_fd with O_CLOEXEC | O_NOCTTY added
 * to flags.  A read-only open (O_PATH too) is checked with fstat, and is
 * O_NONBLOCK meanwhile (so a FIFO never blocks it): only a regular file
 * is opened (-EINVAL otherwise, -EISDIR for a directory, unless
 * O_DIRECTORY was asked for), and *st is filled when non-NULL.  Returns
 * the fd or -errno (-ENOENT, -ELOOP for a symlink, -EXDEV for a path that
 * leaves the store).
 */
int eseal_store_open(int store_fd, const char *path, int flags,
		     struct stat *st);

/*
 * "<store>/<the first len bytes of rel> is <type>, not <want>" (and that
 * symlinks are not followed): -ELOOP for a symlink, else -ENOTDIR.
 */
int eseal_store_entry_error(struct eseal_error *err, const char *store,
			    const char *rel, size_t len, mode_t mode,
			    const char *want);

/*
 * The message for r, what eseal_store_open(store_fd, path) returned: the
 * entry on the way that is not a directory, or the object that is not a
 * regular file, named with eseal_store_entry_error(); a path that leaves
 * the store; else the system error.  Returns the error (negative).
 */
int eseal_store_open_error(int store_fd, const char *store_name,
			   const char *path, int r, struct eseal_error *err);

#endif /* ESEAL_STORE_OPEN_H */
