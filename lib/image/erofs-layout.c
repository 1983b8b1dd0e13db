// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * Layout of the image: which inodes there are and in which order, what
 * each one looks like (compact or extended, inline tail or data blocks) and
 * where it goes.  The rules are composefs 1.0.8's; docs/format.md explains
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erofs-write.h"

void ew_chunking(uint64_t size, uint32_t *chunkbits, uint32_t *count)
{
	uint32_t bits = size > 1 ? 64 - __builtin_clzll(size - 1) : 1;

	if (bits < EROFS_BLKSIZ_BITS)
		bits = EROFS_BLKSIZ_BITS;
	if (bits - EROFS_BLKSIZ_BITS > EROFS_CHUNK_FORMAT_BLKBITS_MASK)
		bits = EROFS_BLKSIZ_BITS + EROFS_CHUNK_FORMAT_BLKBITS_MASK;
	*chunkbits = bits;
	*count = (size + (1ull << bits) - 1) >> bits;
}

static void setup_fakes(struct ew_ctx *c)
{
	struct eseal_node *root = c->tree->root;
	const struct eseal_xattr *selinux;
	int i;

	selinux = eseal_node_get_xattr(root, "security.selinux");
	if (selinux)
		c->fake_selinux = *selinux;
	for (i = 0; i < 256; i++) {
		struct eseal_node *f = &c->fakes[i];

		snprintf(c->fake_names[i], 3, "%02x", i);
		c->fake_used[i] = !eseal_node_find_child(root,
							 c->fake_names[i], 2);
		memset(f, 0, sizeof(*f));
		f->parent = root;
		f->name = c->fake_names[i];
		f->mode = S_IFCHR | 0644;
		f->nlink = 1;
		f->uid = root->uid;
		f->gid = root->gid;
		f->mtime_sec = root->mtime_sec;
		f->mtime_nsec = root->mtime_nsec;
		if (selinux) {
			f->xattrs = &c->fake_selinux;
			f->n_xattrs = 1;
		}
	}
}

static int check_node(struct ew_ctx *c, struct eseal_node *n)
{
	if (!eseal_mode_type_valid(n->mode))
		return ew_errorf(c, n, EINVAL, "invalid file type in mode %o",
				 n->mode);
	if (n->link_to)
		return ew_errorf(c, n, EINVAL, "hardlink in inode list");
	if (n->n_children && !S_ISDIR(n->mode))
		return ew_errorf(c, n, ENOTDIR,
				 "a non-directory has children");
	if (S_ISLNK(n->mode)) {
		size_t len = n->payload ? strlen(n->payload) : 0;

		if (!len)
			return ew_errorf(c, n, EINVAL,
					 "symlink without a target");
		if (len >= COMPOSEFS_PATH_MAX)
			return ew_errorf(c, n, ENAMETOOLONG,
					 "symlink target longer than %u bytes",
					 COMPOSEFS_PATH_MAX - 1);
	}
	if (n->payload && strlen(n->payload) >= COMPOSEFS_PATH_MAX)
		return ew_errorf(c, n, ENAMETOOLONG,
				 "payload longer than %u bytes",
				 COMPOSEFS_PATH_MAX - 1);
	if (ew_is_stub(c, n)) {
		uint32_t bits, count;

		ew_chunking(n->size, &bits, &count);
		if (count > COMPOSEFS_MAX_CHUNKS)
			return ew_errorf(c, n, EFBIG,
					 "file too large: %llu bytes",
					 (unsigned long long)n->size);
	}
	if (n->digest && n->digest->size > ESEAL_DIGEST_MAX)
		return ew_errorf(c, n, EINVAL, "invalid digest size");
	return 0;
}

static int push_inode(struct ew_ctx *c, size_t *cap, struct eseal_node *n)
{
	if (c->n_inodes == *cap) {
		size_t ncap = *cap * 2;
		struct ew_inode *in;

		if (ncap > UINT32_MAX)
			return eseal_errorf(c->err, EFBIG, "too many inodes");
		in = realloc(c->inodes, ncap * sizeof(*in));
		if (!in)
			return eseal_errorf(c->err, ENOMEM, "out of memory");
		c->inodes = in;
		*cap = ncap;
	}
	n->ino = c->n_inodes;
	c->inodes[c->n_inodes++] = (struct ew_inode){ .node = n,
						      .nlink = n->nlink };
	return 0;
}

/*
 * Number the inodes breadth-first from the root, children in name order
 * (hardlinks have no inode of their own), check each, and settle the
 * format version: version 1 only when asked for, or allowed and needed
 * (the tree has a whiteout to escape).
 */
int ew_collect_inodes(struct ew_ctx *c, unsigned int min_version,
		      unsigned int max_version)
{
	struct eseal_node *root = c->tree->root;
	size_t cap, limit = c->tree->n_nodes + 256, head, k;
	bool has_whiteout = false;
	int ret;

	if (max_version < min_version)
		max_version = min_version;
	if (max_version > COMPOSEFS_VERSION_MAX)
		return eseal_errorf(c->err, EINVAL,
				    "unsupported composefs version %u",
				    max_version);
	if (!root || !S_ISDIR(root->mode))
		return eseal_errorf(c->err, EINVAL,
				    "the tree has no root directory");
	setup_fakes(c);

	cap = limit < 1024 ? 1024 : limit;
	c->inodes = malloc(cap * sizeof(*c->inodes));
	if (!c->inodes)
		return eseal_errorf(c->err, ENOMEM, "out of memory");
	ret = push_inode(c, &cap, root);
	if (ret)
		return ret;
	c->min_mtime_sec = root->mtime_sec;
	c->min_mtime_nsec = root->mtime_nsec;

	for (head = 0; head < c->n_inodes; head++) {
		struct ew_inode *in = &c->inodes[head];
		struct eseal_node *n = in->node;
		uint32_t subdirs = 0;

		ret = check_node(c, n);
		if (ret)
			return ret;
		if (n->mtime_sec < c->min_mtime_sec ||
		    (n->mtime_sec == c->min_mtime_sec &&
		     n->mtime_nsec < c->min_mtime_nsec)) {
			c->min_mtime_sec = n->mtime_sec;
			c->min_mtime_nsec = n->mtime_nsec;
		}
		if (ew_is_whiteout(c, n))
			has_whiteout = true;
		if (!S_ISDIR(n->mode))
			continue;

		ret = ew_dir_entries(c, n);
		if (ret)
			return ret;
		for (k = 0; k < c->n_dents; k++) {
			struct ew_dirent *d = &c->dents[k];

			if (d->is_link) {
				const char *why = NULL;

				if (d->node->link_to)
					why = "hardlink to a hardlink";
				else if (S_ISDIR(d->node->mode) &&
					 strcmp(d->name, ".") &&
					 strcmp(d->name, ".."))
					why = "hardlink to a directory";
				if (why) {
					char esc[ESEAL_ESC_SIZE(256)];

					return eseal_errorf(c->err, EINVAL,
							    "%s%s%s: %s",
							    ew_path(c, n),
							    n->parent ? "/" : "",
							    eseal_escape_str(esc, sizeof(esc),
									     d->name),
							    why);
				}
				continue;
			}
			if (S_ISDIR(d->node->mode))
				subdirs++;
			if (ew_is_whiteout(c, d->node))
				c->inodes[head].flags |= EW_WHITEOUTS;
			if (c->n_inodes >= limit)
				return eseal_errorf(c->err, EINVAL,
						    "the tree has a cycle");
			ret = push_inode(c, &cap, d->node);
			if (ret)
				return ret;
			if (ew_is_fake(c, d->node))
				c->inodes[c->n_inodes - 1].flags |= EW_FAKE;
		}
		/* like composefs: 2 + subdirectories, whatever the tree says */
		c->inodes[head].nlink = 2 + subdirs;
	}

	/* every hardlink must point at an inode of this tree */
	for (head = 0; head < c->n_inodes; head++) {
		struct eseal_node *n = c->inodes[head].node;
		uint32_t i;

		for (i = 0; i < n->n_children; i++) {
			struct eseal_node *t = n->children[i]->link_to;

			if (t && (t->ino >= c->n_inodes ||
				  c->inodes[t->ino].node != t))
				return ew_errorf(c, n->children[i], EINVAL,
						 "hardlink to a file outside the tree");
		}
	}

	c->version = min_version;
	if (c->version < 1 && max_version >= 1 && has_whiteout)
		c->version = 1;
	return 0;
}

/* Directory data size: full blocks of dirents plus an inline tail. */
static int dir_size(struct ew_ctx *c, struct ew_inode *in)
{
	uint32_t blocks = 0, tail = 0;
	size_t i;
	int ret;

	ret = ew_dir_entries(c, in->node);
	if (ret)
		return ret;
	for (i = 0; i < c->n_dents; i++) {
		uint32_t len = sizeof(struct erofs_dirent) +
			       c->dents[i].name_len;

		if (tail + len > EROFS_BLKSIZ) {
			blocks++;
			tail = 0;
		}
		tail += len;
	}
	/* never inline more than half a block */
	if (tail > EROFS_BLKSIZ / 2) {
		blocks++;
		tail = 0;
	}
	in->n_blocks = blocks;
	in->tailsize = tail;
	return 0;
}

static int data_size(struct ew_ctx *c, struct ew_inode *in)
{
	struct eseal_node *n = in->node;
	uint64_t size = ew_size(c, n);

	in->n_blocks = 0;
	in->tailsize = 0;
	switch (ew_type(c, n)) {
	case S_IFDIR:
		return dir_size(c, in);
	case S_IFLNK:
		in->tailsize = size;
		break;
	case S_IFREG:
		if (!size)
			break;
		if (n->content) {
			if (size / EROFS_BLKSIZ > UINT32_MAX - 1)
				return ew_errorf(c, n, EFBIG,
						 "inline content too large");
			in->n_blocks = size / EROFS_BLKSIZ;
			in->tailsize = size % EROFS_BLKSIZ;
			if (in->tailsize > EROFS_BLKSIZ / 2) {
				in->n_blocks++;
				in->tailsize = 0;
			}
		} else {
			uint32_t bits, count;

			ew_chunking(size, &bits, &count);
			in->tailsize = count * EROFS_BLOCK_MAP_ENTRY_SIZE;
		}
		break;
	}
	return 0;
}

static bool fits_compact(struct ew_ctx *c, const struct ew_inode *in)
{
	const struct eseal_node *n = in->node;
	uint64_t size;

	if (n->mtime_sec != c->min_mtime_sec ||
	    n->mtime_nsec != c->min_mtime_nsec)
		return false;
	if (in->nlink > UINT16_MAX || n->uid > UINT16_MAX ||
	    n->gid > UINT16_MAX)
		return false;
	if (S_ISDIR(n->mode))
		size = (uint64_t)in->n_blocks * EROFS_BLKSIZ + in->tailsize;
	else
		size = ew_size(c, n);
	return size <= UINT32_MAX;
}

/*
 * Padding before an inode at pos so that its inline tail does not cross
 * a block boundary; moves the tail to a data block when it cannot fit.
 */
static uint64_t tail_padding(struct ew_inode *in, uint32_t type, uint64_t pos,
			     uint32_t non_tail)
{
	uint64_t total = non_tail + in->tailsize, room, pad;

	if (type == S_IFLNK) {
		/* keep the inode and its target in one block if possible */
		if (total >= EROFS_BLKSIZ) {
			in->n_blocks++;
			in->tailsize = 0;
		}
		if (pos / EROFS_BLKSIZ != (pos + total - 1) / EROFS_BLKSIZ)
			return ALIGN_UP(pos, (uint64_t)EROFS_BLKSIZ) - pos;
		return 0;
	}
	room = EROFS_BLKSIZ - (pos + non_tail) % EROFS_BLKSIZ;
	if (room >= in->tailsize)
		return 0;
	pad = ALIGN_UP(room, (uint64_t)EROFS_ISLOT_SIZE);
	room = EROFS_BLKSIZ - (pos + non_tail + pad) % EROFS_BLKSIZ;
	if (in->tailsize <= room)
		return pad;
	in->n_blocks++;
	in->tailsize = 0;
	return ALIGN_UP(pos, (uint64_t)EROFS_BLKSIZ) - pos;
}

/*
 * Size of the inline xattr area of inode in, whose xattrs are the
 * occurrences from base on: the shared ones by id, the others in full.
 */
static int xattr_area(struct ew_ctx *c, const struct ew_inode *in,
		      size_t base, uint32_t *size)
{
	uint64_t unshared = 0, total;
	uint32_t n_shared = 0, i;

	for (i = 0; i < in->n_xattrs; i++) {
		if (ew_xref_sid(c, base + i) != EW_NOT_SHARED &&
		    n_shared < EROFS_XATTR_LONG_PREFIX)
			n_shared++;
		else
			unshared += ew_xref_unshared_size(c, base + i);
	}
	if (!n_shared && !unshared) {
		*size = 0;
		return 0;
	}
	total = ALIGN_UP(sizeof(struct erofs_xattr_ibody_header) +
				 4ull * n_shared + unshared, 4ull);
	if ((total - sizeof(struct erofs_xattr_ibody_header)) / 4 + 1 >
	    UINT16_MAX)
		return ew_errorf(c, in->node, E2BIG,
				 "xattrs too large for an inode");
	*size = total;
	return 0;
}

/*
 * Place every inode: inodes start right after the superblock, each on a
 * 32-byte slot (its nid is its offset / 32), then come the shared xattrs,
 * then data blocks in inode order.
 */
int ew_layout(struct ew_ctx *c)
{
	uint64_t pos = EROFS_SUPER_OFFSET + sizeof(struct erofs_super_block);
	size_t xref = 0;
	uint32_t ino;
	int ret;

	c->n_data_blocks = 0;
	for (ino = 0; ino < c->n_inodes; ino++) {
		struct ew_inode *in = &c->inodes[ino];
		struct eseal_node *n = in->node;
		uint32_t isize, xsize = 0;
		uint64_t start, pad;

		ret = data_size(c, in);
		if (ret)
			return ret;
		if (fits_compact(c, in))
			in->flags |= EW_COMPACT;
		isize = in->flags & EW_COMPACT ?
				sizeof(struct erofs_inode_compact) :
				sizeof(struct erofs_inode_extended);

		ret = xattr_area(c, in, xref, &xsize);
		if (ret)
			return ret;
		xref += in->n_xattrs;
		in->xattr_size = xsize;

		start = pos;
		pos = ALIGN_UP(pos, (uint64_t)EROFS_ISLOT_SIZE);
		pad = tail_padding(in, ew_type(c, n), pos, isize + xsize);
		pos += pad;
		in->ipad = pos - start;
		n->nid = pos / EROFS_ISLOT_SIZE;
		pos += isize + xsize + in->tailsize;
		c->n_data_blocks += in->n_blocks;
	}
	if (c->tree->root->nid > UINT16_MAX)
		return eseal_errorf(c->err, EFBIG,
				    "the root inode is too far into the image");
	c->inodes_end = ALIGN_UP(pos, (uint64_t)EROFS_ISLOT_SIZE);
	c->data_start = ALIGN_UP(c->inodes_end + c->shared_size,
				 (uint64_t)EROFS_BLKSIZ);
	if (c->data_start / EROFS_BLKSIZ + c->n_data_blocks > UINT32_MAX)
		return eseal_errorf(c->err, EFBIG, "image too large");
	return 0;
}
