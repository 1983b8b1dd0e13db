// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Regular files of a FUSE mount: every byte checked before it is served.
 *
 * Inline files, empty files and files without data (holes) come from the
 * checked image.  Any other file is read from its object, found by its
 * payload below each store in turn (nothing followed if a symlink), and
 * every 4 KiB block of a read is checked against the digest in the image
 * through the object's Merkle tree (lib/verity/merkle*.c) before the
 * reply: a block that does not verify fails the read with EIO and is
 * logged, naming the object.  The kernel asks again page by page after a
 * failed readahead, so the good blocks around a bad one still read.
 *
 * An object in use is set up once (opened, size checked, tree opened and
 * its root checked, or made) by the first open; opens of the same digest
 * meanwhile wait for it.  Making a tree reads the whole object and checks
 * it against the digest.  Each piece of it is handed to the kernel's
 * cache of the file being opened as soon as it is hashed (its first
 * PREFILL_MAX bytes), so that the first read of a file without a tree
 * costs one pass over it, not two; nobody can read that cache before the
 * open is answered (no open file of the object exists, and other opens
 * wait), and when the tree turns out not to match, the cache is dropped
 * before the open fails.  Objects nobody has open stay set up, up to
 * MAX_IDLE of them, least recently used first out.  When a tree block
 * turns out not to hash to its parent, the tree is made again once from
 * the object (which, if the object is what changed, fails and says so).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fuse-server.h"
#include "store/merkle-file.h"
#include "store/store-open.h"
#include "util/io.h"

#define BUCKETS 1024
#define MAX_IDLE 256
#define BLOCK ESEAL_VERITY_BLOCK
/*
 * The first bytes of a file whose tree is being made that go into the
 * kernel's cache of it as they are hashed
 */
#define PREFILL_MAX ((uint64_t)256 << 20)

struct efuse_obj {
	struct eseal_digest digest;	/* the key */
	uint64_t size;
	struct eseal_merkle_file mf;	/* tree_fd -1: one block, no tree */
	int fd;				/* the object */
	size_t store;			/* the store that has it */
	const char *payload;		/* its path there (the tree's) */
	char name[PATH_MAX];		/* store/payload, for messages */
	unsigned int refs;		/* open files and waiters */
	int failed;			/* set-up failed: -errno */
	bool building;			/* being set up */
	bool in_table, idle;
	pthread_mutex_t lock;		/* making the tree again */
	atomic_uint tree_gen;		/* trees made again so far */
	struct efuse_obj *next;		/* in its bucket */
	struct efuse_obj *idle_prev, *idle_next;
};

/* fi->fh of an open regular file */
struct efuse_file {
	struct eseal_node *node;
	struct efuse_obj *obj;		/* NULL: data from the image */
};

int efuse_data_init(struct eseal_fuse *f)
{
	f->buckets = calloc(BUCKETS, sizeof(*f->buckets));
	if (!f->buckets)
		return -ENOMEM;
	f->n_buckets = BUCKETS;
	pthread_mutex_init(&f->objs_lock, NULL);
	pthread_cond_init(&f->objs_cond, NULL);
	return 0;
}

static void obj_free(struct efuse_obj *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->mf.tree_fd >= 0)
		close(o->mf.tree_fd);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

void efuse_data_free(struct eseal_fuse *f)
{
	struct efuse_obj *o;
	size_t i;

	if (!f->buckets)
		return;
	for (i = 0; i < f->n_buckets; i++) {
		while ((o = f->buckets[i])) {
			f->buckets[i] = o->next;
			obj_free(o);
		}
	}
	free(f->buckets);
	f->buckets = NULL;
	pthread_cond_destroy(&f->objs_cond);
	pthread_mutex_destroy(&f->objs_lock);
}

/* ---- the table of objects (under objs_lock) ----------------------------- */

static size_t bucket_of(const struct eseal_digest *d)
{
	return (size_t)get_le32(d->bytes) % BUCKETS;
}

static struct efuse_obj *table_find(struct eseal_fuse *f,
				    const struct eseal_digest *d)
{
	struct efuse_obj *o;

	for (o = f->buckets[bucket_of(d)]; o; o = o->next)
		if (o->digest.alg == d->alg && o->digest.size == d->size &&
		    !memcmp(o->digest.bytes, d->bytes, d->size))
			return o;
	return NULL;
}

static void table_remove(struct eseal_fuse *f, struct efuse_obj *o)
{
	struct efuse_obj **p = &f->buckets[bucket_of(&o->digest)];

	while (*p != o)
		p = &(*p)->next;
	*p = o->next;
	o->in_table = false;
}

static void idle_remove(struct eseal_fuse *f, struct efuse_obj *o)
{
	if (o->idle_prev)
		o->idle_prev->idle_next = o->idle_next;
	else
		f->idle_head = o->idle_next;
	if (o->idle_next)
		o->idle_next->idle_prev = o->idle_prev;
	else
		f->idle_tail = o->idle_prev;
	o->idle_prev = o->idle_next = NULL;
	o->idle = false;
	f->n_idle--;
}

/* Drop a reference; an unused object goes idle, the oldest idle one out */
static void obj_put_locked(struct eseal_fuse *f, struct efuse_obj *o)
{
	struct efuse_obj *old;

	if (--o->refs)
		return;
	if (!o->in_table) {
		obj_free(o);
		return;
	}
	o->idle = true;
	o->idle_prev = NULL;
	o->idle_next = f->idle_head;
	if (f->idle_head)
		f->idle_head->idle_prev = o;
	else
		f->idle_tail = o;
	f->idle_head = o;
	if (++f->n_idle > MAX_IDLE) {
		old = f->idle_tail;
		idle_remove(f, old);
		table_remove(f, old);
		obj_free(old);
	}
}

/* ---- setting an object up ----------------------------------------------- */

static struct eseal_fsverity_ctx *hasher(struct eseal_fuse *f, int alg)
{
	struct efuse_tls *t = efuse_tls(f, 0);

	return t ? efuse_hasher(t, alg) : NULL;
}

static int find_object(struct eseal_fuse *f, struct efuse_obj *o,
		       struct stat *st, struct eseal_error *err)
{
	size_t i;
	int fd;

	for (i = 0; i < f->n_stores; i++) {
		fd = eseal_store_open(f->stores[i].fd, o->payload, O_RDONLY,
				      st);
		if (fd == -ENOENT)
			continue;
		snprintf(o->name, sizeof(o->name), "%s/%s", f->stores[i].name,
			 o->payload);
		if (fd < 0) {
			/* names the entry in the way: a symlink, not a file */
			eseal_store_open_error(f->stores[i].fd,
					       f->stores[i].name, o->payload,
					       fd, err);
			return eseal_error_prefix(err, "object");
		}
		o->fd = fd;
		o->store = i;
		return 0;
	}
	snprintf(o->name, sizeof(o->name), "%s", o->payload);
	return eseal_errorf(err, ENOENT, "object %s: in no object store",
			    o->payload);
}

/* Make the tree from the object; into *fd, or an error naming why not */
static int make_tree(struct eseal_fuse *f, struct efuse_obj *o, int *fd,
		     const struct eseal_merkle_sink *sink,
		     struct eseal_error *err)
{
	struct efuse_store *s = &f->stores[o->store];
	bool published;
	int r;

	r = eseal_merkle_make(s->fd, s->name, o->payload, o->fd, &o->mf.geo,
			      &o->digest, 0, sink, &published, err);
	if (r < 0)
		return r;
	*fd = r;
	efuse_log(f, LOG_INFO, "object %s: Merkle tree made, %s", o->name,
		  published ? "saved next to it" :
			      "kept in memory (the store does not take it)");
	return 0;
}

/* The kernel's cache of a file whose tree is being made */
struct prefill {
	struct eseal_fuse *f;
	fuse_ino_t ino;
	atomic_bool stored;	/* some bytes may have gone in */
};

/* A run just hashed (on a tree-making thread): into the cache */
static void prefill_run(void *arg, uint64_t off, const uint8_t *data,
			size_t len)
{
	struct prefill *p = arg;
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(0);

	if (off >= PREFILL_MAX)
		return;
	bv.buf[0].mem = (void *)data;
	bv.buf[0].size = (size_t)MIN((uint64_t)len, PREFILL_MAX - off);
	atomic_store(&p->stored, true);
	/* only a head start: what is not stored is read and checked */
	fuse_lowlevel_notify_store(p->f->se, p->ino, (off_t)off, &bv,
				   FUSE_BUF_NO_SPLICE);
}

/* Make the tree of a file being opened, prefilling its cache */
static int first_tree(struct eseal_fuse *f, struct efuse_obj *o,
		      const struct eseal_node *n, struct eseal_error *err)
{
	struct prefill p = { .f = f, .ino = n->ino };
	const struct eseal_merkle_sink sink = { prefill_run, &p };
	int r, e;

	atomic_init(&p.stored, false);
	r = make_tree(f, o, &o->mf.tree_fd, &sink, err);
	if (!r || !atomic_load(&p.stored))
		return r;
	/* unchecked bytes in the cache: out before the open fails */
	e = fuse_lowlevel_notify_inval_inode(f->se, n->ino, 0, 0);
	if (e && e != -ENOENT) {
		atomic_store(&f->cache_suspect, true);
		efuse_log(f, LOG_WARNING,
			  "object %s: cannot drop the kernel's cache of inode %llu (%s); no open keeps a cache from now on",
			  o->name, (unsigned long long)n->ino, strerror(-e));
	}
	return r;
}

static int obj_setup(struct eseal_fuse *f, struct efuse_obj *o,
		     const struct eseal_node *n, struct eseal_error *err)
{
	struct eseal_fsverity_ctx *h;
	struct eseal_error e2 = { 0 };
	struct stat st;
	int r, fd;

	r = find_object(f, o, &st, err);
	if (r)
		return r;
	if ((uint64_t)st.st_size != o->size)
		return eseal_errorf(err, EBADMSG,
				    "object %s: %llu bytes, the image says %llu",
				    o->name, (unsigned long long)st.st_size,
				    (unsigned long long)o->size);
	if (eseal_merkle_geometry(o->digest.alg, o->size, &o->mf.geo))
		return eseal_errorf(err, EINVAL, "object %s: bad digest",
				    o->name);
	o->mf.digest = o->digest;
	o->mf.id = eseal_merkle_cache_new_id(f->cache);
	if (!o->mf.geo.levels)
		return 0;	/* one block: checked against the digest */
	h = hasher(f, o->digest.alg);
	if (!h)
		return eseal_errorf(err, ENOMEM, "out of memory");
	fd = eseal_merkle_open(f->stores[o->store].fd, o->payload, &o->mf.geo,
			       &e2);
	if (fd >= 0) {
		o->mf.tree_fd = fd;
		r = eseal_merkle_check_root(f->cache, &o->mf, h, &e2);
		if (r != -EUCLEAN)
			return r ? eseal_errorf(err, -r, "object %s: %s",
						o->name, e2.msg) :
				   0;
		close(fd);
		o->mf.tree_fd = -1;
	}
	if (fd != -ENOENT)
		efuse_log(f, LOG_WARNING, "object %s: %s; making the tree again",
			  o->name, e2.msg);
	return first_tree(f, o, n, err);
}

/* The set-up object of a digest, shared with every open of it */
static int obj_get(struct eseal_fuse *f, const struct eseal_node *n,
		   struct efuse_obj **out, struct eseal_error *err)
{
	struct efuse_obj *o;
	int r;

	pthread_mutex_lock(&f->objs_lock);
	o = table_find(f, n->digest);
	if (o) {
		o->refs++;
		if (o->idle)
			idle_remove(f, o);
		while (o->building)
			pthread_cond_wait(&f->objs_cond, &f->objs_lock);
		r = o->failed;
		if (r) {
			eseal_errorf(err, -r, "object %s: %s", o->name,
				     "could not be set up (see above)");
			obj_put_locked(f, o);
		} else {
			*out = o;
		}
		pthread_mutex_unlock(&f->objs_lock);
		return r;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		pthread_mutex_unlock(&f->objs_lock);
		return eseal_errorf(err, ENOMEM, "out of memory");
	}
	o->digest = *n->digest;
	o->size = n->size;
	o->payload = n->payload;
	o->fd = -1;
	o->mf.tree_fd = -1;
	o->refs = 1;
	o->building = true;
	o->in_table = true;
	pthread_mutex_init(&o->lock, NULL);
	o->next = f->buckets[bucket_of(&o->digest)];
	f->buckets[bucket_of(&o->digest)] = o;
	pthread_mutex_unlock(&f->objs_lock);

	r = obj_setup(f, o, n, err);

	pthread_mutex_lock(&f->objs_lock);
	o->building = false;
	if (r) {
		o->failed = r;
		table_remove(f, o);
		obj_put_locked(f, o);
	} else {
		*out = o;
	}
	pthread_cond_broadcast(&f->objs_cond);
	pthread_mutex_unlock(&f->objs_lock);
	return r;
}

/* ---- the operations ----------------------------------------------------- */

void efuse_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct eseal_fuse *f = fuse_req_userdata(req);
	struct eseal_node *n = efuse_node(f, ino);
	struct eseal_error err = { 0 };
	struct efuse_file *h;
	char path[512];
	int r;

	if (!n || !S_ISREG(n->mode)) {
		fuse_reply_err(req, !n ? ENOENT : S_ISDIR(n->mode) ? EISDIR :
								   EINVAL);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->node = n;
	if (!n->content && n->size && n->payload) {
		if (!n->digest) {
			efuse_log(f, LOG_ERR,
				  "%s: no fs-verity digest in the image for its object %s: not served, nothing could check it",
				  efuse_path(n, path, sizeof(path)),
				  n->payload);
			free(h);
			fuse_reply_err(req, EIO);
			return;
		}
		r = obj_get(f, n, &h->obj, &err);
		if (r) {
			efuse_log(f, LOG_ERR, "%s (%s in the image)", err.msg,
				  efuse_path(n, path, sizeof(path)));
			free(h);
			fuse_reply_err(req, r == -ENOMEM ? ENOMEM : EIO);
			return;
		}
	}
	fi->fh = (uintptr_t)h;
	/* what was served was checked */
	fi->keep_cache = !atomic_load(&f->cache_suspect);
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

/*
 * The tree seen as generation gen did not hash up to the digest: make it
 * again from the object, once in the object's life (a tree that goes bad
 * twice is being tampered with; the object's own blocks are still checked
 * as they come).  0 when the caller should check again: the tree was
 * made anew, by this call or another since gen.  In-flight reads of the
 * old tree finish on it: dup2() swaps the file under the descriptor.
 */
static int remake_tree(struct eseal_fuse *f, struct efuse_obj *o,
		       unsigned int gen, const char *why)
{
	struct eseal_error err = { 0 };
	int fd, r = 0;

	pthread_mutex_lock(&o->lock);
	if (atomic_load(&o->tree_gen) != gen)
		goto out;	/* made again meanwhile */
	if (gen) {
		r = -EUCLEAN;
		goto out;
	}
	efuse_log(f, LOG_WARNING, "object %s: %s; making the tree again",
		  o->name, why);
	r = make_tree(f, o, &fd, NULL, &err);
	if (r) {
		efuse_log(f, LOG_ERR, "%s", err.msg);
	} else {
		if (dup2(fd, o->mf.tree_fd) < 0)
			r = -errno;
		close(fd);
	}
	atomic_store(&o->tree_gen, gen + 1);
out:
	pthread_mutex_unlock(&o->lock);
	return r;
}

static void read_object(fuse_req_t req, struct eseal_fuse *f,
			struct efuse_file *h, size_t size, uint64_t off)
{
	struct efuse_obj *o = h->obj;
	uint64_t first = off / BLOCK, last = (off + size - 1) / BLOCK, bad;
	size_t nb = (size_t)(last - first + 1), len = nb * BLOCK, avail;
	struct eseal_error err = { 0 };
	struct eseal_fsverity_ctx *hs;
	struct efuse_tls *t;
	unsigned int gen;
	char path[512];
	ssize_t got;
	int r;

	t = efuse_tls(f, len);
	hs = t ? efuse_hasher(t, o->digest.alg) : NULL;
	if (!hs) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	got = eseal_pread_full(o->fd, t->buf, len, first * BLOCK);
	if (got < 0) {
		efuse_log(f, LOG_ERR, "object %s: read error: %s (%s in the image)",
			  o->name, strerror(errno),
			  efuse_path(h->node, path, sizeof(path)));
		fuse_reply_err(req, EIO);
		return;
	}
	/* nothing past the size the image gives: the last block is padded */
	avail = (size_t)MIN((uint64_t)len, o->size - first * BLOCK);
	if ((size_t)got > avail)
		got = (ssize_t)avail;
	memset(t->buf + got, 0, len - (size_t)got);
	gen = atomic_load(&o->tree_gen);
	r = eseal_merkle_verify(f->cache, &o->mf, hs, first, t->buf, nb, &bad,
				&err);
	if (r == -EUCLEAN && !remake_tree(f, o, gen, err.msg))
		r = eseal_merkle_verify(f->cache, &o->mf, hs, first, t->buf,
					nb, &bad, &err);
	if (r) {
		efuse_log(f, LOG_ERR, "object %s: %s (%s in the image)",
			  o->name, err.msg,
			  efuse_path(h->node, path, sizeof(path)));
		fuse_reply_err(req, EIO);
		return;
	}
	fuse_reply_buf(req, (const char *)t->buf + (off - first * BLOCK), size);
}

void efuse_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	struct eseal_fuse *f = fuse_req_userdata(req);
	struct efuse_file *h = (struct efuse_file *)(uintptr_t)fi->fh;
	const struct eseal_node *n = h->node;
	struct efuse_tls *t;

	(void)ino;
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t)off >= n->size || !size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	size = (size_t)MIN((uint64_t)size, n->size - (uint64_t)off);
	if (h->obj) {
		read_object(req, f, h, size, (uint64_t)off);
	} else if (n->content) {
		fuse_reply_buf(req, (const char *)n->content + off, size);
	} else {
		/* no data in the image, no object: a hole */
		t = efuse_tls(f, size);
		if (!t) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memset(t->buf, 0, size);
		fuse_reply_buf(req, (const char *)t->buf, size);
	}
}

void efuse_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct eseal_fuse *f = fuse_req_userdata(req);
	struct efuse_file *h = (struct efuse_file *)(uintptr_t)fi->fh;

	(void)ino;
	if (h && h->obj) {
		pthread_mutex_lock(&f->objs_lock);
		obj_put_locked(f, h->obj);
		pthread_mutex_unlock(&f->objs_lock);
	}
	free(h);
	fuse_reply_err(req, 0);
}
