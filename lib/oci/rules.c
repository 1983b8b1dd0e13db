// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The canonical OCI rules (docs/oci.md): what composefs-rs does to every
 * filesystem it builds from an OCI image, and to a container root it
 * reads from disk (composefs generic_tree.rs transform_for_oci), so that
 * both give the same image, bit for bit:
 *
 *  - the root takes the mode, owner, mtime and xattrs of /usr
 *    (copy_root_metadata_from_usr);
 *  - /run is emptied and takes the mtime of /usr (canonicalize_run);
 *  - only the xattrs of the allowlist stay: security.capability, and
 *    user.* on request (CONTAINER_XATTR_ALLOWLIST, XattrFiltering);
 *  - hardlinks are shared inodes, each named first where sorted
 *    depth-first order meets it first (erofs writer.rs
 *    find_canonical_dirs), with nlink the number of its names.
 *
 * The last one is not a rule of choice: the image format needs one first
 * name per inode, and the tree of a layer stack may have lost it to a
 * whiteout; so every tree built from layers gets it, rules or not.
 */
#include <stdlib.h>

#include "oci.h"
#include "tree.h"

/* ---- hardlinks ----------------------------------------------------------- */

/* n takes over the inode of k, whose name goes away or comes later */
static void take_inode(struct eseal_node *n, struct eseal_node *k)
{
	n->link_to = NULL;
	n->mode = k->mode;
	n->uid = k->uid;
	n->gid = k->gid;
	n->rdev = k->rdev;
	n->size = k->size;
	n->mtime_sec = k->mtime_sec;
	n->mtime_nsec = k->mtime_nsec;
	n->payload = k->payload;
	n->content = k->content;
	n->digest = k->digest;
	n->xattrs = k->xattrs;
	n->n_xattrs = k->n_xattrs;
	n->cap_xattrs = k->cap_xattrs;
	n->flags |= k->flags & ESEAL_NODE_FROM_SOURCE;
	k->xattrs = NULL;
	k->n_xattrs = k->cap_xattrs = 0;
	k->flags &= ~ESEAL_NODE_FROM_SOURCE;
	/* from now on k is a name of n (if it has one) */
	k->link_to = n;
}

static int link_fn(struct eseal_node *n, const char *path, void *arg)
{
	struct eseal_node *k = n->link_to;

	(void)path;
	(void)arg;
	if (!k) {
		if (!S_ISDIR(n->mode)) {
			n->flags |= ESEAL_NODE_MARK;
			n->nlink = 1;
		}
		return 0;
	}
	if (k->link_to)			/* k was taken over before */
		k = n->link_to = k->link_to;
	if (k->flags & ESEAL_NODE_MARK) {
		if (k->nlink < UINT32_MAX)
			k->nlink++;
		return 0;
	}
	/* the first name of this inode in sorted order */
	take_inode(n, k);
	n->flags |= ESEAL_NODE_MARK;
	n->nlink = 1;
	return 0;
}

static int unmark_fn(struct eseal_node *n, const char *path, void *arg)
{
	(void)path;
	(void)arg;
	n->flags &= ~ESEAL_NODE_MARK;
	return 0;
}

int oci_canonical_links(struct eseal_tree *tree, struct eseal_error *err)
{
	int r = eseal_tree_walk_nodes(tree, link_fn, NULL, err);

	if (!r)
		r = eseal_tree_walk_nodes(tree, unmark_fn, NULL, err);
	return r;
}

/* ---- the rules ----------------------------------------------------------- */

static bool keep_xattr(const char *key, void *arg)
{
	const unsigned int *flags = arg;

	return !strcmp(key, "security.capability") ||
	       ((*flags & ESEAL_OCI_USER_XATTRS) && !strncmp(key, "user.", 5));
}

static int filter_fn(struct eseal_node *n, const char *path, void *arg)
{
	(void)path;
	if (!n->link_to)
		eseal_node_filter_xattrs(n, keep_xattr, arg);
	return 0;
}

/* A directory of the root that is a real directory, or NULL */
static int top_dir(struct eseal_tree *tree, const char *name, bool required,
		   struct eseal_node **out, struct eseal_error *err)
{
	struct eseal_node *n = eseal_node_find_child(tree->root, name,
						     strlen(name));

	*out = NULL;
	if (!n && !required)
		return 0;
	if (!n)
		return eseal_errorf(err, ENOENT,
				    "OCI rules: there is no /%s, whose metadata the root takes",
				    name);
	if (n->link_to || !S_ISDIR(n->mode))
		return eseal_errorf(err, ENOTDIR,
				    "OCI rules: /%s is not a directory", name);
	*out = n;
	return 0;
}

int eseal_tree_oci_rules(struct eseal_tree *tree, unsigned int flags,
			 struct eseal_error *err)
{
	struct oci_graveyard removed = { 0 };
	struct eseal_node *root = tree->root, *usr, *run;
	uint32_t i;
	int r;

	if (!root)
		return eseal_errorf(err, EINVAL, "empty tree");
	r = top_dir(tree, "usr", true, &usr, err);
	if (!r)
		r = top_dir(tree, "run", false, &run, err);
	if (r)
		return r;
	root->mode = usr->mode;
	root->uid = usr->uid;
	root->gid = usr->gid;
	root->mtime_sec = usr->mtime_sec;
	root->mtime_nsec = usr->mtime_nsec;
	root->n_xattrs = 0;
	for (i = 0; i < usr->n_xattrs && !r; i++)
		r = eseal_node_set_xattr(tree, root, usr->xattrs[i].key,
					 usr->xattrs[i].value,
					 usr->xattrs[i].value_len, err);
	if (!r && run) {
		run->mtime_sec = usr->mtime_sec;
		run->mtime_nsec = usr->mtime_nsec;
		r = oci_remove_all(tree, &removed, run, err);
	}
	if (!r)
		r = eseal_tree_walk_nodes(tree, filter_fn, &flags, err);
	/* /run may have held the first name of an inode */
	if (!r)
		r = oci_canonical_links(tree, err);
	oci_graveyard_free(&removed);
	return r;
}
