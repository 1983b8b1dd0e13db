/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The composefs flavour of EROFS: the header composefs puts in front of the
 * EROFS superblock, its format versions, and the overlayfs xattrs that turn
 * an image into the metadata layer of an overlay mount.
 */
#ifndef ESEAL_COMPOSEFS_H
#define ESEAL_COMPOSEFS_H

#include <stdint.h>

#include "erofs_fs.h"

/* struct composefs_header.magic and .version */
#define COMPOSEFS_MAGIC			0xd078629aU
#define COMPOSEFS_HEADER_VERSION	1

/*
 * composefs_version: the composefs format version the image was written
 * for.  Version 1 changed how whiteouts are escaped (an escaped whiteout's
 * directory is also marked opaque="x"); images without escaped whiteouts
 * are written as version 0 unless version 1 is asked for.
 */
#define COMPOSEFS_VERSION_MIN		0
#define COMPOSEFS_VERSION_MAX		1
#define COMPOSEFS_DEFAULT_VERSION_MIN	0
#define COMPOSEFS_DEFAULT_VERSION_MAX	1

/* struct composefs_header.flags */
#define COMPOSEFS_FLAGS_HAS_ACL		(1u << 0) /* some inode has an ACL */

/*
 * At offset 0 of the image, in the bytes EROFS leaves to the user before
 * its superblock (EROFS_SUPER_OFFSET); little-endian like everything else.
 */
struct composefs_header {
	uint32_t magic;			/* COMPOSEFS_MAGIC */
	uint32_t version;		/* COMPOSEFS_HEADER_VERSION */
	uint32_t flags;			/* COMPOSEFS_FLAGS_* */
	uint32_t composefs_version;	/* 0 or 1, see above */
	uint32_t unused[4];
} __attribute__((packed));

_Static_assert(sizeof(struct composefs_header) == 32, "composefs header");
_Static_assert(sizeof(struct composefs_header) <= EROFS_SUPER_OFFSET,
	       "the header must fit before the EROFS superblock");

/* Limits composefs enforces on what goes into an image */
#define COMPOSEFS_NAME_MAX		255	/* file name bytes */
#define COMPOSEFS_PATH_MAX		4096	/* payload: < this many bytes */
#define COMPOSEFS_XATTR_NAME_MAX	255	/* xattr key bytes */
#define COMPOSEFS_XATTR_VALUE_MAX	65535	/* xattr value bytes */
/* Budget for all xattrs of one inode read from outside (dump, dir). */
#define COMPOSEFS_XATTR_EXTERNAL_MAX	(65535 / 2)
/* Inline file content (dump CONTENT field) at most this many bytes */
#define COMPOSEFS_INLINE_CONTENT_MAX	5000
/* Stub files: at most this many chunks (one block of 4-byte entries) */
#define COMPOSEFS_MAX_CHUNKS		1024

/* The overlayfs xattr names composefs uses */
#define OVL_XATTR_TRUSTED_PREFIX	"trusted.overlay."
#define OVL_XATTR_USER_PREFIX		"user.overlay."
/* A trusted.overlay.X xattr of the tree is stored escaped, as: */
#define OVL_XATTR_ESCAPE_PREFIX		"trusted.overlay.overlay."

#define OVL_XATTR_METACOPY		"trusted.overlay.metacopy"
#define OVL_XATTR_REDIRECT		"trusted.overlay.redirect"
#define OVL_XATTR_WHITEOUT		"trusted.overlay.whiteout"
#define OVL_XATTR_WHITEOUTS		"trusted.overlay.whiteouts"
#define OVL_XATTR_OPAQUE		"trusted.overlay.opaque"

#define OVL_XATTR_ESCAPED_WHITEOUT	"trusted.overlay.overlay.whiteout"
#define OVL_XATTR_ESCAPED_WHITEOUTS	"trusted.overlay.overlay.whiteouts"
#define OVL_XATTR_ESCAPED_OPAQUE	"trusted.overlay.overlay.opaque"

#define OVL_XATTR_USER_WHITEOUT		"user.overlay.whiteout"
#define OVL_XATTR_USER_WHITEOUTS	"user.overlay.whiteouts"
#define OVL_XATTR_USER_OPAQUE		"user.overlay.opaque"

/*
 * trusted.overlay.metacopy value with a digest (overlayfs' struct
 * ovl_metacopy): { u8 version = 0; u8 len (of the whole value); u8 flags =
 * 0; u8 digest_algo (FS_VERITY_HASH_ALG_*); u8 digest[] }.  Without a
 * digest the value is empty.
 */
#define OVL_METACOPY_VERSION		0
#define OVL_METACOPY_HEADER_SIZE	4

#endif /* ESEAL_COMPOSEFS_H */
