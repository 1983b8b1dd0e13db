/* SPDX-License-Identifier: GPL-2.0-or-later OR Apache-2.0 */
/*
 * fs-verity Merkle trees kept as files, and data checked against them.
 *
 * The layout is the one `fsverity digest --out-merkle-tree` writes and
 * FS_IOC_READ_VERITY_METADATA returns: 4 KiB blocks, no salt, the levels
 * from the root level down, each level's blocks in order.  Level 0 holds
 * the hashes of the data blocks (the last one zero-padded), level i + 1
 * the hashes of level i's blocks; the top level is one block, whose hash
 * is the root hash; the file's digest is the hash of the fs-verity
 * descriptor that holds the root hash and the data size.  A file of at
 * most one block has no tree: its block's hash is the root hash.
 *
 * A tree file is never trusted: a block of it is used only once it hashes
 * to the entry for it in its verified parent block, up to a top block
 * whose root hash gives the expected file digest.  Verified blocks are
 * kept in a bounded cache shared by all files.
 */
#ifndef ESEAL_MERKLE_H
#define ESEAL_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsverity.h"
#include "internal.h"

/* 2^64 bytes in 4 KiB blocks need 8 levels of sha256, 9 of sha512 */
#define ESEAL_MERKLE_MAX_LEVELS 10

struct eseal_merkle_geo {
	int alg;			/* ESEAL_HASH_* */
	unsigned int dsize;		/* bytes per hash */
	unsigned int per_block;		/* hashes per tree block */
	uint64_t data_size;
	uint64_t data_blocks;
	unsigned int levels;		/* 0 when the data fits one block */
	uint64_t start[ESEAL_MERKLE_MAX_LEVELS]; /* first block of level i */
	uint64_t count[ESEAL_MERKLE_MAX_LEVELS]; /* blocks in level i */
	uint64_t tree_blocks;		/* blocks in the whole tree */
};

/* The shape of the tree over data_size bytes; -EINVAL for a bad alg. */
int eseal_merkle_geometry(int alg, uint64_t data_size,
			  struct eseal_merkle_geo *g);

static inline uint64_t eseal_merkle_tree_size(const struct eseal_merkle_geo *g)
{
	return g->tree_blocks * ESEAL_VERITY_BLOCK;
}

/* Bytes of data one level-0 tree block covers (512 KiB with sha256) */
static inline size_t eseal_merkle_run(const struct eseal_merkle_geo *g)
{
	return (size_t)g->per_block * ESEAL_VERITY_BLOCK;
}

/*
 * Build the tree of the data in fd, which must hold exactly g->data_size
 * bytes, into out_fd (read and written from offset 0, truncated to the
 * tree's size) with up to 'threads' threads (0: one per online CPU), and
 * store the file's digest in *digest.  A file of another size is
 * -EBADMSG, "<name>: N bytes, the image says M".
 *
 * With a sink, the data is handed to sink->run() in pieces of up to
 * eseal_merkle_run() bytes, on the thread that hashed each, right after
 * it was hashed: the bytes exactly as they were hashed, in no particular
 * order, each once.  They are known good only once the build
 * has returned 0 and its digest is the one expected: a sink that passes
 * them on must be able to take them back.
 */
struct eseal_merkle_sink {
	void (*run)(void *arg, uint64_t off, const uint8_t *data, size_t len);
	void *arg;
};

int eseal_merkle_build(int fd, const char *name,
		       const struct eseal_merkle_geo *g, int out_fd,
		       unsigned int threads,
		       const struct eseal_merkle_sink *sink,
		       struct eseal_digest *digest, struct eseal_error *err);

/* ---- verification (merkle-verify.c) ------------------------------------- */

/* Verified tree blocks of any number of files; thread-safe. */
struct eseal_merkle_cache;

/* A cache of at most 'bytes' of tree blocks (at least 16 blocks). */
struct eseal_merkle_cache *eseal_merkle_cache_new(size_t bytes);
void eseal_merkle_cache_free(struct eseal_merkle_cache *c);
/* A key for a new file's blocks, never handed out before. */
uint64_t eseal_merkle_cache_new_id(struct eseal_merkle_cache *c);
/* Counters, for tests and the bench */
void eseal_merkle_cache_stats(struct eseal_merkle_cache *c, uint64_t *hits,
			      uint64_t *misses, size_t *blocks);

/* One file as the verifier sees it */
struct eseal_merkle_file {
	struct eseal_merkle_geo geo;
	struct eseal_digest digest;	/* what the tree must hash up to */
	uint64_t id;			/* its key in the cache */
	int tree_fd;			/* the (untrusted) tree bytes */
};

/*
 * Check n data blocks starting with block 'first' (n * 4 KiB at data, the
 * last block of the file zero-padded) against the file's digest, with the
 * caller's hashing context (one per thread).  Returns 0 when all verify;
 * -EBADMSG when a data block does not match the tree (*bad is its
 * number); -EUCLEAN when the tree file does not hash up to the digest
 * (a tree block is corrupt or missing: *bad is the data block it was
 * needed for); another -errno when the tree cannot be read.  err names
 * the block.
 */
int eseal_merkle_verify(struct eseal_merkle_cache *c,
			const struct eseal_merkle_file *f,
			struct eseal_fsverity_ctx *h, uint64_t first,
			const uint8_t *data, size_t n, uint64_t *bad,
			struct eseal_error *err);

/*
 * Check the tree's top block against the digest (and keep it verified):
 * 0, -EUCLEAN when the tree does not hash up to the digest, or another
 * -errno when it cannot be read.  Nothing to check without a tree.
 */
int eseal_merkle_check_root(struct eseal_merkle_cache *c,
			    const struct eseal_merkle_file *f,
			    struct eseal_fsverity_ctx *h,
			    struct eseal_error *err);

#endif /* ESEAL_MERKLE_H */
