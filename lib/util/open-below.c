// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Open a path below a directory fd without following a symlink, whatever
 * the path's length (files.h): the one home of that rule for the scanner,
 * the object store and the FUSE server.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"

/* errno kept across close() */
static void close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/*
 * One component at a time (rel neither absolute nor with ".."): each
 * directory on the way opened O_PATH | O_NOFOLLOW and checked to be a
 * directory, the last component opened O_NOFOLLOW (and, for an O_PATH
 * open, checked not to be the symlink itself).
 */
static int walk_below(int dirfd, const char *rel, int flags)
{
	const char *p = rel, *slash;
	char comp[NAME_MAX + 1];
	int fd = -1, dfd = dirfd;
	struct stat st;
	size_t len;

	if (!*rel) {
		errno = ENOENT;
		return -1;
	}
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len >= sizeof(comp)) {
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, len ? p : ".", len ? len : 1);
		comp[len ? len : 1] = '\0';
		if (!slash)
			break;
		fd = openat(dfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			goto out;
		st.st_mode = S_IFDIR;	/* a failed fstat keeps its errno */
		if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			if (!S_ISDIR(st.st_mode))
				errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
			close_keep_errno(fd);
			fd = -1;
			goto out;
		}
		if (dfd != dirfd)
			close(dfd);
		dfd = fd;
		fd = -1;
		p = slash + 1;
	}
	fd = openat(dfd, comp, flags | O_NOFOLLOW);
	if (fd >= 0 && (flags & O_PATH) && !(flags & O_NOFOLLOW)) {
		/* O_PATH | O_NOFOLLOW opens a symlink itself */
		st.st_mode = 0;
		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			if (S_ISLNK(st.st_mode))
				errno = ELOOP;
			close_keep_errno(fd);
			fd = -1;
		}
	}
out:
	if (dfd != dirfd)
		close_keep_errno(dfd);
	return fd;
}

/* Whether rel is absolute or has a ".." component */
static bool leaves(const char *rel)
{
	const char *p;

	if (*rel == '/')
		return true;
	for (p = rel; (p = strstr(p, "..")); p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}

int eseal_open_below(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	/* what openat() ignores with O_PATH, openat2() refuses */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.flags = (uint64_t)flags;

	/* the same answer from openat2() (which allows a ".." that stays
	 * below) and from the walk */
	if (leaves(rel)) {
		errno = EXDEV;
		return -1;
	}
	if (strlen(rel) < PATH_MAX) {
		do
			fd = (int)syscall(SYS_openat2, dirfd, rel, &how,
					  sizeof(how));
		while (fd < 0 && errno == EINTR);
		/*
		 * else a kernel before 5.6, or a seccomp filter of its time
		 * (which may answer EPERM): the walk gives the same answers
		 */
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd;
	}
	return walk_below(dirfd, rel, flags);
}
