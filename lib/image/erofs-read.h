/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Internal state of the image reader: lib/image/erofs-read.c (the walk of
 * directories into a tree) over erofs-read-inode.c (superblock, inodes,
 * data blocks), erofs-read-xattrs.c (an inode's xattrs) and
 * erofs-read-links.c (which name owns a hardlinked inode).
 * Every offset here has been checked against the image length.
 */
#ifndef ESEAL_EROFS_READ_H
#define ESEAL_EROFS_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tree.h"

/*
 * Every read of image bytes goes through these, and each field is read
 * once: into a local (or a private copy), which is then checked and used.
 * The buffer may be a file that someone else writes to while we read it,
 * so a second read of a field could give another value than the one that
 * was checked.  Scalar fields are read through volatile pointers so that
 * the compiler cannot turn one read into two either.
 *
 * Builds for tests/fuzz/fuzz-image-changing.c define ESEAL_FETCH_HOOK:
 * the hook then sees each read right after it happened and may change
 * the bytes, so that reading anything twice shows.
 */
#ifdef ESEAL_FETCH_HOOK
void eseal_fetch_hook(const uint8_t *p, size_t len);
#else
static inline void eseal_fetch_hook(const uint8_t *p, size_t len)
{
	(void)p;
	(void)len;
}
#endif

static inline uint8_t img_u8(const uint8_t *p)
{
	uint8_t v = *(const volatile uint8_t *)p;

	eseal_fetch_hook(p, 1);
	return v;
}

static inline uint16_t img_le16(const uint8_t *p)
{
	const volatile uint8_t *b = p;
	uint16_t v = b[0] | (uint16_t)b[1] << 8;

	eseal_fetch_hook(p, 2);
	return v;
}

static inline uint32_t img_le32(const uint8_t *p)
{
	const volatile uint8_t *b = p;
	uint32_t v = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		     (uint32_t)b[3] << 24;

	eseal_fetch_hook(p, 4);
	return v;
}

static inline uint64_t img_le64(const uint8_t *p)
{
	return img_le32(p) | (uint64_t)img_le32(p + 4) << 32;
}

/* A private copy of len bytes, to be checked and used from there. */
static inline void img_copy(void *dst, const uint8_t *p, size_t len)
{
	memcpy(dst, p, len);
	eseal_fetch_hook(p, len);
}

struct erofs_rprefix {
	uint8_t base;			/* EROFS_XATTR_INDEX_* */
	uint8_t *infix;			/* a private copy */
	uint16_t len;
};

struct erofs_reader {
	const uint8_t *buf;
	size_t len;
	bool composefs;			/* has the composefs header */
	unsigned int blkbits;
	uint32_t blksz;
	uint64_t meta_off;		/* byte offset of nid 0 */
	uint64_t xattr_off;		/* byte offset of shared xattr 0 */
	int64_t build_time;
	uint32_t build_time_nsec;
	uint16_t root_nid;
	struct erofs_rprefix *prefixes;	/* long xattr name prefixes */
	uint32_t n_prefixes;
	uint64_t budget;		/* bytes the tree may still grow by */
	struct nid_slot *map;
	size_t map_n, map_cap;
	struct eseal_tree *tree;
	struct eseal_error *err;
	uint64_t n_links;		/* names that are hardlinks */
	uint8_t *xvalue;		/* an xattr value, copied */
	/* the 00..ff whiteouts composefs adds to the root, by value */
	bool fake_seen[256];
	uint64_t fake_nid[256];
};

/* An inode as read from the image */
struct erofs_rinode {
	uint64_t nid;
	uint64_t off;			/* byte offset of the inode */
	uint64_t inline_off;		/* byte offset after the xattrs */
	uint32_t isize;			/* 32 or 64 */
	uint32_t xattr_size;		/* bytes of the xattr area */
	uint16_t xattr_icount;
	unsigned int datalayout;
	uint32_t mode, nlink, uid, gid;
	uint64_t size;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint32_t i_u;			/* raw_blkaddr, rdev, chunk info */
};

/* erofs-read-inode.c */
/* Account bytes the tree grows by; EFBIG when over the budget. */
int erofs_charge(struct erofs_reader *r, uint64_t bytes);
/* The composefs header and the superblock into r (and long prefixes) */
int erofs_read_super(struct erofs_reader *r);
int erofs_read_inode(struct erofs_reader *r, uint64_t nid,
		     struct erofs_rinode *ii);
/* Number of data blocks of a flat inode (the tail counts as one). */
uint64_t erofs_flat_nblocks(const struct erofs_reader *r,
			    const struct erofs_rinode *ii);
/*
 * Block b of a flat inode's data: *len bytes at *data, checked to be
 * inside the image.
 */
int erofs_flat_block(struct erofs_reader *r, const struct erofs_rinode *ii,
		     uint64_t b, const uint8_t **data, size_t *len);
/* The whole data of a flat inode, copied into the tree's arena. */
int erofs_flat_data(struct erofs_reader *r, const struct erofs_rinode *ii,
		    uint8_t **out);

/* erofs-read-xattrs.c */
/* Read the inode's xattrs into node (mode already set). */
int erofs_read_xattrs(struct erofs_reader *r, struct eseal_node *node,
		      const struct erofs_rinode *ii);

/* erofs-read-links.c */
/*
 * Make the owner of each hardlinked inode the name the writer placed it
 * at (erofs-read-links.c), so that image -> tree -> image is exact.
 */
int erofs_fix_link_owners(struct erofs_reader *r);

#endif /* ESEAL_EROFS_READ_H */
