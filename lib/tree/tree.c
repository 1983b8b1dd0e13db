// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The in-memory tree: allocation, children, xattrs and walks.
 */
#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define ARENA_CHUNK_MIN (64 * 1024)
#define ARENA_ALIGN 8
#define NAME_MAX_LEN 255

struct eseal_arena_chunk {
	struct eseal_arena_chunk *next;
	size_t size;
	_Alignas(max_align_t) unsigned char data[];
};

struct eseal_tree *eseal_tree_new(void)
{
	return calloc(1, sizeof(struct eseal_tree));
}

void *eseal_tree_alloc(struct eseal_tree *tree, size_t size)
{
	struct eseal_arena_chunk *c;
	size_t csize;
	void *p;

	size = ALIGN_UP(size, (size_t)ARENA_ALIGN);
	if (!tree->chunks || tree->chunk_used + size > tree->chunk_size) {
		csize = size > ARENA_CHUNK_MIN / 4 ? size : ARENA_CHUNK_MIN;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		if (csize != ARENA_CHUNK_MIN && tree->chunks) {
			/* a big one-off: keep the current chunk for small ones */
			c->next = tree->chunks->next;
			tree->chunks->next = c;
			memset(c->data, 0, size);
			return c->data;
		}
		c->next = tree->chunks;
		tree->chunks = c;
		tree->chunk_used = 0;
		tree->chunk_size = csize;
	}
	p = tree->chunks->data + tree->chunk_used;
	tree->chunk_used += size;
	memset(p, 0, size);
	return p;
}

char *eseal_tree_strndup(struct eseal_tree *tree, const char *s, size_t len)
{
	char *p = eseal_tree_alloc(tree, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *eseal_tree_memdup(struct eseal_tree *tree, const void *src, size_t len)
{
	/* one spare NUL byte so that values may be used as strings */
	return eseal_tree_strndup(tree, src, len);
}

static void node_free_arrays(struct eseal_node *node)
{
	free(node->children);
	free(node->xattrs);
}

void eseal_tree_free(struct eseal_tree *tree)
{
	struct eseal_arena_chunk *c, *next;
	struct eseal_node **stack = NULL;
	size_t n = 0, cap = 0;

	if (!tree)
		return;
	/* free the malloc'ed arrays, iteratively (trees may be deep) */
	if (tree->root) {
		cap = 64;
		stack = malloc(cap * sizeof(*stack));
		if (stack)
			stack[n++] = tree->root;
	}
	while (n) {
		struct eseal_node *node = stack[--n];
		uint32_t i;

		for (i = 0; i < node->n_children; i++) {
			if (n == cap) {
				struct eseal_node **s;

				s = realloc(stack, 2 * cap * sizeof(*stack));
				if (!s)
					break;
				stack = s;
				cap *= 2;
			}
			stack[n++] = node->children[i];
		}
		node_free_arrays(node);
	}
	free(stack);
	for (c = tree->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(tree->src_root);
	free(tree);
}

size_t eseal_tree_count(const struct eseal_tree *tree)
{
	return tree->n_nodes;
}

struct eseal_node *eseal_node_new(struct eseal_tree *tree, uint32_t mode)
{
	struct eseal_node *node = eseal_tree_alloc(tree, sizeof(*node));

	if (!node)
		return NULL;
	node->mode = mode;
	node->nlink = 1;
	tree->n_nodes++;
	return node;
}

int eseal_tree_set_root(struct eseal_tree *tree, struct eseal_node *root,
			struct eseal_error *err)
{
	if (!S_ISDIR(root->mode))
		return eseal_errorf(err, ENOTDIR, "the root is not a directory");
	root->flags |= ESEAL_NODE_IN_TREE;
	tree->root = root;
	return 0;
}

bool eseal_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return !memchr(name, '/', len) && !memchr(name, '\0', len);
}

bool eseal_payload_valid(const char *payload, size_t len)
{
	const char *p = payload, *end = payload + len, *slash;

	if (!len || memchr(payload, '\0', len))
		return false;
	for (;;) {
		slash = memchr(p, '/', end - p);
		if (!slash)
			slash = end;
		if (slash == p || (slash - p == 1 && p[0] == '.') ||
		    (slash - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (slash == end)
			return true;
		p = slash + 1;
	}
}

static int name_cmp(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	int r = memcmp(a, b, MIN(alen, blen));

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/* index of the first child whose name is >= name */
static uint32_t child_lower_bound(const struct eseal_node *parent,
				  const char *name, size_t len)
{
	uint32_t lo = 0, hi = parent->n_children;

	/* fast path: names arriving in order */
	if (hi && name_cmp(parent->children[hi - 1]->name, name, len) < 0)
		return hi;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (name_cmp(parent->children[mid]->name, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct eseal_node *eseal_node_find_child(const struct eseal_node *parent,
					 const char *name, size_t len)
{
	uint32_t i = child_lower_bound(parent, name, len);

	if (i < parent->n_children &&
	    name_cmp(parent->children[i]->name, name, len) == 0)
		return parent->children[i];
	return NULL;
}

int eseal_node_add_child(struct eseal_tree *tree, struct eseal_node *parent,
			 struct eseal_node *child, const char *name,
			 size_t len, struct eseal_error *err)
{
	char esc[ESEAL_ESC_SIZE(NAME_MAX_LEN)];
	uint32_t i;

	/* names in messages as `info ls` shows them */
#define ESC_NAME eseal_escape_name(esc, sizeof(esc), name, MIN(len, 255u))
	if (!S_ISDIR(parent->mode))
		return eseal_errorf(err, ENOTDIR, "parent of '%s' is not a directory",
				    ESC_NAME);
	if (!eseal_name_valid(name, len))
		return eseal_errorf(err, EINVAL, "invalid file name '%s'",
				    ESC_NAME);
	if (child->flags & ESEAL_NODE_IN_TREE)
		return eseal_errorf(err, EINVAL, "'%s' is already in the tree",
				    ESC_NAME);
	if (child->n_children)
		return eseal_errorf(err, EINVAL,
				    "'%s' already has children", ESC_NAME);
	if (parent->depth >= ESEAL_TREE_DEPTH_MAX)
		return eseal_errorf(err, ELOOP,
				    "'%s' is nested deeper than %u levels",
				    ESC_NAME, ESEAL_TREE_DEPTH_MAX);
	i = child_lower_bound(parent, name, len);
	if (i < parent->n_children &&
	    name_cmp(parent->children[i]->name, name, len) == 0)
		return eseal_errorf(err, EEXIST, "duplicate name '%s'",
				    ESC_NAME);
#undef ESC_NAME
	if (parent->n_children == UINT32_MAX)
		return eseal_errorf(err, EFBIG, "too many entries in a directory");
	if (parent->n_children == parent->cap_children) {
		uint32_t cap = parent->cap_children ? parent->cap_children * 2 : 4;
		struct eseal_node **c;

		if (cap < parent->cap_children)
			cap = UINT32_MAX;
		c = realloc(parent->children, (size_t)cap * sizeof(*c));
		if (!c)
			return eseal_errorf(err, ENOMEM, "out of memory");
		parent->children = c;
		parent->cap_children = cap;
	}
	child->name = eseal_tree_strndup(tree, name, len);
	if (!child->name)
		return eseal_errorf(err, ENOMEM, "out of memory");
	memmove(&parent->children[i + 1], &parent->children[i],
		(parent->n_children - i) * sizeof(*parent->children));
	parent->children[i] = child;
	parent->n_children++;
	child->parent = parent;
	child->depth = parent->depth + 1;
	child->flags |= ESEAL_NODE_IN_TREE;
	return 0;
}

/* the index of child in its parent's children, by name */
static uint32_t child_slot(const struct eseal_node *child)
{
	return child_lower_bound(child->parent, child->name,
				 strlen(child->name));
}

void eseal_node_swap_places(struct eseal_node *a, struct eseal_node *b)
{
	struct eseal_node *ap = a->parent, *bp = b->parent;
	uint32_t ai = child_slot(a), bi = child_slot(b);
	uint32_t depth = a->depth;
	char *name = a->name;

	ap->children[ai] = b;
	bp->children[bi] = a;
	a->name = b->name;
	b->name = name;
	a->parent = bp;
	b->parent = ap;
	a->depth = b->depth;
	b->depth = depth;
}

/*
 * Visit the subtree below top without a stack (children arrays and
 * parent pointers are enough), counting its nodes; with free_arrays, free
 * each node's arrays once its children are done.
 */
static size_t subtree_visit(struct eseal_node *top, bool free_arrays)
{
	struct eseal_node *n = top, *p;
	size_t count = 0;
	uint32_t i = 0;		/* next child of n to visit */

	for (;;) {
		if (i == 0)
			count++;
		if (i < n->n_children) {
			n = n->children[i];
			i = 0;
			continue;
		}
		if (n == top)
			break;
		p = n->parent;
		i = child_slot(n) + 1;
		if (free_arrays)
			node_free_arrays(n);
		n = p;
	}
	if (free_arrays)
		node_free_arrays(top);
	return count;
}

void eseal_node_remove_child(struct eseal_tree *tree, struct eseal_node *child)
{
	struct eseal_node *parent = child->parent;
	uint32_t i = child_slot(child);

	tree->n_nodes -= subtree_visit(child, false);
	memmove(&parent->children[i], &parent->children[i + 1],
		(parent->n_children - i - 1) * sizeof(*parent->children));
	parent->n_children--;
	child->parent = NULL;
	child->flags &= ~ESEAL_NODE_IN_TREE;
}

void eseal_subtree_free(struct eseal_node *top)
{
	subtree_visit(top, true);
	top->children = NULL;
	top->n_children = top->cap_children = 0;
	top->xattrs = NULL;
	top->n_xattrs = top->cap_xattrs = 0;
}

void eseal_node_filter_xattrs(struct eseal_node *node,
			      bool (*keep)(const char *key, void *arg),
			      void *arg)
{
	uint32_t i, j = 0;

	for (i = 0; i < node->n_xattrs; i++)
		if (keep(node->xattrs[i].key, arg))
			node->xattrs[j++] = node->xattrs[i];
	node->n_xattrs = j;
}

int eseal_node_set_xattr(struct eseal_tree *tree, struct eseal_node *node,
			 const char *key, const void *value, size_t value_len,
			 struct eseal_error *err)
{
	char esc[ESEAL_ESC_SIZE(64)];
	struct eseal_xattr *x = NULL;
	uint32_t i;

	if (!key[0])
		return eseal_errorf(err, EINVAL, "empty xattr name");
	if (value_len > UINT32_MAX)
		return eseal_errorf(err, E2BIG, "xattr '%s' too large",
				    eseal_escape_str(esc, sizeof(esc), key));
	for (i = 0; i < node->n_xattrs; i++) {
		if (strcmp(node->xattrs[i].key, key) == 0) {
			x = &node->xattrs[i];
			break;
		}
	}
	if (!x) {
		if (node->n_xattrs == node->cap_xattrs) {
			uint32_t cap = node->cap_xattrs ? node->cap_xattrs * 2 : 2;
			struct eseal_xattr *xs;

			xs = realloc(node->xattrs, (size_t)cap * sizeof(*xs));
			if (!xs)
				return eseal_errorf(err, ENOMEM, "out of memory");
			node->xattrs = xs;
			node->cap_xattrs = cap;
		}
		x = &node->xattrs[node->n_xattrs];
		x->key = eseal_tree_strndup(tree, key, strlen(key));
		if (!x->key)
			return eseal_errorf(err, ENOMEM, "out of memory");
		node->n_xattrs++;
	}
	x->value = eseal_tree_memdup(tree, value, value_len);
	if (!x->value)
		return eseal_errorf(err, ENOMEM, "out of memory");
	x->value_len = value_len;
	return 0;
}

const struct eseal_xattr *eseal_node_get_xattr(const struct eseal_node *node,
					       const char *key)
{
	uint32_t i;

	for (i = 0; i < node->n_xattrs; i++)
		if (strcmp(node->xattrs[i].key, key) == 0)
			return &node->xattrs[i];
	return NULL;
}

static int xattr_cmp(const void *a, const void *b)
{
	const struct eseal_xattr *xa = a, *xb = b;

	return strcmp(xa->key, xb->key);
}

void eseal_node_sort_xattrs(struct eseal_node *node)
{
	if (node->n_xattrs > 1)
		qsort(node->xattrs, node->n_xattrs, sizeof(*node->xattrs),
		      xattr_cmp);
}

int eseal_node_set_payload(struct eseal_tree *tree, struct eseal_node *node,
			   const char *payload, struct eseal_error *err)
{
	node->payload = NULL;
	if (!payload)
		return 0;
	node->payload = eseal_tree_strndup(tree, payload, strlen(payload));
	if (!node->payload)
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

int eseal_node_set_content(struct eseal_tree *tree, struct eseal_node *node,
			   const void *data, size_t len,
			   struct eseal_error *err)
{
	node->content = NULL;
	if (!data)
		return 0;
	node->content = eseal_tree_memdup(tree, data, len);
	if (!node->content)
		return eseal_errorf(err, ENOMEM, "out of memory");
	return 0;
}

int eseal_node_set_digest(struct eseal_tree *tree, struct eseal_node *node,
			  const struct eseal_digest *digest,
			  struct eseal_error *err)
{
	if (!digest) {
		node->digest = NULL;
		return 0;
	}
	if (!node->digest) {
		node->digest = eseal_tree_alloc(tree, sizeof(*digest));
		if (!node->digest)
			return eseal_errorf(err, ENOMEM, "out of memory");
	}
	*node->digest = *digest;
	return 0;
}

int eseal_node_path(const struct eseal_node *node, char *buf, size_t size)
{
	const struct eseal_node *n;
	size_t len = 0, pos;

	if (size == 0)
		return -ENAMETOOLONG;
	if (!node->parent) {
		if (size < 2) {
			buf[0] = '\0';
			return -ENAMETOOLONG;
		}
		strcpy(buf, "/");
		return 1;
	}
	for (n = node; n->parent; n = n->parent)
		len += 1 + strlen(n->name);
	if (len + 1 > size) {
		/* report the tail, which names the entry itself */
		buf[0] = '\0';
		strncat(buf, node->name, size - 1);
		return -ENAMETOOLONG;
	}
	buf[len] = '\0';
	pos = len;
	for (n = node; n->parent; n = n->parent) {
		size_t l = strlen(n->name);

		pos -= l;
		memcpy(buf + pos, n->name, l);
		buf[--pos] = '/';
	}
	return (int)len;
}

struct walk_frame {
	struct eseal_node *node;
	uint32_t next_child;
	size_t path_len;		/* length of this node's path */
};

int eseal_tree_walk_nodes(struct eseal_tree *tree, eseal_node_fn fn,
			  void *arg, struct eseal_error *err)
{
	struct walk_frame *stack = NULL;
	size_t depth = 0, cap = 0;
	char *path = NULL;
	size_t path_cap = 0;
	int ret = 0;

	if (!tree->root)
		return 0;
	path_cap = 4096;
	path = malloc(path_cap);
	cap = 64;
	stack = malloc(cap * sizeof(*stack));
	if (!path || !stack) {
		ret = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	strcpy(path, "/");
	ret = fn(tree->root, path, arg);
	if (ret)
		goto out;
	stack[depth++] = (struct walk_frame){ tree->root, 0, 0 };
	while (depth) {
		struct walk_frame *f = &stack[depth - 1];
		struct eseal_node *child;
		size_t nlen, plen;

		if (f->next_child == f->node->n_children) {
			depth--;
			continue;
		}
		child = f->node->children[f->next_child++];
		nlen = strlen(child->name);
		plen = f->path_len + 1 + nlen;
		if (plen + 1 > path_cap) {
			char *p;

			while (plen + 1 > path_cap)
				path_cap *= 2;
			p = realloc(path, path_cap);
			if (!p) {
				ret = eseal_errorf(err, ENOMEM, "out of memory");
				goto out;
			}
			path = p;
		}
		path[f->path_len] = '/';
		memcpy(path + f->path_len + 1, child->name, nlen + 1);
		ret = fn(child, path, arg);
		if (ret)
			goto out;
		if (child->n_children) {
			if (depth == cap) {
				struct walk_frame *s;

				s = realloc(stack, 2 * cap * sizeof(*stack));
				if (!s) {
					ret = eseal_errorf(err, ENOMEM,
							   "out of memory");
					goto out;
				}
				stack = s;
				cap *= 2;
			}
			stack[depth++] = (struct walk_frame){ child, 0, plen };
		}
	}
out:
	free(stack);
	free(path);
	return ret;
}

struct public_walk {
	eseal_walk_fn fn;
	void *arg;
	char *link_path;
	size_t link_cap;
};

static int public_walk_one(struct eseal_node *node, const char *path,
			   void *arg)
{
	struct public_walk *w = arg;
	struct eseal_node *t = eseal_node_target(node);
	struct eseal_entry e = {
		.path = path,
		.mode = t->mode,
		.nlink = t->nlink,
		.uid = t->uid,
		.gid = t->gid,
		.rdev = t->rdev,
		.size = t->size,
		.mtime_sec = t->mtime_sec,
		.mtime_nsec = t->mtime_nsec,
		.payload = t->payload,
		.content = t->content,
		.digest = t->digest,
		.n_xattrs = t->n_xattrs,
	};
	int len;

	if (node->link_to) {
		len = eseal_node_path(node->link_to, w->link_path, w->link_cap);
		while (len == -ENAMETOOLONG) {
			char *p = realloc(w->link_path, w->link_cap * 2);

			if (!p)
				return -ENOMEM;
			w->link_path = p;
			w->link_cap *= 2;
			len = eseal_node_path(node->link_to, w->link_path,
					      w->link_cap);
		}
		e.hardlink_to = w->link_path;
	}
	e.priv = t;
	return w->fn(&e, w->arg);
}

int eseal_tree_walk(struct eseal_tree *tree, eseal_walk_fn fn, void *arg,
		    struct eseal_error *err)
{
	struct public_walk w = { fn, arg, NULL, 4096 };
	int ret;

	w.link_path = malloc(w.link_cap);
	if (!w.link_path)
		return eseal_errorf(err, ENOMEM, "out of memory");
	ret = eseal_tree_walk_nodes(tree, public_walk_one, &w, err);
	free(w.link_path);
	if (ret < 0 && err && !err->code)
		eseal_errorf(err, -ret, "walking the tree failed");
	return ret;
}

int eseal_entry_xattr(const struct eseal_entry *e, size_t i, const char **key,
		      const uint8_t **value, size_t *value_len)
{
	const struct eseal_node *node = e->priv;

	if (!node || i >= node->n_xattrs)
		return -ENOENT;
	*key = node->xattrs[i].key;
	*value = node->xattrs[i].value;
	*value_len = node->xattrs[i].value_len;
	return 0;
}
