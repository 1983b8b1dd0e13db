/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Files below a directory fd: opening a relative path of any length
 * (lib/util/open-below.c).
 */
#ifndef ESEAL_FILES_H
#define ESEAL_FILES_H

/*
 * openat() for relative paths of any length: one that does not fit
 * PATH_MAX is walked a component at a time, each directory on the way
 * opened with O_NOFOLLOW (rel is modified meanwhile and restored).
 * Returns the fd, or -1 and errno.
 */
int eseal_open_below(int dirfd, char *rel, int flags);

#endif /* ESEAL_FILES_H */
