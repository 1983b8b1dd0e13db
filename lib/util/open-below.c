// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Opening a path below a directory fd (files.h): whatever its length
 * (eseal_open_below), or never leaving the directory nor following a
 * symlink (eseal_open_beneath).  Both walk a component at a time when
 * they must, with the one loop below.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"

/*
 * rel below dirfd a component at a time, each directory on the way
 * opened O_PATH | O_NOFOLLOW (a symlink there is ELOOP), the last
 * component with flags
 */
static int walk(int dirfd, const char *rel, int flags)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	struct stat st;
	int fd, dfd = dirfd, e;

	while ((slash = strchr(p, '/'))) {
		if ((size_t)(slash - p) >= sizeof(comp)) {
			fd = -1;
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		fd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
				       O_CLOEXEC);
		if (fd < 0 && errno == ENOTDIR &&
		    fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			errno = ELOOP;	/* as openat2 says it */
		if (fd < 0)
			goto out;
		if (dfd != dirfd)
			close(dfd);
		dfd = fd;
		p = slash + 1;
	}
	fd = openat(dfd, p, flags);
out:
	e = errno;
	if (dfd != dirfd)
		close(dfd);
	errno = e;
	return fd;
}

int eseal_open_below(int dirfd, char *rel, int flags)
{
	if (strlen(rel) < PATH_MAX)
		return openat(dirfd, rel, flags);
	return walk(dirfd, rel, flags);
}

/*
 * An absolute path or any ".." component: the walk refuses what
 * RESOLVE_BENEATH refuses, and the ".." that would stay below as well
 */
static bool escapes(const char *rel)
{
	const char *p = rel;

	if (*p == '/')
		return true;
	for (;;) {
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return true;
		p = strchr(p, '/');
		if (!p)
			return false;
		p++;
	}
}

int eseal_open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned int)(flags | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	/* no openat2 here (before 5.6, or a seccomp filter): walk */
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	if (escapes(rel)) {
		errno = EXDEV;
		return -1;
	}
	return walk(dirfd, rel, flags | O_NOFOLLOW);
}
