// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * eseal_image_write(): the composefs-compatible EROFS image of a tree,
 * streamed in one sequential pass (after the layout passes) through a small
 * buffer to a file descriptor (with write-behind, for the fsync() that
 * commits an output file) and to the fs-verity hasher.
 *
 * Image order: composefs header, superblock, inodes (each with its inline
 * xattrs and tail), shared xattrs, data blocks.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "erofs-write.h"
#include "fsverity.h"
#include "io.h"

#define OUT_BUF_SIZE (64 * 1024)

struct ew_out {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t pos;			/* bytes of image produced */
	struct eseal_write_behind wb;
	struct eseal_fsverity_ctx *verity;
	struct eseal_error *err;
	int ret;			/* first error, sticky */
};

static int out_flush(struct ew_out *o)
{
	size_t done = 0;

	if (o->ret || !o->len)
		return o->ret;
	if (o->verity) {
		o->ret = eseal_fsverity_update(o->verity, o->buf, o->len);
		if (o->ret)
			return eseal_errorf(o->err, -o->ret,
					    "hashing the image failed");
	}
	while (o->fd >= 0 && done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			o->ret = eseal_syserrorf(o->err, e,
						 "writing the image failed");
			return o->ret;
		}
		done += n;
	}
	o->len = 0;
	if (o->fd >= 0)
		eseal_write_behind(&o->wb, o->fd, o->pos);
	return 0;
}

static void out_write(struct ew_out *o, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n && !o->ret) {
		size_t k = MIN(n, OUT_BUF_SIZE - o->len);

		memcpy(o->buf + o->len, b, k);
		o->len += k;
		o->pos += k;
		b += k;
		n -= k;
		if (o->len == OUT_BUF_SIZE)
			out_flush(o);
	}
}

static void out_fill(struct ew_out *o, uint8_t byte, uint64_t n)
{
	while (n && !o->ret) {
		size_t k = MIN(n, (uint64_t)(OUT_BUF_SIZE - o->len));

		memset(o->buf + o->len, byte, k);
		o->len += k;
		o->pos += k;
		n -= k;
		if (o->len == OUT_BUF_SIZE)
			out_flush(o);
	}
}

static void out_align(struct ew_out *o, uint64_t align)
{
	out_fill(o, 0, ALIGN_UP(o->pos, align) - o->pos);
}

static uint8_t erofs_file_type(uint32_t type)
{
	switch (type) {
	case S_IFREG:
		return EROFS_FT_REG_FILE;
	case S_IFDIR:
		return EROFS_FT_DIR;
	case S_IFCHR:
		return EROFS_FT_CHRDEV;
	case S_IFBLK:
		return EROFS_FT_BLKDEV;
	case S_IFIFO:
		return EROFS_FT_FIFO;
	case S_IFSOCK:
		return EROFS_FT_SOCK;
	case S_IFLNK:
		return EROFS_FT_SYMLINK;
	}
	return EROFS_FT_UNKNOWN;
}

static void write_header(struct ew_ctx *c, struct ew_out *o)
{
	struct composefs_header h = { 0 };
	struct erofs_super_block sb = { 0 };

	put_le32(&h.magic, COMPOSEFS_MAGIC);
	put_le32(&h.version, COMPOSEFS_HEADER_VERSION);
	put_le32(&h.flags, c->has_acl ? COMPOSEFS_FLAGS_HAS_ACL : 0);
	put_le32(&h.composefs_version, c->version);
	out_write(o, &h, sizeof(h));
	out_fill(o, 0, EROFS_SUPER_OFFSET - sizeof(h));

	put_le32(&sb.magic, EROFS_SUPER_MAGIC_V1);
	put_le32(&sb.feature_compat, EROFS_FEATURE_COMPAT_MTIME |
					     EROFS_FEATURE_COMPAT_XATTR_FILTER);
	sb.blkszbits = EROFS_BLKSIZ_BITS;
	put_le16(&sb.root_nid, c->tree->root->nid);
	put_le64(&sb.inos, c->n_inodes);
	put_le64(&sb.build_time, (uint64_t)c->min_mtime_sec);
	put_le32(&sb.build_time_nsec, c->min_mtime_nsec);
	put_le32(&sb.blocks, c->data_start / EROFS_BLKSIZ + c->n_data_blocks);
	put_le32(&sb.meta_blkaddr, 0);
	put_le32(&sb.xattr_blkaddr, c->inodes_end / EROFS_BLKSIZ);
	out_write(o, &sb, sizeof(sb));
}

/* One xattr entry: header, name without its prefix, value, padding. */
static void write_xattr(struct ew_out *o, const char *key, size_t key_len,
			uint8_t index, uint8_t prefix_len,
			const uint8_t *value, uint32_t value_len)
{
	struct erofs_xattr_entry e;
	size_t name_len = key_len - prefix_len;

	e.e_name_len = name_len;
	e.e_name_index = index;
	put_le16(&e.e_value_size, value_len);
	out_write(o, &e, sizeof(e));
	out_write(o, key + prefix_len, name_len);
	out_write(o, value, value_len);
	out_align(o, 4);
}

static void write_xattrs(struct ew_ctx *c, struct ew_out *o,
			 const struct ew_xlist *xl, size_t base, uint32_t size)
{
	struct erofs_xattr_ibody_header h = { 0 };
	uint32_t i, n_shared = 0;
	uint64_t start = o->pos;
	uint8_t id[4];

	if (!size)
		return;
	for (i = 0; i < xl->n; i++) {
		if (ew_xref_sid(c, base + i) != EW_NOT_SHARED &&
		    n_shared < EROFS_XATTR_LONG_PREFIX)
			n_shared++;
	}
	put_le32(&h.h_name_filter, ew_xattr_filter(xl));
	h.h_shared_count = n_shared;
	out_write(o, &h, sizeof(h));
	for (i = 0, n_shared = 0; i < xl->n; i++) {
		const struct ew_shared *s;

		if (ew_xref_sid(c, base + i) == EW_NOT_SHARED ||
		    n_shared == EROFS_XATTR_LONG_PREFIX)
			continue;
		n_shared++;
		s = &c->shared[ew_xref_sid(c, base + i)];
		put_le32(id, (c->inodes_end % EROFS_BLKSIZ + s->offset) / 4);
		out_write(o, id, sizeof(id));
	}
	for (i = 0, n_shared = 0; i < xl->n; i++) {
		const struct ew_xattr *x = &xl->items[i];

		if (ew_xref_sid(c, base + i) != EW_NOT_SHARED &&
		    n_shared < EROFS_XATTR_LONG_PREFIX) {
			n_shared++;
			continue;
		}
		write_xattr(o, x->key, x->key_len, x->index, x->prefix_len,
			    x->value, x->value_len);
	}
	out_fill(o, 0, start + size - o->pos);
}

/* Dirents dents[first..first+n) and their names, padded to align. */
static void write_dirents(struct ew_ctx *c, struct ew_out *o, size_t first,
			  size_t n, uint64_t align)
{
	uint32_t nameoff = n * sizeof(struct erofs_dirent);
	size_t i;

	for (i = first; i < first + n; i++) {
		const struct ew_dirent *d = &c->dents[i];
		struct erofs_dirent de = { 0 };

		put_le64(&de.nid, d->node->nid);
		put_le16(&de.nameoff, nameoff);
		de.file_type = erofs_file_type(ew_type(c, d->node));
		nameoff += d->name_len;
		out_write(o, &de, sizeof(de));
	}
	for (i = first; i < first + n; i++)
		out_write(o, c->dents[i].name, c->dents[i].name_len);
	out_align(o, align);
}

/* The directory's full dirent blocks (blocks) or its inline tail. */
static int write_dir(struct ew_ctx *c, struct ew_out *o,
		     const struct ew_inode *in, bool blocks)
{
	size_t i, first = 0, used = 0;
	uint32_t written = 0;
	int ret;

	ret = ew_dir_entries(c, in->node);
	if (ret)
		return ret;
	for (i = 0; i < c->n_dents; i++) {
		size_t len = sizeof(struct erofs_dirent) + c->dents[i].name_len;

		if (used + len > EROFS_BLKSIZ) {
			if (blocks)
				write_dirents(c, o, first, i - first,
					      EROFS_BLKSIZ);
			written++;
			used = 0;
			first = i;
		}
		used += len;
	}
	if (written < in->n_blocks) {
		if (blocks)
			write_dirents(c, o, first, c->n_dents - first,
				      EROFS_BLKSIZ);
		used = 0;
		first = c->n_dents;
	}
	if (!blocks && used)
		write_dirents(c, o, first, c->n_dents - first, 1);
	return 0;
}

static void write_null_chunks(struct ew_out *o, uint32_t count)
{
	out_fill(o, 0xff, (uint64_t)count * EROFS_BLOCK_MAP_ENTRY_SIZE);
}

static int write_inode(struct ew_ctx *c, struct ew_out *o, uint32_t ino,
		       size_t xref, uint64_t *data_end)
{
	const struct ew_inode *in = &c->inodes[ino];
	struct eseal_node *n = in->node;
	uint32_t type = ew_type(c, n), mode = (n->mode & ~S_IFMT) | type;
	unsigned int layout = EROFS_INODE_FLAT_PLAIN;
	uint32_t chunkbits = 0, chunks = 0, iu = 0;
	uint64_t size = 0, start;
	int ret;

	out_fill(o, 0, in->ipad);
	start = o->pos;
	if (in->tailsize)
		layout = EROFS_INODE_FLAT_INLINE;
	switch (type) {
	case S_IFDIR:
		size = (uint64_t)in->n_blocks * EROFS_BLKSIZ + in->tailsize;
		break;
	case S_IFREG:
		size = ew_size(c, n);
		if (ew_is_stub(c, n)) {
			ew_chunking(size, &chunkbits, &chunks);
			layout = EROFS_INODE_CHUNK_BASED;
		}
		break;
	case S_IFLNK:
		size = in->n_blocks ? ew_size(c, n) : in->tailsize;
		break;
	case S_IFCHR:
	case S_IFBLK:
		iu = n->rdev;
		break;
	}
	if (in->n_blocks) {
		iu = *data_end / EROFS_BLKSIZ;
		*data_end += (uint64_t)in->n_blocks * EROFS_BLKSIZ;
	}
	/* composefs sets the chunk format over the low half of i_u */
	if (layout == EROFS_INODE_CHUNK_BASED)
		iu = (iu & 0xffff0000u) | (chunkbits - EROFS_BLKSIZ_BITS);

	if (in->flags & EW_COMPACT) {
		struct erofs_inode_compact i = { 0 };

		put_le16(&i.i_format, erofs_i_format(EROFS_INODE_LAYOUT_COMPACT,
						     layout));
		put_le16(&i.i_xattr_icount,
			 in->xattr_size ? (in->xattr_size - 12) / 4 + 1 : 0);
		put_le16(&i.i_mode, mode);
		put_le16(&i.i_nlink, in->nlink);
		put_le32(&i.i_size, size);
		put_le32(&i.i_u.raw_blkaddr, iu);
		put_le32(&i.i_ino, ino);
		put_le16(&i.i_uid, n->uid);
		put_le16(&i.i_gid, n->gid);
		out_write(o, &i, sizeof(i));
	} else {
		struct erofs_inode_extended i = { 0 };

		put_le16(&i.i_format, erofs_i_format(EROFS_INODE_LAYOUT_EXTENDED,
						     layout));
		put_le16(&i.i_xattr_icount,
			 in->xattr_size ? (in->xattr_size - 12) / 4 + 1 : 0);
		put_le16(&i.i_mode, mode);
		put_le64(&i.i_size, size);
		put_le32(&i.i_u.raw_blkaddr, iu);
		put_le32(&i.i_ino, ino);
		put_le32(&i.i_uid, n->uid);
		put_le32(&i.i_gid, n->gid);
		put_le64(&i.i_mtime, (uint64_t)n->mtime_sec);
		put_le32(&i.i_mtime_nsec, n->mtime_nsec);
		put_le32(&i.i_nlink, in->nlink);
		out_write(o, &i, sizeof(i));
	}

	ret = ew_xattrs_build(c, ino, &c->xl);
	if (ret)
		return ret;
	write_xattrs(c, o, &c->xl, xref, in->xattr_size);

	if (in->tailsize) {
		if (type == S_IFDIR) {
			ret = write_dir(c, o, in, false);
			if (ret)
				return ret;
		} else if (type == S_IFLNK) {
			out_write(o, n->payload, in->tailsize);
		} else if (n->content) {
			out_write(o, n->content + size - in->tailsize,
				  in->tailsize);
		} else {
			write_null_chunks(o, chunks);
		}
	}
	if (!o->ret && o->pos - start != (uint64_t)(in->flags & EW_COMPACT ?
							     32 : 64) +
						  in->xattr_size + in->tailsize)
		return ew_errorf(c, n, EIO, "internal error: inode size");
	return 0;
}

static int write_data(struct ew_ctx *c, struct ew_out *o,
		      const struct ew_inode *in)
{
	struct eseal_node *n = in->node;
	uint32_t type = ew_type(c, n);
	uint64_t size, i;

	if (!in->n_blocks)
		return 0;
	switch (type) {
	case S_IFDIR:
		return write_dir(c, o, in, true);
	case S_IFLNK:
		out_write(o, n->payload, strlen(n->payload));
		break;
	case S_IFREG:
		if (!n->content) {
			/* composefs stores a full block of null chunks */
			write_null_chunks(o, EROFS_BLKSIZ /
						     EROFS_BLOCK_MAP_ENTRY_SIZE);
			break;
		}
		size = ew_size(c, n);
		for (i = 0; i < in->n_blocks; i++) {
			uint64_t off = i * EROFS_BLKSIZ;

			if (off < size)
				out_write(o, n->content + off,
					  MIN(size - off,
					      (uint64_t)EROFS_BLKSIZ));
			out_align(o, EROFS_BLKSIZ);
		}
		break;
	}
	out_align(o, EROFS_BLKSIZ);
	return 0;
}

static void shared_free(struct ew_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_shared; i++) {
		free(c->shared[i].key);
		free(c->shared[i].value);
	}
	free(c->shared);
}

static int write_image(struct ew_ctx *c, struct ew_out *o)
{
	uint64_t data_end = c->data_start;
	size_t xref = 0, i;
	uint32_t ino;
	int ret;

	write_header(c, o);
	for (ino = 0; ino < c->n_inodes && !o->ret; ino++) {
		ret = write_inode(c, o, ino, xref, &data_end);
		if (ret)
			return ret;
		xref += c->xl.n;
	}
	out_align(o, EROFS_ISLOT_SIZE);
	if (!o->ret && o->pos != c->inodes_end)
		return eseal_errorf(c->err, EIO, "internal error: inode area");
	for (i = 0; i < c->n_shared; i++) {
		const struct ew_shared *s = &c->shared[i];

		write_xattr(o, s->key, strlen(s->key), s->index,
			    s->prefix_len, s->value, s->value_len);
	}
	out_align(o, EROFS_BLKSIZ);
	if (!o->ret && o->pos != c->data_start)
		return eseal_errorf(c->err, EIO, "internal error: xattr area");
	for (ino = 0; ino < c->n_inodes && !o->ret; ino++) {
		ret = write_data(c, o, &c->inodes[ino]);
		if (ret)
			return ret;
	}
	if (!o->ret && (o->pos != data_end ||
			o->pos != c->data_start +
					  c->n_data_blocks * EROFS_BLKSIZ))
		return eseal_errorf(c->err, EIO, "internal error: data area");
	return out_flush(o);
}

int eseal_image_write(struct eseal_tree *tree,
		      const struct eseal_image_opts *opts, int fd,
		      struct eseal_digest *digest, struct eseal_error *err)
{
	struct eseal_image_opts given = {
		.min_version = COMPOSEFS_DEFAULT_VERSION_MIN,
		.max_version = COMPOSEFS_DEFAULT_VERSION_MAX,
	};
	struct ew_out o = { .fd = fd, .err = err };
	struct ew_ctx *c;
	int ret;

	if (!tree)
		return eseal_errorf(err, EINVAL, "no tree to write");
	if (opts) {
		ret = eseal_abi_in(&given, sizeof(given), opts,
				   ESEAL_V0_IMAGE_OPTS, "eseal_image_opts", err);
		if (ret)
			return ret;
	}
	opts = &given;
	if (opts->hash_alg && !eseal_hash_size(opts->hash_alg))
		return eseal_errorf(err, EINVAL, "unknown hash algorithm %d",
				    opts->hash_alg);
	c = calloc(1, sizeof(*c));
	o.buf = eseal_io_buf_alloc(OUT_BUF_SIZE);
	if (!c || !o.buf) {
		ret = eseal_errorf(err, ENOMEM, "out of memory");
		goto out;
	}
	c->tree = tree;
	c->err = err;
	if (digest) {
		o.verity = eseal_fsverity_new(opts->hash_alg ? opts->hash_alg :
							       ESEAL_HASH_SHA256);
		if (!o.verity) {
			ret = eseal_errorf(err, ENOMEM, "out of memory");
			goto out;
		}
	}

	ret = ew_collect_inodes(c, opts->min_version, opts->max_version);
	if (!ret)
		ret = ew_xattrs_share(c);
	if (!ret)
		ret = ew_layout(c);
	if (!ret)
		ret = write_image(c, &o);
	if (!ret && o.ret)
		ret = o.ret;
	if (!ret && digest) {
		ret = eseal_fsverity_final(o.verity, digest);
		if (ret)
			eseal_errorf(err, -ret, "hashing the image failed");
	}
out:
	if (c) {
		free(c->inodes);
		free(c->xrefs);
		free(c->xref_table);
		shared_free(c);
		free(c->dents);
		ew_xlist_free(&c->xl);
		free(c);
	}
	if (o.verity)
		eseal_fsverity_free(o.verity);
	free(o.buf);
	return ret;
}
