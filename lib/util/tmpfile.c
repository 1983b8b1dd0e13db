// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Temporary files that get their name only when complete (files.h): the
 * one mechanism behind the object store's objects and Merkle tree files,
 * the atomic output files of lib/util/output.c and the mount's private
 * copies of images.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "files.h"

#define TMP_RANDOM 6		/* random characters after the prefix */
#define TMP_TRIES 100

/* prefix + TMP_RANDOM random characters: short, whatever the target */
static void tmp_name(char name[ESEAL_TMPNAME_MAX], const char *prefix)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strnlen(prefix, ESEAL_TMPNAME_MAX - TMP_RANDOM - 1), i;
	unsigned char rnd[TMP_RANDOM];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)rand();
	memcpy(name, prefix, n);
	for (i = 0; i < sizeof(rnd); i++)
		name[n + i] = chars[rnd[i] % (sizeof(chars) - 1)];
	name[n + sizeof(rnd)] = '\0';
}

int eseal_tmpfile_create(struct eseal_tmpfile *t, int dirfd,
			 const char *prefix, int flags, mode_t mode,
			 bool named)
{
	int i;

	t->fd = -1;
	t->dirfd = dirfd;
	t->name[0] = '\0';
	if (!named) {
		t->fd = openat(dirfd, ".", O_TMPFILE | flags | O_CLOEXEC, mode);
		if (t->fd >= 0)
			return 0;
		/* only where the filesystem has no O_TMPFILE: a name */
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -errno;
	}
	for (i = 0; i < TMP_TRIES; i++) {
		tmp_name(t->name, prefix);
		t->fd = openat(dirfd, t->name,
			       O_CREAT | O_EXCL | O_NOFOLLOW | flags | O_CLOEXEC,
			       mode);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	t->name[0] = '\0';
	return -errno;
}

/* linkat() of the file to name in to_dirfd */
static int link_to(const struct eseal_tmpfile *t, int to_dirfd,
		   const char *name)
{
	char proc[64];

	if (t->name[0])
		return linkat(t->dirfd, t->name, to_dirfd, name, 0);
	if (linkat(t->fd, "", to_dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -1;
	/* without CAP_DAC_READ_SEARCH: through /proc */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	return linkat(AT_FDCWD, proc, to_dirfd, name, AT_SYMLINK_FOLLOW);
}

int eseal_tmpfile_link(const struct eseal_tmpfile *t, int to_dirfd,
		       const char *name)
{
	return link_to(t, to_dirfd, name) ? -errno : 0;
}

int eseal_tmpfile_replace(struct eseal_tmpfile *t, const char *name,
			  const char *prefix)
{
	char tmp[ESEAL_TMPNAME_MAX];
	int i;

	if (!t->name[0]) {
		/* a new name: link it directly, there is nothing to replace */
		if (link_to(t, t->dirfd, name) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
		/* replacing a file: link under a temporary name, rename */
		for (i = 0;; i++) {
			tmp_name(tmp, prefix);
			if (link_to(t, t->dirfd, tmp) == 0)
				break;
			if (errno != EEXIST || i == TMP_TRIES - 1)
				return -errno;
		}
		memcpy(t->name, tmp, sizeof(tmp));
	}
	if (renameat(t->dirfd, t->name, t->dirfd, name) < 0)
		return -errno;
	t->name[0] = '\0';
	return 0;
}

int eseal_tmpfile_reopen(const struct eseal_tmpfile *t, int flags)
{
	char proc[64];
	int fd;

	if (t->name[0]) {
		fd = openat(t->dirfd, t->name, flags | O_NOFOLLOW | O_CLOEXEC);
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
		fd = open(proc, flags | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

void eseal_tmpfile_unlink(struct eseal_tmpfile *t)
{
	if (t->name[0])
		unlinkat(t->dirfd, t->name, 0);
	t->name[0] = '\0';
}

void eseal_tmpfile_discard(struct eseal_tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	eseal_tmpfile_unlink(t);
}
