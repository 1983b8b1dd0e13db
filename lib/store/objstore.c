// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The object store: see objstore.h for the crash-safety rules.
 *
 * Below the store directory nothing is followed if it is a symlink (a
 * planted DIR/ab -> /elsewhere must not get objects written or found
 * outside DIR): fan-out directories are opened below the store's fd
 * without following (store-open.c), objects are linked and looked up
 * below that, and an entry that is not a plain directory or regular file
 * is an error naming it.
 * The store directory itself is the user's to name, symlink or not
 * (docs/object-store.md).
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "objstore.h"
#include "store-dirs.h"
#include "store-lock.h"
#include "store-open.h"
#include "tree.h"

/*
 * New objects are published in batches: one syncfs() makes a whole batch
 * of temporary files durable before any of them is linked, instead of one
 * journal commit per object.  Each syncfs() waits for the disk (a cache
 * flush; 7-80 ms measured here), so batches are as large as the open-file
 * limit allows: a queued temporary file is an open fd, and up to two
 * batches are open at once (one being synced, the next filling), beside
 * the 256 fan-out directories and what else the process has open.
 */
#define BATCH_MIN 128
#define BATCH_MAX 512
#define FDS_KEPT (256 + 64)

struct pending_obj {
	struct eseal_tmpfile t;
	struct eseal_digest digest;	/* its name (eseal_object_path) */
};

struct eseal_objstore {
	char *dir;
	int fd;
	int lock_fd;			/* the writers' lock, or -1 */
	atomic_uint refs;		/* eseal_objstore_ref() + 1 */
	atomic_bool no_tmpfile;		/* O_TMPFILE unsupported here */
	atomic_bool no_cfr;		/* copy_file_range unusable */
	atomic_bool no_clone;		/* FICLONE unsupported */
	atomic_bool no_verity;		/* no FS_IOC_ENABLE_VERITY here */
	atomic_uint_fast64_t touched[4]; /* subdirectories published into */
	struct eseal_store_dirs dirs;	/* fan-out directories, lookups */
	pthread_mutex_t lock;		/* pending list */
	pthread_mutex_t flush_lock;	/* one flush at a time */
	struct pending_obj *pend;
	uint64_t *keys;			/* a key per pending object (queue()) */
	size_t n_pend, cap_pend, batch;	/* batch: objects per syncfs() */
	atomic_uint_fast64_t raced;	/* queued, but found linked */
	/* objects added that were new, and that were there already */
	atomic_uint_fast64_t seen_new, seen_there;
	atomic_uint_fast64_t verity_ok, verity_failed;
};

void eseal_object_path(const struct eseal_digest *d, char *buf)
{
	buf[0] = '\0';
	if (!d->size)
		return;
	eseal_hex_encode(d->bytes, 1, buf);
	buf[2] = '/';
	eseal_hex_encode(d->bytes + 1, d->size - 1, buf + 3);
}

int eseal_objstore_has_path(struct eseal_objstore *st, const char *path,
			    struct eseal_error *err)
{
	return eseal_store_dirs_has(&st->dirs, path, err);
}

int eseal_objstore_index(struct eseal_objstore *st, const bool *skip,
			 struct eseal_error *err)
{
	return eseal_store_dirs_index(&st->dirs, skip, err);
}

int eseal_objstore_fanout_stat(struct eseal_objstore *st, unsigned int i,
			       struct stat *sb)
{
	char sub[3];

	eseal_hex_encode(&(uint8_t){ (uint8_t)i }, 1, sub);
	sub[2] = '\0';
	if (fstatat(st->fd, sub, sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISDIR(sb->st_mode) ? 0 : -ENOTDIR;
}

int eseal_objstore_meta_dir(struct eseal_objstore *st, struct eseal_error *err)
{
	return eseal_store_meta_open(st->fd, st->dir, true, err);
}

const char *eseal_objstore_dir(const struct eseal_objstore *st)
{
	return st->dir;
}

/* The batch size the open-file limit leaves room for */
static size_t batch_size(void)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur <= FDS_KEPT)
		return BATCH_MIN;
	room = (rl.rlim_cur - FDS_KEPT) / 2;
	return room < BATCH_MIN ? BATCH_MIN :
	       room > BATCH_MAX ? BATCH_MAX : (size_t)room;
}

/* mkdir -p */
static int make_dirs(const char *dir, struct eseal_error *err)
{
	char *p = strdup(dir), *s;
	struct stat st;
	int r = 0;

	if (!p)
		return eseal_errorf(err, ENOMEM, "out of memory");
	for (s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			r = eseal_syserrorf(err, errno, "%s: cannot create", p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	if (!r && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		r = eseal_errorf(err, ENOTDIR, "%s: not a directory", dir);
	return r;
}

int eseal_objstore_open_flags(const char *dir, unsigned int flags,
			      struct eseal_objstore **out,
			      struct eseal_error *err)
{
	struct eseal_objstore *st;
	int r;

	*out = NULL;
	if (!dir || !*dir)
		return eseal_errorf(err, EINVAL, "empty object store path");
	r = make_dirs(dir, err);
	if (r)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return eseal_errorf(err, ENOMEM, "out of memory");
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->flush_lock, NULL);
	atomic_init(&st->refs, 1);
	st->lock_fd = -1;
	st->batch = batch_size();
	st->dir = strdup(dir);
	st->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!st->dir || st->fd < 0) {
		r = st->dir ? eseal_syserrorf(err, errno, "%s", dir) :
			      eseal_errorf(err, ENOMEM, "out of memory");
		eseal_objstore_close(st);
		return r;
	}
	eseal_store_dirs_init(&st->dirs, st->fd, st->dir);
	/* the writers' lock, before the first object is looked up */
	r = eseal_store_lock(st->fd, st->dir,
			     STORE_LOCK_OPTIONAL |
			     ((flags & ESEAL_STORE_NO_WAIT) ?
				      STORE_LOCK_NO_WAIT : 0),
			     "a gc or fsck --repair", &st->lock_fd, err);
	if (r) {
		eseal_objstore_close(st);
		return r;
	}
	*out = st;
	return 0;
}

int eseal_objstore_open(const char *dir, struct eseal_objstore **out,
			struct eseal_error *err)
{
	return eseal_objstore_open_flags(dir, 0, out, err);
}

struct eseal_objstore *eseal_objstore_ref(struct eseal_objstore *st)
{
	atomic_fetch_add(&st->refs, 1);
	return st;
}

void eseal_objstore_disable(struct eseal_objstore *st, unsigned int what)
{
	if (what & ESEAL_OBJSTORE_NO_CLONE)
		atomic_store(&st->no_clone, true);
	if (what & ESEAL_OBJSTORE_NO_CFR)
		atomic_store(&st->no_cfr, true);
	if (what & ESEAL_OBJSTORE_NO_TMPFILE)
		atomic_store(&st->no_tmpfile, true);
}

/* ---- temporary files ----------------------------------------------------- */

/* A temporary file in the store (files.h), named ".tmp-*" if need be */
static int tmp_create(struct eseal_objstore *st, struct eseal_tmpfile *t,
		      struct eseal_error *err)
{
	int r = eseal_tmpfile_create(t, st->fd, ".tmp-", O_RDWR,
				     ESEAL_OBJ_MODE,
				     atomic_load(&st->no_tmpfile));

	if (r)
		return eseal_syserrorf(err, -r,
				       "%s: cannot create a temporary file",
				       st->dir);
	if (t->name[0])		/* no O_TMPFILE here: do not try again */
		atomic_store(&st->no_tmpfile, true);
	return 0;
}

/*
 * Try FS_IOC_ENABLE_VERITY.  It needs a read-only fd and no writers, so
 * the temporary file is reopened read-only and the writable fd closed.
 */
static int8_t tmp_enable_verity(struct eseal_objstore *st,
				struct eseal_tmpfile *t, uint8_t alg)
{
	int rfd, r;

	if (atomic_load(&st->no_verity))
		return -1;
	rfd = eseal_tmpfile_reopen(t, O_RDONLY);
	if (rfd < 0)
		return -1;
	close(t->fd);
	t->fd = rfd;
	/* the object's name is its digest with this algorithm */
	r = eseal_verity_enable(rfd, alg);
	if (!r)
		return 1;
	if (r == -EOPNOTSUPP || r == -ENOTTY)
		atomic_store(&st->no_verity, true);
	return -1;
}

/*
 * Link the temporary file as path ("xx/<rest>") in the fan-out directory
 * opened without following symlinks; 1 if a regular file was there
 * already.
 */
static int tmp_publish(struct eseal_objstore *st, struct eseal_tmpfile *t,
		       const char *path, struct eseal_error *err)
{
	const char *rest = path + 3;
	struct stat sb;
	int dfd, r;

	dfd = eseal_store_fanout(&st->dirs, path, true, err);
	if (dfd < 0)
		return dfd;
	r = eseal_tmpfile_link(t, dfd, rest);
	if (r == 0)
		return 0;
	if (r != -EEXIST) {
		r = eseal_syserrorf(err, -r, "%s/%s: cannot publish object",
				    st->dir, path);
	} else if (fstatat(dfd, rest, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		r = eseal_syserrorf(err, errno, "%s/%s", st->dir, path);
	} else if (!S_ISREG(sb.st_mode)) {
		r = eseal_store_entry_error(err, st->dir, path, strlen(path),
					    sb.st_mode, "a regular file");
	} else {
		r = 1;
	}
	return r;
}

/* ---- copying ------------------------------------------------------------- */

/* copy_file_range everything; 1 when it is unusable and nothing was done */
static int copy_range(struct eseal_objstore *st, int sfd, int dfd)
{
	loff_t in = 0, out = 0;
	ssize_t n;

	for (;;) {
		n = copy_file_range(sfd, &in, dfd, &out, 1u << 30, 0);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
		    errno == ENOSYS || errno == EPERM || errno == EBADF) {
			if (errno != EXDEV)
				atomic_store(&st->no_cfr, true);
			/* start over by hand */
			if (out && ftruncate(dfd, 0) < 0)
				return -errno;
			return 1;
		}
		return -errno;
	}
}

/* ---- publishing in batches ----------------------------------------------- */

/*
 * Queue a finished temporary file for publication under the name of
 * res->digest.  Returns 1 when the batch is full (the caller flushes), 0,
 * or -ENOMEM after discarding.  A duplicate of a queued object is
 * discarded at once.
 */
static int queue(struct eseal_objstore *st, struct eseal_tmpfile *t,
		 struct eseal_obj_result *res)
{
	struct pending_obj *p;
	uint64_t key;		/* the digest's first bytes: compared first */
	size_t i;
	int full;

	memcpy(&key, res->digest.bytes, sizeof(key));
	pthread_mutex_lock(&st->lock);
	for (i = 0; i < st->n_pend; i++) {
		const struct eseal_digest *d = &st->pend[i].digest;

		if (st->keys[i] == key && d->alg == res->digest.alg &&
		    d->size == res->digest.size &&
		    !memcmp(d->bytes, res->digest.bytes, d->size)) {
			pthread_mutex_unlock(&st->lock);
			res->existing = true;
			eseal_tmpfile_discard(t);
			return 0;
		}
	}
	if (st->n_pend == st->cap_pend) {
		/*
		 * Doubling up to the batch, then by 16 (a batch overruns
		 * by a few, queued while it flushes): 512 pending take
		 * 59 KB, 9 B per entry of the bench's OCI layer.
		 */
		size_t cap = !st->cap_pend ? 64 :
			     st->cap_pend < st->batch ?
				     MIN(2 * st->cap_pend, st->batch) :
				     st->cap_pend + 16;

		uint64_t *keys = realloc(st->keys, cap * sizeof(*keys));

		if (keys)
			st->keys = keys;
		p = keys ? realloc(st->pend, cap * sizeof(*p)) : NULL;
		if (!p) {
			pthread_mutex_unlock(&st->lock);
			eseal_tmpfile_discard(t);
			return -ENOMEM;
		}
		st->pend = p;
		st->cap_pend = cap;
	}
	st->keys[st->n_pend] = key;
	p = &st->pend[st->n_pend++];
	p->t = *t;
	t->fd = -1;		/* the queue owns it now */
	t->name[0] = '\0';
	p->digest = res->digest;
	full = st->n_pend >= st->batch;
	pthread_mutex_unlock(&st->lock);
	res->published = true;
	return full;
}

/* Make the queued files durable, then link them; first error wins. */
static int flush(struct eseal_objstore *st, struct eseal_error *err)
{
	char path[ESEAL_OBJPATH_MAX];
	struct eseal_error e2;
	struct pending_obj *p;
	unsigned int sub;
	size_t i, n;
	int r = 0, k;

	pthread_mutex_lock(&st->flush_lock);
	pthread_mutex_lock(&st->lock);
	p = st->pend;
	n = st->n_pend;
	st->pend = NULL;
	st->n_pend = st->cap_pend = 0;
	pthread_mutex_unlock(&st->lock);
	if (n && syncfs(st->fd) < 0) {
		for (i = 0; i < n && !r; i++)
			if (fsync(p[i].t.fd) < 0)
				r = eseal_syserrorf(err, errno,
						    "%s: cannot sync", st->dir);
	}
	for (i = 0; i < n; i++) {
		if (!r) {
			int8_t v = tmp_enable_verity(st, &p[i].t,
						     p[i].digest.alg);

			eseal_object_path(&p[i].digest, path);
			atomic_fetch_add(v > 0 ? &st->verity_ok :
						 &st->verity_failed, 1);
			k = tmp_publish(st, &p[i].t, path, r ? &e2 : err);
			if (k < 0) {
				r = k;
			} else if (k == 1) {
				atomic_fetch_add(&st->raced, 1);
			} else {
				sub = p[i].digest.bytes[0];
				atomic_fetch_or(&st->touched[sub / 64],
						1ull << (sub % 64));
			}
		}
		eseal_tmpfile_discard(&p[i].t);
	}
	free(p);
	pthread_mutex_unlock(&st->flush_lock);
	return r;
}

/*
 * Hash the source and look its object up: 0 when that settles it (the
 * object is there, or the data is to be inlined: res says which), 1 when
 * the object must be stored (path is its name), or -errno.
 */
static int hash_first(struct eseal_objstore *st, int sfd, const char *name,
		      uint64_t expect, struct eseal_fsverity_ctx *c,
		      uint8_t *buf, size_t bufsize, uint64_t keep_max,
		      char *path, struct eseal_obj_result *res,
		      struct eseal_error *err)
{
	int r;

	r = eseal_hash_copy_fd(c, sfd, name, -1, NULL, buf, bufsize, expect,
			       &res->digest, &res->size, err);
	if (r)
		return r;
	if (res->size <= keep_max) {
		res->inline_only = true;
		return 0;
	}
	eseal_object_path(&res->digest, path);
	r = eseal_objstore_has_path(st, path, err);
	if (r < 0)
		return r;
	res->existing = r > 0;
	atomic_fetch_add(res->existing ? &st->seen_there : &st->seen_new, 1);
	return !res->existing;
}

/* Most objects added so far were new: none found is most */
static bool mostly_new(struct eseal_objstore *st)
{
	return atomic_load(&st->seen_new) >= atomic_load(&st->seen_there);
}

/*
 * The end of every new object: t (named tname in messages) holds the bytes
 * of res->digest.  It is discarded when that object is there already, else
 * queued for publication.  t is consumed either way (t->fd is -1 after).
 */
static int commit(struct eseal_objstore *st, struct eseal_tmpfile *t,
		  const char *tname, struct eseal_obj_result *res,
		  struct eseal_error *err)
{
	char path[ESEAL_OBJPATH_MAX];
	int r;

	eseal_object_path(&res->digest, path);
	r = eseal_objstore_has_path(st, path, err);
	if (r) {
		res->existing = r > 0;
		if (r > 0)
			atomic_fetch_add(&st->seen_there, 1);
		eseal_tmpfile_discard(t);
		return r < 0 ? r : 0;
	}
	atomic_fetch_add(&st->seen_new, 1);
	if (fchmod(t->fd, ESEAL_OBJ_MODE) < 0) {
		r = eseal_syserrorf(err, errno, "%s", tname);
		eseal_tmpfile_discard(t);
		return r;
	}
	r = queue(st, t, res);
	if (r < 0)
		return eseal_errorf(err, -r, "out of memory");
	return r == 1 ? flush(st, err) : 0;
}

int eseal_objstore_add(struct eseal_objstore *st, int sfd, const char *name,
		       uint64_t expect, struct eseal_fsverity_ctx *c,
		       uint8_t *buf, size_t bufsize, uint64_t keep_max,
		       struct eseal_obj_result *res, struct eseal_error *err)
{
	char path[ESEAL_OBJPATH_MAX], tname[64];
	struct eseal_tmpfile t = { .fd = -1 };
	bool cloning = !atomic_load(&st->no_clone), one_pass = false;
	int r;

	memset(res, 0, sizeof(*res));
	if (!cloning && expect > keep_max && expect != UINT64_MAX &&
	    mostly_new(st)) {
		/*
		 * Without reflinks, while most objects turn out new: read,
		 * hash and write each in one pass (the bytes hashed are the
		 * bytes written), a copy discarded when it was there.
		 */
		one_pass = true;
	} else if (!cloning) {
		/*
		 * Else hash the source first: data that is already stored
		 * or will be inlined is then read once and never copied.
		 * What gets stored is hashed again below.
		 */
		r = hash_first(st, sfd, name, expect, c, buf, bufsize,
			       keep_max, path, res, err);
		if (r <= 0)
			return r;
	}
	r = tmp_create(st, &t, err);
	/*
	 * A store we may only read (a shared one, full) is fine as long as
	 * nothing new is needed: find out by hashing the source.
	 */
	if ((cloning || one_pass) &&
	    (r == -EACCES || r == -EPERM || r == -EROFS)) {
		cloning = one_pass = false;
		r = hash_first(st, sfd, name, expect, c, buf, bufsize,
			       keep_max, path, res, err);
		if (r <= 0)
			return r;
		r = tmp_create(st, &t, err);
	}
	if (r)
		return r;
	snprintf(tname, sizeof(tname), "%s/%s", st->dir,
		 t.name[0] ? t.name : "<O_TMPFILE>");

	res->how = ESEAL_OBJ_COPIED;
	if (one_pass) {
		r = 1;
	} else if (cloning && ioctl(t.fd, FICLONE, sfd) == 0) {
		res->how = ESEAL_OBJ_CLONED;
	} else {
		/* also EXDEV: the source is most likely elsewhere too */
		if (cloning && (errno == EOPNOTSUPP || errno == ENOTTY ||
				errno == EINVAL || errno == EXDEV))
			atomic_store(&st->no_clone, true);
		r = atomic_load(&st->no_cfr) ? 1 : copy_range(st, sfd, t.fd);
		if (r < 0) {
			r = eseal_syserrorf(err, -r, "%s: cannot copy to %s",
					    name, tname);
			goto fail;
		}
	}
	if (r == 1)	/* read, hash and write the bytes ourselves */
		r = eseal_hash_copy_fd(c, sfd, name, t.fd, tname, buf, bufsize,
				       expect, &res->digest, &res->size, err);
	else		/* hash all that was stored */
		r = eseal_hash_copy_fd(c, t.fd, tname, -1, NULL, buf, bufsize,
				       UINT64_MAX, &res->digest, &res->size,
				       err);
	if (r)
		goto fail;
	if (res->size <= keep_max) {
		res->inline_only = true;
		eseal_tmpfile_discard(&t);
		return 0;
	}
	return commit(st, &t, tname, res, err);
fail:
	eseal_tmpfile_discard(&t);
	return r;
}

/* ---- streamed objects ---------------------------------------------------- */

int eseal_objstore_tmp_new(struct eseal_objstore *st, struct eseal_tmpfile *t,
			   struct eseal_error *err)
{
	return tmp_create(st, t, err);
}

int eseal_objstore_has(struct eseal_objstore *st, const struct eseal_digest *d,
		       struct eseal_error *err)
{
	char path[ESEAL_OBJPATH_MAX];

	eseal_object_path(d, path);
	return eseal_objstore_has_path(st, path, err);
}

int eseal_objstore_tmp_commit(struct eseal_objstore *st,
			      struct eseal_tmpfile *t,
			      const struct eseal_digest *d,
			      struct eseal_obj_result *res,
			      struct eseal_error *err)
{
	char tname[64];

	memset(res, 0, sizeof(*res));
	res->digest = *d;
	res->how = ESEAL_OBJ_COPIED;
	snprintf(tname, sizeof(tname), "%s/%s", st->dir,
		 t->name[0] ? t->name : "<O_TMPFILE>");
	return commit(st, t, tname, res, err);
}

void eseal_objstore_counts(struct eseal_objstore *st, uint64_t *raced,
			   uint64_t *verity_ok, uint64_t *verity_failed)
{
	*raced = atomic_load(&st->raced);
	*verity_ok = atomic_load(&st->verity_ok);
	*verity_failed = atomic_load(&st->verity_failed);
}

void eseal_objstore_close(struct eseal_objstore *st)
{
	size_t i;

	if (!st || atomic_fetch_sub(&st->refs, 1) > 1)
		return;
	/* never synced or linked: leave no temporary file behind */
	for (i = 0; i < st->n_pend; i++)
		eseal_tmpfile_discard(&st->pend[i].t);
	free(st->pend);
	free(st->keys);
	eseal_store_dirs_fini(&st->dirs);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->flush_lock);
	if (st->fd >= 0)
		close(st->fd);
	/* last: the writers' lock, once nothing more can be published */
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->dir);
	free(st);
}

int eseal_objstore_sync(struct eseal_objstore *st, struct eseal_error *err)
{
	uint64_t any = 0;
	char sub[4];
	unsigned int i;
	int fd, r;

	r = flush(st, err);
	for (i = 0; i < 4; i++)
		any |= atomic_load(&st->touched[i]);
	/* one journal commit makes every new name durable */
	if (!r && (!any || syncfs(st->fd) == 0))
		return 0;
	/* a failed syncfs() says little: find the directory that fails */
	for (i = 0; i < 256 && !r; i++) {
		if (!(atomic_load(&st->touched[i / 64]) & (1ull << (i % 64))))
			continue;
		eseal_hex_encode(&(uint8_t){ (uint8_t)i }, 1, sub);
		sub[2] = '/';
		fd = eseal_store_fanout(&st->dirs, sub, false, err);
		sub[2] = '\0';
		if (fd == -ENOENT)
			r = eseal_syserrorf(err, ENOENT, "%s/%s: cannot sync",
					    st->dir, sub);
		else if (fd < 0)
			r = fd;
		else if (fsync(fd) < 0)
			r = eseal_syserrorf(err, errno, "%s/%s: cannot sync",
					    st->dir, sub);
	}
	if (!r && fsync(st->fd) < 0)
		r = eseal_syserrorf(err, errno, "%s: cannot sync", st->dir);
	return r;
}

