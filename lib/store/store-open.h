/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Opening a path inside an object store, as the readers of a store do:
 * resolved below the store's directory fd, never following a symlink
 * (nor "..", nor a /proc magic link) on the way or at the end.
 */
#ifndef ESEAL_STORE_OPEN_H
#define ESEAL_STORE_OPEN_H

#include <sys/stat.h>

/*
 * openat2() path below store_fd with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
 * | RESOLVE_NO_MAGICLINKS and O_CLOEXEC | O_NOCTTY added to flags.  A
 * read-only open is O_NONBLOCK and checked with fstat: only a regular
 * file is opened (-EINVAL otherwise, -EISDIR for a directory unless
 * O_DIRECTORY was asked for), and *st is filled when non-NULL.  Returns
 * the fd or -errno (-ENOENT, -ELOOP for a symlink, -EXDEV for a path
 * that leaves the store).
 */
int eseal_store_open(int store_fd, const char *path, int flags,
		     struct stat *st);

#endif /* ESEAL_STORE_OPEN_H */
