/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The EROFS on-disk format, as far as erofs-seal writes and reads it.
 *
 * Every multi-byte field is little-endian on disk.  The structs below use
 * the erofs_le* types to say so; code fills them with put_le*() and reads
 * them with get_le*() (lib/internal.h) so that it also works on big-endian
 * hosts.  All structs are packed and their sizes are checked at compile
 * time, since they are the disk format.
 *
 * Layout of an image (block size 4096):
 *   0     .. 1023   free for the user (composefs puts its header here)
 *   1024  .. 1151   struct erofs_super_block
 *   meta_blkaddr * 4096 ...  inodes, addressed by nid: inode offset =
 *                    meta_blkaddr * 4096 + nid * 32
 *   xattr_blkaddr * 4096 ... shared xattrs, addressed by id: offset =
 *                    xattr_blkaddr * 4096 + id * 4
 */
#ifndef ESEAL_EROFS_FS_H
#define ESEAL_EROFS_FS_H

#include <stdint.h>

typedef uint16_t erofs_le16;
typedef uint32_t erofs_le32;
typedef uint64_t erofs_le64;

#define EROFS_SUPER_MAGIC_V1		0xE0F5E1E2u
#define EROFS_SUPER_OFFSET		1024
#define EROFS_BLKSIZ_BITS		12
#define EROFS_BLKSIZ			(1u << EROFS_BLKSIZ_BITS)
#define EROFS_ISLOT_BITS		5	/* nid unit: 32 bytes */
#define EROFS_ISLOT_SIZE		(1u << EROFS_ISLOT_BITS)
#define EROFS_NAME_LEN			255

/* feature_compat */
#define EROFS_FEATURE_COMPAT_SB_CHKSUM		0x00000001
#define EROFS_FEATURE_COMPAT_MTIME		0x00000002
#define EROFS_FEATURE_COMPAT_XATTR_FILTER	0x00000004

/* feature_incompat */
#define EROFS_FEATURE_INCOMPAT_ZERO_PADDING	0x00000001
#define EROFS_FEATURE_INCOMPAT_COMPR_CFGS	0x00000002
#define EROFS_FEATURE_INCOMPAT_BIG_PCLUSTER	0x00000002
#define EROFS_FEATURE_INCOMPAT_CHUNKED_FILE	0x00000004
#define EROFS_FEATURE_INCOMPAT_DEVICE_TABLE	0x00000008
#define EROFS_FEATURE_INCOMPAT_COMPR_HEAD2	0x00000008
#define EROFS_FEATURE_INCOMPAT_ZTAILPACKING	0x00000010
#define EROFS_FEATURE_INCOMPAT_FRAGMENTS	0x00000020
#define EROFS_FEATURE_INCOMPAT_DEDUPE		0x00000020
#define EROFS_FEATURE_INCOMPAT_XATTR_PREFIXES	0x00000040

/* The superblock, at byte EROFS_SUPER_OFFSET of the image (128 bytes). */
struct erofs_super_block {
	erofs_le32 magic;		/* EROFS_SUPER_MAGIC_V1 */
	erofs_le32 checksum;		/* crc32c, with COMPAT_SB_CHKSUM */
	erofs_le32 feature_compat;
	uint8_t blkszbits;		/* log2 of the block size */
	uint8_t sb_extslots;		/* extra 16-byte slots after this */
	erofs_le16 root_nid;
	erofs_le64 inos;		/* number of inodes */
	erofs_le64 build_time;		/* base of compact inodes' mtime */
	erofs_le32 build_time_nsec;
	erofs_le32 blocks;		/* image size in blocks */
	erofs_le32 meta_blkaddr;	/* first block of the inode area */
	erofs_le32 xattr_blkaddr;	/* first block of shared xattrs */
	uint8_t uuid[16];
	uint8_t volume_name[16];
	erofs_le32 feature_incompat;
	erofs_le16 available_compr_algs; /* or lz4_max_distance */
	erofs_le16 extra_devices;
	erofs_le16 devt_slotoff;
	uint8_t dirblkbits;		/* directory block size - blkszbits */
	uint8_t xattr_prefix_count;	/* long xattr name prefixes */
	erofs_le32 xattr_prefix_start;
	erofs_le64 packed_nid;
	uint8_t xattr_filter_reserved;
	uint8_t reserved2[23];
} __attribute__((packed));

/* i_format: bit 0 = layout (compact/extended), bits 1-3 = data layout */
#define EROFS_I_VERSION_BIT		0
#define EROFS_I_VERSION_MASK		0x01
#define EROFS_I_DATALAYOUT_BIT		1
#define EROFS_I_DATALAYOUT_MASK		0x07

#define EROFS_INODE_LAYOUT_COMPACT	0	/* struct erofs_inode_compact */
#define EROFS_INODE_LAYOUT_EXTENDED	1	/* struct erofs_inode_extended */

enum {
	EROFS_INODE_FLAT_PLAIN = 0,	/* data in whole blocks at raw_blkaddr */
	EROFS_INODE_COMPRESSED_FULL = 1,
	EROFS_INODE_FLAT_INLINE = 2,	/* ... with the tail after the inode */
	EROFS_INODE_COMPRESSED_COMPACT = 3,
	EROFS_INODE_CHUNK_BASED = 4,	/* data in chunks, indexes inline */
	EROFS_INODE_DATALAYOUT_MAX
};

static inline uint16_t erofs_i_format(unsigned int layout,
				      unsigned int datalayout)
{
	return (uint16_t)(layout << EROFS_I_VERSION_BIT |
			  datalayout << EROFS_I_DATALAYOUT_BIT);
}

/* chunk_info.format: log2(chunk size / block size), plus a flag */
#define EROFS_CHUNK_FORMAT_BLKBITS_MASK	0x001F
#define EROFS_CHUNK_FORMAT_INDEXES	0x0020	/* 8-byte indexes, not 4-byte */

struct erofs_inode_chunk_info {
	erofs_le16 format;
	erofs_le16 reserved;
} __attribute__((packed));

union erofs_inode_i_u {
	erofs_le32 compressed_blocks;
	erofs_le32 raw_blkaddr;		/* flat inodes: first data block */
	erofs_le32 rdev;		/* device inodes */
	struct erofs_inode_chunk_info c; /* chunk-based inodes */
} __attribute__((packed));

/* 32-byte inode: 16-bit ids and nlink, 32-bit size, mtime = build_time */
struct erofs_inode_compact {
	erofs_le16 i_format;
	erofs_le16 i_xattr_icount;	/* see erofs_xattr_ibody_size() */
	erofs_le16 i_mode;
	erofs_le16 i_nlink;
	erofs_le32 i_size;
	erofs_le32 i_reserved;
	union erofs_inode_i_u i_u;
	erofs_le32 i_ino;
	erofs_le16 i_uid;
	erofs_le16 i_gid;
	erofs_le32 i_reserved2;
} __attribute__((packed));

/* 64-byte inode: everything at full width, own mtime */
struct erofs_inode_extended {
	erofs_le16 i_format;
	erofs_le16 i_xattr_icount;
	erofs_le16 i_mode;
	erofs_le16 i_reserved;
	erofs_le64 i_size;
	union erofs_inode_i_u i_u;
	erofs_le32 i_ino;
	erofs_le32 i_uid;
	erofs_le32 i_gid;
	erofs_le64 i_mtime;
	erofs_le32 i_mtime_nsec;
	erofs_le32 i_nlink;
	uint8_t i_reserved2[16];
} __attribute__((packed));

/*
 * Inline xattrs follow the inode: a 12-byte header, h_shared_count 32-bit
 * ids of shared xattrs, then 4-byte aligned xattr entries.  The whole area
 * is 12 + (i_xattr_icount - 1) * 4 bytes (0 when i_xattr_icount is 0).
 */
struct erofs_xattr_ibody_header {
	erofs_le32 h_name_filter;	/* bloom filter, bit set = absent */
	uint8_t h_shared_count;
	uint8_t h_reserved2[7];
	/* followed by erofs_le32 h_shared_xattrs[h_shared_count] */
} __attribute__((packed));

static inline uint32_t erofs_xattr_ibody_size(uint16_t icount)
{
	if (!icount)
		return 0;
	return sizeof(struct erofs_xattr_ibody_header) +
	       4u * (uint32_t)(icount - 1);
}

/* e_name_index: the prefix stripped from the stored name */
#define EROFS_XATTR_INDEX_NONE			0	/* full name stored */
#define EROFS_XATTR_INDEX_USER			1	/* "user." */
#define EROFS_XATTR_INDEX_POSIX_ACL_ACCESS	2	/* "system.posix_acl_access" */
#define EROFS_XATTR_INDEX_POSIX_ACL_DEFAULT	3	/* "system.posix_acl_default" */
#define EROFS_XATTR_INDEX_TRUSTED		4	/* "trusted." */
#define EROFS_XATTR_INDEX_LUSTRE		5	/* "lustre." */
#define EROFS_XATTR_INDEX_SECURITY		6	/* "security." */
#define EROFS_XATTR_LONG_PREFIX			0x80
#define EROFS_XATTR_LONG_PREFIX_MASK		0x7f

/* The xattr name bloom filter (COMPAT_XATTR_FILTER) */
#define EROFS_XATTR_FILTER_BITS		32
#define EROFS_XATTR_FILTER_DEFAULT	UINT32_MAX
#define EROFS_XATTR_FILTER_SEED		0x25BBE08Fu

/* One xattr, inline or shared: header, name (no prefix), value, pad to 4 */
struct erofs_xattr_entry {
	uint8_t e_name_len;
	uint8_t e_name_index;
	erofs_le16 e_value_size;
	/* followed by e_name[e_name_len] and the value */
} __attribute__((packed));

#define EROFS_XATTR_ALIGN(n)		(((n) + 3u) & ~3u)

static inline uint32_t erofs_xattr_entry_size(uint32_t name_len,
					      uint32_t value_len)
{
	return EROFS_XATTR_ALIGN(sizeof(struct erofs_xattr_entry) + name_len +
				 value_len);
}

/* A hole in a chunk-based file's block map */
#define EROFS_NULL_ADDR			0xFFFFFFFFu
/* 4-byte block map entries (chunk format without INDEXES) */
#define EROFS_BLOCK_MAP_ENTRY_SIZE	4u

/* 8-byte chunk index (chunk format with INDEXES) */
struct erofs_inode_chunk_index {
	erofs_le16 advise;
	erofs_le16 device_id;
	erofs_le32 blkaddr;
} __attribute__((packed));

/*
 * Directory blocks: an array of dirents, then the names they point to
 * (nameoff is relative to the start of the block, names not terminated;
 * the last name of a block ends at the block end or at a NUL).  The first
 * dirent's nameoff gives the number of dirents in the block.
 */
struct erofs_dirent {
	erofs_le64 nid;
	erofs_le16 nameoff;
	uint8_t file_type;		/* EROFS_FT_* */
	uint8_t reserved;
} __attribute__((packed));

enum {
	EROFS_FT_UNKNOWN = 0,
	EROFS_FT_REG_FILE = 1,
	EROFS_FT_DIR = 2,
	EROFS_FT_CHRDEV = 3,
	EROFS_FT_BLKDEV = 4,
	EROFS_FT_FIFO = 5,
	EROFS_FT_SOCK = 6,
	EROFS_FT_SYMLINK = 7,
	EROFS_FT_MAX
};

_Static_assert(sizeof(struct erofs_super_block) == 128, "superblock size");
_Static_assert(sizeof(union erofs_inode_i_u) == 4, "i_u size");
_Static_assert(sizeof(struct erofs_inode_compact) == 32, "compact inode");
_Static_assert(sizeof(struct erofs_inode_extended) == 64, "extended inode");
_Static_assert(sizeof(struct erofs_xattr_ibody_header) == 12, "ibody header");
_Static_assert(sizeof(struct erofs_xattr_entry) == 4, "xattr entry");
_Static_assert(sizeof(struct erofs_inode_chunk_info) == 4, "chunk info");
_Static_assert(sizeof(struct erofs_inode_chunk_index) == 8, "chunk index");
_Static_assert(sizeof(struct erofs_dirent) == 12, "dirent");

#endif /* ESEAL_EROFS_FS_H */
