// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * An OCI image layout (image-spec layout.md): "oci-layout", "index.json"
 * and "blobs/<alg>/<hex>", either as a directory or as a tar file (an
 * oci-archive, read where it lies: each file is found by scanning the
 * headers, skipping the data, and then streamed).
 *
 * In a directory nothing below the layout is followed if it is a symlink
 * (eseal_open_below: openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or
 * one O_NOFOLLOW component at a time where openat2 is missing), and only
 * regular files are read (opened O_NONBLOCK, checked with fstat: a FIFO
 * never blocks).
 * A blob is checked against its descriptor as it streams: never more
 * bytes than the descriptor's size, and at its end the size and digest.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "files.h"
#include "oci.h"

#define ARC_BUF (64 * 1024)
/* "blobs/sha512/" + 128 hex + NUL */
#define BLOB_NAME_MAX (13 + 128 + 1)

struct oci_layout {
	char *path;
	bool archive;
	int fd;				/* the directory, or the tar file */
	uint64_t arc_size;		/* of the tar file */
};

/* One pass over an oci-archive: pread() at an offset of its own */
struct arc_src {
	int fd;
	uint64_t off, size;
	uint8_t buf[ARC_BUF];
};

struct oci_blob {
	struct oci_layout *l;
	char name[BLOB_NAME_MAX];
	struct oci_digest digest;
	uint64_t size;			/* as the descriptor says */
	uint64_t pos;
	int fd;				/* directory layouts */
	struct archive *a;		/* oci-archives */
	struct arc_src *src;
	struct oci_hash *h;
	bool done;
};

const char *oci_layout_name(const struct oci_layout *l)
{
	return l->path;
}

int oci_layout_open(const char *path, bool archive, struct oci_layout **out,
		    struct eseal_error *err)
{
	struct oci_layout *l;
	struct stat st;
	int fd;

	*out = NULL;
	if (archive) {
		fd = eseal_input_open(path, 0, err);
		if (fd < 0)
			return fd;
	} else {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return eseal_syserrorf(err, errno,
					       "%s: cannot open the image layout",
					       path);
	}
	l = calloc(1, sizeof(*l));
	if (!l || !(l->path = strdup(path))) {
		free(l);
		close(fd);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	l->archive = archive;
	l->fd = fd;
	if (archive && fstat(fd, &st) == 0)
		l->arc_size = (uint64_t)st.st_size;
	*out = l;
	return 0;
}

void oci_layout_close(struct oci_layout *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l->path);
	free(l);
}

/* ---- directories ----------------------------------------------------------- */

/* A regular file below the layout directory, opened to read */
static int dir_open(struct oci_layout *l, const char *name,
		    struct eseal_error *err)
{
	struct stat st;
	int fd, fl, e;

	fd = eseal_open_below(l->fd, name,
			      O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return eseal_errorf(err, ENOENT, "%s/%s: missing",
					    l->path, name);
		if (e == ELOOP || e == EXDEV)
			return eseal_errorf(err, ELOOP,
					    "%s/%s: a symbolic link on the way (not followed below an image layout)",
					    l->path, name);
		return eseal_syserrorf(err, e, "%s/%s", l->path, name);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = errno;
		close(fd);
		if (!S_ISREG(st.st_mode))
			return eseal_errorf(err, EINVAL,
					    "%s/%s: is %s, not a regular file",
					    l->path, name,
					    eseal_file_type_name(st.st_mode));
		return eseal_syserrorf(err, e, "%s/%s", l->path, name);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return eseal_syserrorf(err, e, "%s/%s", l->path, name);
	}
	return fd;
}

/* ---- oci-archives -------------------------------------------------------- */

static la_ssize_t arc_read(struct archive *a, void *arg, const void **out)
{
	struct arc_src *s = arg;
	ssize_t n;

	for (;;) {
		n = pread(s->fd, s->buf, sizeof(s->buf), (off_t)s->off);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	s->off += (uint64_t)n;
	*out = s->buf;
	return n;
}

static la_int64_t arc_skip(struct archive *a, void *arg, la_int64_t request)
{
	struct arc_src *s = arg;
	uint64_t n = (uint64_t)request;

	(void)a;
	if (request < 0)
		return 0;
	if (s->off >= s->size)
		return 0;
	if (n > s->size - s->off)
		n = s->size - s->off;
	s->off += n;
	return (la_int64_t)n;
}

/* "./name" and "name" are the same member */
static const char *member_name(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/'; p++)
			;
	return p;
}

/*
 * Open the archive afresh and find the member name: *a is left at its
 * data, *size its size.
 */
static int arc_find(struct oci_layout *l, const char *name,
		    struct archive **out, struct arc_src **srcp,
		    uint64_t *size, struct eseal_error *err)
{
	struct archive_entry *e;
	struct arc_src *src;
	struct archive *a;
	const char *p;
	int r;

	*out = NULL;
	*srcp = NULL;
	src = malloc(sizeof(*src));
	a = archive_read_new();
	if (!src || !a) {
		free(src);
		if (a)
			archive_read_free(a);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	src->fd = l->fd;
	src->off = 0;
	src->size = l->arc_size;
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_set_callback_data(a, src);
	archive_read_set_read_callback(a, arc_read);
	archive_read_set_skip_callback(a, arc_skip);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		r = eseal_errorf(err, EINVAL, "%s: not a tar archive: %s",
				 l->path, archive_error_string(a));
		goto fail;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			r = eseal_errorf(err, ENOENT, "%s: no %s in the archive",
					 l->path, name);
			goto fail;
		}
		/* WARN: names in odd charsets; ours are ASCII */
		if (r < ARCHIVE_WARN) {
			r = eseal_errorf(err, EINVAL, "%s: %s", l->path,
					 archive_error_string(a));
			goto fail;
		}
		p = archive_entry_pathname(e);
		if (p && !strcmp(member_name(p), name))
			break;
	}
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e)) {
		r = eseal_errorf(err, EINVAL,
				 "%s: %s is not a regular file in the archive",
				 l->path, name);
		goto fail;
	}
	*size = archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 ?
			(uint64_t)archive_entry_size(e) : 0;
	*out = a;
	*srcp = src;
	return 0;
fail:
	archive_read_free(a);
	free(src);
	return r < 0 ? r : -EINVAL;
}

/* ---- files and blobs ----------------------------------------------------- */

int oci_layout_read(struct oci_layout *l, const char *name, size_t max,
		    uint8_t **buf, size_t *len, struct eseal_error *err)
{
	char where[512];
	struct arc_src *src;
	struct archive *a;
	uint64_t size;
	la_ssize_t n;
	int fd, r;

	snprintf(where, sizeof(where), "%s/%s", l->path, name);
	if (!l->archive) {
		fd = dir_open(l, name, err);
		if (fd < 0)
			return fd;
		r = eseal_input_read_fd(fd, where, max, buf, len, err);
		close(fd);
		return r;
	}
	r = arc_find(l, name, &a, &src, &size, err);
	if (r)
		return r;
	if (size > max) {
		r = eseal_errorf(err, EFBIG, "%s: larger than %zu bytes", where,
				 max);
		goto out;
	}
	*buf = malloc(size + 1);
	if (!*buf) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	*len = 0;
	while ((n = archive_read_data(a, *buf + *len, size + 1 - *len)) > 0) {
		*len += (size_t)n;
		if (*len > size)
			break;
	}
	if (n < 0 || *len != size) {
		r = eseal_errorf(err, EIO, "%s: %s", where,
				 n < 0 ? archive_error_string(a) :
					 "not the size its header says");
		free(*buf);
		*buf = NULL;
	}
out:
	archive_read_free(a);
	free(src);
	return r;
}

static const char *alg_dir(int alg)
{
	return alg == ESEAL_HASH_SHA512 ? "sha512" : "sha256";
}

int oci_blob_open(struct oci_layout *l, const struct oci_desc *d,
		  struct oci_blob **out, struct eseal_error *err)
{
	struct oci_blob *b;
	uint64_t size;
	int r;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return eseal_errorf(err, ENOMEM, "out of memory");
	b->l = l;
	b->fd = -1;
	b->digest = d->digest;
	b->size = d->size;
	/* the digest was parsed: only [0-9a-f] after the algorithm */
	snprintf(b->name, sizeof(b->name), "blobs/%s/%s", alg_dir(d->digest.alg),
		 d->digest.str + 7);
	b->h = oci_hash_new(d->digest.alg);
	if (!b->h) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (!l->archive) {
		b->fd = dir_open(l, b->name, err);
		if (b->fd < 0) {
			r = b->fd;
			goto fail;
		}
		posix_fadvise(b->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		if (d->size == OCI_SIZE_UNKNOWN) {
			struct stat st;

			if (fstat(b->fd, &st) < 0) {
				r = eseal_syserrorf(err, errno, "%s/%s",
						    l->path, b->name);
				goto fail;
			}
			b->size = (uint64_t)st.st_size;
		}
	} else {
		r = arc_find(l, b->name, &b->a, &b->src, &size, err);
		if (r)
			goto fail;
		if (d->size == OCI_SIZE_UNKNOWN)
			b->size = size;
		else if (size != d->size) {
			r = eseal_errorf(err, EINVAL,
					 "%s: %s has %llu bytes, its descriptor says %llu",
					 l->path, b->name,
					 (unsigned long long)size,
					 (unsigned long long)d->size);
			goto fail;
		}
	}
	*out = b;
	return 0;
fail:
	oci_blob_close(b);
	return r;
}

ssize_t oci_blob_read_some(struct oci_blob *b, void *buf, size_t len,
			   struct eseal_error *err)
{
	char got[OCI_DIGEST_STR_MAX];
	ssize_t n;

	if (b->done)
		return 0;
	/* one byte past the size is enough to see a blob too long */
	if (len > b->size + 1 - b->pos)
		len = (size_t)(b->size + 1 - b->pos);
	if (b->a) {
		n = archive_read_data(b->a, buf, len);
		if (n < 0)
			return eseal_errorf(err, EIO, "%s: %s: %s", b->l->path,
					    b->name,
					    archive_error_string(b->a));
	} else {
		do
			n = read(b->fd, buf, len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return eseal_syserrorf(err, errno, "%s/%s", b->l->path,
					       b->name);
	}
	b->pos += (uint64_t)n;
	if (b->pos > b->size)
		return eseal_errorf(err, EINVAL,
				    "%s: %s is larger than its descriptor says (%llu bytes)",
				    b->l->path, b->name,
				    (unsigned long long)b->size);
	if (n > 0) {
		oci_hash_update(b->h, buf, (size_t)n);
		return n;
	}
	if (b->pos != b->size)
		return eseal_errorf(err, EINVAL,
				    "%s: %s has %llu bytes, its descriptor says %llu",
				    b->l->path, b->name,
				    (unsigned long long)b->pos,
				    (unsigned long long)b->size);
	if (!oci_hash_check(b->h, &b->digest, got))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: the content's digest is %s, not the %s its descriptor names",
				    b->l->path, b->name, got, b->digest.str);
	b->done = true;
	return 0;
}

uint64_t oci_blob_pos(const struct oci_blob *b)
{
	return b->pos;
}

void oci_blob_close(struct oci_blob *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	if (b->a)
		archive_read_free(b->a);
	free(b->src);
	oci_hash_free(b->h);
	free(b);
}

int oci_blob_read(struct oci_layout *l, const struct oci_desc *d, size_t max,
		  uint8_t **buf, size_t *len, struct eseal_error *err)
{
	struct oci_blob *b;
	ssize_t n;
	size_t got = 0;
	uint8_t *p;
	int r;

	*buf = NULL;
	*len = 0;
	if (d->size != OCI_SIZE_UNKNOWN && d->size > max)
		return eseal_errorf(err, EFBIG,
				    "%s: blob %s is larger than %zu bytes",
				    l->path, d->digest.str, max);
	r = oci_blob_open(l, d, &b, err);
	if (r)
		return r;
	if (b->size > max) {
		oci_blob_close(b);
		return eseal_errorf(err, EFBIG,
				    "%s: blob %s is larger than %zu bytes",
				    l->path, d->digest.str, max);
	}
	/* one more byte: a blob longer than its size is seen and refused */
	p = malloc((size_t)b->size + 1);
	if (!p) {
		oci_blob_close(b);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	while ((n = oci_blob_read_some(b, p + got, (size_t)b->size + 1 - got,
				       err)) > 0)
		got += (size_t)n;
	oci_blob_close(b);
	if (n < 0) {
		free(p);
		return (int)n;
	}
	*buf = p;
	*len = got;
	return 0;
}
