// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Paths inside an object store, opened and looked up without following
 * anything (store-open.h): what the store's writer (objstore.c), `info
 * missing-objects` (eseal_store_lookup) and the FUSE server read through.
 * The store directory itself is the user's to name, symlink or not
 * (docs/object-store.md); below it, lib/util/open-below.c decides.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "store-open.h"
#include "tree.h"

int eseal_store_open(int store_fd, const char *path, int flags,
		     struct stat *st)
{
	bool check = (flags & O_ACCMODE) == O_RDONLY;
	bool path_only = flags & O_PATH;
	struct stat sbuf;
	int fd, fl;

	flags |= O_CLOEXEC | O_NOCTTY;
	fd = eseal_open_below(store_fd, path,
			      check && !path_only ? flags | O_NONBLOCK : flags);
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
	if (path_only || (flags & O_NONBLOCK))
		return fd;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	fl = -errno;
	close(fd);
	return fl;
}

int eseal_store_entry_error(struct eseal_error *err, const char *store,
			    const char *rel, size_t len, mode_t mode,
			    const char *want)
{
	char esc[ESEAL_ESC_SIZE(256)];

	return eseal_errorf(err, S_ISLNK(mode) ? ELOOP : ENOTDIR,
			    "%s/%s is %s, not %s%s", store,
			    eseal_escape_name(esc, sizeof(esc), rel,
					      MIN(len, (size_t)256)),
			    eseal_file_type_name(mode), want,
			    S_ISLNK(mode) ? " (symlinks in an object store are not followed)" : "");
}

int eseal_store_open_error(int store_fd, const char *store_name,
			   const char *path, int r, struct eseal_error *err)
{
	char prefix[PATH_MAX];
	const char *slash = path;
	size_t len;
	struct stat st;

	if (r == -EXDEV)
		return eseal_errorf(err, EXDEV,
				    "%s/%s: a path that leaves the object store",
				    store_name, path);
	if (r != -ELOOP && r != -ENOTDIR && r != -EINVAL && r != -EISDIR)
		return eseal_syserrorf(err, -r, "%s/%s", store_name, path);
	/* lstat each prefix, for the message only: the open decided */
	for (;;) {
		slash = strchr(slash, '/');
		len = slash ? (size_t)(slash - path) : strlen(path);
		if (len >= sizeof(prefix))
			break;
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		if (fstatat(store_fd, prefix, &st, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		if (slash && !S_ISDIR(st.st_mode))
			return eseal_store_entry_error(err, store_name, path,
						       len, st.st_mode,
						       "a directory");
		if (!slash && !S_ISREG(st.st_mode))
			return eseal_store_entry_error(err, store_name, path,
						       len, st.st_mode,
						       "a regular file");
		if (!slash++)
			break;
	}
	/* changed meanwhile: say what the open said */
	return eseal_syserrorf(err, -r, "%s/%s", store_name, path);
}

int eseal_store_lookup(int store_fd, const char *store_name,
		       const char *payload, struct eseal_error *err)
{
	char esc[ESEAL_ESC_SIZE(64)];
	struct stat st;
	int fd;

	if (!eseal_payload_valid(payload, strlen(payload)))
		return eseal_errorf(err, EINVAL,
				    "object path '%s' is not a path inside the object store",
				    eseal_escape_str(esc, sizeof(esc), payload));
	fd = eseal_store_open(store_fd, payload, O_PATH, &st);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	/* no such name can exist when it is too long */
	if (fd == -ENOENT || fd == -ENAMETOOLONG)
		return 0;
	return eseal_store_open_error(store_fd, store_name, payload, fd, err);
}
