/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The in-memory tree shared by every reader and writer of the library.
 *
 * Nodes and their strings live in an arena owned by the tree and are freed
 * all at once with it; only the growable arrays (children, xattrs) are
 * malloc'ed.  Children are kept sorted by name (strcmp order, which is also
 * the order EROFS directories need), so lookups are binary searches.
 *
 * A hardlink is a node with link_to set: it has a name and a parent, and
 * every other attribute is that of link_to (which never has link_to set
 * itself).  The first node of a hardlink set is the one others point to.
 *
 * Nothing here is thread-safe; workers must hand results back to one thread.
 */
#ifndef ESEAL_TREE_H
#define ESEAL_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "internal.h"

struct eseal_xattr {
	char *key;			/* NUL-terminated, never empty */
	uint8_t *value;			/* value_len bytes, NUL-terminated too */
	uint32_t value_len;
};

/* node->flags */
#define ESEAL_NODE_FROM_SOURCE	(1u << 0) /* regular file whose data is at
					     its path below tree->src_root */
#define ESEAL_NODE_IN_TREE	(1u << 1) /* has been added to a parent */
#define ESEAL_NODE_OVL_WHITEOUTS (1u << 2) /* read from an image: a directory
					     the writer marked as holding
					     escaped whiteouts */
#define ESEAL_NODE_MARK		(1u << 3) /* scratch mark of one pass */

/*
 * Where a regular file from a directory scan came from, as lstat() saw it:
 * the digest cache's key (lib/store/digest-cache.h).
 */
struct eseal_src_stat {
	uint64_t dev, ino, size;
	int64_t mtime_sec, ctime_sec;
	uint32_t mtime_nsec, ctime_nsec;
	uint32_t attrs;			/* ESEAL_SRC_* */
};
#define ESEAL_SRC_VERITY	(1u << 0) /* fs-verity is on (statx) */

struct eseal_node {
	struct eseal_node *parent;	/* NULL for the root */
	struct eseal_node **children;	/* directories: sorted by name */
	uint32_t n_children, cap_children;

	struct eseal_node *link_to;	/* hardlinks: the node linked to */

	char *name;			/* NULL for the root */
	char *payload;			/* symlink target, object path, or NULL */
	uint8_t *content;		/* inline file content (size bytes) */
	struct eseal_digest *digest;	/* fs-verity digest, or NULL */
	struct eseal_src_stat *src;	/* FROM_SOURCE files: what the scan
					   saw, or NULL */

	struct eseal_xattr *xattrs;	/* in insertion order */
	uint32_t n_xattrs, cap_xattrs;

	uint32_t flags;			/* ESEAL_NODE_* */
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid, gid;
	uint32_t rdev;			/* encoded as by makedev() */
	uint64_t size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;

	uint32_t depth;			/* components in its path; root 0 */

	/* Scratch for writers; meaningless outside one write. */
	uint32_t ino;
	uint64_t nid;
};

struct eseal_arena_chunk;

struct eseal_tree {
	struct eseal_node *root;
	size_t n_nodes;
	char *src_root;			/* directory the tree was scanned from */
	struct eseal_arena_chunk *chunks;
	size_t chunk_used, chunk_size;
};

struct eseal_tree *eseal_tree_new(void);
void *eseal_tree_alloc(struct eseal_tree *tree, size_t size);
char *eseal_tree_strndup(struct eseal_tree *tree, const char *s, size_t len);
void *eseal_tree_memdup(struct eseal_tree *tree, const void *p, size_t len);

/* A zeroed node with the given mode and nlink 1; NULL when out of memory. */
struct eseal_node *eseal_node_new(struct eseal_tree *tree, uint32_t mode);

/* Set tree->root; the root must be a directory. */
int eseal_tree_set_root(struct eseal_tree *tree, struct eseal_node *root,
			struct eseal_error *err);

/*
 * Give child the name and insert it below parent, keeping children sorted.
 * Fails with EEXIST when the name is taken, EINVAL for an invalid name
 * (empty, ".", "..", containing '/' or NUL, longer than 255 bytes), ELOOP
 * when the child would be deeper than ESEAL_TREE_DEPTH_MAX.  Trees grow
 * from the root down: child has no children yet.
 */
int eseal_node_add_child(struct eseal_tree *tree, struct eseal_node *parent,
			 struct eseal_node *child, const char *name,
			 size_t name_len, struct eseal_error *err);
struct eseal_node *eseal_node_find_child(const struct eseal_node *parent,
					 const char *name, size_t name_len);

/*
 * Exchange the places (parent and name) of two nodes that are not the
 * root, as for the names of a hardlinked file: which one holds the inode.
 */
void eseal_node_swap_places(struct eseal_node *a, struct eseal_node *b);

/*
 * Take child, with everything below it, out of its parent.  The nodes stay
 * allocated (in the tree's arena, so that hardlinks to them can still be
 * followed) but are no longer counted; the caller frees their arrays with
 * eseal_subtree_free() once nothing needs them.
 */
void eseal_node_remove_child(struct eseal_tree *tree, struct eseal_node *child);
void eseal_subtree_free(struct eseal_node *top);

/* Add or replace an xattr (key must be non-empty). */
int eseal_node_set_xattr(struct eseal_tree *tree, struct eseal_node *node,
			 const char *key, const void *value, size_t value_len,
			 struct eseal_error *err);
const struct eseal_xattr *eseal_node_get_xattr(const struct eseal_node *node,
					       const char *key);
/* Keep only the xattrs for which keep() says true, in their order. */
void eseal_node_filter_xattrs(struct eseal_node *node,
			      bool (*keep)(const char *key, void *arg),
			      void *arg);
/* Sort the node's xattrs by key (strcmp); writers that need it call this. */
void eseal_node_sort_xattrs(struct eseal_node *node);

int eseal_node_set_payload(struct eseal_tree *tree, struct eseal_node *node,
			   const char *payload, struct eseal_error *err);
int eseal_node_set_content(struct eseal_tree *tree, struct eseal_node *node,
			   const void *data, size_t len,
			   struct eseal_error *err);
int eseal_node_set_digest(struct eseal_tree *tree, struct eseal_node *node,
			  const struct eseal_digest *digest,
			  struct eseal_error *err);

/* The node whose attributes apply: link_to for hardlinks, else node. */
static inline struct eseal_node *eseal_node_target(struct eseal_node *node)
{
	return node->link_to ? node->link_to : node;
}

/*
 * Write the absolute path of node ("/" for the root) into buf.  Returns the
 * length, or -ENAMETOOLONG when it does not fit (buf then holds a truncated
 * path, still NUL-terminated).
 */
int eseal_node_path(const struct eseal_node *node, char *buf, size_t size);

/*
 * Depth-first pre-order walk of the internal nodes, children in name order.
 * The callback's path buffer is only valid during the call.  A non-zero
 * return from fn stops the walk and is returned.
 */
typedef int (*eseal_node_fn)(struct eseal_node *node, const char *path,
			     void *arg);
int eseal_tree_walk_nodes(struct eseal_tree *tree, eseal_node_fn fn,
			  void *arg, struct eseal_error *err);

/* A file type EROFS can hold (regular, dir, symlink, device, socket, fifo) */
static inline bool eseal_mode_type_valid(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFBLK:
	case S_IFCHR:
	case S_IFSOCK:
	case S_IFIFO:
		return true;
	}
	return false;
}

/* Validate a file name component (see eseal_node_add_child). */
bool eseal_name_valid(const char *name, size_t len);

/*
 * The rules every tree obeys, whoever builds it (dump parser, directory
 * scanner, image reader), so that what the writer is given it can write
 * and what it writes its reader reads.  docs/format.md lists them.
 */

/*
 * Deepest entry, in path components ("/a/b" is 2).  eseal_node_add_child()
 * refuses to go deeper, with ELOOP.
 */
#define ESEAL_TREE_DEPTH_MAX 4096

/* mtime nanoseconds: less than a second */
static inline bool eseal_mtime_nsec_valid(uint64_t nsec)
{
	return nsec < 1000000000u;
}

/*
 * A regular file's payload: the path of its object relative to an object
 * store (the image holds "/" + payload as the overlay redirect).  One or
 * more components joined by single '/', none empty, "." or ".." (so no
 * leading or trailing '/'), no NUL: a payload can only name something
 * inside the store.
 */
bool eseal_payload_valid(const char *payload, size_t len);

#endif /* ESEAL_TREE_H */
