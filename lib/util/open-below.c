// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Open a path below a directory fd, whatever its length (files.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

int eseal_open_below(int dirfd, char *rel, int flags)
{
	char *slash, *p = rel;
	int fd, dfd = dirfd, e;

	if (strlen(rel) < PATH_MAX)
		return openat(dirfd, rel, flags);
	/* one component at a time; the path is restored afterwards */
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		fd = openat(dfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW |
				    O_CLOEXEC);
		*slash = '/';
		e = errno;
		if (dfd != dirfd)
			close(dfd);
		errno = e;
		if (fd < 0)
			return -1;
		dfd = fd;
		p = slash + 1;
	}
	fd = openat(dfd, p, flags);
	e = errno;
	if (dfd != dirfd)
		close(dfd);
	errno = e;
	return fd;
}
