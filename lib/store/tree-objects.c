// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_tree_store_objects(): hash (and store) the data of every regular
 * file that came from a directory scan, on a thread pool.
 *
 * Per file, as mkcomposefs 1.0.8 does (lcfs_node_set_from_content with
 * COMPUTE_DIGEST | BY_DIGEST): empty files get nothing; others get their
 * fs-verity digest and the payload "xx/<rest of hex>"; files of at most
 * inline_max bytes also get their content inline and are not stored.
 *
 * Workers only read the tree (names and parents, to open files); results
 * come back to this thread, which alone mutates the tree.  Every file's
 * data is read once: hashed while it is copied, or hashed from the clone.
 * The node's size becomes the number of bytes hashed, so a file that
 * changed since the scan still gets a consistent size, digest and object.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest-cache.h"
#include "files.h"
#include "io.h"
#include "objstore.h"
#include "tree.h"
#include "workers.h"

#define READ_BUF (128 * 1024)
#define BIG_FILE (16ull << 20)	/* started first so they do not trail */
#define PROGRESS_MS 100
#define INDEX_MIN 4096		/* files: list the store's objects */
#define DCACHE_NAME "digest-cache"	/* in the store's ESEAL_STORE_META */

struct store {
	struct eseal_tree *tree;
	int src_fd;
	struct eseal_objstore *st;	/* NULL: hash only */
	struct eseal_dcache *dc;	/* NULL: no digest cache */
	int alg;
	size_t inline_max;
};

/* where a file's digest came from */
enum { FROM_HASH = 0, FROM_CACHE, FROM_VERITY };

struct tls {
	struct eseal_fsverity_ctx *c;
	uint8_t *buf;
	char *path;			/* "<src_root>/<relative path>" */
	size_t path_cap;
	char *name;			/* the same for messages, escaped */
	size_t name_cap;
};

struct job {
	struct eseal_node *node;
	bool cached;			/* the cache knows 'digest' */
	size_t slot;			/* its entry there */
	struct eseal_digest digest;
	/* results */
	int ret;
	uint8_t from;			/* FROM_* */
	bool cacheable;			/* key -> res.digest may be kept */
	struct eseal_dcache_key key;	/* the file as it was read */
	int64_t read_at;		/* when (CLOCK_REALTIME seconds) */
	struct eseal_obj_result res;
	struct eseal_error err;
	uint8_t content[];		/* inline_max bytes */
};

static int tls_init(void *arg, void **out)
{
	struct store *s = arg;
	struct tls *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->c = eseal_fsverity_new(s->alg);
	t->buf = eseal_io_buf_alloc(READ_BUF);
	t->path_cap = 4096;
	t->path = malloc(t->path_cap);
	*out = t;
	if (!t->c || !t->buf || !t->path)
		return -ENOMEM;
	return 0;
}

static void tls_fini(void *arg, void *p)
{
	struct tls *t = p;

	(void)arg;
	eseal_fsverity_free(t->c);
	free(t->buf);
	free(t->path);
	free(t->name);
	free(t);
}

/* Build "<src_root>/<path of node>" in t->path; returns the offset of the
 * relative part, or -ENOMEM. */
static ssize_t build_path(struct tls *t, const char *root,
			  const struct eseal_node *node)
{
	const struct eseal_node *n;
	size_t rlen = strlen(root), len = rlen, pos;

	for (n = node; n->parent; n = n->parent)
		len += 1 + strlen(n->name);
	if (len + 1 > t->path_cap) {
		size_t cap = MAX(len + 1, 2 * t->path_cap);
		char *p = realloc(t->path, cap);

		if (!p)
			return -ENOMEM;
		t->path = p;
		t->path_cap = cap;
	}
	memcpy(t->path, root, rlen);
	t->path[len] = '\0';
	pos = len;
	for (n = node; n->parent; n = n->parent) {
		size_t l = strlen(n->name);

		pos -= l;
		memcpy(t->path + pos, n->name, l);
		t->path[--pos] = '/';
	}
	return (ssize_t)rlen + 1;
}

/*
 * t->path as messages show it: the part from the tree escaped as `info ls`
 * shows names (it may hold control bytes); t->path itself on ENOMEM.
 */
static const char *msg_name(struct tls *t, size_t rel)
{
	size_t need = rel + ESEAL_ESC_SIZE(strlen(t->path + rel));

	if (need > t->name_cap) {
		char *p = realloc(t->name, need);

		if (!p)
			return t->path;
		t->name = p;
		t->name_cap = need;
	}
	memcpy(t->name, t->path, rel);
	eseal_escape_str(t->name + rel, need - rel, t->path + rel);
	return t->name;
}

/*
 * With a store, a digest known without reading (cache, fs-verity) is only
 * enough when its object is there: 1 when it is (res filled), 0 when the
 * file must be read and stored, or -errno.  The cache may know that it is
 * (cached: d is the cache's).
 */
static int known_digest(struct store *s, struct job *j,
			const struct eseal_digest *d, uint64_t size,
			bool cached)
{
	char path[ESEAL_OBJPATH_MAX];
	int r = 1;

	if (s->st && cached && eseal_dcache_object_known(s->dc, d)) {
		j->res.existing = true;
	} else if (s->st) {
		eseal_object_path(d, path);
		r = eseal_objstore_has_path(s->st, path, &j->err);
		if (r <= 0)
			return r;
		j->res.existing = true;
	}
	j->res.digest = *d;
	j->res.size = size;
	return 1;
}

/* The kernel's digest of a source file with fs-verity: 1, 0 or -errno */
static int measured(struct store *s, struct job *j, int fd,
		    const struct stat *st)
{
	struct eseal_digest d;

	if (!(j->node->src->attrs & ESEAL_SRC_VERITY) ||
	    (uint64_t)st->st_size <= s->inline_max ||
	    eseal_verity_measure_std(fd, s->alg, &d))
		return 0;
	return known_digest(s, j, &d, (uint64_t)st->st_size, false);
}

static void run_job(void *arg, void *tlsp, void *jobp)
{
	struct store *s = arg;
	struct tls *t = tlsp;
	struct job *j = jobp;
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	struct timespec now;
	struct stat st;
	const char *name;
	ssize_t rel;
	int fd;

	memset(&j->res, 0, sizeof(j->res));
	j->err.code = 0;
	j->err.msg[0] = '\0';
	j->from = FROM_HASH;
	j->cacheable = false;
	rel = build_path(t, s->tree->src_root, j->node);
	if (rel < 0) {
		j->ret = eseal_errorf(&j->err, ENOMEM, "out of memory");
		return;
	}
	name = msg_name(t, (size_t)rel);
	fd = eseal_open_below(s->src_fd, t->path + rel, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = eseal_open_below(s->src_fd, t->path + rel, flags);
	if (fd < 0) {
		j->ret = eseal_syserrorf(&j->err, errno, "%s", name);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		j->ret = eseal_errorf(&j->err, EINVAL,
				      "%s: no longer a regular file", name);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	eseal_dcache_key_of(&j->key, &st);
	j->read_at = now.tv_sec;
	j->ret = measured(s, j, fd, &st);
	if (j->ret) {
		j->from = FROM_VERITY;
		j->ret = MIN(j->ret, 0);
		goto out;
	}
	if (st.st_size > READ_BUF)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (!s->st || j->node->size <= s->inline_max) {
		j->ret = eseal_hash_copy_fd(t->c, fd, name, -1, NULL, t->buf,
					    READ_BUF, (uint64_t)st.st_size,
					    &j->res.digest, &j->res.size,
					    &j->err);
		if (j->ret || !s->st || j->res.size <= s->inline_max)
			goto done;
		/* it grew since the scan: it needs an object after all */
	}
	j->ret = eseal_objstore_add(s->st, fd, name, (uint64_t)st.st_size,
				    t->c, t->buf, READ_BUF, s->inline_max,
				    &j->res, &j->err);
done:
	if (!j->ret && j->res.size && j->res.size <= s->inline_max)
		memcpy(j->content, t->buf, j->res.size);
	/* what was read is what fstat() described */
	j->cacheable = !j->ret && j->res.size == (uint64_t)st.st_size;
out:
	close(fd);
}

/* ---- the main thread ----------------------------------------------------- */

struct collect {
	struct eseal_node **files;
	size_t n, cap;
	uint64_t n_regular, bytes_total;
};

static int collect_fn(struct eseal_node *node, const char *path, void *arg)
{
	struct collect *c = arg;

	(void)path;
	if (node->link_to || !S_ISREG(node->mode) ||
	    !(node->flags & ESEAL_NODE_FROM_SOURCE))
		return 0;
	c->n_regular++;
	if (!node->size)
		return 0;
	c->bytes_total += node->size;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct eseal_node **f = realloc(c->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		c->files = f;
		c->cap = cap;
	}
	c->files[c->n++] = node;
	return 0;
}

static int cmp_size_desc(const void *a, const void *b)
{
	const struct eseal_node *x = *(struct eseal_node *const *)a;
	const struct eseal_node *y = *(struct eseal_node *const *)b;

	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void key_of_src(struct eseal_dcache_key *k,
		       const struct eseal_src_stat *src)
{
	*k = (struct eseal_dcache_key){
		.dev = src->dev, .ino = src->ino, .size = src->size,
		.mtime_sec = src->mtime_sec, .ctime_sec = src->ctime_sec,
		.mtime_nsec = src->mtime_nsec, .ctime_nsec = src->ctime_nsec,
	};
}

/*
 * Does the cache know the file?  Only files that would be read for more
 * than their digest's sake (inlined ones are read anyway).
 */
static bool cache_hit(struct store *s, struct job *j)
{
	struct eseal_dcache_key k;

	j->cached = false;
	if (!s->dc || !j->node->src || j->node->src->size <= s->inline_max)
		return false;
	key_of_src(&k, j->node->src);
	j->cached = eseal_dcache_lookup(s->dc, &k, &j->digest, &j->slot);
	return j->cached;
}

static int apply(struct store *s, struct job *j,
		 struct eseal_store_stats *stats, struct eseal_error *err)
{
	struct eseal_node *node = j->node;
	int r;

	if (j->from == FROM_CACHE) {
		stats->from_cache++;
	} else if (j->from == FROM_VERITY) {
		stats->measured++;
	} else {
		stats->hashed++;
		stats->bytes += j->res.size;
	}
	/* a hit stays: it was no racy entry when it was kept */
	if (s->dc && j->from == FROM_CACHE) {
		eseal_dcache_keep(s->dc, j->slot);
	} else if (s->dc && j->res.size > s->inline_max && j->cacheable) {
		r = eseal_dcache_add(s->dc, &j->key, &j->res.digest,
				     j->read_at);
		if (r)
			return eseal_errorf(err, -r, "out of memory");
	}
	r = eseal_node_set_data(s->tree, node, &j->res.digest, j->res.size,
				j->content, s->inline_max, err);
	if (r || !j->res.size)
		return r;
	stats->objects_new += j->res.published;
	stats->objects_existing += j->res.existing;
	if (j->res.published) {
		stats->cloned += j->res.how == ESEAL_OBJ_CLONED;
		stats->copied += j->res.how == ESEAL_OBJ_COPIED;
	}
	return 0;
}

int eseal_node_set_data(struct eseal_tree *tree, struct eseal_node *node,
			const struct eseal_digest *d, uint64_t size,
			const uint8_t *content, size_t inline_max,
			struct eseal_error *err)
{
	char path[ESEAL_OBJPATH_MAX];
	int r;

	node->size = size;
	if (!size)
		return 0;
	eseal_object_path(d, path);
	r = eseal_node_set_digest(tree, node, d, err);
	if (!r)
		r = eseal_node_set_payload(tree, node, path, err);
	if (!r && size <= inline_max)
		r = eseal_node_set_content(tree, node, content, size, err);
	return r;
}

/* A job done: its result into the tree (the first error stays in *r) */
static void finish(struct store *s, struct job *j, struct eseal_progress *p,
		   struct eseal_store_stats *stats, int *r,
		   struct eseal_error *err)
{
	if (!*r && j->ret)
		*r = eseal_errorf(err, j->err.code, "%s", j->err.msg);
	else if (!*r)
		*r = apply(s, j, stats, err);
	p->entries_done++;
	p->bytes_done += j->res.size;
}

static int run_pool(struct store *s, struct collect *c,
		    const struct eseal_store_opts *opts,
		    struct eseal_store_stats *stats, struct eseal_error *err)
{
	static const struct eseal_workers_ops ops = {
		.thread_init = tls_init,
		.thread_fini = tls_fini,
		.run = run_job,
	};
	struct eseal_progress p = { 0 };
	struct eseal_node **big = NULL;
	struct eseal_workers *w;
	size_t i, n_big = 0, next_big = 0, next = 0;
	uint64_t last = now_ms();
	struct job *j;
	int r = 0;

	for (i = 0; i < c->n; i++)
		n_big += c->files[i]->size >= BIG_FILE;
	if (n_big) {
		big = malloc(n_big * sizeof(*big));
		if (!big)
			return eseal_errorf(err, ENOMEM, "out of memory");
		for (i = 0, n_big = 0; i < c->n; i++)
			if (c->files[i]->size >= BIG_FILE)
				big[n_big++] = c->files[i];
		qsort(big, n_big, sizeof(*big), cmp_size_desc);
	}
	w = eseal_workers_new(opts->threads, 0,
			      sizeof(struct job) + s->inline_max, &ops, s, err);
	if (!w) {
		free(big);
		return -(err && err->code ? err->code : ENOMEM);
	}
	p.entries_total = c->n_regular;
	p.entries_done = c->n_regular - c->n;	/* empty files */
	p.bytes_total = c->bytes_total;
	for (;;) {
		while (!r && (next_big < n_big || next < c->n) &&
		       (j = eseal_workers_get_free(w))) {
			if (next_big < n_big) {
				j->node = big[next_big++];
			} else {
				j->node = c->files[next++];
				if (j->node->size >= BIG_FILE) {
					eseal_workers_put_free(w, j);
					continue;
				}
			}
			/*
			 * Known from the cache: checking that its object is
			 * there (one fstatat) costs less than a trip
			 * through the pool.
			 */
			if (cache_hit(s, j)) {
				memset(&j->res, 0, sizeof(j->res));
				j->from = FROM_CACHE;
				j->ret = known_digest(s, j, &j->digest,
						      j->node->src->size, true);
				if (j->ret) {
					j->ret = MIN(j->ret, 0);
					finish(s, j, &p, stats, &r, err);
					eseal_workers_put_free(w, j);
					continue;
				}
				/* its object is missing: read, store it */
			}
			eseal_workers_submit(w, j);
		}
		if (!eseal_workers_busy(w))
			break;
		j = eseal_workers_wait_done(w, PROGRESS_MS);
		if (j) {
			finish(s, j, &p, stats, &r, err);
			eseal_workers_put_free(w, j);
		}
		if (opts->progress && now_ms() - last >= PROGRESS_MS) {
			last = now_ms();
			opts->progress(&p, opts->progress_arg);
		}
	}
	if (opts->progress && !r)
		opts->progress(&p, opts->progress_arg);
	eseal_workers_free(w);
	free(big);
	return r;
}

/* A store's own cache cannot be kept there: permissions, read-only fs */
static bool read_only(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/* The digest cache: opts->digest_cache, else the store's */
static int open_cache(struct store *s, const struct eseal_store_opts *opts,
		      uint32_t *state, struct eseal_error *err)
{
	char display[PATH_MAX + 64];
	const char *name;
	int dfd;

	if (opts->digest_cache) {
		dfd = eseal_open_parent(opts->digest_cache, O_RDONLY, &name,
					NULL, err);
		snprintf(display, sizeof(display), "%s", opts->digest_cache);
	} else {
		dfd = eseal_objstore_meta_dir(s->st, err);
		name = DCACHE_NAME;
		snprintf(display, sizeof(display), "%s/%s/%s",
			 eseal_objstore_dir(s->st), ESEAL_STORE_META,
			 DCACHE_NAME);
		/* a store we may only read: no cache, and no failure */
		if (read_only(dfd)) {
			*state = ESEAL_CACHE_READ_ONLY;
			return 0;
		}
	}
	if (dfd < 0)
		return dfd;
	return eseal_dcache_open(dfd, name, display, s->src_fd, s->alg,
				 &s->dc, state, err);
}

/*
 * The store's fan-out directories as they are before any lookup, for the
 * cache; then list the objects of those it does not vouch for, when many
 * lookups will follow.
 */
static int stamp_store(struct store *s, bool list, struct eseal_error *err)
{
	bool skip[256];
	unsigned int i, n_skip = 0;

	eseal_dcache_set_store(s->dc, s->st);
	if (!list)
		return 0;
	for (i = 0; i < 256; i++) {
		skip[i] = eseal_dcache_fanout_known(s->dc, i);
		n_skip += skip[i];
	}
	return n_skip == 256 ? 0 : eseal_objstore_index(s->st, skip, err);
}

/* The work, on structs of this library's size */
static int store_objects(struct eseal_tree *tree,
			 const struct eseal_store_opts *opts,
			 struct eseal_store_stats *stats,
			 struct eseal_error *err)
{
	struct eseal_objstore_mark mark;
	struct collect c = { 0 };
	struct store s = { 0 };
	int r;

	s.tree = tree;
	s.src_fd = -1;
	s.alg = opts->hash_alg ? opts->hash_alg : ESEAL_HASH_SHA256;
	s.inline_max = opts->inline_max ? opts->inline_max :
					    ESEAL_INLINE_MAX_DEFAULT;
	if (!eseal_hash_size(s.alg))
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    opts->hash_alg);
	if (s.inline_max >= READ_BUF)
		return eseal_errorf(err, EINVAL,
				    "inline size limit %zu too large",
				    s.inline_max);
	if (!tree->root)
		return eseal_errorf(err, EINVAL, "empty tree");
	r = eseal_tree_walk_nodes(tree, collect_fn, &c, err);
	if (r) {
		if (r == -ENOMEM)
			eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	stats->files = c.n_regular;
	if (c.n && !tree->src_root) {
		r = eseal_errorf(err, EINVAL,
				 "the tree has files to read but no source directory");
		goto out;
	}
	if (c.n) {
		s.src_fd = open(tree->src_root,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s.src_fd < 0) {
			r = eseal_syserrorf(err, errno, "%s", tree->src_root);
			goto out;
		}
	}
	if (opts->flags & ~ESEAL_STORE_NO_DIGEST_CACHE) {
		r = eseal_errorf(err, EINVAL, "unknown store flags %#x",
				 opts->flags);
		goto out;
	}
	/* the store, under its writers' lock (the caller's, if it holds one) */
	r = eseal_objstore_from_opts(opts, &s.st, err);
	if (r)
		goto out;
	if (s.st)
		eseal_objstore_mark(s.st, &mark);
	/* a store's own cache is written under that lock too: no gc meanwhile */
	if (c.n && !(opts->flags & ESEAL_STORE_NO_DIGEST_CACHE) &&
	    (opts->digest_cache || s.st)) {
		r = open_cache(&s, opts, &stats->cache_state, err);
		/* most hits will have their object: list them at once */
		if (!r && s.st && s.dc)
			r = stamp_store(&s, stats->cache_state ==
					    ESEAL_CACHE_LOADED &&
					    c.n >= INDEX_MIN, err);
		if (r)
			goto out;
	}
	r = run_pool(&s, &c, opts, stats, err);
	if (s.st) {
		struct eseal_error serr;

		/* queued objects are valid even when r != 0: publish them */
		if (eseal_objstore_sync(s.st, &serr) < 0 && !r)
			r = eseal_errorf(err, serr.code, "%s", serr.msg);
		/* this call's share of a store the caller may use again */
		eseal_objstore_stats_since(s.st, &mark, stats);
	}
	/* after the sync: every object the cache names is in the store */
	if (!r && s.dc) {
		bool written;

		r = eseal_dcache_save(s.dc, &written, err);
		stats->cache_written = written;
		if (read_only(r) && !opts->digest_cache) {
			stats->cache_state = ESEAL_CACHE_READ_ONLY;
			r = 0;
		}
	}
out:
	eseal_dcache_free(s.dc);
	eseal_objstore_close(s.st);
	if (s.src_fd >= 0)
		close(s.src_fd);
	free(c.files);
	return r;
}

int eseal_store_args_in(const struct eseal_store_opts *opts,
			const struct eseal_store_stats *stats,
			struct eseal_store_opts *o, struct eseal_error *err)
{
	int r = 0;

	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	if (opts)
		r = eseal_abi_in(o, sizeof(*o), opts, ESEAL_V0_STORE_OPTS,
				 "eseal_store_opts", err);
	if (!r && stats)
		r = eseal_abi_check(stats, sizeof(*stats),
				    ESEAL_V0_STORE_STATS, "eseal_store_stats",
				    err);
	return r;
}

int eseal_tree_store_objects(struct eseal_tree *tree,
			     const struct eseal_store_opts *opts,
			     struct eseal_store_stats *stats,
			     struct eseal_error *err)
{
	struct eseal_store_stats full = { 0 };
	struct eseal_store_opts o;
	int r;

	if (!opts)
		return eseal_errorf(err, EINVAL, "no store options");
	r = eseal_store_args_in(opts, stats, &o, err);
	if (r)
		return r;
	r = store_objects(tree, &o, &full, err);
	if (stats)
		eseal_abi_out(stats, &full, sizeof(full));
	return r;
}
