// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Walking an object store (store-walk.h): every directory below the
 * store's is opened with O_NOFOLLOW below its parent's fd, and an entry's
 * type comes from readdir (or fstatat without following), so no symlink
 * is ever followed and nothing is opened that the caller does not ask for.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-walk.h"

/* DT_* of a mode */
static unsigned char mode_dtype(mode_t m)
{
	return S_ISREG(m) ? DT_REG : S_ISDIR(m) ? DT_DIR : S_ISLNK(m) ? DT_LNK :
	       S_ISFIFO(m) ? DT_FIFO : S_ISSOCK(m) ? DT_SOCK :
	       S_ISCHR(m) ? DT_CHR : S_ISBLK(m) ? DT_BLK : DT_UNKNOWN;
}

/* The type of entry d of dirfd; DT_UNKNOWN when it is gone */
static unsigned char entry_type(int dirfd, const struct dirent *d)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return d->d_type;
	if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	return mode_dtype(st.st_mode);
}

static bool dot_or_dotdot(const char *n)
{
	return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2]));
}

/*
 * A directory stream of an fd of ours, which stays ours: the stream gets a
 * duplicate, so closedir() leaves fd open.
 */
static DIR *open_stream(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *dir;

	if (dup_fd < 0)
		return NULL;
	dir = fdopendir(dup_fd);
	if (!dir)
		close(dup_fd);
	else
		rewinddir(dir);
	return dir;
}

int store_open_dir(const char *store, struct eseal_error *err)
{
	char esc[ESEAL_ESC_SIZE(64)];
	struct dirent *d;
	unsigned int fan;
	DIR *dir;
	int fd, r = 0;

	if (!store || !*store)
		return eseal_errorf(err, EINVAL, "empty object store path");
	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(err, errno, "%s", store);
	dir = open_stream(fd);
	if (!dir) {
		r = eseal_syserrorf(err, errno, "%s", store);
		close(fd);
		return r;
	}
	errno = 0;
	while ((d = readdir(dir))) {
		if (dot_or_dotdot(d->d_name) ||
		    store_root_kind(d->d_name, &fan) != STORE_ROOT_OTHER)
			continue;
		r = eseal_errorf(err, EINVAL,
				 "%s is not an object store: it holds '%s', and a store holds only fan-out directories (00 to ff), %s, %s and temporary files",
				 store,
				 eseal_escape_str(esc, sizeof(esc), d->d_name),
				 ESEAL_STORE_META, ESEAL_STORE_QUARANTINE);
		break;
	}
	if (!r && errno)
		r = eseal_syserrorf(err, errno, "%s", store);
	closedir(dir);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* Fan-out directory fan: itself (as an entry of the root), then its entries */
static int walk_fanout(int store_fd, const char *store, unsigned int fan,
		       store_entry_fn fn, void *arg, struct eseal_error *err)
{
	struct store_entry e = { .dir_fd = store_fd, .fanout = -1,
				 .type = DT_DIR, .kind = STORE_ROOT_FANOUT };
	char sub[3], rel[STORE_REL_MAX];
	struct dirent *d;
	DIR *dir;
	int fd, r;

	eseal_hex_encode(&(uint8_t){ (uint8_t)fan }, 1, sub);
	e.name = e.rel = sub;
	fd = openat(store_fd, sub,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dir = fd >= 0 ? open_stream(fd) : NULL;
	if (!dir) {
		/* unreadable, or swapped for something else since readdir */
		e.error = errno;
		e.fd = -1;
		r = fn(&e, arg);
		if (fd >= 0)
			close(fd);
		return r;
	}
	e.fd = fd;
	r = fn(&e, arg);
	e.fd = -1;
	e.dir_fd = fd;
	e.fanout = (int)fan;
	e.rel = rel;
	errno = 0;
	while (!r && (d = readdir(dir))) {
		if (dot_or_dotdot(d->d_name))
			continue;
		e.name = d->d_name;
		snprintf(rel, sizeof(rel), "%s/%s", sub, d->d_name);
		e.type = entry_type(fd, d);
		if (e.type == DT_UNKNOWN)
			continue;	/* gone since readdir */
		e.kind = store_name_kind(fan, d->d_name, &e.digest);
		r = fn(&e, arg);
		errno = 0;
	}
	if (!r && errno)
		r = eseal_syserrorf(err, errno, "%s/%s", store, sub);
	closedir(dir);
	close(fd);
	return r;
}

int store_walk(int store_fd, const char *store, store_entry_fn fn, void *arg,
	       struct eseal_error *err)
{
	struct store_entry e = { .dir_fd = store_fd, .fanout = -1, .fd = -1 };
	uint64_t fanouts[4] = { 0 };
	struct dirent *d;
	unsigned int fan;
	DIR *dir;
	int r = 0;

	dir = open_stream(store_fd);
	if (!dir)
		return eseal_syserrorf(err, errno, "%s", store);
	errno = 0;
	while (!r && (d = readdir(dir))) {
		if (dot_or_dotdot(d->d_name))
			continue;
		e.name = e.rel = d->d_name;
		e.kind = store_root_kind(d->d_name, &fan);
		e.type = entry_type(store_fd, d);
		if (e.type == DT_UNKNOWN || e.kind == STORE_ROOT_META ||
		    e.kind == STORE_ROOT_QUARANTINE ||
		    e.kind == STORE_ROOT_LOST_FOUND)
			continue;
		if (e.kind == STORE_ROOT_FANOUT && e.type == DT_DIR)
			fanouts[fan / 64] |= 1ull << (fan % 64);
		else
			r = fn(&e, arg);	/* the others, at once */
		errno = 0;
	}
	if (!r && errno)
		r = eseal_syserrorf(err, errno, "%s", store);
	closedir(dir);
	/* then the fan-out directories, in order */
	for (fan = 0; fan < 256 && !r; fan++)
		if (fanouts[fan / 64] & (1ull << (fan % 64)))
			r = walk_fanout(store_fd, store, fan, fn, arg, err);
	return r;
}
