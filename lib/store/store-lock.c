// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The store's lock (store-lock.h).  The metadata directory and the lock
 * file are opened without following symlinks, and the lock file must be a
 * regular file (a FIFO planted there is not waited on: O_NONBLOCK).  Both
 * are made readable by everyone, since a flock needs only a read-only fd:
 * the writers of a store shared by several users all take the same lock.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-lock.h"
#include "store-open.h"
#include "store-walk.h"

#define META_MODE 0755
#define LOCK_MODE 0644
#define LOCK_NAME "lock"

static bool permission_error(int e)
{
	return e == EACCES || e == EPERM || e == EROFS;
}

int eseal_store_meta_open(int store_fd, const char *store, bool quiet_perm,
			  struct eseal_error *err)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd, e;

	fd = openat(store_fd, ESEAL_STORE_META, flags);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(store_fd, ESEAL_STORE_META, META_MODE) == 0) {
			fd = openat(store_fd, ESEAL_STORE_META, flags);
			/* whatever the umask: other writers lock it too */
			if (fd >= 0)
				fchmod(fd, META_MODE);
		} else if (errno == EEXIST) {
			fd = openat(store_fd, ESEAL_STORE_META, flags);
		}
	}
	if (fd >= 0)
		return fd;
	e = errno;
	if ((e == ELOOP || e == ENOTDIR) &&
	    fstatat(store_fd, ESEAL_STORE_META, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode))
		return eseal_store_entry_error(err, store, ESEAL_STORE_META,
					 sizeof(ESEAL_STORE_META) - 1,
					 st.st_mode, "a directory");
	if (quiet_perm && permission_error(e))
		return -e;
	return eseal_syserrorf(err, e, "%s/%s", store, ESEAL_STORE_META);
}

/* The lock file, created when missing: an fd, or -errno */
static int open_lock_file(int meta_fd, const char *store, bool quiet_perm,
			  struct eseal_error *err)
{
	const int flags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct stat st;
	int fd, e;

	fd = openat(meta_fd, LOCK_NAME, O_RDWR | O_CREAT | flags, LOCK_MODE);
	if (fd < 0 && permission_error(errno))
		fd = openat(meta_fd, LOCK_NAME, O_RDONLY | flags);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP &&
		    fstatat(meta_fd, LOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return eseal_store_entry_error(err, store, ESEAL_STORE_LOCK,
						 sizeof(ESEAL_STORE_LOCK) - 1,
						 st.st_mode, "a regular file");
		if (quiet_perm && (permission_error(e) || e == ENOENT))
			return -e;
		return eseal_syserrorf(err, e, "%s/%s", store,
				       ESEAL_STORE_LOCK);
	}
	if (fstat(fd, &st) < 0) {
		e = eseal_syserrorf(err, errno, "%s/%s", store,
				    ESEAL_STORE_LOCK);
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return eseal_store_entry_error(err, store, ESEAL_STORE_LOCK,
					 sizeof(ESEAL_STORE_LOCK) - 1,
					 st.st_mode, "a regular file");
	}
	if (st.st_uid == geteuid() && (st.st_mode & 07777) != LOCK_MODE)
		fchmod(fd, LOCK_MODE);
	return fd;
}

int eseal_store_lock(int store_fd, const char *store, unsigned int flags,
		     const char *who, int *lock_fd, struct eseal_error *err)
{
	bool optional = flags & STORE_LOCK_OPTIONAL;
	int op = (flags & STORE_LOCK_EXCLUSIVE) ? LOCK_EX : LOCK_SH;
	int meta, fd, r;

	*lock_fd = -1;
	meta = eseal_store_meta_open(store_fd, store, optional, err);
	if (meta < 0)
		return optional && permission_error(-meta) ? 0 : meta;
	fd = open_lock_file(meta, store, optional, err);
	close(meta);
	if (fd < 0)
		return optional && (permission_error(-fd) || fd == -ENOENT) ?
			       0 : fd;
	if (flags & STORE_LOCK_NO_WAIT)
		op |= LOCK_NB;
	while ((r = flock(fd, op)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = errno;
		close(fd);
		if (r == EWOULDBLOCK)
			return eseal_errorf(err, EWOULDBLOCK,
					    "%s is locked by %s (%s)", store,
					    who, ESEAL_STORE_LOCK);
		return eseal_syserrorf(err, r, "%s/%s: cannot lock", store,
				       ESEAL_STORE_LOCK);
	}
	*lock_fd = fd;
	return 0;
}
