// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Tar entries into the tree, one layer after another, as composefs-rs
 * builds an image from OCI layers (composefs-oci image.rs process_entry;
 * docs/oci.md lists each rule and where it comes from):
 *
 *  - entries apply in stream order; a later entry for a path replaces the
 *    earlier one, except that a directory over a directory only takes the
 *    new attributes (owner, mode, mtime, xattrs) and keeps its entries;
 *  - ".wh.NAME" removes NAME from its directory, ".wh..wh..opq" empties
 *    the directory; neither appears in the tree; a whiteout of something
 *    absent, or below something that is not a directory, does nothing;
 *  - a hardlink names an entry already in the tree (this layer or an
 *    earlier one) that is not a directory, and becomes another name of its
 *    inode (its own header's attributes are ignored);
 *  - the root entry ("./") sets the root's attributes;
 *  - a path never goes through a symlink or a non-directory, never
 *    through "..", never starts at "/".
 *
 * Directories that only a deeper path implies get OCI_IMPLIED_DIR_MODE,
 * owner 0:0 and mtime 0 (composefs-rs refuses such paths).
 *
 * Regular files stream from the tar into the object store: hashed as
 * they are written to a temporary file in the store, then linked as
 * xx/<digest> (or dropped when that object exists); files up to
 * OCI_APPLY_BUF bytes are hashed in memory and handed to store.c, which
 * writes their objects on a few threads, and only new ones; files up to
 * the inline limit are kept in the tree.
 *
 * A layer may also come from its record (record.c): the same entries in
 * the same order through the same code, file data by digest.  While a
 * layer streams, a->rec (when set) takes down what each entry used.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "composefs.h"
#include "files.h"
#include "fsverity.h"
#include "io.h"
#include "objstore.h"
#include "oci.h"
#include "tree.h"

#define PROGRESS_MS 100

static const uint8_t zeros[64 * 1024];

/* ---- taking subtrees out --------------------------------------------------- */

int oci_remove(struct eseal_tree *tree, struct oci_graveyard *g,
	       struct eseal_node *child, struct eseal_error *err)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;
		struct eseal_node **n = realloc(g->nodes, cap * sizeof(*n));

		if (!n)
			return eseal_errorf(err, ENOMEM, "out of memory");
		g->nodes = n;
		g->cap = cap;
	}
	eseal_node_remove_child(tree, child);
	g->nodes[g->n++] = child;
	return 0;
}

int oci_remove_all(struct eseal_tree *tree, struct oci_graveyard *g,
		   struct eseal_node *dir, struct eseal_error *err)
{
	int r = 0;

	/* from the end: nothing moves in the children array */
	while (dir->n_children && !r)
		r = oci_remove(tree, g, dir->children[dir->n_children - 1],
			       err);
	return r;
}

void oci_graveyard_free(struct oci_graveyard *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		eseal_subtree_free(g->nodes[i]);
	free(g->nodes);
	memset(g, 0, sizeof(*g));
}

/* ---- set-up -------------------------------------------------------------- */

int oci_apply_init(struct oci_apply *a, const struct eseal_oci_opts *opts,
		   struct eseal_store_stats *stats, struct eseal_error *err)
{
	struct eseal_node *root;
	int r;

	memset(a, 0, sizeof(*a));
	a->sopts = opts->store;
	a->stats = stats;
	a->hash_alg = opts->store->hash_alg ? opts->store->hash_alg :
					     ESEAL_HASH_SHA256;
	a->inline_max = opts->store->inline_max ? opts->store->inline_max :
						 ESEAL_INLINE_MAX_DEFAULT;
	a->max_entries = opts->max_entries ? opts->max_entries :
					     ESEAL_OCI_MAX_ENTRIES_DEFAULT;
	if (!eseal_hash_size(a->hash_alg))
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    opts->store->hash_alg);
	if (a->inline_max > COMPOSEFS_INLINE_CONTENT_MAX)
		return eseal_errorf(err, EINVAL,
				    "inline size limit %zu too large",
				    a->inline_max);
	a->tree = eseal_tree_new();
	a->verity = eseal_fsverity_new(a->hash_alg);
	a->buf = eseal_io_buf_alloc(OCI_APPLY_BUF);
	if (!a->tree || !a->verity || !a->buf)
		return eseal_errorf(err, ENOMEM, "out of memory");
	root = eseal_node_new(a->tree, OCI_IMPLIED_DIR_MODE);
	if (!root)
		return eseal_errorf(err, ENOMEM, "out of memory");
	r = eseal_tree_set_root(a->tree, root, err);
	if (r)
		return r;
	root->nlink = 2;
	/* the store, under its writers' lock (the caller's, if it holds one) */
	r = eseal_objstore_from_opts(opts->store, &a->st, err);
	if (!r && a->st) {
		eseal_objstore_mark(a->st, &a->mark);
		r = oci_store_new(a->st, opts->store->threads, stats, &a->writer,
				  err);
	}
	return r;
}

int oci_apply_sync(struct oci_apply *a, struct eseal_error *err)
{
	struct eseal_error e2;
	int r;

	if (!a->st)
		return 0;
	r = oci_store_drain(a->writer, err);
	oci_store_free(a->writer);
	a->writer = NULL;
	if (eseal_objstore_sync(a->st, r ? &e2 : err) < 0 && !r)
		r = -err->code;
	/* this call's share of a store the caller may use again */
	eseal_objstore_stats_since(a->st, &a->mark, a->stats);
	eseal_objstore_close(a->st);
	a->st = NULL;
	return r;
}

void oci_apply_fini(struct oci_apply *a)
{
	/* queued objects are not linked: nothing half-made stays */
	oci_store_free(a->writer);
	eseal_objstore_close(a->st);
	eseal_fsverity_free(a->verity);
	free(a->buf);
	free(a->comps);
	a->st = NULL;
	a->verity = NULL;
	a->buf = NULL;
	a->comps = NULL;
}

/* ---- paths --------------------------------------------------------------- */

/*
 * Split path into components (a->comps: offset, length pairs), leaving
 * out empty ones and "."; returns how many, or -errno.
 */
static int split_path(struct oci_apply *a, const char *path, const char *what,
		      const char *layer, const char *entry,
		      struct eseal_error *err)
{
	size_t i = 0, len = strlen(path), start, n = 0;

	if (path[0] == '/')
		return eseal_errorf(err, EINVAL,
				    "%s: %s: %s is absolute (it must be relative to the root)",
				    layer, entry, what);
	while (i < len) {
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i == start || (i - start == 1 && path[start] == '.')) {
			i++;
			continue;
		}
		if (i - start == 2 && path[start] == '.' && path[start + 1] == '.')
			return eseal_errorf(err, EINVAL,
					    "%s: %s: %s escapes the root (\"..\")",
					    layer, entry, what);
		if (i - start > COMPOSEFS_NAME_MAX)
			return eseal_errorf(err, ENAMETOOLONG,
					    "%s: %s: a name in %s is longer than %u bytes",
					    layer, entry, what,
					    COMPOSEFS_NAME_MAX);
		if (2 * n + 2 > a->cap_comps) {
			size_t cap = a->cap_comps ? 2 * a->cap_comps : 64;
			uint32_t *c = realloc(a->comps, cap * sizeof(*c));

			if (!c)
				return eseal_errorf(err, ENOMEM,
						    "out of memory");
			a->comps = c;
			a->cap_comps = cap;
		}
		a->comps[2 * n] = (uint32_t)start;
		a->comps[2 * n + 1] = (uint32_t)(i - start);
		n++;
		i++;
	}
	if (n > ESEAL_TREE_DEPTH_MAX)
		return eseal_errorf(err, ELOOP,
				    "%s: %s: %s is nested deeper than %u levels",
				    layer, entry, what, ESEAL_TREE_DEPTH_MAX);
	return (int)n;
}

/* Why node cannot be a directory on a path, or NULL when it can */
static const char *not_a_dir(const struct eseal_node *node)
{
	uint32_t mode = eseal_node_target((struct eseal_node *)node)->mode;

	if (S_ISDIR(mode) && !node->link_to)
		return NULL;
	return S_ISLNK(mode) ? "a symlink (never followed)" :
			       "not a directory";
}

/* How walk_parent treats a missing or non-directory component */
enum walk {
	WALK_MAKE,		/* make missing directories; others: error */
	WALK_LOOKUP,		/* missing: *out NULL; others: error */
	WALK_WHITEOUT,		/* missing or not a directory: *out NULL */
};

/*
 * The directory that holds the last of n components of path.  A
 * whiteout below a non-directory has nothing to remove: umoci writes
 * them for the entries of a directory that a file or symlink replaced.
 */
static int walk_parent(struct oci_apply *a, const char *path, int n,
		       enum walk how, const char *layer,
		       struct eseal_node **out, struct eseal_error *err)
{
	struct eseal_node *cur = a->tree->root, *child;
	const char *why;
	int i, r;

	*out = NULL;
	for (i = 0; i + 1 < n; i++) {
		const char *name = path + a->comps[2 * i];
		uint32_t len = a->comps[2 * i + 1];

		child = eseal_node_find_child(cur, name, len);
		if (!child) {
			if (how != WALK_MAKE)
				return 0;
			child = eseal_node_new(a->tree, OCI_IMPLIED_DIR_MODE);
			if (!child)
				return eseal_errorf(err, ENOMEM,
						    "out of memory");
			child->nlink = 2;
			r = eseal_node_add_child(a->tree, cur, child, name, len,
						 err);
			if (r)
				return eseal_error_prefix(err, "%s: %s", layer,
							  path);
		} else if ((why = not_a_dir(child))) {
			if (how == WALK_WHITEOUT)
				return 0;
			return eseal_errorf(err, ENOTDIR,
					    "%s: %s: %.*s is %s", layer, path,
					    (int)(name + len - path), path,
					    why);
		}
		cur = child;
	}
	*out = cur;
	return 0;
}

/* The node a hardlink entry names: present, not a directory */
static int link_target(struct oci_apply *a, const struct oci_entry *e,
		       const char *layer, struct eseal_node **out,
		       struct eseal_error *err)
{
	struct eseal_node *dir, *t;
	int n, r;

	n = split_path(a, e->hardlink, "the hardlink target", layer, e->path,
		       err);
	if (n < 0)
		return n;
	if (n == 0)
		return eseal_errorf(err, EISDIR,
				    "%s: %s: a hardlink to the root", layer,
				    e->path);
	r = walk_parent(a, e->hardlink, n, WALK_LOOKUP, layer, &dir, err);
	if (r)
		return r;
	t = dir ? eseal_node_find_child(dir, e->hardlink + a->comps[2 * n - 2],
					a->comps[2 * n - 1]) :
		  NULL;
	if (!t)
		return eseal_errorf(err, ENOENT,
				    "%s: %s: hardlink to %s, which is not there",
				    layer, e->path, e->hardlink);
	if (S_ISDIR(t->mode) && !t->link_to)
		return eseal_errorf(err, EISDIR,
				    "%s: %s: hardlink to the directory %s",
				    layer, e->path, e->hardlink);
	*out = eseal_node_target(t);
	return 0;
}

/* ---- attributes and data ------------------------------------------------- */

/* Where an entry's xattrs and data come from: a tar stream, or a record */
struct entry_src {
	struct oci_tar *t;
	const struct oci_rec_entry *re;
	const uint8_t *xpos;
};

static int next_xattr(struct oci_apply *a, struct entry_src *src,
		      const char **key, const void **value, size_t *len,
		      const char *layer, struct eseal_error *err)
{
	int r = src->re ? oci_rec_next_xattr(src->re, &src->xpos, key, value,
					     len) :
			  oci_tar_xattr(src->t, key, value, len, err);

	if (r < 0 && src->re)
		return eseal_errorf(err, EINVAL, "%s: a damaged layer record",
				    layer);
	if (r > 0 && a->rec)
		oci_rec_xattr(a->rec, *key, *value, *len);
	return r;
}

/* The entry's owner, mode, mtime and xattrs (replacing all it had) */
static int set_attrs(struct oci_apply *a, struct entry_src *src,
		     struct eseal_node *node, const struct oci_entry *e,
		     const char *layer, struct eseal_error *err)
{
	const char *key;
	const void *value;
	size_t len;
	int r;

	node->mode = e->type | e->perm;
	node->uid = e->uid;
	node->gid = e->gid;
	node->mtime_sec = e->mtime_sec;
	node->mtime_nsec = e->mtime_nsec;
	node->rdev = e->rdev;
	node->n_xattrs = 0;
	while ((r = next_xattr(a, src, &key, &value, &len, layer, err)) > 0) {
		if (!key[0] || strlen(key) > COMPOSEFS_XATTR_NAME_MAX ||
		    len > COMPOSEFS_XATTR_VALUE_MAX)
			return eseal_errorf(err, E2BIG,
					    "%s: %s: xattr '%.64s' is over the EROFS limits (name 1-%u bytes, value up to %u)",
					    layer, e->path, key,
					    COMPOSEFS_XATTR_NAME_MAX,
					    COMPOSEFS_XATTR_VALUE_MAX);
		r = eseal_node_set_xattr(a->tree, node, key, value, len, err);
		if (r)
			return eseal_error_prefix(err, "%s: %s", layer,
						  e->path);
	}
	return r;
}

/* Hash size - from zero bytes (a hole of a sparse file) */
static int hash_zeros(struct oci_apply *a, uint64_t n)
{
	int r = 0;

	while (n && !r) {
		size_t k = n > sizeof(zeros) ? sizeof(zeros) : (size_t)n;

		r = eseal_fsverity_update(a->verity, zeros, k);
		n -= k;
	}
	return r;
}

static void count_object(struct oci_apply *a, const struct eseal_obj_result *res)
{
	a->stats->objects_new += res->published;
	a->stats->objects_existing += res->existing;
	a->stats->copied += res->published;
}

/*
 * The data of a regular file entry, streamed: into a->buf when it fits
 * (then written to the store only if its object is new), else through a
 * temporary object.  Holes of sparse files stay holes.
 */
static int store_data(struct oci_apply *a, struct oci_tar *t,
		      const struct oci_entry *e, const char *layer,
		      struct eseal_digest *d, struct eseal_error *err)
{
	struct eseal_tmpfile tmp = { .fd = -1 };
	struct eseal_obj_result res;
	bool in_mem = e->size <= OCI_APPLY_BUF;
	uint64_t pos = 0, off;
	const void *blk;
	size_t len;
	int r;

	if (!in_mem && a->st) {
		r = eseal_objstore_tmp_new(a->st, &tmp, err);
		if (r)
			return r;
	}
	eseal_fsverity_reset(a->verity);
	while ((r = oci_tar_block(t, &blk, &len, &off, err)) > 0) {
		if (off < pos || off > e->size || len > e->size - off) {
			r = eseal_errorf(err, EINVAL,
					 "%s: %s: data beyond the size its header says",
					 layer, e->path);
			break;
		}
		if (in_mem) {
			memset(a->buf + pos, 0, (size_t)(off - pos));
			memcpy(a->buf + off, blk, len);
		} else {
			r = hash_zeros(a, off - pos);
			if (!r)
				r = eseal_fsverity_update(a->verity, blk, len);
			if (r) {
				eseal_errorf(err, -r, "hashing failed");
				break;
			}
			if (tmp.fd >= 0 &&
			    eseal_pwrite_full(tmp.fd, blk, len, off) < 0) {
				r = eseal_syserrorf(err, errno,
						    "%s: writing an object",
						    layer);
				break;
			}
		}
		pos = off + len;
	}
	if (r < 0)
		goto fail;
	if (in_mem) {
		memset(a->buf + pos, 0, (size_t)(e->size - pos));
		r = eseal_fsverity_update(a->verity, a->buf, (size_t)e->size);
	} else {
		r = hash_zeros(a, e->size - pos);
		if (!r && tmp.fd >= 0 && ftruncate(tmp.fd, (off_t)e->size) < 0)
			r = -errno;
	}
	if (!r)
		r = eseal_fsverity_final(a->verity, d);
	if (r) {
		r = eseal_syserrorf(err, -r, "%s: %s: storing the data", layer,
				    e->path);
		goto fail;
	}
	a->stats->files++;
	a->stats->bytes += e->size;
	if (!a->st || e->size <= a->inline_max)
		goto done;
	if (in_mem)
		return oci_store_put(a->writer, d, a->buf, (size_t)e->size,
				     err);
	r = eseal_objstore_tmp_commit(a->st, &tmp, d, &res, err);
	if (r)
		return r;
	count_object(a, &res);
done:
	eseal_tmpfile_discard(&tmp);
	return 0;
fail:
	eseal_tmpfile_discard(&tmp);
	return r;
}

/* The data of a regular file entry from its record: digest, inline content */
static int replay_data(struct oci_apply *a, const struct oci_rec_entry *re,
		       const char *layer, struct eseal_digest *d,
		       struct eseal_error *err)
{
	uint64_t size = re->e.size;

	if (!re->have_data || (size && size <= a->inline_max &&
			       re->content_len != size))
		return eseal_errorf(err, EINVAL,
				    "%s: %s: a damaged layer record", layer,
				    re->e.path);
	*d = re->digest;
	memcpy(a->buf, re->content, re->content_len);
	a->stats->files++;
	a->stats->bytes += size;
	return 0;
}

/* ---- one entry ----------------------------------------------------------- */

static int apply_whiteout(struct oci_apply *a, struct eseal_node *dir,
			  const char *name, size_t len,
			  struct eseal_error *err)
{
	struct eseal_node *victim;

	/* opaque: nothing from lower layers stays */
	if (len == 8 && !memcmp(name, ".wh..opq", 8))
		return oci_remove_all(a->tree, &a->removed, dir, err);
	victim = len ? eseal_node_find_child(dir, name, len) : NULL;
	return victim ? oci_remove(a->tree, &a->removed, victim, err) : 0;
}

static int apply_entry(struct oci_apply *a, struct entry_src *src,
		       const struct oci_entry *e, const char *layer,
		       struct eseal_error *err)
{
	struct eseal_node *dir, *old, *node, *target = NULL;
	struct eseal_digest d;
	const char *name;
	size_t len;
	bool whiteout;
	int n, r;

	if (a->rec)
		oci_rec_entry(a->rec, e);
	n = split_path(a, e->path, "the path", layer, e->path, err);
	if (n < 0)
		return n;
	if (n == 0) {
		if (e->type != S_IFDIR || e->hardlink)
			return eseal_errorf(err, ENOTDIR,
					    "%s: %s: the root entry is not a directory",
					    layer, e->path);
		return set_attrs(a, src, a->tree->root, e, layer, err);
	}
	name = e->path + a->comps[2 * n - 2];
	len = a->comps[2 * n - 1];
	whiteout = len >= 4 && !memcmp(name, ".wh.", 4);
	r = walk_parent(a, e->path, n, whiteout ? WALK_WHITEOUT : WALK_MAKE,
			layer, &dir, err);
	if (r || !dir)
		return r;
	if (whiteout)
		return apply_whiteout(a, dir, name + 4, len - 4, err);

	old = eseal_node_find_child(dir, name, len);
	if (e->hardlink) {
		r = link_target(a, e, layer, &target, err);
		if (r)
			return r;
		if (old && eseal_node_target(old) == target)
			return 0;	/* already that inode */
	} else if (e->type == S_IFDIR) {
		if (old && S_ISDIR(old->mode) && !old->link_to)
			return set_attrs(a, src, old, e, layer, err);
	} else if (e->type == S_IFLNK) {
		if (!e->symlink || !e->symlink[0] ||
		    strlen(e->symlink) >= COMPOSEFS_PATH_MAX)
			return eseal_errorf(err, EINVAL,
					    "%s: %s: a symlink target must be 1-%u bytes",
					    layer, e->path,
					    COMPOSEFS_PATH_MAX - 1);
	} else if (e->type == S_IFREG) {
		/* the data first: a failure leaves the tree as it was */
		r = src->re ? replay_data(a, src->re, layer, &d, err) :
			      store_data(a, src->t, e, layer, &d, err);
		if (r)
			return r;
		if (a->rec)
			oci_rec_data(a->rec, &d, a->buf,
				     e->size <= a->inline_max ?
					     (size_t)e->size : 0);
	} else if (e->type != S_IFCHR && e->type != S_IFBLK &&
		   e->type != S_IFIFO) {
		return eseal_errorf(err, EINVAL,
				    "%s: %s: unsupported entry type (mode %o)",
				    layer, e->path, e->type);
	}

	if (old) {
		r = oci_remove(a->tree, &a->removed, old, err);
		if (r)
			return r;
	}
	node = eseal_node_new(a->tree, target ? target->mode : e->type);
	if (!node)
		return eseal_errorf(err, ENOMEM, "out of memory");
	if (target) {
		node->link_to = target;
	} else {
		r = set_attrs(a, src, node, e, layer, err);
		if (!r && e->type == S_IFLNK)
			r = eseal_node_set_payload(a->tree, node, e->symlink,
						   err);
		if (!r && e->type == S_IFREG)
			r = eseal_node_set_data(a->tree, node, &d, e->size,
						a->buf, a->inline_max, err);
		if (!r && e->type == S_IFDIR)
			node->nlink = 2;
		if (r)
			return r;
	}
	r = eseal_node_add_child(a->tree, dir, node, name, len, err);
	if (r)
		return eseal_error_prefix(err, "%s: %s", layer, e->path);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void progress(struct oci_apply *a, bool force)
{
	struct eseal_progress p = { 0 };
	uint64_t now;

	if (!a->sopts->progress)
		return;
	now = now_ms();
	if (!force && now - a->last_ms < PROGRESS_MS)
		return;
	a->last_ms = now;
	p.entries_done = p.entries_total = a->n_entries;
	p.bytes_done = a->in_bytes ? atomic_load(a->in_bytes) : 0;
	p.bytes_total = MAX(a->bytes_total, p.bytes_done);
	a->sopts->progress(&p, a->sopts->progress_arg);
}

/* One more entry of a layer, streamed or replayed, within the limit */
static int apply_next(struct oci_apply *a, struct entry_src *src,
		      const struct oci_entry *e, const char *name,
		      struct eseal_error *err)
{
	int r;

	if (++a->n_entries > a->max_entries)
		return eseal_errorf(err, EFBIG,
				    "%s: over the limit of %llu entries", name,
				    (unsigned long long)a->max_entries);
	r = apply_entry(a, src, e, name, err);
	if (!r)
		progress(a, false);
	return r;
}

int oci_apply_layer(struct oci_apply *a, struct oci_tar *t, const char *name,
		    struct eseal_error *err)
{
	struct entry_src src = { .t = t };
	struct oci_entry e;
	int r;

	while ((r = oci_tar_next(t, &e, err)) > 0) {
		r = apply_next(a, &src, &e, name, err);
		if (r)
			return r;
	}
	if (!r)
		r = oci_tar_finish(t, err);
	if (!r)
		progress(a, true);
	return r;
}

int oci_apply_replay(struct oci_apply *a, const struct oci_replay *rp,
		     const char *name, struct eseal_error *err)
{
	size_t i;
	int r;

	for (i = 0; i < rp->n; i++) {
		struct entry_src src = { .re = &rp->entries[i] };

		r = apply_next(a, &src, &rp->entries[i].e, name, err);
		if (r)
			return r;
	}
	progress(a, true);
	return 0;
}
