// SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0
/*
 * The structures of an untrusted EROFS image, for the reader
 * (lib/image/erofs-read.c): the composefs header and superblock, the long
 * xattr name prefixes, inodes, and the data blocks of flat inodes, each
 * checked against the image length and read once (erofs-read.h), and the
 * budget everything copied into the tree is charged to.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "composefs.h"
#include "erofs-read.h"
#include "erofs_fs.h"

int erofs_charge(struct erofs_reader *r, uint64_t bytes)
{
	if (bytes > r->budget)
		return eseal_errorf(r->err, EFBIG,
				    "image expands to too much data (shared blocks or xattrs referenced too often)");
	r->budget -= bytes;
	return 0;
}

/* ---- superblock ------------------------------------------------------- */

static int read_prefixes(struct erofs_reader *r, uint32_t count,
			 uint64_t pos)
{
	uint32_t i;

	if (!count)
		return 0;
	r->prefixes = calloc(count, sizeof(*r->prefixes));
	if (!r->prefixes)
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	r->n_prefixes = count;
	for (i = 0; i < count; i++) {
		uint16_t plen;
		uint8_t *copy;

		pos = ALIGN_UP(pos, (uint64_t)4);
		if (pos > r->len || r->len - pos < 2)
			return eseal_errorf(r->err, EINVAL,
					    "xattr prefix %u is beyond the end of the image",
					    i);
		plen = img_le16(r->buf + pos);
		pos += 2;
		if (plen < 1 || r->len - pos < plen)
			return eseal_errorf(r->err, EINVAL,
					    "xattr prefix %u is invalid or truncated",
					    i);
		/* xattr names use it again and again: read it once */
		copy = malloc(plen);
		if (!copy)
			return eseal_errorf(r->err, ENOMEM, "out of memory");
		img_copy(copy, r->buf + pos, plen);
		r->prefixes[i].base = copy[0];
		r->prefixes[i].infix = copy;
		r->prefixes[i].len = plen - 1;
		pos += plen;
	}
	return 0;
}

int erofs_read_super(struct erofs_reader *r)
{
	uint8_t sb[sizeof(struct erofs_super_block)];
	uint32_t incompat;

	if (r->len < EROFS_SUPER_OFFSET + sizeof(struct erofs_super_block))
		return eseal_errorf(r->err, EINVAL,
				    "too small for an EROFS image (%zu bytes)",
				    r->len);
	if (img_le32(r->buf) == COMPOSEFS_MAGIC) {
		uint32_t v = img_le32(r->buf + 4);

		if (v != COMPOSEFS_HEADER_VERSION)
			return eseal_errorf(r->err, EOPNOTSUPP,
					    "unsupported composefs header version %u",
					    v);
		r->composefs = true;
	}
	/* one read of the superblock; its fields come from this copy */
	img_copy(sb, r->buf + EROFS_SUPER_OFFSET, sizeof(sb));
#define SB(field) (sb + offsetof(struct erofs_super_block, field))
	if (get_le32(SB(magic)) != EROFS_SUPER_MAGIC_V1)
		return eseal_errorf(r->err, EINVAL,
				    "not an EROFS image (bad superblock magic)");
	r->blkbits = *SB(blkszbits);
	if (r->blkbits < 9 || r->blkbits > 16)
		return eseal_errorf(r->err, EOPNOTSUPP,
				    "unsupported block size 2^%u", r->blkbits);
	r->blksz = 1u << r->blkbits;
	if (*SB(dirblkbits))
		return eseal_errorf(r->err, EOPNOTSUPP,
				    "unsupported directory block size");
	r->meta_off = (uint64_t)get_le32(SB(meta_blkaddr)) << r->blkbits;
	r->xattr_off = (uint64_t)get_le32(SB(xattr_blkaddr)) << r->blkbits;
	if (r->meta_off >= r->len)
		return eseal_errorf(r->err, EINVAL,
				    "inode area starts beyond the end of the image");
	r->build_time = (int64_t)get_le64(SB(build_time));
	r->build_time_nsec = get_le32(SB(build_time_nsec));
	r->root_nid = get_le16(SB(root_nid));
	incompat = get_le32(SB(feature_incompat));
	if (incompat & EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES) {
		uint8_t count = *SB(xattr_prefix_count);
		uint32_t start = get_le32(SB(xattr_prefix_start));

		if (count && get_le64(SB(packed_nid)))
			return eseal_errorf(r->err, EOPNOTSUPP,
					    "xattr prefixes in a packed inode are not supported");
		return read_prefixes(r, count, (uint64_t)start * 4);
	}
#undef SB
	return 0;
}

/* ---- inodes ----------------------------------------------------------- */

int erofs_read_inode(struct erofs_reader *r, uint64_t nid,
		     struct erofs_rinode *ii)
{
	uint8_t p[sizeof(struct erofs_inode_extended)];
	uint64_t off, room;
	uint16_t fmt;

	memset(ii, 0, sizeof(*ii));
	ii->nid = nid;
	room = r->len - r->meta_off;
	if (nid > room / EROFS_ISLOT_SIZE)
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu is beyond the end of the image",
				    (unsigned long long)nid);
	off = r->meta_off + nid * EROFS_ISLOT_SIZE;
	if (r->len - off < sizeof(struct erofs_inode_compact))
		return eseal_errorf(r->err, EINVAL, "inode %llu is truncated",
				    (unsigned long long)nid);
	/* one read of the inode; its fields come from this copy */
	img_copy(p, r->buf + off, sizeof(struct erofs_inode_compact));
	fmt = get_le16(p);
	ii->datalayout = (fmt >> EROFS_I_DATALAYOUT_BIT) &
			 EROFS_I_DATALAYOUT_MASK;
	if (ii->datalayout >= EROFS_INODE_DATALAYOUT_MAX)
		return eseal_errorf(r->err, EOPNOTSUPP,
				    "inode %llu has unknown data layout %u",
				    (unsigned long long)nid, ii->datalayout);
	ii->xattr_icount = get_le16(p + 2);
	ii->mode = get_le16(p + 4);
	if (fmt & EROFS_I_VERSION_MASK) {
		if (r->len - off < sizeof(struct erofs_inode_extended))
			return eseal_errorf(r->err, EINVAL,
					    "inode %llu is truncated",
					    (unsigned long long)nid);
		img_copy(p + sizeof(struct erofs_inode_compact),
			 r->buf + off + sizeof(struct erofs_inode_compact),
			 sizeof(p) - sizeof(struct erofs_inode_compact));
		ii->isize = sizeof(struct erofs_inode_extended);
		ii->size = get_le64(p + 8);
		ii->i_u = get_le32(p + 16);
		ii->uid = get_le32(p + 24);
		ii->gid = get_le32(p + 28);
		ii->mtime = (int64_t)get_le64(p + 32);
		ii->mtime_nsec = get_le32(p + 40);
		ii->nlink = get_le32(p + 44);
	} else {
		ii->isize = sizeof(struct erofs_inode_compact);
		ii->nlink = get_le16(p + 6);
		ii->size = get_le32(p + 8);
		ii->i_u = get_le32(p + 16);
		ii->uid = get_le16(p + 24);
		ii->gid = get_le16(p + 26);
		ii->mtime = r->build_time;
		ii->mtime_nsec = r->build_time_nsec;
	}
	if (!eseal_mtime_nsec_valid(ii->mtime_nsec))
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu has an invalid mtime",
				    (unsigned long long)nid);
	switch (ii->mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu has an invalid file type (mode %o)",
				    (unsigned long long)nid, ii->mode);
	}
	ii->off = off;
	ii->xattr_size = erofs_xattr_ibody_size(ii->xattr_icount);
	ii->inline_off = off + ii->isize + ii->xattr_size;
	if (ii->inline_off > r->len)
		return eseal_errorf(r->err, EINVAL,
				    "xattrs of inode %llu run past the end of the image",
				    (unsigned long long)nid);
	return 0;
}

/* Number of data blocks of a flat inode (the tail counts as one). */
uint64_t erofs_flat_nblocks(const struct erofs_reader *r,
			     const struct erofs_rinode *ii)
{
	return (ii->size >> r->blkbits) +
	       !!(ii->size & (r->blksz - 1));
}

/*
 * Block b of a flat inode's data: *len bytes at *data, checked to be
 * inside the image.
 */
int erofs_flat_block(struct erofs_reader *r, const struct erofs_rinode *ii,
		      uint64_t b, const uint8_t **data, size_t *len)
{
	uint64_t nblocks = erofs_flat_nblocks(r, ii);
	uint64_t start = b << r->blkbits, blen, pos;

	if (b >= nblocks)
		return eseal_errorf(r->err, EINVAL, "inode %llu: block %llu out of range",
				    (unsigned long long)ii->nid,
				    (unsigned long long)b);
	blen = MIN(ii->size - start, (uint64_t)r->blksz);
	if (ii->datalayout == EROFS_INODE_FLAT_INLINE && b == nblocks - 1) {
		pos = ii->inline_off;
		if ((pos & (r->blksz - 1)) + blen > r->blksz)
			return eseal_errorf(r->err, EINVAL,
					    "inode %llu: inline data crosses a block boundary",
					    (unsigned long long)ii->nid);
	} else if (ii->datalayout == EROFS_INODE_FLAT_PLAIN ||
		   ii->datalayout == EROFS_INODE_FLAT_INLINE) {
		if (ii->i_u == EROFS_NULL_ADDR)
			return eseal_errorf(r->err, EINVAL,
					    "inode %llu: data block address is unset",
					    (unsigned long long)ii->nid);
		pos = ((uint64_t)ii->i_u << r->blkbits) + start;
	} else {
		return eseal_errorf(r->err, EOPNOTSUPP,
				    "inode %llu: %s data layout is not supported here",
				    (unsigned long long)ii->nid,
				    ii->datalayout == EROFS_INODE_CHUNK_BASED ?
				    "chunk-based" : "compressed");
	}
	if (pos > r->len || r->len - pos < blen)
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu: data beyond the end of the image",
				    (unsigned long long)ii->nid);
	*data = r->buf + pos;
	*len = (size_t)blen;
	return 0;
}

/* The whole data of a flat inode, copied into the tree's arena. */
int erofs_flat_data(struct erofs_reader *r, const struct erofs_rinode *ii,
		     uint8_t **out)
{
	uint64_t b, nblocks = erofs_flat_nblocks(r, ii), done = 0;
	uint8_t *buf;
	int ret;

	if (ii->datalayout != EROFS_INODE_FLAT_PLAIN &&
	    ii->datalayout != EROFS_INODE_FLAT_INLINE)
		return eseal_errorf(r->err, EOPNOTSUPP,
				    "inode %llu: %s data layout is not supported here",
				    (unsigned long long)ii->nid,
				    ii->datalayout == EROFS_INODE_CHUNK_BASED ?
				    "chunk-based" : "compressed");
	if (ii->size > r->len)
		return eseal_errorf(r->err, EINVAL,
				    "inode %llu: size %llu exceeds the image",
				    (unsigned long long)ii->nid,
				    (unsigned long long)ii->size);
	ret = erofs_charge(r, ii->size);
	if (ret)
		return ret;
	buf = eseal_tree_alloc(r->tree, (size_t)ii->size + 1);
	if (!buf)
		return eseal_errorf(r->err, ENOMEM, "out of memory");
	for (b = 0; b < nblocks; b++) {
		const uint8_t *d;
		size_t len;

		ret = erofs_flat_block(r, ii, b, &d, &len);
		if (ret)
			return ret;
		img_copy(buf + done, d, len);
		done += len;
	}
	*out = buf;
	return 0;
}
