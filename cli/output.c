// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Atomic output files for the commands (mkimage's IMAGE, sign's SIG).
 *
 * The bytes go to an unnamed O_TMPFILE in the target's directory (or, where
 * the filesystem has none, a short-named temporary file), are fsynced, and
 * only then get the target's name: a failure or kill -9 while writing leaves
 * the old file (or none) and, with O_TMPFILE, no stray temporary file.  A
 * target that exists must be a regular file: a device, FIFO, socket,
 * directory or symlink there is refused and left untouched, as is a target
 * that is one of the command's inputs (same device and inode).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char *output_name(const struct output *o)
{
	return o->fd == STDOUT_FILENO && o->dirfd < 0 ? "standard output" :
							 o->path;
}

/* Refuse a target that exists and is not a regular file. */
static bool target_replaceable(const struct output *o, struct stat *st,
			       bool *exists)
{
	*exists = false;
	if (fstatat(o->dirfd, o->base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return true;
		error_msg("%s: %s", o->path, strerror(errno));
		return false;
	}
	*exists = true;
	if (S_ISREG(st->st_mode))
		return true;
	error_msg("%s: is %s; refusing to replace it (only a regular file is replaced)",
		  o->path, eseal_file_type_name(st->st_mode));
	return false;
}

/* A short random name, so that any target name up to NAME_MAX works */
static void temp_name(char tmp[OUTPUT_TMP_SIZE])
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	static const char prefix[] = ".erofs-seal.";
	const size_t n = sizeof(prefix) - 1;
	unsigned char rnd[6];
	size_t i;

	_Static_assert(sizeof(prefix) + sizeof(rnd) <= OUTPUT_TMP_SIZE,
		       "temporary name fits");
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)rand();
	memcpy(tmp, prefix, n);
	for (i = 0; i < sizeof(rnd); i++)
		tmp[n + i] = chars[rnd[i] % (sizeof(chars) - 1)];
	tmp[n + sizeof(rnd)] = '\0';
}

static int create_temp(struct output *o)
{
	int fd, i;

	fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
			errno != EINVAL))
		return fd;
	/* no O_TMPFILE on this filesystem: a named temporary file */
	for (i = 0; i < 100; i++) {
		temp_name(o->tmp);
		fd = openat(o->dirfd, o->tmp,
			    O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
				    O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		o->tmp[0] = '\0';
	return fd;
}

bool output_open(struct output *o, const char *path, unsigned int flags,
		 const char *const *inputs, size_t n_inputs)
{
	const char *slash = strrchr(path, '/');
	struct stat st, in;
	bool exists;
	char *dir;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
	o->dirfd = -1;
	if ((flags & OUTPUT_STDOUT_OK) && !strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return true;
	}
	o->base = slash ? slash + 1 : path;
	if (!*o->base || !strcmp(o->base, ".") || !strcmp(o->base, "..")) {
		error_msg("%s: names a directory, not a file", path);
		return false;
	}
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, slash - path);
	if (!dir) {
		error_msg("out of memory");
		return false;
	}
	o->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0) {
		error_msg("%s: cannot open its directory %s: %s", path, dir,
			  strerror(errno));
		free(dir);
		return false;
	}
	if (!target_replaceable(o, &st, &exists))
		goto fail;
	for (i = 0; exists && i < n_inputs; i++) {
		if (!inputs[i] || stat(inputs[i], &in) < 0)
			continue;
		if (in.st_dev == st.st_dev && in.st_ino == st.st_ino) {
			error_msg("%s: is the same file as the input %s; refusing to overwrite it",
				  path, inputs[i]);
			goto fail;
		}
	}
	o->fd = create_temp(o);
	if (o->fd < 0) {
		error_msg("%s: cannot create a temporary file in %s: %s", path,
			  dir, strerror(errno));
		goto fail;
	}
	free(dir);
	return true;
fail:
	free(dir);
	close(o->dirfd);
	o->dirfd = -1;
	return false;
}

bool output_write(struct output *o, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(o->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error_msg("%s: write failed: %s", output_name(o),
				  strerror(n < 0 ? errno : EIO));
			return false;
		}
		p += n;
		len -= n;
	}
	return true;
}

/* Give the O_TMPFILE the name 'name' in the target's directory. */
static int link_tmpfile(const struct output *o, const char *name)
{
	char proc[64];

	if (linkat(o->fd, "", o->dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -1;
	/* without CAP_DAC_READ_SEARCH: through /proc */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	return linkat(AT_FDCWD, proc, o->dirfd, name, AT_SYMLINK_FOLLOW);
}

static bool publish(struct output *o)
{
	int i;

	if (!o->tmp[0]) {
		/* a new name: link it directly, there is nothing to replace */
		if (link_tmpfile(o, o->base) == 0)
			return true;
		if (errno != EEXIST)
			return false;
		/* replacing a file: link under a temporary name, rename */
		for (i = 0; i < 100; i++) {
			temp_name(o->tmp);
			if (link_tmpfile(o, o->tmp) == 0)
				break;
			if (errno != EEXIST) {
				o->tmp[0] = '\0';
				return false;
			}
		}
		if (i == 100) {
			o->tmp[0] = '\0';
			return false;
		}
	}
	if (renameat(o->dirfd, o->tmp, o->dirfd, o->base) < 0)
		return false;
	o->tmp[0] = '\0';
	return true;
}

bool output_commit(struct output *o)
{
	struct stat st;
	mode_t mask;
	bool exists;
	int dfd;

	if (o->dirfd < 0)
		return true;	/* stdout: the caller flushes */
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0 || fsync(o->fd) < 0) {
		error_msg("%s: %s", o->path, strerror(errno));
		goto fail;
	}
	/* it may have been replaced by something else meanwhile */
	if (!target_replaceable(o, &st, &exists))
		goto fail;
	if (!publish(o)) {
		error_msg("%s: cannot put the new file in place: %s", o->path,
			  strerror(errno));
		goto fail;
	}
	close(o->fd);
	o->fd = -1;
	/* make the new name durable too; a directory we cannot read is fine */
	dfd = openat(o->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	close(o->dirfd);
	o->dirfd = -1;
	return true;
fail:
	output_abort(o);
	return false;
}

void output_abort(struct output *o)
{
	if (o->dirfd < 0)
		return;		/* stdout, or already done */
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlinkat(o->dirfd, o->tmp, 0);
	o->tmp[0] = '\0';
	close(o->dirfd);
	o->dirfd = -1;
}
