// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Load an EROFS image (a composefs image, or a plain uncompressed EROFS
 * image) from memory back into a tree.
 *
 * The image is untrusted: every offset and size is checked against the
 * buffer before it is read, each field is read once (erofs-read.h: the
 * buffer may change while we read it), directories are walked with an
 * explicit stack and the tree's depth limit, a directory reached twice (a
 * cycle or a hardlinked directory) is an error, and everything copied into
 * the tree is charged to a budget proportional to the image size, so that
 * shared data (xattrs, blocks) referenced many times cannot make memory
 * explode.
 *
 * For composefs images the overlayfs xattrs are turned back into the
 * tree's form as composefs does when it reads an image: the redirect and
 * metacopy of a stub file become its payload and digest, escaped
 * "trusted.overlay.overlay.X" xattrs become "trusted.overlay.X" again,
 * escaped whiteouts become 0/0 character devices again, the overlay's own
 * 00..ff whiteouts and the remaining overlay xattrs are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "composefs.h"
#include "erofs_fs.h"
#include "erofs-read.h"
#include "tree.h"

#define SYMLINK_MAX		4095	/* target bytes: PATH_MAX - 1 */
#define BUDGET_BASE		(128u << 20)
#define BUDGET_PER_BYTE		32

struct dir_frame {
	struct eseal_node *node;
	struct erofs_rinode ii;
	uint64_t nblocks;
	uint64_t block;		/* block being read */
	uint32_t entry;		/* next dirent in it */
	uint32_t n;		/* dirents in it, 0: header not read yet */
	uint32_t first;		/* nameoff of dirent 0 (the header) */
	uint32_t next_off;	/* nameoff of dirent 'entry', read already */
	size_t last_len;	/* previous name, or 0 */
	char last[EROFS_NAME_LEN];
};

/* strcmp order of two names that are not NUL-terminated */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, MIN(alen, blen));

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

struct nid_slot {
	uint64_t nid;		/* + 1; 0 = empty */
	struct eseal_node *node;
};

/* ---- nid -> node map (open addressing) ---------------------------------- */

static size_t nid_hash(uint64_t nid, size_t cap)
{
	nid *= 0x9E3779B97F4A7C15ull;
	return (size_t)(nid >> 17) & (cap - 1);
}

static struct eseal_node *map_find(struct erofs_reader *r, uint64_t nid)
{
	size_t i;

	if (!r->map_cap)
		return NULL;
	for (i = nid_hash(nid, r->map_cap);; i = (i + 1) & (r->map_cap - 1)) {
		struct nid_slot *s = &r->map[i];

		if (!s->nid)
			return NULL;
		if (s->nid == nid + 1)
			return s->node;
	}
}

static int map_insert(struct erofs_reader *r, uint64_t nid,
		      struct eseal_node *node)
{
	size_t i;

	if ((r->map_n + 1) * 2 > r->map_cap) {
		size_t cap = r->map_cap ? r->map_cap * 2 : 256, j;
		struct nid_slot *m = calloc(cap, sizeof(*m));

		if (!m)
			return eseal_errorf(r->err, ENOMEM, "out of memory");
		for (j = 0; j < r->map_cap; j++) {
			struct nid_slot *s = &r->map[j];

			if (!s->nid)
				continue;
			for (i = nid_hash(s->nid - 1, cap); m[i].nid;
			     i = (i + 1) & (cap - 1))
				;
			m[i] = *s;
		}
		free(r->map);
		r->map = m;
		r->map_cap = cap;
	}
	for (i = nid_hash(nid, r->map_cap); r->map[i].nid;
	     i = (i + 1) & (r->map_cap - 1))
		;
	r->map[i].nid = nid + 1;
	r->map[i].node = node;
	r->map_n++;
	return 0;
}

/* ---- directories ------------------------------------------------------ */

/* Prefix the error with the entry's path, as `info ls` shows it. */
static int path_error(struct erofs_reader *r, const struct eseal_node *parent,
		      const char *name, size_t len)
{
	char path[512], esc[ESEAL_ERR_MSG_MAX / 2];
	int ret = eseal_node_path(parent, path, sizeof(path));
	size_t plen;

	if (ret == 1)
		path[0] = '\0';
	else if (ret < 0)
		snprintf(path, sizeof(path), ".../%s", parent->name);
	plen = strlen(path);
	snprintf(path + plen, sizeof(path) - plen, "/%.*s",
		 (int)MIN(len, (size_t)EROFS_NAME_LEN), name);
	return eseal_error_prefix(r->err, "%s",
				  eseal_escape_str(esc, sizeof(esc), path));
}

static int fill_node(struct erofs_reader *r, struct eseal_node *node,
		     const struct erofs_rinode *ii)
{
	int ret;

	node->mode = ii->mode;
	node->nlink = ii->nlink;
	node->uid = ii->uid;
	node->gid = ii->gid;
	node->mtime_sec = ii->mtime;
	node->mtime_nsec = ii->mtime_nsec;
	node->size = ii->size;
	if (r->composefs && ii->isize == sizeof(struct erofs_inode_extended) &&
	    !S_ISREG(ii->mode) && !S_ISDIR(ii->mode) && !S_ISLNK(ii->mode) &&
	    ii->size == 0 && ii->nlink <= UINT16_MAX &&
	    ii->uid <= UINT16_MAX && ii->gid <= UINT16_MAX &&
	    ii->mtime == r->build_time && ii->mtime_nsec == r->build_time_nsec)
		/*
		 * Composefs stores no size for devices, fifos and sockets,
		 * but still makes their inode extended when the size it was
		 * given does not fit 32 bits.  That is the only reason this
		 * inode can be extended: give it such a size so that the
		 * image is written the same way again.
		 */
		node->size = (uint64_t)UINT32_MAX + 1;
	if (S_ISCHR(ii->mode) || S_ISBLK(ii->mode))
		node->rdev = ii->i_u;
	ret = erofs_read_xattrs(r, node, ii);
	if (ret)
		return ret;
	if (S_ISLNK(node->mode)) {
		uint8_t *target;

		if (ii->size == 0 || ii->size > SYMLINK_MAX)
			return eseal_errorf(r->err, EINVAL,
					    "symlink target of length %llu",
					    (unsigned long long)ii->size);
		ret = erofs_flat_data(r, ii, &target);
		if (ret)
			return ret;
		if (memchr(target, '\0', ii->size))
			return eseal_errorf(r->err, EINVAL,
					    "symlink target contains a NUL byte");
		node->payload = (char *)target;
	} else if (S_ISREG(node->mode) && ii->size &&
		   ii->datalayout != EROFS_INODE_CHUNK_BASED) {
		if (node->payload)
			return eseal_errorf(r->err, EINVAL,
					    "file has both data and a redirect");
		ret = erofs_flat_data(r, ii, &node->content);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One directory entry: a new node, a hardlink to one already seen, or
 * nothing (an overlay whiteout of a composefs image).  *dir_out is set
 * when the entry is a new directory to descend into.
 */
static int add_entry(struct erofs_reader *r, struct eseal_node *parent,
		     const char *name, size_t len, uint64_t nid,
		     struct dir_frame *sub, bool *descend)
{
	struct eseal_node *node = map_find(r, nid);
	int ret;

	*descend = false;
	ret = erofs_charge(r, sizeof(*node) + len + 16);
	if (ret)
		return ret;
	if (node) {
		struct eseal_node *link;

		if (S_ISDIR(node->mode))
			return eseal_errorf(r->err, ELOOP,
					    "directory inode %llu is reached twice (a cycle or a hardlinked directory)",
					    (unsigned long long)nid);
		link = eseal_node_new(r->tree, node->mode);
		if (!link)
			return eseal_errorf(r->err, ENOMEM, "out of memory");
		link->link_to = node;
		r->n_links++;
		return eseal_node_add_child(r->tree, parent, link, name, len,
					    r->err);
	}
	ret = erofs_read_inode(r, nid, &sub->ii);
	if (ret)
		return ret;
	if (r->composefs && S_ISCHR(sub->ii.mode) && sub->ii.i_u == 0) {
		int hi = len == 2 ? eseal_hexval(name[0]) : -1;
		int lo = len == 2 ? eseal_hexval(name[1]) : -1;

		if (parent == r->tree->root && hi >= 0 && lo >= 0) {
			unsigned int v = (unsigned int)(hi << 4 | lo);

			r->fake_seen[v] = true;
			r->fake_nid[v] = nid;
		}
		return 0;
	}
	node = eseal_node_new(r->tree, sub->ii.mode);
	if (!node)
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	ret = eseal_node_add_child(r->tree, parent, node, name, len, r->err);
	if (ret)
		return ret;
	ret = map_insert(r, nid, node);
	if (ret)
		return ret;
	node->nid = nid;
	ret = fill_node(r, node, &sub->ii);
	if (ret)
		return ret;
	if (S_ISDIR(node->mode)) {
		sub->node = node;
		sub->nblocks = erofs_flat_nblocks(r, &sub->ii);
		sub->block = 0;
		sub->entry = 0;
		sub->n = 0;
		sub->last_len = 0;
		*descend = true;
	}
	return 0;
}

/*
 * The next entry of the directory in f: its name copied to name
 * (EROFS_NAME_LEN + 1 bytes; *len of them) and *nid; *len 0 at the end of
 * the directory.  Each nameoff is read once: the one that ends a name is
 * kept in f as the start of the next.
 */
static int next_dirent(struct erofs_reader *r, struct dir_frame *f,
		       char *name, size_t *len, uint64_t *nid)
{
	for (;;) {
		const uint8_t *blk, *de;
		size_t blen, off, end;
		int ret;

		if (f->block >= f->nblocks) {
			*len = 0;
			return 0;
		}
		ret = erofs_flat_block(r, &f->ii, f->block, &blk, &blen);
		if (ret)
			return ret;
		if (!f->n) {
			if (blen < sizeof(struct erofs_dirent))
				return eseal_errorf(r->err, EINVAL,
						    "directory block %llu is too short",
						    (unsigned long long)f->block);
			f->first = img_le16(blk + offsetof(struct erofs_dirent,
							   nameoff));
			f->n = f->first / sizeof(struct erofs_dirent);
			if (f->first % sizeof(struct erofs_dirent) || !f->n ||
			    f->first > blen)
				return eseal_errorf(r->err, EINVAL,
						    "directory block %llu has a bad header",
						    (unsigned long long)f->block);
			f->entry = 0;
			f->next_off = f->first;
		}
		if (f->entry >= f->n) {
			f->block++;
			f->n = 0;
			continue;
		}
		de = blk + (size_t)f->entry * sizeof(struct erofs_dirent);
		off = f->next_off;
		if (f->entry + 1 < f->n) {
			end = img_le16(de + sizeof(struct erofs_dirent) +
				       offsetof(struct erofs_dirent, nameoff));
			if (off < f->first || end <= off || end > blen ||
			    end - off > EROFS_NAME_LEN)
				goto bad;
			img_copy(name, blk + off, end - off);
			*len = end - off;
			f->next_off = (uint32_t)end;
		} else {
			/* the last name runs to a NUL or the block's end */
			size_t n = MIN(blen - MIN(off, blen),
				       (size_t)EROFS_NAME_LEN + 1);

			if (off < f->first || off >= blen)
				goto bad;
			img_copy(name, blk + off, n);
			*len = strnlen(name, n);
			if (!*len || *len > EROFS_NAME_LEN)
				goto bad;
		}
		*nid = img_le64(de + offsetof(struct erofs_dirent, nid));
		f->entry++;
		return 0;
bad:
		return eseal_errorf(r->err, EINVAL,
				    "directory block %llu: entry %u has a bad name",
				    (unsigned long long)f->block, f->entry);
	}
}

static int walk_dirs(struct erofs_reader *r, struct dir_frame *root)
{
	struct dir_frame *stack;
	size_t depth = 0, cap = 16;
	char name[EROFS_NAME_LEN + 1];
	int ret = 0;

	stack = malloc(cap * sizeof(*stack));
	if (!stack)
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	stack[depth++] = *root;
	while (depth) {
		struct dir_frame *f = &stack[depth - 1];
		struct eseal_node *parent = f->node;
		struct dir_frame sub;
		size_t len = 0;
		uint64_t nid = 0;
		bool descend;

		ret = next_dirent(r, f, name, &len, &nid);
		if (ret) {
			path_error(r, parent, "", 0);
			break;
		}
		if (!len) {
			depth--;
			continue;
		}
		/*
		 * EROFS directories are sorted (lookups bisect them); an
		 * unsorted one is corrupt, and would make inserting into
		 * the tree quadratic.
		 */
		if (f->last_len &&
		    name_cmp(f->last, f->last_len, name, len) >= 0) {
			ret = eseal_errorf(r->err, EINVAL,
					   "directory entries out of order");
			path_error(r, parent, name, len);
			break;
		}
		memcpy(f->last, name, len);
		f->last_len = len;
		if ((len == 1 && name[0] == '.') ||
		    (len == 2 && name[0] == '.' && name[1] == '.'))
			continue;
		/* the tree's depth limit bounds the stack */
		ret = add_entry(r, parent, name, len, nid, &sub, &descend);
		if (ret) {
			path_error(r, parent, name, len);
			break;
		}
		if (!descend)
			continue;
		if (depth == cap) {
			struct dir_frame *s;

			s = realloc(stack, 2 * cap * sizeof(*stack));
			if (!s) {
				ret = eseal_errorf(r->err, ENOMEM,
						   "out of memory");
				break;
			}
			stack = s;
			cap *= 2;
		}
		stack[depth++] = sub;
	}
	free(stack);
	return ret;
}

int eseal_tree_from_image(const void *buf, size_t len,
			  struct eseal_tree **out, struct eseal_error *err)
{
	struct erofs_reader r = {
		.buf = buf,
		.len = len,
		.err = err,
	};
	struct dir_frame root = { 0 };
	struct eseal_node *node;
	int ret;

	*out = NULL;
	r.budget = BUDGET_BASE + (uint64_t)len * BUDGET_PER_BYTE;
	ret = erofs_read_super(&r);
	if (ret)
		goto out;
	r.tree = eseal_tree_new();
	if (!r.tree) {
		ret = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = erofs_read_inode(&r, r.root_nid, &root.ii);
	if (ret) {
		eseal_error_prefix(err, "/");
		goto out;
	}
	if (!S_ISDIR(root.ii.mode)) {
		ret = eseal_errorf(err, ENOTDIR, "the root inode is not a directory");
		goto out;
	}
	node = eseal_node_new(r.tree, root.ii.mode);
	if (!node) {
		ret = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = eseal_tree_set_root(r.tree, node, err);
	if (!ret)
		ret = map_insert(&r, r.root_nid, node);
	if (!ret)
		ret = fill_node(&r, node, &root.ii);
	if (ret) {
		eseal_error_prefix(err, "/");
		goto out;
	}
	node->nid = r.root_nid;
	root.node = node;
	root.nblocks = erofs_flat_nblocks(&r, &root.ii);
	ret = walk_dirs(&r, &root);
	/* only composefs images have their inodes in the order it relies on */
	if (!ret && r.n_links && r.composefs)
		ret = erofs_fix_link_owners(&r);
out:
	free(r.map);
	for (uint32_t i = 0; i < r.n_prefixes; i++)
		free(r.prefixes[i].infix);
	free(r.prefixes);
	free(r.xvalue);
	if (ret) {
		eseal_tree_free(r.tree);
		return ret;
	}
	*out = r.tree;
	return 0;
}
