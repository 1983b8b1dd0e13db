// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * One layer as a stream of tar entries, in two stages:
 *
 *   blob bytes -> [unpack.c: gzip/zstd/xz or none] -> uncompressed bytes
 *              -> [libarchive tar: ustar, GNU, PAX] -> entries and data
 *
 * The first stage runs on a thread of its own: it decompresses (the
 * costly part), counts the bytes against the size limit (a gzip bomb ends
 * there) and hashes them for the diff_id, while the caller's thread parses
 * the tar stream and stores file data.  Between the two, a few buffers
 * pass by pointer; memory does not grow with the layer.
 *
 * libarchive reads tar only: no other archive format, no filter (so no
 * doubly compressed layer, no external program).  A libarchive warning
 * is an error, except the one for names it cannot convert to the locale's
 * charset: names are bytes, and we take them as stored.
 */
#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "io.h"
#include "oci.h"
#include "tree.h"

#define NBUF 4
#define BUFSZ (128 * 1024)

struct oci_tar {
	/* the first stage (decompression thread) */
	oci_read_fn fn;
	void *arg;
	struct oci_unpack *unpack;
	struct oci_hash *diff;
	const struct oci_digest *diff_id;
	uint64_t max_size;
	uint64_t done;			/* uncompressed bytes (its own) */
	int pret;			/* its error, copied to ret at its end */
	struct eseal_error perr;
	pthread_t thread;
	bool started;

	/* between the stages, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint8_t *bufs[NBUF];
	size_t lens[NBUF];
	unsigned int head, count;	/* filled: head .. head+count-1 */
	bool held;			/* bufs[head] is lent to stage two */
	bool eof, stop;
	int ret;			/* the first stage's error */
	struct eseal_error err;
	uint64_t size;			/* uncompressed bytes */

	/* the second stage (the caller's thread) */
	struct archive *tar;
	struct archive_entry *ae;
	const char *name;
	bool at_end;
};

/* ---- the first stage ----------------------------------------------------- */

static void *stage1(void *arg)
{
	struct oci_tar *t = arg;
	unsigned int slot;
	ssize_t n = 0;
	size_t got;
	uint8_t *buf;
	bool stop;

	t->pret = oci_unpack_open(t->fn, t->arg, t->name, &t->unpack,
				  &t->perr);
	if (t->pret)
		goto out;
	for (;;) {
		pthread_mutex_lock(&t->lock);
		while (t->count == NBUF && !t->stop)
			pthread_cond_wait(&t->cond, &t->lock);
		slot = (t->head + t->count) % NBUF;
		buf = t->bufs[slot];
		stop = t->stop;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
		/* fill the buffer: fewer, larger handovers */
		for (got = 0; got < BUFSZ; got += (size_t)n) {
			n = oci_unpack_read(t->unpack, buf + got, BUFSZ - got,
					    &t->perr);
			if (n <= 0)
				break;
		}
		if (n < 0) {
			t->pret = (int)n;
			break;
		}
		if (got > t->max_size - t->done) {
			t->pret = eseal_errorf(&t->perr, EFBIG,
					      "%s: over the limit of %llu uncompressed bytes",
					      t->name,
					      (unsigned long long)t->max_size);
			break;
		}
		t->done += got;
		if (t->diff)
			oci_hash_update(t->diff, buf, got);
		pthread_mutex_lock(&t->lock);
		t->size = t->done;
		t->lens[slot] = got;
		if (got)
			t->count++;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		if (!got)
			break;
	}
out:
	pthread_mutex_lock(&t->lock);
	t->ret = t->pret;
	t->err = t->perr;
	t->eof = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* ---- between the stages -------------------------------------------------- */

/*
 * The next buffer of uncompressed bytes for stage two: the previous one
 * goes back to stage one.  0 at the end, -1 after an error of stage one.
 */
static ssize_t next_buf(struct oci_tar *t, const void **out)
{
	ssize_t n;

	pthread_mutex_lock(&t->lock);
	if (t->held) {
		t->held = false;
		t->head = (t->head + 1) % NBUF;
		t->count--;
		pthread_cond_broadcast(&t->cond);
	}
	while (!t->count && !t->eof)
		pthread_cond_wait(&t->cond, &t->lock);
	if (t->count) {
		t->held = true;
		*out = t->bufs[t->head];
		n = (ssize_t)t->lens[t->head];
	} else {
		n = t->ret ? -1 : 0;
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

static la_ssize_t tar_read(struct archive *a, void *arg, const void **out)
{
	struct oci_tar *t = arg;
	ssize_t n = next_buf(t, out);

	if (n < 0)
		archive_set_error(a, -t->ret, "%s", t->err.msg);
	return n;
}

/* Stage one's error (0 when none): its message copied to err */
static int stage1_error(struct oci_tar *t, struct eseal_error *err)
{
	int r = 0;

	pthread_mutex_lock(&t->lock);
	if (t->ret)
		r = eseal_errorf(err, t->err.code, "%s", t->err.msg);
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* ---- the second stage ---------------------------------------------------- */

static void tar_free(struct oci_tar *t)
{
	unsigned int i;

	oci_unpack_close(t->unpack);
	if (t->tar)
		archive_read_free(t->tar);
	for (i = 0; i < NBUF; i++)
		free(t->bufs[i]);
	oci_hash_free(t->diff);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
}

int oci_tar_open(oci_read_fn fn, void *arg, const struct oci_tar_opts *o,
		 struct oci_tar **out, struct eseal_error *err)
{
	struct oci_tar *t;
	unsigned int i;
	int r;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return eseal_errorf(err, ENOMEM, "out of memory");
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->fn = fn;
	t->arg = arg;
	t->name = o->name;
	t->max_size = o->max_size;
	t->diff_id = o->diff_id;
	for (i = 0; i < NBUF; i++)
		if (!(t->bufs[i] = eseal_io_buf_alloc(BUFSZ)))
			goto nomem;
	if (o->diff_id && !(t->diff = oci_hash_new(o->diff_id->alg)))
		goto nomem;
	t->tar = archive_read_new();
	if (!t->tar)
		goto nomem;
	/* tar only: no other archive format, no compression filter */
	archive_read_support_format_tar(t->tar);
	r = pthread_create(&t->thread, NULL, stage1, t);
	if (r) {
		tar_free(t);
		return eseal_syserrorf(err, r, "cannot start a thread");
	}
	t->started = true;
	if (archive_read_open(t->tar, t, NULL, tar_read, NULL) != ARCHIVE_OK) {
		r = stage1_error(t, err);
		if (!r)
			r = eseal_errorf(err, EINVAL,
					 "%s: not a tar archive: %s", t->name,
					 archive_error_string(t->tar));
		oci_tar_close(t);
		return r;
	}
	*out = t;
	return 0;
nomem:
	tar_free(t);
	return eseal_errorf(err, ENOMEM, "out of memory");
}

/* The error of the last libarchive call: stage one's if it had one */
static int tar_error(struct oci_tar *t, const char *entry,
		     struct eseal_error *err)
{
	char msg[ESEAL_ERR_MSG_MAX];
	int r = stage1_error(t, err);

	/* where in the layer the stream broke */
	if (r && entry) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return eseal_errorf(err, -r, "%.900s (in %s)", msg, entry);
	}
	if (r)
		return r;
	if (entry)
		return eseal_errorf(err, EINVAL, "%s: %s: %s", t->name, entry,
				    archive_error_string(t->tar));
	return eseal_errorf(err, EINVAL, "%s: %s", t->name,
			    archive_error_string(t->tar));
}

/* Only charset warnings are harmless: we take names as bytes */
static bool warning_ok(struct oci_tar *t)
{
	const char *m = archive_error_string(t->tar);

	return m && strstr(m, "can't be converted");
}

int oci_tar_next(struct oci_tar *t, struct oci_entry *e,
		 struct eseal_error *err)
{
	struct archive_entry *ae;
	la_int64_t uid, gid;
	unsigned int maj, min;
	int r;

	if (t->at_end)
		return 0;
	r = archive_read_next_header(t->tar, &ae);
	if (r == ARCHIVE_EOF) {
		t->at_end = true;
		return 0;
	}
	if (r < ARCHIVE_WARN || (r == ARCHIVE_WARN && !warning_ok(t)))
		return tar_error(t, ae && r == ARCHIVE_WARN ?
					    archive_entry_pathname(ae) : NULL,
				 err);
	t->ae = ae;
	memset(e, 0, sizeof(*e));
	e->path = archive_entry_pathname(ae);
	if (!e->path)
		return eseal_errorf(err, EINVAL, "%s: an entry without a name",
				    t->name);
	e->hardlink = archive_entry_hardlink(ae);
	e->symlink = archive_entry_symlink(ae);
	e->type = archive_entry_filetype(ae);
	e->perm = archive_entry_perm(ae) & 07777;
	uid = archive_entry_uid(ae);
	gid = archive_entry_gid(ae);
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
		return eseal_errorf(err, ERANGE,
				    "%s: %s: owner %lld:%lld does not fit in 32 bits",
				    t->name, e->path, (long long)uid,
				    (long long)gid);
	e->uid = (uint32_t)uid;
	e->gid = (uint32_t)gid;
	e->mtime_sec = archive_entry_mtime(ae);
	e->mtime_nsec = archive_entry_mtime_is_set(ae) ?
				(uint32_t)archive_entry_mtime_nsec(ae) : 0;
	if (!eseal_mtime_nsec_valid(e->mtime_nsec))
		return eseal_errorf(err, EINVAL, "%s: %s: invalid mtime",
				    t->name, e->path);
	if (e->type == AE_IFCHR || e->type == AE_IFBLK) {
		maj = (unsigned int)archive_entry_rdevmajor(ae);
		min = (unsigned int)archive_entry_rdevminor(ae);
		/* the kernel's 12-bit major, 20-bit minor */
		if (maj > 0xfff || min > 0xfffff)
			return eseal_errorf(err, ERANGE,
					    "%s: %s: device %u:%u is out of range",
					    t->name, e->path, maj, min);
		e->rdev = (uint32_t)makedev(maj, min);
	}
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0)
		e->size = (uint64_t)archive_entry_size(ae);
	archive_entry_xattr_reset(ae);
	return 1;
}

int oci_tar_xattr(struct oci_tar *t, const char **key, const void **value,
		  size_t *len, struct eseal_error *err)
{
	(void)err;
	if (archive_entry_xattr_next(t->ae, key, value, len) != ARCHIVE_OK)
		return 0;
	return 1;
}

int oci_tar_block(struct oci_tar *t, const void **buf, size_t *len,
		  uint64_t *off, struct eseal_error *err)
{
	la_int64_t o = 0;
	int r = archive_read_data_block(t->tar, buf, len, &o);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK || o < 0)
		return tar_error(t, archive_entry_pathname(t->ae), err);
	*off = (uint64_t)o;
	return 1;
}

int oci_tar_finish(struct oci_tar *t, struct eseal_error *err)
{
	char got[OCI_DIGEST_STR_MAX];
	const void *p;
	ssize_t n;

	/* what follows the end of the archive counts for the diff_id */
	while ((n = next_buf(t, &p)) > 0)
		;
	if (n < 0)
		return stage1_error(t, err);
	if (t->diff && !oci_hash_check(t->diff, t->diff_id, got))
		return eseal_errorf(err, EINVAL,
				    "%s: the uncompressed layer's digest is %s, not the diff_id %s of the config",
				    t->name, got, t->diff_id->str);
	return 0;
}

uint64_t oci_tar_size(struct oci_tar *t)
{
	uint64_t n;

	pthread_mutex_lock(&t->lock);
	n = t->size;
	pthread_mutex_unlock(&t->lock);
	return n;
}

void oci_tar_close(struct oci_tar *t)
{
	if (!t)
		return;
	if (t->started) {
		pthread_mutex_lock(&t->lock);
		t->stop = true;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	tar_free(t);
}
