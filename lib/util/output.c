// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Atomic output files (erofs-seal.h: eseal_output_*), for the commands'
 * IMAGE and SIG and for what the library publishes by path.
 *
 * The bytes go to a temporary file in the target's directory (files.h: an
 * unnamed O_TMPFILE, or where the filesystem has none a short-named file),
 * are fsynced, and only then get the target's name; the directory is
 * fsynced after.  A failure or kill -9 while writing leaves the old file
 * (or none) and, with O_TMPFILE, no stray temporary file.  A target that
 * exists must be a regular file: a device, FIFO, socket, directory or
 * symlink there is refused and left untouched, as is a target that is one
 * of the caller's inputs (same device and inode).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"

#define TMP_PREFIX ".erofs-seal."

struct eseal_output {
	char *path;			/* as given */
	const char *base;		/* its last component */
	char *dir;			/* the rest: its directory */
	int dirfd;			/* O_PATH fd of that */
	struct eseal_tmpfile t;		/* fd -1 once committed */
};

/* Refuse a target that exists and is not a regular file. */
static int target_replaceable(const struct eseal_output *o, struct stat *st,
			      bool *exists, struct eseal_error *err)
{
	*exists = false;
	if (fstatat(o->dirfd, o->base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return eseal_syserrorf(err, errno, "%s", o->path);
	}
	*exists = true;
	if (S_ISREG(st->st_mode))
		return 0;
	return eseal_errorf(err, S_ISDIR(st->st_mode) ? EISDIR : EEXIST,
			    "%s: is %s; refusing to replace it (only a regular file is replaced)",
			    o->path, eseal_file_type_name(st->st_mode));
}

/* Refuse a target that is one of the inputs. */
static int not_an_input(const struct eseal_output *o, const struct stat *st,
			const char *const *inputs, size_t n_inputs,
			struct eseal_error *err)
{
	struct stat in;
	size_t i;

	for (i = 0; i < n_inputs; i++) {
		if (!inputs[i] || stat(inputs[i], &in) < 0)
			continue;
		if (in.st_dev == st->st_dev && in.st_ino == st->st_ino)
			return eseal_errorf(err, EINVAL,
					    "%s: is the same file as the input %s; refusing to overwrite it",
					    o->path, inputs[i]);
	}
	return 0;
}

int eseal_open_parent(const char *path, int flags, const char **base,
		      char **dir_out, struct eseal_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (dir_out)
		*dir_out = NULL;
	*base = slash ? slash + 1 : path;
	if (!**base || !strcmp(*base, ".") || !strcmp(*base, ".."))
		return eseal_errorf(err, EISDIR,
				    "%s: names a directory, not a file", path);
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return eseal_errorf(err, ENOMEM, "out of memory");
	fd = open(dir, flags | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = eseal_syserrorf(err, errno,
				     "%s: cannot open its directory %s", path,
				     dir);
		free(dir);
		return fd;
	}
	if (dir_out)
		*dir_out = dir;
	else
		free(dir);
	return fd;
}

/* The directory of o->path, opened O_PATH; o->base set */
static int open_dir(struct eseal_output *o, struct eseal_error *err)
{
	o->dirfd = eseal_open_parent(o->path, O_PATH, &o->base, &o->dir, err);
	return o->dirfd < 0 ? o->dirfd : 0;
}

int eseal_output_open(const char *path, unsigned int flags,
		      const char *const *inputs, size_t n_inputs,
		      struct eseal_output **out, struct eseal_error *err)
{
	struct eseal_output *o;
	struct stat st;
	bool exists;
	int r;

	*out = NULL;
	if (!path || !*path)
		return eseal_errorf(err, EINVAL, "empty output path");
	if (flags)
		return eseal_errorf(err, EINVAL, "%s: unknown output flags %#x",
				    path, flags);
	o = calloc(1, sizeof(*o));
	if (!o || !(o->path = strdup(path))) {
		free(o);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	o->dirfd = -1;
	o->t.fd = -1;
	r = open_dir(o, err);
	if (!r)
		r = target_replaceable(o, &st, &exists, err);
	if (!r && exists)
		r = not_an_input(o, &st, inputs, n_inputs, err);
	if (!r) {
		r = eseal_tmpfile_create(&o->t, o->dirfd, TMP_PREFIX, O_WRONLY,
					 0600, false);
		if (r)
			eseal_syserrorf(err, -r,
					"%s: cannot create a temporary file in %s",
					o->path, o->dir);
	}
	if (r) {
		eseal_output_free(o);
		return r;
	}
	*out = o;
	return 0;
}

int eseal_output_fd(const struct eseal_output *o)
{
	return o->t.fd;
}

int eseal_output_write(struct eseal_output *o, const void *buf, size_t len,
		       struct eseal_error *err)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(o->t.fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return eseal_syserrorf(err, n < 0 ? errno : EIO,
					       "%s: write failed", o->path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int eseal_output_commit(struct eseal_output *o, struct eseal_error *err)
{
	struct stat st;
	mode_t mask;
	bool exists;
	int r, dfd;

	if (o->t.fd < 0)
		return eseal_errorf(err, EINVAL, "%s: committed already",
				    o->path);
	mask = umask(0);
	umask(mask);
	if (fchmod(o->t.fd, 0666 & ~mask) < 0 || fsync(o->t.fd) < 0)
		return eseal_syserrorf(err, errno, "%s", o->path);
	/* it may have been replaced by something else meanwhile */
	r = target_replaceable(o, &st, &exists, err);
	if (r)
		return r;
	r = eseal_tmpfile_replace(&o->t, o->base, TMP_PREFIX);
	if (r)
		return eseal_syserrorf(err, -r,
				       "%s: cannot put the new file in place",
				       o->path);
	eseal_tmpfile_discard(&o->t);	/* closes it: the name stays */
	/* make the new name durable too; a directory we cannot read is fine */
	dfd = openat(o->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void eseal_output_free(struct eseal_output *o)
{
	if (!o)
		return;
	eseal_tmpfile_discard(&o->t);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->dir);
	free(o->path);
	free(o);
}
