/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * Internal state of the composefs-compatible EROFS image writer, shared by
 * its passes, each calling only the ones before it: lib/image/erofs-dirents.c
 * (directory entries, messages naming nodes), erofs-write-xattrs.c (the
 * xattrs of each inode after the overlay rules of lib/format, the shared
 * xattr table), erofs-layout.c (inode order and placement) and
 * erofs-write.c (serialization).
 *
 * The writer never changes the tree except for the scratch fields ino and
 * nid.  What composefs does by rewriting a copy of the tree (escaping
 * trusted.overlay.* xattrs, adding metacopy/redirect/whiteout xattrs, the
 * "." and ".." entries and the 256 whiteouts 00..ff in the root) is done
 * on the fly while laying out and writing.  docs/format.md has the rules.
 */
#ifndef ESEAL_EROFS_WRITE_H
#define ESEAL_EROFS_WRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "composefs.h"
#include "erofs_fs.h"
#include "tree.h"

/* struct ew_inode.flags */
#define EW_COMPACT		(1u << 0) /* 32-byte inode */
#define EW_WHITEOUTS		(1u << 1) /* dir with an escaped whiteout */
#define EW_FAKE			(1u << 2) /* one of the root's 00..ff */

/* One inode, in inode order (ino); a few bytes each. */
struct ew_inode {
	struct eseal_node *node;
	uint32_t n_blocks;		/* data blocks outside the inode area */
	uint32_t xattr_size;		/* inline xattr area, bytes */
	uint32_t nlink;
	uint16_t tailsize;		/* data inlined after the xattrs */
	uint16_t ipad;			/* zero bytes in front of the inode */
	uint16_t flags;			/* EW_* */
	uint32_t n_xattrs;		/* in its ew_xlist */
};

/* One xattr of one inode as it goes to disk (after the overlay rules). */
struct ew_xattr {
	const char *key;		/* full name, NUL-terminated */
	uint32_t key_len;
	const uint8_t *value;
	uint32_t value_len;
	uint8_t index;			/* EROFS_XATTR_INDEX_* */
	uint8_t prefix_len;		/* bytes of key the index stands for */
};

/* The xattrs of one inode, built in scratch memory on demand. */
struct ew_xlist {
	struct ew_xattr *items;
	uint32_t n, cap;
	char *buf;			/* escaped names, generated values */
	size_t buf_cap;
};

/*
 * One xattr occurrence, in inode order and then the order of the inode's
 * ew_xlist, for finding the ones to share; 8 bytes each.
 */
struct ew_xref {
	uint32_t info;			/* while sharing: the size of its
					   entry | EW_REPEATED; then, for a
					   first occurrence: its shared index,
					   or EW_UNSHARED | the entry's size */
	uint32_t rep;			/* first equal occurrence */
};

#define EW_REPEATED 0x80000000u
#define EW_UNSHARED 0x80000000u
#define EW_NOT_SHARED UINT32_MAX

/* A shared xattr, stored once after the inodes. */
struct ew_shared {
	char *key;
	uint8_t *value;
	uint32_t value_len;
	uint8_t index;			/* EROFS_XATTR_INDEX_* */
	uint8_t prefix_len;
	uint32_t rep;			/* its first occurrence (xref) */
	uint64_t offset;		/* from the start of the shared area */
};

/* One directory entry, "." and ".." and the root's whiteouts included. */
struct ew_dirent {
	const char *name;
	uint32_t name_len;
	struct eseal_node *node;	/* the inode it refers to */
	bool is_link;			/* no inode of its own */
};

struct ew_ctx {
	struct eseal_tree *tree;
	struct eseal_error *err;
	unsigned int version;		/* composefs version written */
	bool has_acl;

	struct ew_inode *inodes;
	uint32_t n_inodes;

	/* the root's whiteouts 00..ff that the tree does not already have */
	struct eseal_node fakes[256];
	char fake_names[256][3];
	bool fake_used[256];
	struct eseal_xattr fake_selinux;

	int64_t min_mtime_sec;
	uint32_t min_mtime_nsec;

	struct ew_xref *xrefs;		/* in (ino, idx) order */
	size_t n_xrefs;
	uint64_t *xref_table;		/* open addressing on hash, while
					   sharing: hash << 32 | (xref index
					   + 1), or 0 */
	size_t table_size, n_reps;
	struct ew_shared *shared;	/* in on-disk order */
	size_t n_shared;
	uint64_t shared_size;

	uint64_t inodes_end;		/* end of the inode area, bytes */
	uint64_t data_start;		/* first data block, bytes */
	uint64_t n_data_blocks;

	struct ew_xlist xl;		/* scratch */
	struct ew_dirent *dents;	/* scratch */
	size_t n_dents, cap_dents;
	char path[4096];		/* for error messages */
};

/* erofs-dirents.c */
/* Absolute path of node for messages (maybe truncated). */
const char *ew_path(struct ew_ctx *c, const struct eseal_node *node);
/* Error naming node's path: "<path>: <message>" */
int ew_errorf(struct ew_ctx *c, const struct eseal_node *node, int code,
	      const char *fmt, ...) __printf(4, 5);
/*
 * The entries of directory dir, in strcmp order, into c->dents: its
 * children (hardlinks resolved), "." and "..", and for the root the
 * whiteouts 00..ff it does not have already.
 */
int ew_dir_entries(struct ew_ctx *c, struct eseal_node *dir);

static inline bool ew_is_fake(const struct ew_ctx *c,
			      const struct eseal_node *n)
{
	return n >= c->fakes && n < c->fakes + 256;
}

/* A character device 0:0 of the tree: written as an escaped whiteout. */
static inline bool ew_is_whiteout(const struct ew_ctx *c,
				  const struct eseal_node *n)
{
	return S_ISCHR(n->mode) && n->rdev == 0 && !ew_is_fake(c, n);
}

/* The file type as written (escaped whiteouts become regular files). */
static inline uint32_t ew_type(const struct ew_ctx *c,
			       const struct eseal_node *n)
{
	return ew_is_whiteout(c, n) ? S_IFREG : (n->mode & S_IFMT);
}

/* The size as composefs sees it before layout (0 for whiteouts). */
static inline uint64_t ew_size(const struct ew_ctx *c,
			       const struct eseal_node *n)
{
	if (ew_is_whiteout(c, n))
		return 0;
	if (S_ISLNK(n->mode))
		return n->payload ? strlen(n->payload) : 0;
	return n->size;
}

/* A regular file stored as a metacopy stub (no inline content). */
static inline bool ew_is_stub(const struct ew_ctx *c,
			      const struct eseal_node *n)
{
	return ew_type(c, n) == S_IFREG && ew_size(c, n) > 0 && !n->content;
}

/* erofs-write-xattrs.c */
int ew_xattrs_build(struct ew_ctx *c, uint32_t ino, struct ew_xlist *xl);
int ew_xattrs_share(struct ew_ctx *c);
void ew_xlist_free(struct ew_xlist *xl);
uint32_t ew_xattr_filter(const struct ew_xlist *xl);
/* Shared index of occurrence i, or EW_NOT_SHARED */
static inline uint32_t ew_xref_sid(const struct ew_ctx *c, size_t i)
{
	uint32_t info = c->xrefs[c->xrefs[i].rep].info;

	return info & EW_UNSHARED ? EW_NOT_SHARED : info;
}

/* The size of the entry of occurrence i, which is not shared */
static inline uint32_t ew_xref_unshared_size(const struct ew_ctx *c, size_t i)
{
	return c->xrefs[c->xrefs[i].rep].info & ~EW_UNSHARED;
}

static inline uint32_t ew_xattr_entry_size(const struct ew_xattr *x)
{
	return erofs_xattr_entry_size(x->key_len - x->prefix_len,
				      x->value_len);
}

/* erofs-layout.c */
int ew_collect_inodes(struct ew_ctx *c, unsigned int min_version,
		      unsigned int max_version);
int ew_layout(struct ew_ctx *c);
void ew_chunking(uint64_t size, uint32_t *chunkbits, uint32_t *count);

#endif /* ESEAL_EROFS_WRITE_H */
