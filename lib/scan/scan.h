/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * The directory scanner's halves: workers read one directory each into a
 * buffer of records (scan-read.c); the calling thread turns records into
 * tree nodes (scan-dir.c), as the tree is not thread-safe.
 */
#ifndef ESEAL_SCAN_H
#define ESEAL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/*
 * One directory entry.  Followed by the name (name_len bytes + NUL), the
 * symlink target (link_len + NUL, if any), then n_xattrs xattrs, each a
 * struct eseal_scan_xattr, key + NUL, value; the whole padded to 8 bytes.
 */
struct eseal_scan_rec {
	uint64_t dev, ino, rdev, size;
	int64_t mtime_sec, ctime_sec;	/* as on disk, USE_EPOCH or not */
	uint32_t mtime_nsec, ctime_nsec, mode, uid, gid, nlink;
	uint32_t name_len, link_len, n_xattrs;
	uint32_t attrs;			/* ESEAL_SRC_* (tree.h) */
	uint32_t total;			/* record bytes, padded */
};

struct eseal_scan_xattr {
	uint32_t key_len, value_len;
};

/* What a worker needs: read-only during the scan. */
struct eseal_scan_cfg {
	int src_fd;
	const char *src_root;		/* for messages */
	unsigned int flags;		/* ESEAL_SCAN_* */
};

struct eseal_scan_buf;			/* per-thread buffers */

struct eseal_scan_buf *eseal_scan_buf_new(void);
void eseal_scan_buf_free(struct eseal_scan_buf *b);

/*
 * Read the directory at 'path' (relative to cfg->src_fd, "." for the root;
 * its device and inode must be dev and ino) into *recs (malloc'ed, *len
 * bytes, *n records sorted by name).  Errors name the path.
 */
int eseal_scan_read_dir(const struct eseal_scan_cfg *cfg,
			struct eseal_scan_buf *b, const char *path, dev_t dev,
			ino_t ino, uint8_t **recs, size_t *len, size_t *n,
			struct eseal_error *err);

/*
 * Read the xattrs of the directory open at fd (the scan root) as a single
 * record's xattr part: the record is returned like one entry of a
 * directory, named ".".
 */
int eseal_scan_read_self(const struct eseal_scan_cfg *cfg,
			 struct eseal_scan_buf *b, int fd, uint8_t **recs,
			 size_t *len, struct eseal_error *err);

#endif /* ESEAL_SCAN_H */
