// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Paths inside an object store, opened without following anything: see
 * store-open.h.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "store-open.h"

int eseal_store_open(int store_fd, const char *path, int flags,
		     struct stat *st)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	bool check = (flags & O_ACCMODE) == O_RDONLY;
	struct stat sbuf;
	int fd, fl;

	if (check)
		how.flags |= O_NONBLOCK;
	do
		fd = (int)syscall(SYS_openat2, store_fd, path, &how,
				  sizeof(how));
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	if (!check)
		return fd;
	if (!st)
		st = &sbuf;
	if (fstat(fd, st) < 0)
		goto fail;
	if (S_ISDIR(st->st_mode) && (flags & O_DIRECTORY))
		return fd;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	fl = fcntl(fd, F_GETFL);
	if (!(flags & O_NONBLOCK) &&
	    (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
		goto fail;
	return fd;
fail:
	fl = -errno;
	close(fd);
	return fl;
}
