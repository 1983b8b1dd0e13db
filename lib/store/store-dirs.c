// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The object store's directories (store-dirs.h): fan-out directories
 * opened once without following symlinks, lookups of objects (one
 * fstatat, or none for objects listed once).  Paths are opened through
 * store-open.c.
 *
 * Below the store directory nothing is followed if it is a symlink (a
 * planted DIR/ab -> /elsewhere must not get objects written or found
 * outside DIR): an entry that is not a plain directory or regular file is
 * an error naming it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "objstore.h"
#include "store-dirs.h"
#include "store-open.h"
#include "tree.h"

/*
 * The sha256 objects of one fan-out directory, as listed once: the 31
 * bytes after the first of each digest, sorted (only regular files, by
 * their d_type: anything else is looked up when asked for).
 */
#define INDEX_REST (32 - 1)
struct fan_index {
	uint8_t *rest;
	size_t n, cap;
};

/*
 * A fan-out directory "xx" of the store, opened without following a
 * symlink; created when create is set and it is missing.  -ENOENT (and no message) when it is missing and create is
 * not set.
 */
static int open_fanout(struct eseal_store_dirs *st, const char *sub,
		       bool create, struct eseal_error *err)
{
	const int flags = O_RDONLY | O_DIRECTORY;
	struct stat sb;
	int fd;

	fd = eseal_store_open(st->fd, sub, flags, NULL);
	if (fd == -ENOENT && create) {
		if (mkdirat(st->fd, sub, 0755) < 0 && errno != EEXIST)
			return eseal_syserrorf(err, errno, "%s/%s: cannot create",
					       st->dir, sub);
		fd = eseal_store_open(st->fd, sub, flags, NULL);
	}
	if (fd >= 0 || (fd == -ENOENT && !create))
		return fd;
	if (fstatat(st->fd, sub, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(sb.st_mode))
		return eseal_store_entry_error(err, st->dir, sub, strlen(sub),
					       sb.st_mode, "a directory");
	return eseal_syserrorf(err, -fd, "%s/%s", st->dir, sub);
}

/*
 * The fan-out directory of an object path, opened once and kept: an fd
 * (not to be closed), or -ENOENT (no message) when it is missing and
 * create is not set.
 */
int eseal_store_fanout(struct eseal_store_dirs *st, const char *path,
		       bool create, struct eseal_error *err)
{
	int v = eseal_hexval(path[0]), w = eseal_hexval(path[1]);
	char sub[3] = { path[0], path[1], '\0' };
	int i, fd, old;

	if (v < 0 || w < 0 || path[2] != '/')
		return eseal_errorf(err, EINVAL, "%s: bad object path %.3s",
				    st->dir, path);
	i = v << 4 | w;
	fd = atomic_load(&st->fanout[i]);
	if (fd)
		return fd - 1;
	fd = open_fanout(st, sub, create, err);
	if (fd < 0)
		return fd;
	old = 0;
	if (!atomic_compare_exchange_strong(&st->fanout[i], &old, fd + 1)) {
		close(fd);		/* another thread was first */
		return old - 1;
	}
	return fd;
}

static int cmp_rest(const void *a, const void *b)
{
	return memcmp(a, b, INDEX_REST);
}

/*
 * n bytes from 2n lower-case hex digits, as object names are written;
 * false for anything else.  The listing decodes every object name, so
 * this is the quick form of eseal_hex_decode() (which also takes upper
 * case, which no object name has).
 */
static bool decode_lower(const char *hex, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < 2 * n; i++) {
		unsigned int c = (unsigned char)hex[i], v;

		if (c - '0' < 10)
			v = c - '0';
		else if (c - 'a' < 6)
			v = c - 'a' + 10;
		else
			return false;
		if (i & 1)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	return true;
}

/* Listed as a regular file when the index was made? */
static bool in_index(const struct eseal_store_dirs *st, const char *path)
{
	uint8_t d[1 + INDEX_REST];
	const struct fan_index *f;

	if (!st->index || path[2] != '/' || !decode_lower(path, 1, d) ||
	    !decode_lower(path + 3, INDEX_REST, d + 1) ||
	    path[3 + 2 * INDEX_REST])
		return false;
	f = &st->index[d[0]];
	return f->n && bsearch(d + 1, f->rest, f->n, INDEX_REST, cmp_rest);
}

/* List one fan-out directory into f */
static int index_fanout(struct eseal_store_dirs *st, int dfd,
			struct fan_index *f, struct eseal_error *err)
{
	char buf[32768];
	ssize_t n, pos;
	int fd;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return eseal_syserrorf(err, errno, "%s", st->dir);
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + pos);

			pos += d->d_reclen;
			if (d->d_type != DT_REG ||
			    strlen(d->d_name) != 2 * INDEX_REST)
				continue;
			if (f->n == f->cap) {
				size_t cap = f->cap ? 2 * f->cap : 256;
				uint8_t *p = realloc(f->rest, cap * INDEX_REST);

				if (!p) {
					close(fd);
					return eseal_errorf(err, ENOMEM,
							    "out of memory");
				}
				f->rest = p;
				f->cap = cap;
			}
			if (decode_lower(d->d_name, INDEX_REST,
					 f->rest + f->n * INDEX_REST))
				f->n++;
		}
	}
	if (n < 0)
		n = eseal_syserrorf(err, errno, "%s: cannot list", st->dir);
	close(fd);
	if (f->n > 1)
		qsort(f->rest, f->n, INDEX_REST, cmp_rest);
	return (int)MIN(n, 0);
}

int eseal_store_dirs_index(struct eseal_store_dirs *st, const bool *skip,
			   struct eseal_error *err)
{
	struct fan_index *idx;
	char sub[4];
	unsigned int i;
	int dfd, r = 0;

	if (st->index)
		return 0;
	idx = calloc(256, sizeof(*idx));
	if (!idx)
		return eseal_errorf(err, ENOMEM, "out of memory");
	for (i = 0; i < 256 && !r; i++) {
		if (skip && skip[i])
			continue;
		eseal_hex_encode(&(uint8_t){ (uint8_t)i }, 1, sub);
		sub[2] = '/';
		sub[3] = '\0';
		dfd = eseal_store_fanout(st, sub, false, err);
		if (dfd == -ENOENT)
			continue;
		r = dfd < 0 ? dfd : index_fanout(st, dfd, &idx[i], err);
	}
	if (r) {
		for (i = 0; i < 256; i++)
			free(idx[i].rest);
		free(idx);
		return r;
	}
	st->index = idx;
	return 0;
}

int eseal_store_dirs_has(struct eseal_store_dirs *st, const char *path,
			 struct eseal_error *err)
{
	struct stat sb;
	int dfd;

	/* objects are never removed by us: listed is there */
	if (in_index(st, path))
		return 1;
	dfd = eseal_store_fanout(st, path, false, err);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, path + 3, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       eseal_syserrorf(err, errno, "%s/%s", st->dir, path);
	if (!S_ISREG(sb.st_mode))
		return eseal_store_entry_error(err, st->dir, path,
					       strlen(path), sb.st_mode,
					       "a regular file");
	return 1;
}

void eseal_store_dirs_init(struct eseal_store_dirs *st, int fd,
			   const char *dir)
{
	memset(st, 0, sizeof(*st));
	st->fd = fd;
	st->dir = dir;
}

void eseal_store_dirs_fini(struct eseal_store_dirs *st)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		if (atomic_load(&st->fanout[i]))
			close(atomic_load(&st->fanout[i]) - 1);
	for (i = 0; st->index && i < 256; i++)
		free(st->index[i].rest);
	free(st->index);
	st->index = NULL;
}
