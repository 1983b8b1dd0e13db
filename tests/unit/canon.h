/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The property "what the writer emits, its reader reads back to the same
 * dump", for tests/unit/test-image-read.c and tests/fuzz/fuzz-writer.c.
 *
 * An image does not hold everything a tree can: docs/format.md ("What an
 * image gives back") lists what it leaves out or changes.  canon_dump()
 * prints a tree with exactly those changes made, so that for any tree T
 * the writer accepts:
 *
 *	canon_dump(T) == canon_dump(read(write(T)))
 *
 * (for a tree read from an image the changes are no-ops but the sorting).
 * Anything else the image loses or alters is a bug this shows.
 *
 * Trees for which canon_lossy() is true cannot be written exactly even
 * so (a device size over 32 bits, xattrs named like the overlay's own
 * whiteout marks): for those it is read(write(T)) whose image must read
 * back to the same dump.
 */
#ifndef ESEAL_TEST_CANON_H
#define ESEAL_TEST_CANON_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "composefs.h"
#include "tree.h"

static void canon_drop_xattr(struct eseal_node *n, const char *key)
{
	uint32_t i;

	for (i = 0; i < n->n_xattrs; i++) {
		if (strcmp(n->xattrs[i].key, key))
			continue;
		memmove(&n->xattrs[i], &n->xattrs[i + 1],
			(n->n_xattrs - i - 1) * sizeof(*n->xattrs));
		n->n_xattrs--;
		return;
	}
}

/* What the writer escapes as a whiteout: a character device 0:0 */
static bool canon_is_whiteout(const struct eseal_node *n)
{
	return !n->link_to && S_ISCHR(n->mode) && n->rdev == 0;
}

/* The overlay's whiteout marks, which the reader drops */
static const char *const canon_marks[] = {
	OVL_XATTR_WHITEOUT, OVL_XATTR_WHITEOUTS, OVL_XATTR_USER_WHITEOUT,
	OVL_XATTR_USER_WHITEOUTS,
};

static int canon_lossy_fn(struct eseal_node *n, const char *path, void *arg)
{
	uint32_t t = n->mode & S_IFMT;
	size_t i;

	(void)path;
	if (n->link_to)
		return 0;
	if (t != S_IFREG && t != S_IFDIR && t != S_IFLNK && n->size > UINT32_MAX)
		*(bool *)arg = true;
	for (i = 0; i < sizeof(canon_marks) / sizeof(*canon_marks); i++)
		if (eseal_node_get_xattr(n, canon_marks[i]))
			*(bool *)arg = true;
	return 0;
}

static bool canon_lossy(struct eseal_tree *tree)
{
	bool lossy = false;

	if (eseal_tree_walk_nodes(tree, canon_lossy_fn, &lossy, NULL))
		abort();
	return lossy;
}

/* First pass: n->ino (the writers' scratch) = a directory with whiteouts */
static int canon_mark(struct eseal_node *n, const char *path, void *arg)
{
	uint32_t i;

	(void)path;
	(void)arg;
	n->ino = 0;
	if (n->link_to || !S_ISDIR(n->mode))
		return 0;
	for (i = 0; i < n->n_children; i++)
		if (canon_is_whiteout(n->children[i]))
			n->ino = 1;
	return 0;
}

/*
 * Which name of a hardlinked file holds the inode does not change the
 * image where several names could (erofs-read-links.c), so both sides
 * give it to the first name in pre-order.  n->nid (the writers' scratch)
 * = the file was met.
 */
struct canon_links {
	struct eseal_node **swap;	/* pairs: target, first link */
	size_t n;
};

static int canon_clear(struct eseal_node *n, const char *path, void *arg)
{
	(void)path;
	(void)arg;
	n->nid = 0;
	return 0;
}

static int canon_find(struct eseal_node *n, const char *path, void *arg)
{
	struct canon_links *l = arg;
	struct eseal_node *t = eseal_node_target(n), **s;

	(void)path;
	if (t->nid)
		return 0;
	t->nid = 1;
	if (t == n)
		return 0;
	s = realloc(l->swap, (l->n + 2) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	l->swap = s;
	s[l->n++] = t;
	s[l->n++] = n;
	return 0;
}

static int canon_owners(struct eseal_tree *tree)
{
	struct canon_links l = { NULL, 0 };
	size_t i;
	int r;

	r = eseal_tree_walk_nodes(tree, canon_clear, NULL, NULL);
	if (!r)
		r = eseal_tree_walk_nodes(tree, canon_find, &l, NULL);
	for (i = 0; !r && i < l.n; i += 2)
		eseal_node_swap_places(l.swap[i], l.swap[i + 1]);
	free(l.swap);
	return r;
}

struct canon {
	struct eseal_tree *tree;
	unsigned int version;		/* of the image written */
};

static int canon_one(struct eseal_node *n, const char *path, void *arg)
{
	struct canon *c = arg;
	uint32_t i, subdirs = 0;
	size_t k;

	(void)path;
	if (n->link_to)
		return 0;
	/* as composefs reads it: an escaped whiteout mark makes a whiteout */
	if (S_ISREG(n->mode) && eseal_node_get_xattr(n, OVL_XATTR_WHITEOUT)) {
		n->mode = S_IFCHR | (n->mode & ~S_IFMT);
		n->rdev = 0;
	}
	for (k = 0; k < sizeof(canon_marks) / sizeof(*canon_marks); k++)
		canon_drop_xattr(n, canon_marks[k]);
	switch (n->mode & S_IFMT) {
	case S_IFDIR:
		for (i = 0; i < n->n_children; i++)
			if (!n->children[i]->link_to)
				subdirs += S_ISDIR(n->children[i]->mode);
		/* the writer counts, and sizes the directory itself */
		n->nlink = 2 + subdirs;
		n->size = 0;
		/* version 1 marks directories with whiteouts opaque */
		if (n->ino && c->version >= 1 &&
		    (eseal_node_set_xattr(c->tree, n, OVL_XATTR_OPAQUE, "x", 1,
					  NULL) ||
		     eseal_node_set_xattr(c->tree, n, OVL_XATTR_USER_OPAQUE,
					  "x", 1, NULL)))
			return -ENOMEM;
		n->payload = NULL;
		n->content = NULL;
		n->digest = NULL;
		break;
	case S_IFREG:
		/* inline content, or a stub with redirect and digest */
		if (!n->size || n->content) {
			n->payload = NULL;
			n->digest = NULL;
		}
		if (!n->size)
			n->content = NULL;
		break;
	case S_IFLNK:
		n->content = NULL;
		n->digest = NULL;
		break;
	default:
		/* devices, fifos, sockets: no size, data or digest */
		n->size = 0;
		n->payload = NULL;
		n->content = NULL;
		n->digest = NULL;
		break;
	}
	eseal_node_sort_xattrs(n);
	return 0;
}

/*
 * The dump of tree (changed in place: use it no more) in the form its
 * image reads back as; malloc'ed, or NULL.  version: the image's.
 */
static char *canon_dump(struct eseal_tree *tree, unsigned int version,
			size_t *len)
{
	struct canon c = { tree, version };
	char *buf = NULL;
	FILE *f;

	if (eseal_tree_walk_nodes(tree, canon_mark, NULL, NULL) ||
	    eseal_tree_walk_nodes(tree, canon_one, &c, NULL) ||
	    canon_owners(tree))
		return NULL;
	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	if (eseal_dump_write(tree, f, NULL)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* The composefs version an image of ours says it has */
static unsigned int canon_image_version(const void *img, size_t len)
{
	size_t off = offsetof(struct composefs_header, composefs_version);

	return len >= off + 4 ? get_le32((const uint8_t *)img + off) : 0;
}

#endif /* ESEAL_TEST_CANON_H */
