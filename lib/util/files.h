/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Files below a directory fd: opening a relative path of any length
 * without following a symlink (lib/util/open-below.c), and temporary
 * files that get their name only when they are complete
 * (lib/util/tmpfile.c), the one mechanism behind the object store's
 * objects and Merkle tree files, the atomic output files (output.c) and
 * the private copies of images the mount checks.
 */
#ifndef ESEAL_FILES_H
#define ESEAL_FILES_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * openat() of a relative path below dirfd that never follows a symlink,
 * on the way or at the end, and never leaves dirfd (no "..", no absolute
 * path): openat2() with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS.  A path longer than PATH_MAX, or a kernel
 * without openat2(), is walked a component at a time instead, each
 * directory on the way opened O_NOFOLLOW and checked, the last opened
 * with O_NOFOLLOW added.  Not for O_CREAT.  Returns the fd, or -1 and
 * errno: ELOOP for a symlink (an O_PATH | O_NOFOLLOW open gets the
 * symlink itself), EXDEV for a path that leaves dirfd, ENOTDIR, ENOENT...
 */
int eseal_open_below(int dirfd, const char *rel, int flags);

/*
 * The directory of path (as given: symlinks in it are followed), opened
 * with flags | O_DIRECTORY; *base points at path's last component, which
 * must name a file (not "", "." or "..": -EISDIR).  *dir_out, when not
 * NULL, gets the directory's name (free it).  Returns the fd or -errno,
 * with a message naming path.
 */
struct eseal_error;
int eseal_open_parent(const char *path, int flags, const char **base,
		      char **dir_out, struct eseal_error *err);

/*
 * A temporary file in a directory: an unnamed O_TMPFILE, or where the
 * filesystem has none (or the caller asks for it) a file named prefix and
 * 6 random characters, created O_EXCL, never the name of anything else.
 * Until it is linked or renamed under its name, a crash leaves nothing
 * (O_TMPFILE) or only that temporary name.
 */
#define ESEAL_TMPNAME_MAX 32

struct eseal_tmpfile {
	int fd;				/* -1: none */
	int dirfd;			/* its directory (not owned) */
	char name[ESEAL_TMPNAME_MAX];	/* the named fallback, or "" */
};

/*
 * Create it in dirfd, open with flags (O_WRONLY or O_RDWR) and mode;
 * named: skip O_TMPFILE.  t->name says which it became.  Returns 0 or
 * -errno.
 */
int eseal_tmpfile_create(struct eseal_tmpfile *t, int dirfd,
			 const char *prefix, int flags, mode_t mode,
			 bool named);
/*
 * Give the file the name 'name' in to_dirfd, never replacing anything
 * (-EEXIST when taken); it stays a temporary file too, to discard.
 * Without CAP_DAC_READ_SEARCH an O_TMPFILE is linked through /proc.
 * Returns 0 or -errno.
 */
int eseal_tmpfile_link(const struct eseal_tmpfile *t, int to_dirfd,
		       const char *name);
/*
 * Give the file the name 'name' in its own directory, atomically
 * replacing what has that name (an O_TMPFILE is linked under a temporary
 * name with prefix, then renamed).  Returns 0 or -errno.
 */
int eseal_tmpfile_replace(struct eseal_tmpfile *t, const char *name,
			  const char *prefix);
/* Remove its temporary name now: it stays unnamed, as an O_TMPFILE */
void eseal_tmpfile_unlink(struct eseal_tmpfile *t);
/* Another fd of the file, opened with flags: the fd, or -errno */
int eseal_tmpfile_reopen(const struct eseal_tmpfile *t, int flags);
/* Close it and remove its temporary name, if any */
void eseal_tmpfile_discard(struct eseal_tmpfile *t);

#endif /* ESEAL_FILES_H */
