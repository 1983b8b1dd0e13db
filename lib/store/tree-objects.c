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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "objstore.h"
#include "tree.h"
#include "workers.h"

#define READ_BUF (512 * 1024)
#define BIG_FILE (16ull << 20)	/* started first so they do not trail */
#define PROGRESS_MS 100

struct store {
	struct eseal_tree *tree;
	int src_fd;
	struct eseal_objstore *st;	/* NULL: hash only */
	int alg;
	size_t inline_max;
};

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
	int ret;
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
	t->buf = malloc(READ_BUF);
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

static void run_job(void *arg, void *tlsp, void *jobp)
{
	struct store *s = arg;
	struct tls *t = tlsp;
	struct job *j = jobp;
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	struct stat st;
	const char *name;
	ssize_t rel;
	int fd;

	memset(&j->res, 0, sizeof(j->res));
	j->err.code = 0;
	j->err.msg[0] = '\0';
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

static int apply(struct store *s, struct job *j,
		 struct eseal_store_stats *stats, struct eseal_error *err)
{
	int r;

	stats->bytes += j->res.size;
	r = eseal_node_set_data(s->tree, j->node, &j->res.digest, j->res.size,
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
			eseal_workers_submit(w, j);
		}
		if (!eseal_workers_busy(w))
			break;
		j = eseal_workers_wait_done(w, PROGRESS_MS);
		if (j) {
			if (!r && j->ret)
				r = eseal_errorf(err, j->err.code, "%s",
						 j->err.msg);
			else if (!r)
				r = apply(s, j, stats, err);
			p.entries_done++;
			p.bytes_done += j->res.size;
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

/* The work, on structs of this library's size */
static int store_objects(struct eseal_tree *tree,
			 const struct eseal_store_opts *opts,
			 struct eseal_store_stats *stats,
			 struct eseal_error *err)
{
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
	if (opts->store_dir) {
		r = eseal_objstore_open(opts->store_dir, &s.st, err);
		if (r)
			goto out;
	}
	r = run_pool(&s, &c, opts, stats, err);
	if (s.st) {
		struct eseal_error serr;
		uint64_t raced, v_ok, v_failed;

		/* queued objects are valid even when r != 0: publish them */
		if (eseal_objstore_sync(s.st, &serr) < 0 && !r)
			r = eseal_errorf(err, serr.code, "%s", serr.msg);
		eseal_objstore_counts(s.st, &raced, &v_ok, &v_failed);
		raced = MIN(raced, stats->objects_new);
		stats->objects_new -= raced;
		stats->objects_existing += raced;
		stats->verity_enabled = v_ok;
		stats->verity_unsupported = v_failed;
	}
out:
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
