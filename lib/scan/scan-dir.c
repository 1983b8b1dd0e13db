// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Reader: a directory on disk -> tree.
 *
 * Attributes are taken as mkcomposefs 1.0.8 takes them (lcfs_build and
 * lcfs_load_node_from_file), so that the same input gives the same image:
 * mode, uid, gid, rdev and st_size of every entry (a symlink's size is the
 * length of its target), mtime with nanoseconds unless USE_EPOCH, nlink 1
 * (directories: 2 + subdirectories), every xattr in listxattr order (or
 * only user.*, or none).  File data is not read here; the store step does
 * that.  Unlike mkcomposefs, hardlinks are kept: the first path in
 * pre-order (children by name) is the target, later ones link to it;
 * ESEAL_SCAN_NO_HARDLINKS does as mkcomposefs does (each name a file).
 *
 * Directories are read on a thread pool, one directory per job, relative
 * to the source directory's fd (so path length and depth are unlimited,
 * and at most one directory fd per thread is open); this thread turns the
 * records into nodes.  Jobs finish in any order, so hardlinks are resolved
 * afterwards by a walk in pre-order: the tree is the same for any timing.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "tree.h"
#include "workers.h"

#define ALL_SCAN_FLAGS (ESEAL_SCAN_SKIP_DEVICES | ESEAL_SCAN_SKIP_XATTRS | \
			ESEAL_SCAN_USER_XATTRS | ESEAL_SCAN_USE_EPOCH | \
			ESEAL_SCAN_NO_HARDLINKS)

struct dirjob {
	struct eseal_node *node;
	char *path;			/* relative to the source, "." */
	dev_t dev;
	ino_t ino;
	/* results */
	uint8_t *recs;
	size_t len, n;
	int ret;
	struct eseal_error err;
};

struct pending {
	struct eseal_node *node;
	char *path;
	dev_t dev;
	ino_t ino;
};

struct cand {				/* a possible hardlink */
	dev_t dev;
	ino_t ino;
};

struct link_slot {
	dev_t dev;
	ino_t ino;
	struct eseal_node *node;	/* NULL: empty slot */
};

struct scan {
	struct eseal_tree *tree;
	struct eseal_scan_cfg cfg;
	struct eseal_error *err;
	struct pending *pend;
	size_t n_pend, cap_pend;
	struct cand *cands;
	size_t n_cands, cap_cands;
	struct link_slot *links;
	size_t n_links, links_cap;	/* cap is a power of two */
};

/* ---- worker side --------------------------------------------------------- */

static int tls_init(void *arg, void **tls)
{
	(void)arg;
	*tls = eseal_scan_buf_new();
	return *tls ? 0 : -ENOMEM;
}

static void tls_fini(void *arg, void *tls)
{
	(void)arg;
	eseal_scan_buf_free(tls);
}

static void run_dirjob(void *arg, void *tls, void *jobp)
{
	struct scan *s = arg;
	struct dirjob *j = jobp;

	j->err.code = 0;
	j->err.msg[0] = '\0';
	j->ret = eseal_scan_read_dir(&s->cfg, tls, j->path, j->dev, j->ino,
				     &j->recs, &j->len, &j->n, &j->err);
}

/* ---- records -> nodes ---------------------------------------------------- */

static int set_attrs(struct scan *s, struct eseal_node *node,
		     const struct eseal_scan_rec *r)
{
	struct eseal_src_stat *src;

	node->uid = r->uid;
	node->gid = r->gid;
	node->rdev = (uint32_t)r->rdev;
	node->size = r->size;
	if (!(s->cfg.flags & ESEAL_SCAN_USE_EPOCH)) {
		node->mtime_sec = r->mtime_sec;
		node->mtime_nsec = r->mtime_nsec;
	}
	if (S_ISDIR(r->mode)) {
		node->nlink = 2;
	} else if (S_ISREG(r->mode)) {
		node->flags |= ESEAL_NODE_FROM_SOURCE;
		src = eseal_tree_alloc(s->tree, sizeof(*src));
		if (!src)
			return eseal_errorf(s->err, ENOMEM, "out of memory");
		*src = (struct eseal_src_stat){
			.dev = r->dev, .ino = r->ino, .size = r->size,
			.mtime_sec = r->mtime_sec, .ctime_sec = r->ctime_sec,
			.mtime_nsec = r->mtime_nsec,
			.ctime_nsec = r->ctime_nsec, .attrs = r->attrs,
		};
		node->src = src;
	}
	return 0;
}

/* Node from a record; *name_out points at its name. */
static struct eseal_node *make_node(struct scan *s,
				    const struct eseal_scan_rec *r,
				    const char **name_out, int *ret)
{
	const uint8_t *p = (const uint8_t *)(r + 1);
	struct eseal_node *node;
	uint32_t i;

	*name_out = (const char *)p;
	p += r->name_len + 1;
	node = eseal_node_new(s->tree, r->mode);
	if (!node) {
		*ret = eseal_errorf(s->err, ENOMEM, "out of memory");
		return NULL;
	}
	*ret = set_attrs(s, node, r);
	if (*ret)
		return NULL;
	if (r->link_len) {
		*ret = eseal_node_set_payload(s->tree, node, (const char *)p,
					      s->err);
		if (*ret)
			return NULL;
		p += r->link_len + 1;
	}
	for (i = 0; i < r->n_xattrs; i++) {
		struct eseal_scan_xattr x;

		memcpy(&x, p, sizeof(x));
		p += sizeof(x);
		*ret = eseal_node_set_xattr(s->tree, node, (const char *)p,
					    p + x.key_len + 1, x.value_len,
					    s->err);
		if (*ret)
			return NULL;
		p += x.key_len + 1 + x.value_len;
	}
	*ret = 0;
	return node;
}

static int push_pending(struct scan *s, struct eseal_node *node,
			const char *parent, const char *name, dev_t dev,
			ino_t ino)
{
	struct pending *p;
	size_t plen = strcmp(parent, ".") ? strlen(parent) + 1 : 0;
	size_t nlen = strlen(name);
	char *path;

	if (s->n_pend == s->cap_pend) {
		size_t cap = s->cap_pend ? 2 * s->cap_pend : 64;

		p = realloc(s->pend, cap * sizeof(*p));
		if (!p)
			return eseal_errorf(s->err, ENOMEM, "out of memory");
		s->pend = p;
		s->cap_pend = cap;
	}
	path = malloc(plen + nlen + 1);
	if (!path)
		return eseal_errorf(s->err, ENOMEM, "out of memory");
	if (plen) {
		memcpy(path, parent, plen - 1);
		path[plen - 1] = '/';
	}
	memcpy(path + plen, name, nlen + 1);
	p = &s->pend[s->n_pend++];
	p->node = node;
	p->path = path;
	p->dev = dev;
	p->ino = ino;
	return 0;
}

static int add_cand(struct scan *s, struct eseal_node *node,
		    const struct eseal_scan_rec *r)
{
	if (s->n_cands == s->cap_cands) {
		size_t cap = s->cap_cands ? 2 * s->cap_cands : 256;
		struct cand *c = realloc(s->cands, cap * sizeof(*c));

		if (!c)
			return eseal_errorf(s->err, ENOMEM, "out of memory");
		s->cands = c;
		s->cap_cands = cap;
	}
	s->cands[s->n_cands].dev = (dev_t)r->dev;
	s->cands[s->n_cands].ino = (ino_t)r->ino;
	/* writers' scratch field, free until a write: index + 1 */
	node->nid = ++s->n_cands;
	return 0;
}

static int consume(struct scan *s, struct dirjob *j)
{
	const uint8_t *p = j->recs, *end;
	struct eseal_node *node;
	const char *name;
	int r;

	if (!p)
		return 0;		/* an empty directory */
	end = p + j->len;
	while (p < end) {
		const struct eseal_scan_rec *rec = (const void *)p;

		node = make_node(s, rec, &name, &r);
		if (!node)
			return r;
		r = eseal_node_add_child(s->tree, j->node, node, name,
					 rec->name_len, s->err);
		if (r) {
			char esc[ESEAL_ERR_MSG_MAX / 2];

			return eseal_error_prefix(s->err, "%s%s%s",
						  s->cfg.src_root,
						  strcmp(j->path, ".") ? "/" : "",
						  strcmp(j->path, ".") ?
						  eseal_escape_str(esc, sizeof(esc),
								   j->path) : "");
		}
		if (S_ISDIR(rec->mode)) {
			if (j->node->nlink < UINT32_MAX)
				j->node->nlink++;
			r = push_pending(s, node, j->path, name,
					 (dev_t)rec->dev, (ino_t)rec->ino);
		} else if (rec->nlink > 1 &&
			   !(s->cfg.flags & ESEAL_SCAN_NO_HARDLINKS)) {
			r = add_cand(s, node, rec);
		}
		if (r)
			return r;
		p += rec->total;
	}
	return 0;
}

/* ---- hardlinks: (dev, ino) -> first node in pre-order -------------------- */

static size_t link_hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29));
}

static struct link_slot *link_find(struct scan *s, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = link_hash(dev, ino) & (s->links_cap - 1);;
	     i = (i + 1) & (s->links_cap - 1)) {
		struct link_slot *l = &s->links[i];

		if (!l->node || (l->dev == dev && l->ino == ino))
			return l;
	}
}

static int resolve_link(struct eseal_node *node, const char *path, void *arg)
{
	struct scan *s = arg;
	struct eseal_node *t;
	struct link_slot *l;
	struct cand *c;

	(void)path;
	if (!node->nid)
		return 0;
	c = &s->cands[node->nid - 1];
	node->nid = 0;
	l = link_find(s, c->dev, c->ino);
	if (!l->node) {
		l->dev = c->dev;
		l->ino = c->ino;
		l->node = node;
		return 0;
	}
	/* a later name of an inode met before: make it a link */
	t = l->node;
	if (t->nlink < UINT32_MAX)
		t->nlink++;
	free(node->xattrs);
	node->xattrs = NULL;
	node->n_xattrs = node->cap_xattrs = 0;
	node->payload = NULL;
	node->src = NULL;
	node->flags &= ~ESEAL_NODE_FROM_SOURCE;
	node->mode = t->mode;
	node->uid = node->gid = node->rdev = 0;
	node->size = 0;
	node->mtime_sec = 0;
	node->mtime_nsec = 0;
	node->nlink = 1;
	node->link_to = t;
	return 0;
}

static int resolve_links(struct scan *s)
{
	int r;

	if (!s->n_cands)
		return 0;
	s->links_cap = 256;
	while (s->links_cap < 2 * s->n_cands)
		s->links_cap *= 2;
	s->links = calloc(s->links_cap, sizeof(*s->links));
	if (!s->links)
		return eseal_errorf(s->err, ENOMEM, "out of memory");
	r = eseal_tree_walk_nodes(s->tree, resolve_link, s, s->err);
	return r;
}

/* ---- the walk ------------------------------------------------------------ */

static int scan_root(struct scan *s, struct eseal_scan_buf *b)
{
	const struct eseal_scan_rec *rec;
	struct eseal_node *root;
	const char *name;
	uint8_t *recs;
	size_t len;
	int r;

	r = eseal_scan_read_self(&s->cfg, b, s->cfg.src_fd, &recs, &len,
				 s->err);
	if (r)
		return r;
	rec = (const void *)recs;
	root = make_node(s, rec, &name, &r);
	if (root)
		r = eseal_tree_set_root(s->tree, root, s->err);
	if (!r)
		r = push_pending(s, root, ".", ".", (dev_t)rec->dev,
				 (ino_t)rec->ino);
	free(recs);
	if (!r) {
		/* push_pending made "./."; the root's path is "." */
		s->pend[s->n_pend - 1].path[1] = '\0';
	}
	return r;
}

static int scan_all(struct scan *s)
{
	static const struct eseal_workers_ops ops = {
		.thread_init = tls_init,
		.thread_fini = tls_fini,
		.run = run_dirjob,
	};
	struct eseal_workers *w;
	struct dirjob *j;
	int r = 0;

	w = eseal_workers_new(0, 0, sizeof(struct dirjob), &ops, s, s->err);
	if (!w)
		return -(s->err && s->err->code ? s->err->code : ENOMEM);
	for (;;) {
		/* last in, first out: depth first keeps the list short */
		while (!r && s->n_pend && (j = eseal_workers_get_free(w))) {
			struct pending *p = &s->pend[--s->n_pend];

			j->node = p->node;
			j->path = p->path;
			j->dev = p->dev;
			j->ino = p->ino;
			eseal_workers_submit(w, j);
		}
		if (!eseal_workers_busy(w))
			break;
		j = eseal_workers_wait_done(w, -1);
		if (!j)
			continue;
		if (!r && j->ret)
			r = eseal_errorf(s->err, j->err.code, "%s", j->err.msg);
		else if (!r)
			r = consume(s, j);
		free(j->recs);
		free(j->path);
		j->recs = NULL;
		j->path = NULL;
		eseal_workers_put_free(w, j);
	}
	eseal_workers_free(w);
	return r;
}

int eseal_tree_from_dir(const char *path, unsigned int flags,
			struct eseal_tree **out, struct eseal_error *err)
{
	struct eseal_scan_buf *b = NULL;
	struct scan s = { 0 };
	size_t i;
	int r;

	*out = NULL;
	if (flags & ~ALL_SCAN_FLAGS)
		return eseal_errorf(err, EINVAL, "unknown scan flags 0x%x",
				    flags & ~ALL_SCAN_FLAGS);
	if ((flags & ESEAL_SCAN_SKIP_XATTRS) &&
	    (flags & ESEAL_SCAN_USER_XATTRS))
		return eseal_errorf(err, EINVAL,
				    "skipping xattrs and reading user xattrs conflict");
	if (!path || !*path)
		return eseal_errorf(err, EINVAL, "empty source path");
	s.err = err;
	s.cfg.flags = flags;
	s.cfg.src_root = path;
	s.cfg.src_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.cfg.src_fd < 0)
		return eseal_syserrorf(err, errno, "%s", path);
	s.tree = eseal_tree_new();
	b = eseal_scan_buf_new();
	if (!s.tree || !b || !(s.tree->src_root = strdup(path))) {
		r = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	r = scan_root(&s, b);
	if (!r)
		r = scan_all(&s);
	if (!r)
		r = resolve_links(&s);
out:
	for (i = 0; i < s.n_pend; i++)
		free(s.pend[i].path);
	free(s.pend);
	free(s.cands);
	free(s.links);
	eseal_scan_buf_free(b);
	close(s.cfg.src_fd);
	if (r) {
		eseal_tree_free(s.tree);
		return r;
	}
	*out = s.tree;
	return 0;
}
